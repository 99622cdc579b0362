import { z } from 'zod';

/** The only place that reads process.env. Fails fast with a readable message. */
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** PostgreSQL URL. Without it the BFF runs on an embedded PGlite database under DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('.data'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Set to true behind HTTPS so the session cookie is Secure. */
  COOKIE_SECURE: z.stringbool().default(false),
  /** log2 of scrypt's N for new password hashes; 15 = 32 MiB. Test suites lower it for speed. */
  PASSWORD_HASH_COST: z.coerce.number().int().min(10).max(20).default(15),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24 * 7),
  /** How long an unsettled reservation holds credits before it gives them back. */
  RESERVATION_TTL_SECONDS: z.coerce.number().int().min(5).max(24 * 3600).default(300),
  /** Seed the demo org on start when the database has no organization yet. */
  SEED_DEMO: z.stringbool().default(true),
  /** Directory of the built SPA to serve; empty to serve none. */
  WEB_DIST: z.string().default('../web/dist'),
  RAZORPAY_KEY_ID: z.string().optional(),
  RAZORPAY_KEY_SECRET: z.string().optional(),
  RAZORPAY_WEBHOOK_SECRET: z.string().optional(),
  /** Local sandbox gateway (used when no Razorpay keys are set): test-mode secrets, never real ones. */
  SANDBOX_KEY_SECRET: z.string().min(8).default('sandbox_key_secret_for_local_test_mode'),
  SANDBOX_WEBHOOK_SECRET: z.string().min(8).default('sandbox_webhook_secret_for_local_test_mode'),
  /** The reconciliation sweep asks the gateway about purchases still pending after this long. */
  BILLING_RECONCILE_AFTER_SECONDS: z.coerce.number().int().min(0).max(24 * 3600).default(180),
  /** OpenAI-compatible chat-completions provider; without it the offline demo model answers. */
  AI_BASE_URL: z.string().url().optional(),
  AI_API_KEY: z.string().optional(),
  AI_MODEL: z.string().optional(),
  /** Catalog id (shared/src/catalog.ts) to charge AI_MODEL's calls at, when the provider names the model differently. */
  AI_CATALOG_MODEL: z.string().optional(),
  AI_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** On SIGTERM/SIGINT: how long in-flight requests may take to finish before their connections are closed. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
});

export type Env = z.infer<typeof EnvSchema>;

export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  return parsed.data;
}
