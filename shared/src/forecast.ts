/**
 * The credits forecast (issue 11, "numbers at a glance"). Pure integer rules, shared so the BFF
 * computes it and the tests pin it with literal numbers.
 *
 * - The daily rate is the average of the **whole UTC days** of the basis (up to 7 days before
 *   today). Today, a partial day, is never scaled up to a full one: on a day with no whole day
 *   before it (a new org), the rate is what today used so far.
 * - Today is expected to end at the larger of what it used so far (today's pace) and the daily
 *   rate; every later day until the reset uses the daily rate.
 * - Credits still available at the reset (00:00 UTC, a day boundary) expire unused.
 */
export const DAY_MS = 86_400_000;

export interface ForecastInput {
  now: Date;
  /** The billing period's end: 00:00 UTC of the reset day. */
  periodEnd: Date;
  /** Spendable now (balance minus what open reservations hold); negative in overage. */
  availableMc: bigint;
  /** Credits used on the whole days of the basis (before today). */
  wholeDaysMc: bigint;
  /** How many whole days the basis spans (0 to 7). */
  wholeDays: number;
  /** Credits used today (UTC) so far. */
  todayMc: bigint;
}

export interface Forecast {
  /** Credits per whole day. */
  rateMcPerDay: bigint;
  /** What the rest of today is expected to use. */
  restOfTodayMc: bigint;
  /** Credits the forecast expects to be used from now until the reset. */
  untilResetMc: bigint;
  /** UTC day (YYYY-MM-DD) the credits run out, or null if they last until the reset. */
  runOutDay: string | null;
  /** Available credits the forecast expects to be left, and to expire, at the reset. */
  expiringMc: bigint;
}

const startOfDay = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

export function forecastCredits(input: ForecastInput): Forecast {
  const today = startOfDay(input.now.getTime());
  const rate = input.wholeDays > 0 ? input.wholeDaysMc / BigInt(input.wholeDays) : input.todayMc;
  const restOfToday = rate > input.todayMc ? rate - input.todayMc : 0n;
  // Whole days after today until the reset day (the reset is at a day boundary).
  const daysAfterToday = BigInt(Math.max(0, Math.round((startOfDay(input.periodEnd.getTime()) - today) / DAY_MS) - 1));
  const untilReset = restOfToday + rate * daysAfterToday;

  let runOutDay: string | null = null;
  if (input.availableMc <= 0n) runOutDay = isoDay(today);
  else if (input.availableMc <= restOfToday) runOutDay = isoDay(today);
  else if (rate > 0n) {
    const daysNeeded = ceilDiv(input.availableMc - restOfToday, rate);
    if (daysNeeded <= daysAfterToday) runOutDay = isoDay(today + Number(daysNeeded) * DAY_MS);
  }
  const left = input.availableMc - untilReset;
  return { rateMcPerDay: rate, restOfTodayMc: restOfToday, untilResetMc: untilReset, runOutDay, expiringMc: left > 0n ? left : 0n };
}
