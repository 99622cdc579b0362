/**
 * Tax on what the org buys (credit bundles, auto top-ups, overage invoices): one rule, used by
 * the BFF (the amount charged, the invoice) and the SPA (the buy dialog), tested in
 * shared/test/tax.test.ts. Integers only: amounts in cents, rates in basis points (1800 = 18 %).
 *
 * India GST (docs/decisions/024-billing-profile-tax-invoices.md):
 * - buyer in India, same state as the seller: CGST 9 % + SGST 9 %;
 * - buyer in India, another state: IGST 18 %;
 * - buyer outside India: 0 % (export of services, zero-rated), with the export note;
 * - no billing profile: the place of supply is the seller's own state (an unregistered buyer
 *   with no address on record), so CGST + SGST.
 * Rounding: each tax line is rounded on its own, half up to the cent (as each line stands on
 * the invoice); the total is net + the sum of the lines. So CGST + SGST may differ by one cent
 * from IGST on the same net amount.
 */

export const GST_RATE_BP = 1800;

/**
 * Outside production a made-up seller stands in (its GSTIN has a valid check character but
 * belongs to no one); the BFF refuses to start in production without SELLER_* (bff/src/env.ts).
 * The mock API answers with it too.
 */
export const DEMO_SELLER = {
  legalName: 'TestKase Demo Private Limited',
  address: '1 Demo Street, Indiranagar, Bengaluru 560038, Karnataka, India',
  gstin: '29AAACT1234A1ZX',
  state: '29',
  sac: '998315',
} as const;
export const HALF_GST_RATE_BP = 900;

/** GST state codes (the first two digits of a GSTIN) and their names. */
export const GST_STATES: Record<string, string> = {
  '01': 'Jammu and Kashmir',
  '02': 'Himachal Pradesh',
  '03': 'Punjab',
  '04': 'Chandigarh',
  '05': 'Uttarakhand',
  '06': 'Haryana',
  '07': 'Delhi',
  '08': 'Rajasthan',
  '09': 'Uttar Pradesh',
  '10': 'Bihar',
  '11': 'Sikkim',
  '12': 'Arunachal Pradesh',
  '13': 'Nagaland',
  '14': 'Manipur',
  '15': 'Mizoram',
  '16': 'Tripura',
  '17': 'Meghalaya',
  '18': 'Assam',
  '19': 'West Bengal',
  '20': 'Jharkhand',
  '21': 'Odisha',
  '22': 'Chhattisgarh',
  '23': 'Madhya Pradesh',
  '24': 'Gujarat',
  '26': 'Dadra and Nagar Haveli and Daman and Diu',
  '27': 'Maharashtra',
  '29': 'Karnataka',
  '30': 'Goa',
  '31': 'Lakshadweep',
  '32': 'Kerala',
  '33': 'Tamil Nadu',
  '34': 'Puducherry',
  '35': 'Andaman and Nicobar Islands',
  '36': 'Telangana',
  '37': 'Andhra Pradesh',
  '38': 'Ladakh',
  '97': 'Other Territory',
};

const GSTIN_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** 2-digit state code, PAN (5 letters, 4 digits, 1 letter), entity number, 'Z', check character. */
const GSTIN_FORMAT = /^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/;

/** The GSTIN check character of its first 14 characters (mod-36 Luhn variant, as GSTN computes it). */
export function gstinCheckChar(first14: string): string {
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    const value = GSTIN_CHARS.indexOf(first14[i] ?? '');
    if (value < 0) return '';
    const product = value * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return GSTIN_CHARS[(36 - (sum % 36)) % 36]!;
}

/** Why a GSTIN is not valid, or null when it is (format, known state code, check character). */
export function gstinProblem(gstin: string): string | null {
  if (!GSTIN_FORMAT.test(gstin)) return 'a GSTIN is 15 characters: state code, PAN, entity number, Z and a check character (e.g. 27AAPFU0939F1ZV)';
  if (!GST_STATES[gstin.slice(0, 2)]) return `${gstin.slice(0, 2)} is not a GST state code`;
  if (gstinCheckChar(gstin.slice(0, 14)) !== gstin[14]) return 'the GSTIN check character does not match (a typing error?)';
  return null;
}

export const isValidGstin = (gstin: string): boolean => gstinProblem(gstin) === null;

export type TaxTreatment = 'cgst_sgst' | 'igst' | 'export';

export interface TaxLine {
  /** CGST, SGST or IGST. */
  name: 'CGST' | 'SGST' | 'IGST';
  rateBp: number;
  cents: number;
}

export interface TaxBreakdown {
  treatment: TaxTreatment;
  netCents: number;
  lines: TaxLine[];
  taxCents: number;
  totalCents: number;
  /** The total rate in basis points (1800 or 0). */
  rateBp: number;
  /** On the invoice of a zero-rated export; null otherwise. */
  note: string | null;
}

export const EXPORT_NOTE = 'Supply meant for export of services under LUT without payment of integrated tax (zero-rated, IGST Act s. 16).';

/** `cents * bp / 10000`, rounded half up, in integers. */
export function percentOf(cents: number, bp: number): number {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError('cents must be a non-negative safe integer');
  return Number((BigInt(cents) * BigInt(bp) * 2n + 10_000n) / 20_000n);
}

/** The buyer as the tax rule needs it: the billing profile's country and (India) GST state code. */
export interface TaxBuyer {
  country: string;
  state: string | null;
}

/**
 * The tax of one sale. `seller.state` is the seller's GST state code; `buyer` null means no
 * billing profile (place of supply: the seller's state).
 */
export function computeTax(netCents: number, seller: { state: string }, buyer: TaxBuyer | null): TaxBreakdown {
  let treatment: TaxTreatment;
  if (!buyer) treatment = 'cgst_sgst';
  else if (buyer.country !== 'IN') treatment = 'export';
  else treatment = buyer.state === seller.state ? 'cgst_sgst' : 'igst';
  const lines: TaxLine[] =
    treatment === 'cgst_sgst'
      ? [
          { name: 'CGST', rateBp: HALF_GST_RATE_BP, cents: percentOf(netCents, HALF_GST_RATE_BP) },
          { name: 'SGST', rateBp: HALF_GST_RATE_BP, cents: percentOf(netCents, HALF_GST_RATE_BP) },
        ]
      : treatment === 'igst'
        ? [{ name: 'IGST', rateBp: GST_RATE_BP, cents: percentOf(netCents, GST_RATE_BP) }]
        : [];
  const taxCents = lines.reduce((sum, l) => sum + l.cents, 0);
  return {
    treatment,
    netCents,
    lines,
    taxCents,
    totalCents: netCents + taxCents,
    rateBp: treatment === 'export' ? 0 : GST_RATE_BP,
    note: treatment === 'export' ? EXPORT_NOTE : null,
  };
}

/** "AIC-000042": the seller's gap-free invoice sequence as printed, at most 16 characters (CGST Rules, rule 46(b)). */
export const taxInvoiceNumber = (seq: bigint | number): string => `AIC-${seq.toString().padStart(6, '0')}`;
