import type { ChatMessage, Conversation, Report, TestCaseGeneration } from '../../contracts/ai';
import type { ApiKey } from '../../contracts/api-keys';
import type { AutoTopUp, AutoTopUpState, BillingProfile, Invoice, PaymentMethod, Purchase } from '../../contracts/billing';
import type { Reservation, UsageRow } from '../../contracts/credits';
import type { TimeZoneChoice } from '../../contracts/auth';
import type { AlertSettings, Notification } from '../../contracts/budgets';
import type { AuditEntry, Invitation, Member, OutboxEmail, Project } from '../../contracts/org';
import type { ScenarioName, ScenarioSettings } from '../scenarios';
import type { TaxBreakdown } from '../../tax';

/** A scenario's knobs (scenarios.ts) and what a test adds to the org before it is served. */
export interface ScenarioOptions extends ScenarioSettings {
  /** Adds to the scenario's org before serving it (budgets, notifications, ... a test needs). */
  seed?: (store: MockStore) => void;
}

/**
 * The one in-memory organization of the mock API. Every handler group (auth, org, credits,
 * billing, AI, API keys, metering) reads and writes this store, so what one route changes the
 * others show. Deterministic for a given scenario and `now` (a seeded PRNG).
 */
export interface MockStore {
  scenario: ScenarioName;
  /** The one clock of the mock API: ScenarioOptions.now when a test fixes it, else the real time. */
  clock: () => Date;
  signedIn: boolean;
  userId: string;
  /** Sessions by cookie (ScenarioOptions.cookieSessions): token -> user id. */
  cookieSessions: boolean;
  sessions: Map<string, string>;
  csrfToken: string;
  org: { id: string; name: string; createdAt: string; aiEnabled: boolean };
  members: Member[];
  passwords: Map<string, string>;
  projects: Project[];
  /** Org API keys, and the secret token of each (metering authenticates with them). */
  apiKeys: ApiKey[];
  apiKeyTokens: Map<string, string>;
  /** Newest first. */
  usage: UsageRow[];
  purchases: Purchase[];
  invoices: Invoice[];
  /** Checkout signatures the sandbox handed out, by purchase id. */
  signatures: Map<string, string>;
  period: { start: Date; end: Date };
  balanceMc: number;
  reservations: (Reservation & { apiKeyId: string; projectId: string | null; userId: string | null })[];
  overageLimitMc: number;
  audit: AuditEntry[];
  invitations: Invitation[];
  /** The test-mode mailbox (no SMTP in the mock), newest first. */
  emails: OutboxEmail[];
  /** Account emails (confirmation, reset, "you already have an account"): the dev mailbox, newest first. */
  accountMail: OutboxEmail[];
  /** Emailed single-use links by token: what each confirms (a pending sign-up) or resets. */
  accountLinks: Map<string, { purpose: 'signup' | 'verify' | 'reset_password'; email: string; signup?: { orgName: string; name: string; password: string } }>;
  /** Users whose address is not confirmed yet (ids): they may look, not spend or send mail. */
  unverified: Set<string>;
  /** Monthly budgets of projects and members. */
  budgets: { subjectType: 'project' | 'user'; subjectId: string; limitMc: number }[];
  /** The owner's saved thresholds and when (absent: never saved, the defaults apply). */
  alertThresholds?: AlertSettings;
  /** Each user's own time zone choice (absent: 'local'), as users.time_zone in the BFF. */
  timeZones: Map<string, TimeZoneChoice>;
  /** The signed-in user's notifications, newest first. */
  notifications: Notification[];
  /** "Ask for more" requests sent: `${userId}|${limit}|${UTC day}` -> when (once per limit per member per day, as the BFF). */
  moreRequests: Map<string, string>;
  /** "AI stopped" alerts fired: `stopped:<limit>:<period start>` (once per limit and period, as the BFF). */
  stoppedAlerts: Set<string>;
  generations: TestCaseGeneration[];
  reports: Report[];
  conversations: (Conversation & { messages: ChatMessage[] })[];
  /** Same Idempotency-Key again: the first response (AI runs and metering). */
  idempotent: Map<string, { body: unknown; status: number }>;
  /** Pause between the words of a streamed chat answer (tests set 0 or a larger value to stop one midway). */
  streamDelayMs: number;
  /** What the sandbox gateway does with a payment. */
  payments: 'succeed' | 'decline';
  /** The buyer on tax invoices (null until the owner sets it). */
  billingProfile: BillingProfile | null;
  /** The tax each purchase opened by the mock charges (its order's total), by purchase id; a purchase paid with one gets a tax invoice number. */
  taxes: Map<string, TaxBreakdown>;
  /** The last tax invoice number issued (gap-free, as the BFF's per-seller sequence). */
  lastTaxInvoice: number;
  /** Auto top-up: settings, the saved card (and whether it declines off-session), top-ups newest first, purchases that save their card. */
  autoTopUp: { settings: AutoTopUpState['settings']; paymentMethod: PaymentMethod | null; cardDeclines: boolean; topUps: AutoTopUp[]; saveCard: Set<string> };
  options: ScenarioOptions;
}

let idCounter = 0;
/** RFC 4122 v4-shaped ids that pass `z.uuid()`. */
export function mockId(prefix: number, n: number): string {
  return `${prefix.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}
export function nextId(): string {
  idCounter += 1;
  return mockId(0xfeed, idCounter);
}

export const DAY_MS = 86_400_000;

/** The store's clock as an ISO timestamp (every `createdAt`, `at` and expiry of the mock). */
export function nowIso(store: Pick<MockStore, 'clock'>): string {
  return store.clock().toISOString();
}

export function compareNewestFirst(a: UsageRow, b: UsageRow): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
