/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen in time: Kysely<any>, never the app's types */
import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// AI features (test cases, chat, reports), their idempotency records, and org API keys.
// Tenant tables lead their primary keys and indexes with org_id (PRODUCT.md "Scale").
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table api_keys (
      org_id uuid not null references organizations (id),
      id uuid not null default gen_random_uuid(),
      name text not null,
      -- the first characters of the token, to recognise a key in the list; never the secret part
      token_prefix text not null,
      -- sha256 of the token (a high-entropy random secret, so no slow hash is needed)
      token_hash text not null,
      created_by uuid,
      created_at timestamptz not null,
      last_used_at timestamptz,
      revoked_at timestamptz,
      primary key (org_id, id)
    );
    create unique index api_keys_token on api_keys (org_id, token_hash);

    -- one AI action per (org, Idempotency-Key): a repeated click has no second effect
    create table ai_requests (
      org_id uuid not null references organizations (id),
      idempotency_key text not null,
      operation text not null,
      request_hash text not null,
      status text not null check (status in ('pending', 'done')),
      response jsonb,
      created_at timestamptz not null,
      primary key (org_id, idempotency_key)
    );

    create table test_case_generations (
      org_id uuid not null references organizations (id),
      id uuid not null default gen_random_uuid(),
      project_id uuid not null,
      user_id uuid,
      requirement text not null,
      model text not null,
      usage_id uuid,
      created_at timestamptz not null,
      primary key (org_id, id),
      foreign key (org_id, project_id) references projects (org_id, id)
    );
    create index test_case_generations_project on test_case_generations (org_id, project_id, created_at desc);

    create table test_cases (
      org_id uuid not null references organizations (id),
      id uuid not null default gen_random_uuid(),
      project_id uuid not null,
      generation_id uuid not null,
      position integer not null,
      area text not null,
      title text not null,
      preconditions text not null,
      steps jsonb not null,
      expected_result text not null,
      created_at timestamptz not null,
      primary key (org_id, id),
      foreign key (org_id, project_id) references projects (org_id, id),
      foreign key (org_id, generation_id) references test_case_generations (org_id, id)
    );
    create index test_cases_project on test_cases (org_id, project_id, created_at desc, position);

    create table ai_conversations (
      org_id uuid not null references organizations (id),
      id uuid not null default gen_random_uuid(),
      project_id uuid not null,
      user_id uuid not null,
      title text not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (org_id, id),
      foreign key (org_id, project_id) references projects (org_id, id)
    );
    create index ai_conversations_user on ai_conversations (org_id, user_id, project_id, updated_at desc);

    create table ai_messages (
      org_id uuid not null references organizations (id),
      id uuid not null default gen_random_uuid(),
      conversation_id uuid not null,
      seq bigint generated always as identity,
      role text not null check (role in ('user', 'assistant')),
      content text not null,
      model text,
      usage_id uuid,
      created_at timestamptz not null,
      primary key (org_id, id),
      foreign key (org_id, conversation_id) references ai_conversations (org_id, id)
    );
    create index ai_messages_conversation on ai_messages (org_id, conversation_id, seq);

    create table ai_reports (
      org_id uuid not null references organizations (id),
      id uuid not null default gen_random_uuid(),
      project_id uuid not null,
      user_id uuid,
      model text not null,
      usage_id uuid,
      test_case_count integer not null,
      summary text not null,
      coverage jsonb not null,
      gaps jsonb not null,
      created_at timestamptz not null,
      primary key (org_id, id),
      foreign key (org_id, project_id) references projects (org_id, id)
    );
    create index ai_reports_project on ai_reports (org_id, project_id, created_at desc);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table ai_reports, ai_messages, ai_conversations, test_cases, test_case_generations, ai_requests, api_keys`.execute(db);
}
