import type { Generated } from 'kysely';
import type { Timestamp, Json, GeneratedBigInt } from '../../db/columns';

/**
 * The tables the ai feature owns: only its repository reads or writes them; other features
 * go through its service (ADR 017; test/table-ownership.test.ts holds this). Kept in step with
 * db/migrations/ by test/schema.test.ts.
 */
export interface AiTables {
  ai_requests: AiRequestsTable;
  test_case_generations: TestCaseGenerationsTable;
  test_cases: TestCasesTable;
  ai_conversations: AiConversationsTable;
  ai_messages: AiMessagesTable;
  ai_reports: AiReportsTable;
}

export interface AiRequestsTable {
  org_id: string;
  idempotency_key: string;
  operation: string;
  request_hash: string;
  status: 'pending' | 'done';
  response: Json | null;
  created_at: Timestamp;
}

export interface TestCaseGenerationsTable {
  org_id: string;
  id: Generated<string>;
  project_id: string;
  user_id: string | null;
  requirement: string;
  model: string;
  usage_id: string | null;
  /** A streamed generation cut short: only its whole test cases were kept, what was produced was charged. */
  stopped: Generated<boolean>;
  created_at: Timestamp;
}

export interface TestCasesTable {
  org_id: string;
  id: Generated<string>;
  project_id: string;
  generation_id: string;
  position: number;
  area: string;
  title: string;
  preconditions: string;
  steps: Json;
  expected_result: string;
  created_at: Timestamp;
}

export interface AiConversationsTable {
  org_id: string;
  id: Generated<string>;
  project_id: string;
  user_id: string;
  title: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AiMessagesTable {
  org_id: string;
  id: Generated<string>;
  conversation_id: string;
  seq: GeneratedBigInt;
  role: 'user' | 'assistant';
  content: string;
  model: string | null;
  usage_id: string | null;
  /** A streamed answer cut short (stop, disconnect, provider failure, shutdown): what was produced, charged as such. */
  stopped: Generated<boolean>;
  created_at: Timestamp;
}

export interface AiReportsTable {
  org_id: string;
  id: Generated<string>;
  project_id: string;
  user_id: string | null;
  model: string;
  usage_id: string | null;
  test_case_count: number;
  summary: string;
  coverage: Json;
  gaps: Json;
  /** A streamed report cut short: what was written, charged as such. */
  stopped: Generated<boolean>;
  created_at: Timestamp;
}
