import { createHmac, timingSafeEqual } from 'node:crypto';
import type { GatewayMode } from '@ai-credits/shared/contracts/billing';

/** A Razorpay order, as far as we use it. */
export interface GatewayOrder {
  id: string;
  amount: number;
  currency: string;
  status: string;
}

/** A Razorpay payment, as far as we use it (amounts in the smallest currency unit). */
export interface GatewayPayment {
  id: string;
  orderId: string | null;
  amount: number;
  currency: string;
  status: 'created' | 'authorized' | 'captured' | 'refunded' | 'failed';
  amountRefunded: number;
  errorDescription: string | null;
}

/**
 * One interface, two implementations: the real Razorpay API (razorpay-gateway.ts) when keys
 * are configured, the local sandbox (sandbox-gateway.ts) otherwise. Both throw
 * HttpError(502, 'GATEWAY_UNAVAILABLE') when the gateway cannot be reached.
 */
export interface PaymentGateway {
  readonly mode: GatewayMode;
  readonly name: 'razorpay' | 'sandbox';
  /** Public: the only credential that reaches the browser. */
  readonly keyId: string;
  createOrder(input: { amountCents: number; currency: 'USD'; receipt: string; notes: Record<string, string> }): Promise<GatewayOrder>;
  fetchOrderPayments(orderId: string): Promise<GatewayPayment[]>;
  /** Checkout callback: HMAC-SHA256(order_id|payment_id, key secret). Async: the sandbox's secrets live in the database. */
  verifyCheckoutSignature(orderId: string, paymentId: string, signature: string): Promise<boolean>;
  /** Webhook: HMAC-SHA256(raw body, webhook secret). */
  verifyWebhookSignature(rawBody: Buffer, signature: string): Promise<boolean>;
  /**
   * Sandbox only: what happens when the test-mode Checkout dialog is paid or failed. The real
   * gateway has no such thing (the customer pays on Razorpay's own Checkout).
   */
  simulatePayment?(input: SimulatedPaymentInput): Promise<SimulatedPayment>;
}

export interface SimulatedPaymentInput {
  orgId: string;
  purchaseId: string;
  orderId: string;
  amountCents: number;
  currency: string;
  method: string;
  outcome: 'success' | 'failure';
}

export interface SimulatedPayment {
  paymentId: string;
  /** What Checkout would hand to its success handler (signed with the key secret); null on failure. */
  callback: { razorpay_order_id: string; razorpay_payment_id: string; razorpay_signature: string } | null;
  /** The webhook Razorpay would deliver, signed over these exact bytes with the webhook secret. */
  webhook: { rawBody: Buffer; signature: string; eventId: string };
  errorDescription: string | null;
}

export function hmacHex(secret: string, payload: string | Buffer): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/**
 * Constant-time comparison of a hex signature (the SDK's own helpers compare with ===,
 * which leaks timing). Different lengths are simply unequal.
 */
export function signatureMatches(expectedHex: string, received: string): boolean {
  const a = Buffer.from(expectedHex, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function checkoutSignature(keySecret: string, orderId: string, paymentId: string): string {
  return hmacHex(keySecret, `${orderId}|${paymentId}`);
}

export function secretsSigner(secrets: () => Promise<{ keySecret: string; webhookSecret: string }>) {
  return {
    verifyCheckoutSignature: async (orderId: string, paymentId: string, signature: string) =>
      signatureMatches(checkoutSignature((await secrets()).keySecret, orderId, paymentId), signature),
    verifyWebhookSignature: async (rawBody: Buffer, signature: string) => signatureMatches(hmacHex((await secrets()).webhookSecret, rawBody), signature),
  };
}
