import { MC_PER_CREDIT } from './catalog';

/** "1,234.5" from millicredits, without floating point: integer part and up to 3 decimals. */
export function formatCredits(mc: number | bigint, locale = 'en-US'): string {
  const value = BigInt(mc);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / BigInt(MC_PER_CREDIT);
  const frac = abs % BigInt(MC_PER_CREDIT);
  const wholeText = new Intl.NumberFormat(locale).format(whole);
  const fracText = frac === 0n ? '' : '.' + frac.toString().padStart(3, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${wholeText}${fracText}`;
}

/** "$12.40" from integer cents. */
export function formatUsd(cents: number | bigint, locale = 'en-US'): string {
  const value = BigInt(cents);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const dollars = new Intl.NumberFormat(locale).format(abs / 100n);
  return `${negative ? '-' : ''}$${dollars}.${(abs % 100n).toString().padStart(2, '0')}`;
}

// Numbers at a glance (issue 11): headline figures in whole credits, tables with two decimals,
// the exact value in millicredits where someone needs it (a tooltip, the CSV). All integer math.

const MC = BigInt(MC_PER_CREDIT);
const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));
const ceilDiv = (a: bigint, b: bigint) => -floorDiv(-a, b);
const grouped = (n: bigint, locale: string) => new Intl.NumberFormat(locale).format(n);

/** Whole credits rounded down: what is available is never overstated ("12" for 12.999; "-43" for -42.5). */
export function formatCreditsAvailable(mc: number | bigint, locale = 'en-US'): string {
  return grouped(floorDiv(BigInt(mc), MC), locale);
}

/** Whole credits rounded up: what was used is never understated ("1" for 0.2). */
export function formatCreditsUsed(mc: number | bigint, locale = 'en-US'): string {
  return grouped(ceilDiv(BigInt(mc), MC), locale);
}

/** Two decimals for tables, half away from zero on the third: "1,234.57" for 1,234.565. */
export function formatCreditsFixed2(mc: number | bigint, locale = 'en-US'): string {
  const value = BigInt(mc);
  const negative = value < 0n;
  const hundredths = ((negative ? -value : value) + 5n) / 10n;
  const whole = grouped(hundredths / 100n, locale);
  const cents = (hundredths % 100n).toString().padStart(2, '0');
  return `${negative && hundredths > 0n ? '-' : ''}${whole}.${cents}`;
}

/** The exact value, for a tooltip: "1,234.565 credits (1,234,565 millicredits)". */
export function formatCreditsExact(mc: number | bigint, locale = 'en-US'): string {
  return `${formatCredits(mc, locale)} credits (${grouped(BigInt(mc), locale)} millicredits)`;
}

/** The unit after a number already formatted by one of the above: "1 credit", "0.5 credits", "2 credits" (issue 24: "1 credits"). */
export function creditsUnit(formatted: string): 'credit' | 'credits' {
  return formatted === '1' || formatted === '-1' ? 'credit' : 'credits';
}

/** A formatted number with its unit: "1 credit", "1,234 credits". */
export function withCreditsUnit(formatted: string): string {
  return `${formatted} ${creditsUnit(formatted)}`;
}
