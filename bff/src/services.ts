import type { Db } from './db/db';
import type { Env } from './env';
import type { Clock } from './lib/clock';
import type { Logger } from './lib/logger';
import { createAccountsService } from './features/auth/accounts.service';
import { createLedgerService } from './features/ledger/ledger.service';
import { createCreditsService } from './features/credits/credits.service';
import { createOrgService } from './features/org/org.service';

export interface CoreDeps {
  env: Env;
  db: Db;
  clock: Clock;
  logger: Logger;
}

/** Adapters to the outside world, replaceable in tests (payment gateway, model provider). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- features add their adapters here
export interface Adapters {}

/** Composition root: every service is built here once per app, from the app's deps. */
export function createServices(deps: CoreDeps & { overrides?: Partial<Adapters> }) {
  const { env, db, clock, logger } = deps;
  const ledger = createLedgerService({ db, clock, reservationTtlSeconds: env.RESERVATION_TTL_SECONDS });
  const accounts = createAccountsService({ db, clock, ledger, sessionTtlHours: env.SESSION_TTL_HOURS });
  const org = createOrgService({ db, clock, accounts });
  const credits = createCreditsService({ db, clock, ledger });
  return { env, db, clock, logger, ledger, accounts, org, credits };
}

export type Services = ReturnType<typeof createServices>;
