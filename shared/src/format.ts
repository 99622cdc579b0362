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
