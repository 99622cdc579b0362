import { sql, type Insertable } from 'kysely';
import type { Executor } from '../../db/db';
import type { AiConversationsTable, AiMessagesTable, AiReportsTable, AiRequestsTable, TestCaseGenerationsTable, TestCasesTable } from './ai.tables';

// Idempotency of AI actions ------------------------------------------------------------------

/** Claims (org, key) for one AI action; returns false when the key is already taken. */
export async function claimRequest(db: Executor, r: Omit<Insertable<AiRequestsTable>, 'status' | 'response'>) {
  const inserted = await db
    .insertInto('ai_requests')
    .values({ ...r, status: 'pending', response: null })
    .onConflict((oc) => oc.columns(['org_id', 'idempotency_key']).doNothing())
    .returning('idempotency_key')
    .executeTakeFirst();
  return inserted !== undefined;
}

export function findRequest(db: Executor, orgId: string, key: string) {
  return db.selectFrom('ai_requests').selectAll().where('org_id', '=', orgId).where('idempotency_key', '=', key).executeTakeFirst();
}

/** Takes over a pending claim abandoned before `staleBefore` (its process died); false when someone else did. */
export async function takeOverStaleRequest(db: Executor, orgId: string, key: string, staleBefore: Date, now: Date) {
  const row = await db
    .updateTable('ai_requests')
    .set({ created_at: now })
    .where('org_id', '=', orgId)
    .where('idempotency_key', '=', key)
    .where('status', '=', 'pending')
    .where('created_at', '<', staleBefore)
    .returning('idempotency_key')
    .executeTakeFirst();
  return row !== undefined;
}

export async function completeRequest(db: Executor, orgId: string, key: string, response: unknown) {
  await db
    .updateTable('ai_requests')
    .set({ status: 'done', response: JSON.stringify(response) })
    .where('org_id', '=', orgId)
    .where('idempotency_key', '=', key)
    .execute();
}

/** A failed action had no effect: free its key so the same click can be retried. */
export async function dropPendingRequest(db: Executor, orgId: string, key: string) {
  await db.deleteFrom('ai_requests').where('org_id', '=', orgId).where('idempotency_key', '=', key).where('status', '=', 'pending').execute();
}

// Test cases ----------------------------------------------------------------------------------

export function insertGeneration(
  db: Executor,
  g: Insertable<TestCaseGenerationsTable>,
) {
  return db.insertInto('test_case_generations').values(g).returning(['id', 'project_id', 'requirement', 'model', 'stopped', 'created_at']).executeTakeFirstOrThrow();
}

export async function insertTestCases(
  db: Executor,
  rows: Insertable<TestCasesTable>[],
) {
  // A stopped generation may have no whole case to keep.
  if (rows.length === 0) return [];
  return db
    .insertInto('test_cases')
    .values(rows)
    .returning(['id', 'project_id', 'generation_id', 'position', 'area', 'title', 'preconditions', 'steps', 'expected_result', 'created_at'])
    .execute();
}

export function listGenerations(db: Executor, orgId: string, projectId: string, limit: number) {
  return db
    .selectFrom('test_case_generations')
    .select(['id', 'project_id', 'requirement', 'model', 'stopped', 'created_at'])
    .where('org_id', '=', orgId)
    .where('project_id', '=', projectId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export function listTestCasesOfGenerations(db: Executor, orgId: string, generationIds: string[]) {
  if (generationIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('test_cases')
    .select(['id', 'project_id', 'generation_id', 'position', 'area', 'title', 'preconditions', 'steps', 'expected_result', 'created_at'])
    .where('org_id', '=', orgId)
    .where('generation_id', 'in', generationIds)
    .orderBy('generation_id')
    .orderBy('position')
    .execute();
}

export function listTestCasesOfProject(db: Executor, orgId: string, projectId: string, limit: number) {
  return db
    .selectFrom('test_cases')
    .select(['area', 'title'])
    .where('org_id', '=', orgId)
    .where('project_id', '=', projectId)
    .orderBy('created_at', 'desc')
    .orderBy('position')
    .limit(limit)
    .execute();
}

export async function countTestCasesOfProject(db: Executor, orgId: string, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('test_cases')
    .select(sql<string>`count(*)`.as('n'))
    .where('org_id', '=', orgId)
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// Chat ----------------------------------------------------------------------------------------

const conversationColumns = ['id', 'project_id', 'user_id', 'title', 'created_at', 'updated_at'] as const;

export function findConversation(db: Executor, orgId: string, id: string) {
  return db.selectFrom('ai_conversations').select(conversationColumns).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export function listConversations(db: Executor, orgId: string, userId: string, projectId: string, limit: number) {
  return db
    .selectFrom('ai_conversations')
    .select(conversationColumns)
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('project_id', '=', projectId)
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export function insertConversation(db: Executor, c: Insertable<AiConversationsTable>) {
  return db.insertInto('ai_conversations').values(c).returning(conversationColumns).executeTakeFirstOrThrow();
}

export function touchConversation(db: Executor, orgId: string, id: string, at: Date) {
  return db.updateTable('ai_conversations').set({ updated_at: at }).where('org_id', '=', orgId).where('id', '=', id).returning(conversationColumns).executeTakeFirstOrThrow();
}

const messageColumns = ['id', 'role', 'content', 'model', 'stopped', 'created_at'] as const;

export function listMessages(db: Executor, orgId: string, conversationId: string) {
  return db
    .selectFrom('ai_messages')
    .select(messageColumns)
    .where('org_id', '=', orgId)
    .where('conversation_id', '=', conversationId)
    .orderBy('seq')
    .execute();
}

export async function lastMessages(db: Executor, orgId: string, conversationId: string, limit: number) {
  const rows = await db
    .selectFrom('ai_messages')
    .select(['role', 'content'])
    .where('org_id', '=', orgId)
    .where('conversation_id', '=', conversationId)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse();
}

export function insertMessage(
  db: Executor,
  m: Insertable<AiMessagesTable>,
) {
  return db.insertInto('ai_messages').values(m).returning(messageColumns).executeTakeFirstOrThrow();
}

// Reports -------------------------------------------------------------------------------------

const reportColumns = ['id', 'project_id', 'model', 'test_case_count', 'summary', 'coverage', 'gaps', 'stopped', 'created_at'] as const;

export function insertReport(
  db: Executor,
  r: Insertable<AiReportsTable>,
) {
  return db.insertInto('ai_reports').values(r).returning(reportColumns).executeTakeFirstOrThrow();
}

export function listReports(db: Executor, orgId: string, projectId: string, limit: number) {
  return db
    .selectFrom('ai_reports')
    .select(reportColumns)
    .where('org_id', '=', orgId)
    .where('project_id', '=', projectId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export function countByArea(db: Executor, orgId: string, projectId: string) {
  return db
    .selectFrom('test_cases')
    .select(['area', sql<string>`count(*)`.as('n')])
    .where('org_id', '=', orgId)
    .where('project_id', '=', projectId)
    .groupBy('area')
    .execute();
}
