/** Time comes from here, never from SQL now(): tests move it to the edges of billing periods. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can set; it does not advance by itself unless `follow` is set. */
export class TestClock implements Clock {
  private offsetMs = 0;
  constructor(private fixed: Date | null = null) {}
  now(): Date {
    return this.fixed ? new Date(this.fixed) : new Date(Date.now() + this.offsetMs);
  }
  set(at: Date | string): void {
    this.fixed = new Date(at);
  }
  /** Let time run again from `at` onwards. */
  follow(at: Date | string): void {
    this.fixed = null;
    this.offsetMs = new Date(at).getTime() - Date.now();
  }
  advance(ms: number): void {
    if (this.fixed) this.fixed = new Date(this.fixed.getTime() + ms);
    else this.offsetMs += ms;
  }
}
