import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Ready to shard by org (docs/scaling.md, ADR 023): a table distributed by org_id can only
// enforce a unique key that holds org_id (each shard checks its own rows). projects and
// invitations were also unique by id alone, and an invitation by its token hash alone.
// - projects (id), invitations (id): nothing references them (every foreign key to a project is
//   (org_id, project_id)); ids stay random UUIDs, unique in practice.
// - invitations (token_hash) -> (org_id, token_hash): new accept tokens carry their org
//   (`<org id hex>_<random>`), so the lookup filters by org_id. Tokens issued before this
//   migration carry none: a plain index on token_hash keeps their lookup fast until they have
//   expired (7 days), then a later migration can drop it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table projects drop constraint projects_id_key;
    alter table invitations drop constraint invitations_id_key;
    drop index invitations_token;
    create unique index invitations_token on invitations (org_id, token_hash);
    create index invitations_token_legacy on invitations (token_hash);
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index invitations_token_legacy;
    drop index invitations_token;
    create unique index invitations_token on invitations (token_hash);
    alter table invitations add constraint invitations_id_key unique (id);
    alter table projects add constraint projects_id_key unique (id);
  `.execute(db);
}
