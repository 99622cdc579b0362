import type { Db } from '../../db/db';
import type { Env } from '../../env';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { PaymentGateway } from './payment-gateway';
import { createRazorpayGateway } from './razorpay-gateway';
import { createSandboxGateway, sandboxSecretsFrom } from './sandbox-gateway';

/** Razorpay when its keys are set; otherwise the local sandbox (docs/product.md "Buying credits"). */
export function createPaymentGateway(env: Env, deps: { db: Db; clock: Clock; logger: Logger }): PaymentGateway {
  if (env.RAZORPAY_KEY_ID && env.RAZORPAY_KEY_SECRET) {
    if (!env.RAZORPAY_WEBHOOK_SECRET) {
      throw new Error('Invalid configuration:\n  RAZORPAY_WEBHOOK_SECRET: required when RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET are set');
    }
    return createRazorpayGateway(
      { keyId: env.RAZORPAY_KEY_ID, keySecret: env.RAZORPAY_KEY_SECRET, webhookSecret: env.RAZORPAY_WEBHOOK_SECRET },
      deps.logger,
    );
  }
  return createSandboxGateway(sandboxSecretsFrom(deps.db), deps);
}
