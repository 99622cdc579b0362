import Razorpay from 'razorpay';
import { HttpError } from '../../http/http-error';
import type { Logger } from '../../lib/logger';
import { secretsSigner, type GatewayPayment, type PaymentGateway, type SavedCard } from './payment-gateway';

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
  token_id?: string | null;
  customer_id?: string | null;
  card?: { last4?: string | null; network?: string | null; expiry_month?: number | string | null; expiry_year?: number | string | null } | null;
}

/** The card a payment saved (token and customer), as the payment entity reports it. */
export function savedCardOf(p: Pick<RazorpayPaymentEntity, 'token_id' | 'customer_id' | 'card'>): SavedCard | null {
  if (!p.token_id || !p.customer_id) return null;
  const month = Number(p.card?.expiry_month);
  const year = Number(p.card?.expiry_year);
  return {
    tokenId: p.token_id,
    customerId: p.customer_id,
    brand: p.card?.network ?? 'Card',
    last4: p.card?.last4 ?? '····',
    expMonth: Number.isInteger(month) && month > 0 ? month : null,
    expYear: Number.isInteger(year) && year > 0 ? year : null,
  };
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
    savedCard: savedCardOf(p),
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
      // Card recurring (Razorpay "Recurring Payments - Cards"): the authorisation order names the
      // customer and the token's mandate; Checkout then runs with customer_id and recurring=1.
      const recurring = input.customerId
        ? { customer_id: input.customerId, method: 'card', token: { max_amount: 1_000_000, expire_at: Math.floor(Date.now() / 1000) + 10 * 365 * 24 * 3600, frequency: 'as_presented' } }
        : {};
      const order = await call('orders.create', () =>
        client.orders.create({ amount: input.amountCents, currency: input.currency, receipt: input.receipt, notes: input.notes, ...recurring } as Parameters<typeof client.orders.create>[0]),
      );
      return { id: order.id, amount: Number(order.amount), currency: order.currency, status: order.status };
    },

    async createCustomer(input) {
      // fail_existing 0: the customer with this email is returned instead of an error.
      const customer = await call('customers.create', () => client.customers.create({ name: input.name.slice(0, 50), email: input.email, fail_existing: 0, notes: { org_id: input.orgId } }));
      return customer.id;
    },

    async chargeSavedCard(input) {
      // A subsequent recurring payment: a fresh order (created by the caller), then the token.
      // Razorpay answers with the ids and a signature like Checkout's; a declined card is a 4xx.
      try {
        const res = await client.payments.createRecurringPayment({
          email: input.email,
          contact: '',
          amount: input.amountCents,
          currency: input.currency,
          order_id: input.orderId,
          customer_id: input.customerId,
          token: input.tokenId,
          recurring: '1',
          description: input.description,
          notes: input.notes,
        } as Parameters<typeof client.payments.createRecurringPayment>[0]);
        if (!res.razorpay_payment_id || !res.razorpay_signature) return { outcome: 'declined', paymentId: res.razorpay_payment_id ?? null, callback: null, errorDescription: 'Razorpay did not confirm the payment' };
        return {
          outcome: 'captured',
          paymentId: res.razorpay_payment_id,
          callback: { razorpay_order_id: res.razorpay_order_id ?? input.orderId, razorpay_payment_id: res.razorpay_payment_id, razorpay_signature: res.razorpay_signature },
          errorDescription: null,
        };
      } catch (err) {
        const statusCode = (err as { statusCode?: number } | null)?.statusCode;
        if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
          const detail = (err as { error?: { description?: string } } | null)?.error?.description;
          logger.warn({ statusCode, detail, orderId: input.orderId }, 'Razorpay declined the recurring payment');
          return { outcome: 'declined', paymentId: null, callback: null, errorDescription: detail ?? 'The card was declined' };
        }
        throw unavailable(logger, 'payments.createRecurringPayment', err);
      }
    },

    async fetchOrderPayments(orderId) {
      const list = await call('orders.fetchPayments', () => client.orders.fetchPayments(orderId));
      return list.items.map((p) => toGatewayPayment(p as unknown as RazorpayPaymentEntity));
    },
  };
}
