import Razorpay from 'razorpay';
import { HttpError } from '../../http/http-error';
import type { Logger } from '../../lib/logger';
import { secretsSigner, type GatewayPayment, type PaymentGateway } from './payment-gateway';

export interface RazorpayConfig {
  keyId: string;
  keySecret: string;
  webhookSecret: string;
  /** The SDK (axios) sets no timeout of its own. */
  timeoutMs?: number;
}

interface RazorpayPaymentEntity {
  id: string;
  order_id?: string | null;
  amount: number | string;
  currency: string;
  status: GatewayPayment['status'];
  amount_refunded?: number | string | null;
  error_description?: string | null;
}

export function toGatewayPayment(p: RazorpayPaymentEntity): GatewayPayment {
  return {
    id: p.id,
    orderId: p.order_id ?? null,
    amount: Number(p.amount),
    currency: p.currency,
    status: p.status,
    amountRefunded: Number(p.amount_refunded ?? 0),
    errorDescription: p.error_description ?? null,
  };
}

/**
 * The SDK rejects with `{ statusCode, error }` for HTTP errors and, on a network error, with a
 * TypeError from its own error normaliser ("reading 'status'"). Either way the caller gets one
 * clear 502 and the details go to the log.
 */
function unavailable(logger: Logger, operation: string, err: unknown): HttpError {
  const statusCode = (err as { statusCode?: number } | null)?.statusCode;
  const detail = (err as { error?: { description?: string } } | null)?.error?.description;
  logger.error({ err, operation, statusCode, detail }, 'Razorpay call failed');
  const message =
    statusCode !== undefined && statusCode < 500
      ? `Razorpay refused the request (${statusCode}${detail ? `: ${detail}` : ''}). No payment was taken.`
      : 'Razorpay is unreachable right now. No payment was taken; please try again in a minute.';
  return new HttpError(502, 'GATEWAY_UNAVAILABLE', message);
}

export function createRazorpayGateway(config: RazorpayConfig, logger: Logger): PaymentGateway {
  const client = new Razorpay({ key_id: config.keyId, key_secret: config.keySecret });
  const timeoutMs = config.timeoutMs ?? 15_000;

  async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Razorpay ${operation} timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([run(), timeout]);
    } catch (err) {
      throw unavailable(logger, operation, err);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    mode: 'live',
    name: 'razorpay',
    keyId: config.keyId,
    ...secretsSigner(() => Promise.resolve(config)),

    async createOrder(input) {
      const order = await call('orders.create', () =>
        client.orders.create({ amount: input.amountCents, currency: input.currency, receipt: input.receipt, notes: input.notes }),
      );
      return { id: order.id, amount: Number(order.amount), currency: order.currency, status: order.status };
    },

    async fetchOrderPayments(orderId) {
      const list = await call('orders.fetchPayments', () => client.orders.fetchPayments(orderId));
      return list.items.map((p) => toGatewayPayment(p as unknown as RazorpayPaymentEntity));
    },
  };
}
