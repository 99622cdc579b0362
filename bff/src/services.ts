import type { Db } from './db/db';
import { publicUrlOf, type Env } from './env';
import type { Clock } from './lib/clock';
import type { Logger } from './lib/logger';
import { createAuditService } from './features/audit/audit.service';
import { createAccountsService } from './features/auth/accounts.service';
import { createLedgerService } from './features/ledger/ledger.service';
import { createCreditsService } from './features/credits/credits.service';
import { createOrgService } from './features/org/org.service';
import { createInvitationsService } from './features/org/invitations.service';
import { createAiService } from './features/ai/ai.service';
import type { ModelProvider } from './features/ai/model-provider';
import { createModelProvider } from './features/ai/model-provider.factory';
import { createApiKeysService } from './features/api-keys/api-keys.service';
import { createMeteringService } from './features/metering/metering.service';
import { createOpenApiService } from './features/openapi/openapi.service';
import { createBillingService } from './features/billing/billing.service';
import { createBillingProfileService } from './features/billing/billing-profile.service';
import { createAutoTopUpService, type AutoTopUpService } from './features/billing/auto-topup.service';
import { sellerFrom } from './features/billing/seller';
import { createStatementService } from './features/billing/statement.service';
import { createBudgetsService } from './features/budgets/budgets.service';
import type { PaymentGateway } from './features/billing/payment-gateway';
import { createPaymentGateway } from './features/billing/payment-gateway.factory';
import { createEmailService, smtpTransport, type MailTransport } from './features/email/email.service';
import { poolOf } from './db/pool-registry';
import { createMetrics, type Metrics } from './lib/metrics';
import { createReadRouter, primaryOnly, type ReadRouter } from './db/read-db';
import { createReadGate } from './lib/read-gate';

export interface CoreDeps {
  env: Env;
  db: Db;
  /** The pool heavy reads (history, CSV, charts, audit log) run on when there is no replica for them: never the ledger's (ADR 020). */
  readDb?: Db;
  clock: Clock;
  logger: Logger;
}

/** Adapters to the outside world, replaceable in tests (payment gateway, model provider). */
export interface Adapters {
  /** The model the AI features call: OpenAI-compatible HTTP, or the offline demo model. */
  modelProvider: ModelProvider;
  /** Razorpay when keys are set, the local sandbox otherwise. */
  paymentGateway: PaymentGateway;
  /** SMTP through nodemailer when SMTP_URL is set; none (emails stay in the outbox, "test mode") otherwise. */
  mailTransport: MailTransport | null;
}

/** With DATABASE_READ_URL (and a PostgreSQL primary): reads that may lag go to the replica (ADR 023). */
function createReads(deps: CoreDeps, metrics: Metrics): ReadRouter {
  const { env, logger } = deps;
  const primary = deps.readDb ?? deps.db;
  if (!env.DATABASE_READ_URL || !env.DATABASE_URL) return primaryOnly(primary);
  let lastWarning = 0;
  const reads = createReadRouter({
    primary,
    replicaUrl: env.DATABASE_READ_URL,
    poolMax: env.DATABASE_READ_POOL_MAX,
    maxLagMs: env.DATABASE_READ_MAX_LAG_MS,
    onReplicaError: (err) => {
      // at most one line every 10 s while the replica is down: reads go to the primary meanwhile
      if (Date.now() - lastWarning < 10_000) return;
      lastWarning = Date.now();
      logger.warn({ err }, 'read replica unavailable: reading from the primary');
    },
  });
  const replicaPool = reads.replicaDb && poolOf(reads.replicaDb);
  if (replicaPool) metrics.watchPool('replica', replicaPool);
  metrics.watchReplicaLag(() => reads.lagSeconds());
  return reads;
}

/** Composition root: every service is built here once per app, from the app's deps. */
export function createServices(deps: CoreDeps & { overrides?: Partial<Adapters> }) {
  const { env, db, clock, logger } = deps;
  const metrics = createMetrics({ db });
  const primaryPool = poolOf(db);
  if (primaryPool) metrics.watchPool('primary', primaryPool);
  const reads = createReads(deps, metrics);
  const readPool = deps.readDb && poolOf(deps.readDb);
  if (readPool) metrics.watchPool('heavy_reads', readPool);
  const readGate = createReadGate({ perOrg: env.HEAVY_READS_PER_ORG, perInstance: env.HEAVY_READS_PER_INSTANCE, maxWaitMs: env.HEAVY_READS_MAX_WAIT_MS });
  const mailTransport = deps.overrides?.mailTransport !== undefined ? deps.overrides.mailTransport : env.SMTP_URL ? smtpTransport(env.SMTP_URL) : null;
  const email = createEmailService({ db, clock, logger, from: env.EMAIL_FROM, transport: mailTransport });
  // Auto top-up decides in the ledger's transaction (ADR 025); it is built after billing, below.
  const late: { autoTopUp?: AutoTopUpService } = {};
  const ledger = createLedgerService({
    db,
    clock,
    reservationTtlSeconds: env.RESERVATION_TTL_SECONDS,
    maxBatches: env.LEDGER_MAX_BATCHES,
    maxLockWaiters: env.LEDGER_MAX_LOCK_WAITERS,
    metrics,
    onBalanceChange: (trx, changes) => late.autoTopUp?.onBalanceChange(trx, changes) ?? Promise.resolve(),
    // Alerts a batch crossed go out when it commits (issue 23), not at the next outbox sweep.
    onMailQueued: () => email.kick(),
  });
  const accounts = createAccountsService({
    db,
    clock,
    ledger,
    email,
    publicUrl: publicUrlOf(env),
    devMailbox: env.DEV_MAILBOX,
    sessionTtlHours: env.SESSION_TTL_HOURS, passwordHashCost: env.PASSWORD_HASH_COST,
    limits: {
      signupsPerIp: env.RATE_LIMIT_SIGNUPS_PER_IP,
      invitationsPerOrg: env.RATE_LIMIT_INVITATIONS_PER_ORG,
      emailsPerAddress: env.RATE_LIMIT_EMAILS_PER_ADDRESS,
      accountEmailsPerIp: env.RATE_LIMIT_ACCOUNT_EMAILS_PER_IP,
    },
  });
  const audit = createAuditService({ db, reads, accounts });
  const invitations = createInvitationsService({ db, clock, accounts, email, publicUrl: publicUrlOf(env) });
  const apiKeys = createApiKeysService({ db, clock, accounts });
  const org = createOrgService({ db, clock, accounts, apiKeys, invitations });
  // The credits summary counts unpaid overage invoices (billing's), so billing comes first.
  const paymentGateway = deps.overrides?.paymentGateway ?? createPaymentGateway(env, { db, clock, logger });
  const seller = sellerFrom(env);
  const billing = createBillingService({ db, clock, logger, ledger, email, gateway: paymentGateway, seller, reconcileAfterSeconds: env.BILLING_RECONCILE_AFTER_SECONDS });
  const credits = createCreditsService({ db, clock, ledger, billing, apiKeys, reads });
  // Refuses to start when the configured model is not in the catalog (its calls could not be charged).
  const modelProvider = deps.overrides?.modelProvider ?? createModelProvider(env);
  const budgets = createBudgetsService({ db, clock, ledger, org, accounts, email });
  const ai = createAiService({ db, clock, logger, ledger, credits, org, budgets, provider: modelProvider, staleClaimMs: env.RESERVATION_TTL_SECONDS * 1000 });
  const metering = createMeteringService({ db, ledger, org });
  const openApi = createOpenApiService();
  const billingProfile = createBillingProfileService({ db, clock, seller });
  const autoTopUp = (late.autoTopUp = createAutoTopUpService({ db, clock, logger, billing, ledger, mode: paymentGateway.mode, email }));
  const statements = createStatementService({ db, clock, ledger, credits, testMode: paymentGateway.mode === 'sandbox' });
  return { env, db, clock, logger, metrics, reads, readGate, ledger, accounts, org, invitations, credits, ai, apiKeys, metering, openApi, billing, billingProfile, autoTopUp, statements, email, budgets, audit };
}

export type Services = ReturnType<typeof createServices>;
