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
  /** A card saved with this payment (token and customer), when the customer consented. */
  savedCard?: SavedCard | null;
}

/** A card token as a payment reports it (Razorpay payment entity: token_id, customer_id, card). */
export interface SavedCard {
  tokenId: string;
  customerId: string;
  brand: string;
  last4: string;
  expMonth: number | null;
  expYear: number | null;
}

/** The outcome of an off-session charge on a saved token (auto top-up). */
export interface SavedCardCharge {
  outcome: 'captured' | 'declined';
  paymentId: string | null;
  /** Signed like Checkout's callback (Razorpay's recurring payment answers with one); null when declined. */
  callback: { razorpay_order_id: string; razorpay_payment_id: string; razorpay_signature: string } | null;
  /** Sandbox: the webhook Razorpay would deliver for this payment (handled by the same webhook path). */
  webhook?: SimulatedPayment['webhook'];
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
  /** With `customerId` the order authorises saving the card for recurring payments (Razorpay card recurring). */
  createOrder(input: { amountCents: number; currency: 'USD'; receipt: string; notes: Record<string, string>; customerId?: string }): Promise<GatewayOrder>;
  /** The org's customer at the gateway (Razorpay customers.create, an existing one is returned). */
  createCustomer(input: { orgId: string; name: string; email: string }): Promise<string>;
  /** Auto top-up: charge a saved token off-session on a fresh order (Razorpay payments.createRecurringPayment). */
  chargeSavedCard(input: SavedCardChargeInput): Promise<SavedCardCharge>;
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

export interface SavedCardChargeInput {
  orgId: string;
  purchaseId: string;
  orderId: string;
  customerId: string;
  tokenId: string;
  amountCents: number;
  currency: string;
  email: string;
  description: string;
  notes: Record<string, string>;
}

export interface SimulatedPaymentInput {
  orgId: string;
  purchaseId: string;
  orderId: string;
  amountCents: number;
  currency: string;
  method: string;
  outcome: 'success' | 'failure';
  /** Save the card as a token for this customer (the owner ticked "Save this card for auto top-up"). */
  saveForCustomer: string | null;
  card: 'approves' | 'declines_off_session';
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
