/** bigint -> JSON number, refusing anything outside the safe integer range rather than rounding it. */
export function toSafeNumber(value: bigint | number | string): number {
  const big = BigInt(value);
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`value ${big} is outside the safe integer range`);
  }
  return Number(big);
}

export const minBig = (a: bigint, b: bigint) => (a < b ? a : b);
export const maxBig = (a: bigint, b: bigint) => (a > b ? a : b);
