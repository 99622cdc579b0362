/**
 * Errors that mean "the database cannot be reached right now", not "this request is wrong":
 * the connection was cut (server restart, failover, pg_terminate_backend), refused, or no
 * connection came free in time. The request is answered 503 DATABASE_UNAVAILABLE with
 * Retry-After: its transaction rolled back with the connection, so a retry (with the same
 * Idempotency-Key where the endpoint takes one) is safe.
 */

// SQLSTATE class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown,
// cannot connect now: a server going down or still starting), class 53 (too many connections,
// out of memory or disk), 25006 (a read-only transaction: what a failed-over or demoted primary
// answers), 25P03 (the session's idle transaction was ended by idle_in_transaction_session_timeout).
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-3]|53[0-9A-Z]{3}|25006|25P03)$/;
// Socket-level failures from node:net, as the pg driver passes them on.
const UNAVAILABLE_ERRNO = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// The pg driver, pg-pool and Kysely report lost or unobtainable connections with these messages.
const UNAVAILABLE_MESSAGE =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|Postgres connection has been discarded|Query read timeout)$/;

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const { code, message, cause, errors } = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
  // AggregateError from a connect that tried several addresses (IPv4 and IPv6).
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}

/**
 * A pooled connection that was already dead when it was handed out (it died while idle, e.g. to
 * pg_terminate_backend or a restart, and the pool had not noticed yet): the driver refuses it
 * before anything reaches the server. Not a server's own error (57P01 while a statement runs
 * has no retry here: that request is answered 503).
 */
export function isStaleConnection(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (code === 'EPIPE' || code === 'ECONNRESET') return true;
  return typeof message === 'string' && /^(Client has encountered a connection error and is not queryable|Client was closed and is not queryable|Connection terminated unexpectedly)$/.test(message);
}

// 57014 query canceled (statement_timeout, pg_cancel_backend), 55P03 lock not available
// (lock_timeout, NOWAIT), 40001 serialization failure, 40P01 deadlock detected: the database is
// reachable but this request lost a race or waited too long; it rolled back and may be retried.
const BUSY_SQLSTATE = new Set(['57014', '55P03', '40001', '40P01']);

/** The one classifier of database errors a client may retry (ADR 020), with the answer it gets. */
export interface RetryableDatabaseError {
  code: 'DATABASE_UNAVAILABLE' | 'DATABASE_BUSY';
  message: string;
  retryAfterSeconds: number;
}

export function retryableDatabaseError(err: unknown): RetryableDatabaseError | null {
  if (isDatabaseUnavailable(err)) {
    return { code: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable right now. Please try again in a few seconds.', retryAfterSeconds: 5 };
  }
  if (isDatabaseBusy(err)) {
    return { code: 'DATABASE_BUSY', message: 'The database is busy with this account right now. Please try again in a moment.', retryAfterSeconds: 1 };
  }
  return null;
}

function isDatabaseBusy(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const { code, cause } = err as { code?: unknown; cause?: unknown };
  if (typeof code === 'string' && BUSY_SQLSTATE.has(code)) return true;
  return isDatabaseBusy(cause, depth + 1);
}

/**
 * The server itself refused a statement (an error with a SQLSTATE, on a connection that is still
 * up): the statement, and so a `...; commit` sent after it, did not take effect. A ledger batch
 * that fails this way may be retried per org without risk of applying anything twice.
 */
export function isStatementRefused(err: unknown): boolean {
  if (!err || typeof err !== 'object' || isDatabaseUnavailable(err)) return false;
  const { code } = err as { code?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}
