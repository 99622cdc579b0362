import { z } from 'zod';
import { DEFAULT_RESERVATION_TTL_SECONDS } from '@ai-credits/shared/ledger-rules';
import { gstinProblem } from '@ai-credits/shared/tax';

/** The only place that reads process.env. Fails fast with a readable message. */
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** PostgreSQL URL. Without it the BFF runs on an embedded PGlite database under DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('.data'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  /** A streaming replica of DATABASE_URL: usage history, CSV, charts and the audit log read from it when it is fresh enough (ADR 023). */
  DATABASE_READ_URL: z.string().url().optional(),
  DATABASE_READ_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Replay lag beyond which those reads go to the primary instead. */
  DATABASE_READ_MAX_LAG_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  /** Port of the Prometheus /metrics endpoint (lib/metrics.ts); unset = not served. Never the public port. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Address the metrics port listens on (loopback by default: give Prometheus a private address). */
  METRICS_HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Express `trust proxy`: which hops may name the client in X-Forwarded-For (the login limit
   * counts per client address). `false` (default: the socket's peer is the client), `true`, a
   * number of hops, or a comma-separated list of addresses/subnets/`loopback`.
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v): boolean | number | string => {
      const s = v.trim();
      if (s === 'true' || s === 'false') return s === 'true';
      return /^\d+$/.test(s) ? Number(s) : s;
    }),
  /** Set to true behind HTTPS so the session cookie is Secure. */
  COOKIE_SECURE: z.stringbool().default(false),
  /** log2 of scrypt's N for new password hashes; 15 = 32 MiB. Test suites lower it for speed. */
  PASSWORD_HASH_COST: z.coerce.number().int().min(10).max(20).default(15),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24 * 7),
  /** How long an unsettled reservation holds credits before it gives them back. */
  RESERVATION_TTL_SECONDS: z.coerce.number().int().min(5).max(24 * 3600).default(DEFAULT_RESERVATION_TTL_SECONDS),
  /** Ledger group commit (ADR 020): batches of one instance running at once, each on its own connection. */
  LEDGER_MAX_BATCHES: z.coerce.number().int().min(1).max(64).default(2),
  /** Single-org batches at once waiting for an org whose row is held elsewhere (each waits at most DB_LOCK_TIMEOUT_MS). */
  LEDGER_MAX_LOCK_WAITERS: z.coerce.number().int().min(1).max(64).default(4),
  /** Time limits of every pooled connection (ADR 020); 0 turns one off. Migrations run without them. */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  DB_LOCK_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(15_000),
  /** Heavy reads (usage history, CSV export, charts) run on their own pool of this size, so they never take the ledger's connections. */
  DB_HEAVY_READ_POOL_MAX: z.coerce.number().int().min(1).max(200).default(4),
  /** Heavy reads running at once per org and per instance; more wait up to HEAVY_READS_MAX_WAIT_MS, then answer 429 with Retry-After. */
  HEAVY_READS_PER_ORG: z.coerce.number().int().min(1).max(1000).default(2),
  HEAVY_READS_PER_INSTANCE: z.coerce.number().int().min(1).max(1000).default(8),
  HEAVY_READS_MAX_WAIT_MS: z.coerce.number().int().min(0).max(600_000).default(3_000),
  /** Seed the demo org on start when the database has no organization yet (default: on, except in production). */
  SEED_DEMO: z.stringbool().optional(),
  /** Directory of the built SPA to serve; empty to serve none. */
  WEB_DIST: z.string().default('../web/dist'),
  RAZORPAY_KEY_ID: z.string().optional(),
  RAZORPAY_KEY_SECRET: z.string().optional(),
  RAZORPAY_WEBHOOK_SECRET: z.string().optional(),
  /** The reconciliation sweep asks the gateway about purchases still pending after this long. */
  BILLING_RECONCILE_AFTER_SECONDS: z.coerce.number().int().min(0).max(24 * 3600).default(180),
  /** OpenAI-compatible chat-completions provider; without it the offline demo model answers. */
  AI_BASE_URL: z.string().url().optional(),
  AI_API_KEY: z.string().optional(),
  AI_MODEL: z.string().optional(),
  /** Catalog id (shared/src/catalog.ts) to charge AI_MODEL's calls at, when the provider names the model differently. */
  AI_CATALOG_MODEL: z.string().optional(),
  AI_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** A streamed response (chat answer, CSV export) whose client reads nothing for this long is cut off (and a streamed answer settled). */
  STREAM_STALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Production opt-ins: the sandbox gateway (no real money) and the offline demo model are refused in production unless set. */
  ALLOW_SANDBOX_PAYMENTS: z.stringbool().default(false),
  ALLOW_DEMO_MODEL: z.stringbool().default(false),
  /** SMTP server emails are sent through (smtp://user:pass@host:587, smtps://...); without it emails stay in the outbox ("test mode"). */
  SMTP_URL: z.string().url().refine((v) => /^smtps?:\/\//.test(v), 'an smtp:// or smtps:// URL').optional(),
  /** The From of every email. */
  EMAIL_FROM: z.string().min(3).default('AI Credits <no-reply@ai-credits.local>'),
  /**
   * Where people open the app: the only base of links in emails (invitations, email verification,
   * password reset). Required in production; in development the server's own address. Never a request header.
   */
  PUBLIC_URL: z
    .string()
    .url()
    .refine((v) => /^https?:\/\//.test(v), 'an http:// or https:// URL')
    .optional(),
  /** Rate limits (per hour, counted in PostgreSQL across instances): sign-ups per client address. */
  RATE_LIMIT_SIGNUPS_PER_IP: z.coerce.number().int().min(1).default(20),
  /** Invitation emails (new and resent) per organization per hour. */
  RATE_LIMIT_INVITATIONS_PER_ORG: z.coerce.number().int().min(1).default(50),
  /** Emails to one address per hour: invitations of one org to it, and account emails (sign-up, verification, password reset). */
  RATE_LIMIT_EMAILS_PER_ADDRESS: z.coerce.number().int().min(1).default(5),
  /** Password-reset and verification-resend requests per client address per hour. */
  RATE_LIMIT_ACCOUNT_EMAILS_PER_IP: z.coerce.number().int().min(1).default(30),
  /**
   * GET /api/dev/mailbox: the account emails (confirmation and reset links) to an address, for
   * test mode. Default: on outside production without SMTP_URL; refused in production.
   */
  DEV_MAILBOX: z.stringbool().optional(),
  /** Production opt-in: no SMTP_URL, so emails are only kept in the outbox and shown in the app ("test mode"). */
  ALLOW_OUTBOX_EMAIL: z.stringbool().default(false),
  /**
   * The seller on every tax invoice (ADR 024). Required in production; elsewhere a demo seller
   * (features/billing/seller.ts) stands in. The GSTIN is checked (format, state code, check character).
   */
  SELLER_LEGAL_NAME: z.string().trim().min(1).optional(),
  SELLER_ADDRESS: z.string().trim().min(1).optional(),
  SELLER_GSTIN: z
    .string()
    .trim()
    .optional()
    .superRefine((v, ctx) => {
      const problem = v === undefined ? null : gstinProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  /** SAC code of the service on tax invoices. */
  SELLER_SAC: z.string().regex(/^\d{6}$/, 'a 6-digit SAC code').optional(),
  /** On SIGTERM/SIGINT: how long in-flight requests may take to finish before their connections are closed. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
});

export type Env = Omit<z.infer<typeof EnvSchema>, 'SEED_DEMO' | 'DEV_MAILBOX'> & { SEED_DEMO: boolean; DEV_MAILBOX: boolean };

/** Values that are examples, not secrets: refused in production wherever a secret goes. */
const PLACEHOLDER_SECRETS = new Set(['changeme', 'change-me', 'change_me', 'secret', 'password', 'test', 'example', 'xxx', 'todo']);

/**
 * What a production start must not run on without saying so: each demo stand-in needs its own
 * explicit opt-in, and a secret must not be a placeholder. Empty when the configuration is fine.
 */
export function productionProblems(env: Env): string[] {
  if (env.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  const razorpay = [env.RAZORPAY_KEY_ID, env.RAZORPAY_KEY_SECRET, env.RAZORPAY_WEBHOOK_SECRET];
  if (razorpay.some(Boolean) && !razorpay.every(Boolean)) {
    problems.push('RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET, RAZORPAY_WEBHOOK_SECRET: set all three (only some are set)');
  } else if (!razorpay.some(Boolean) && !env.ALLOW_SANDBOX_PAYMENTS) {
    problems.push('ALLOW_SANDBOX_PAYMENTS: no Razorpay keys, so payments would go through the sandbox gateway (no real money); set the RAZORPAY_* keys, or ALLOW_SANDBOX_PAYMENTS=true');
  }
  if (!env.AI_BASE_URL && !env.ALLOW_DEMO_MODEL) {
    problems.push('ALLOW_DEMO_MODEL: no AI_BASE_URL, so AI features would answer with the offline demo model; set AI_BASE_URL (and AI_API_KEY, AI_MODEL), or ALLOW_DEMO_MODEL=true');
  }
  if (!env.SMTP_URL && !env.ALLOW_OUTBOX_EMAIL) {
    problems.push('ALLOW_OUTBOX_EMAIL: no SMTP_URL, so emails (invitations, receipts, invoices, alerts) would only be kept in the outbox and shown in the app; set SMTP_URL (and EMAIL_FROM), or ALLOW_OUTBOX_EMAIL=true');
  }
  if (env.DEV_MAILBOX) {
    problems.push('DEV_MAILBOX: the dev mailbox shows anyone the confirmation and reset links of any address; it is never served in production');
  }
  if (!env.PUBLIC_URL) {
    problems.push('PUBLIC_URL: not set; links in emails (invitations, email verification, password reset) need the address people open the app at, e.g. https://credits.example.com');
  }
  const seller = { SELLER_LEGAL_NAME: env.SELLER_LEGAL_NAME, SELLER_ADDRESS: env.SELLER_ADDRESS, SELLER_GSTIN: env.SELLER_GSTIN };
  const missingSeller = Object.entries(seller).flatMap(([name, value]) => (value ? [] : [name]));
  if (missingSeller.length) problems.push(`${missingSeller.join(', ')}: the seller on every tax invoice; set the legal name, address and GSTIN`);
  for (const name of ['RAZORPAY_KEY_SECRET', 'RAZORPAY_WEBHOOK_SECRET', 'AI_API_KEY'] as const) {
    const value = env[name];
    if (value !== undefined && (PLACEHOLDER_SECRETS.has(value.trim().toLowerCase()) || value.trim().length < 8)) {
      problems.push(`${name}: a placeholder or too short; set the real secret`);
    }
  }
  return problems;
}

/** The base of every link in an email: PUBLIC_URL, else (development, tests) this server's own address. Never a request header. */
export function publicUrlOf(env: Pick<Env, 'PUBLIC_URL' | 'HOST' | 'PORT'>): string {
  if (env.PUBLIC_URL) return env.PUBLIC_URL.replace(/\/+$/, '');
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' || env.HOST === '' ? 'localhost' : env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST;
  return `http://${host}:${env.PORT}`;
}

export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  // The demo seed (public demo passwords) is on by default for local use; in production only with SEED_DEMO=true.
  const env: Env = {
    ...parsed.data,
    SEED_DEMO: parsed.data.SEED_DEMO ?? parsed.data.NODE_ENV !== 'production',
    DEV_MAILBOX: parsed.data.DEV_MAILBOX ?? (parsed.data.NODE_ENV !== 'production' && !parsed.data.SMTP_URL),
  };
  const problems = productionProblems(env);
  if (problems.length) {
    throw new Error(`Refusing to start with NODE_ENV=production:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return env;
}

/** For entry points: a configuration error is printed as itself (no stack) and the process exits 1. */
export function loadEnvOrExit(source: Record<string, string | undefined> = process.env): Env {
  try {
    return loadEnv(source);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

/** The connection time limits the environment asks for (db.ts). */
export function dbTimeLimits(env: Pick<Env, 'DB_STATEMENT_TIMEOUT_MS' | 'DB_LOCK_TIMEOUT_MS' | 'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS'>) {
  return { statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS, lockTimeoutMs: env.DB_LOCK_TIMEOUT_MS, idleInTransactionTimeoutMs: env.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS };
}

/** Every variable the schema reads: README.md's configuration table lists exactly these (test/docs.test.ts). */
export const ENV_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);
