import { createHash } from 'node:crypto';

/**
 * The fingerprint an idempotency record keeps of its request: a key sent again with a different
 * request is refused (IDEMPOTENCY_KEY_REUSED) instead of replaying the first answer. One
 * definition for the metering API's keys (ledger) and the app's AI clicks (ai).
 */
export const requestHash = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');
