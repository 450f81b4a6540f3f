/**
 * Simulated time. Every delay in the simulator (prompt length, recognize timeouts, ringing,
 * delivery retries) is expressed in simulated milliseconds and runs `speed` times faster than
 * real time, so a test can run a 5-second silence timeout in 50 ms with speed 100.
 */
export type Cancel = () => void;

export class SimClock {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly speed: number = 1) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError("speed must be a positive number");
  }

  /** Run `fn` after `simMs` simulated milliseconds. Returns a function that cancels it. */
  after(simMs: number, fn: () => void): Cancel {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, Math.max(0, simMs / this.speed));
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /** Resolve after `simMs` simulated milliseconds. */
  sleep(simMs: number): Promise<void> {
    return new Promise((resolve) => this.after(simMs, resolve));
  }

  /** Number of pending timers (for leak checks in tests). */
  get pending(): number {
    return this.timers.size;
  }

  /** Cancel every pending timer (on stop). */
  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
