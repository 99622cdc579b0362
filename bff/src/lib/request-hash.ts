import { hash } from 'node:crypto';

/**
 * The fingerprint an idempotency record keeps of its request: a key sent again with a different
 * request is refused (IDEMPOTENCY_KEY_REUSED) instead of replaying the first answer. One
 * definition for the metering API's keys (ledger) and the app's AI clicks (ai). crypto.hash: the
 * one-shot form of createHash(...).update(...).digest('hex'), the same hex digest.
 */
export const requestHash = (value: unknown): string => hash('sha256', JSON.stringify(value));
