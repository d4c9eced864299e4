/** Source of "now" for every deadline computation, injectable so tests can drive time. */
export interface Clock {
  now(): Date;
}

/** Nest injection token for the {@link Clock} (SystemClock unless a test overrides it with a ManualClock). */
export const CLOCK = Symbol('CLOCK');

/** Wall-clock time of this process. */
export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock that only moves when told to: tests set or advance it instead of waiting real days. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(d: Date): void {
    this.current = d.getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
