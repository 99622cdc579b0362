/**
 * Errors that mean "the database cannot be reached right now", not "this request is wrong":
 * the connection was cut (server restart, failover, pg_terminate_backend), refused, or no
 * connection came free in time. The request is answered 503 DATABASE_UNAVAILABLE with
 * Retry-After: its transaction rolled back with the connection, so a retry (with the same
 * Idempotency-Key where the endpoint takes one) is safe.
 */

// SQLSTATE class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown,
// cannot connect now: a server going down or still starting), 53300 (too many connections).
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-3]|53300)$/;
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
