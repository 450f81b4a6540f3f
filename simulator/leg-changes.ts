/**
 * Which far-end legs changed, for clients that show calls live (the softphone): every change to
 * a leg (its state, a prompt it hears, a key it presses, an event of its call, whether the call
 * listens to it) stamps the leg with the next revision, and a client long-polls with the cursor of
 * what it has seen. One request waits at most `wait` seconds and returns as soon as anything
 * changed; the number of waiting requests is bounded, and a request is forgotten as soon as its
 * client goes away.
 */
import { randomUUID } from "node:crypto";
import type { Leg } from "./model";

export interface ChangesReply {
  /** Pass back as `since` to get what changes next. Opaque. */
  cursor: string;
  /** True when `calls` is every call not yet ended (no cursor, or a cursor from another run). */
  snapshot: boolean;
  calls: Leg[];
}

interface Waiter {
  since: number;
  resolve(reply: ChangesReply): void;
  timer: NodeJS.Timeout;
}

export class TooManyWatchersError extends Error {}

export class LegChanges {
  /** Tells cursors of this simulator from those of an earlier run (a restarted Node-RED). */
  private readonly epoch = randomUUID().slice(0, 8);
  private revision = 0;
  private readonly revisions = new WeakMap<Leg, number>();
  private readonly waiters = new Set<Waiter>();
  private flushScheduled = false;
  private closed = false;

  constructor(
    private readonly legs: ReadonlyMap<string, Leg>,
    private readonly maxWaiters = 100,
  ) {}

  /** Requests waiting now. */
  get watching(): number {
    return this.waiters.size;
  }

  /** A leg changed: stamp it; waiting requests are answered once the current work is done. */
  touch(leg: Leg): void {
    this.revision += 1;
    this.revisions.set(leg, this.revision);
    if (this.waiters.size > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      // Changes made by one request or timer (a note, an event, a prompt) go out in one reply.
      setImmediate(() => this.flush());
    }
  }

  /**
   * The legs changed since `cursor`, at once when there are any (or when `waitMs` is 0), else
   * when the next change comes or after `waitMs`. Without a usable cursor: a snapshot of every
   * leg not yet ended. `signal` aborts the wait (the client went away).
   */
  changes(cursor: string | undefined, waitMs: number, signal?: AbortSignal): Promise<ChangesReply> {
    const since = this.parse(cursor);
    if (since === undefined) return Promise.resolve(this.snapshot());
    const now = this.since(since);
    if (now.calls.length > 0 || waitMs <= 0 || this.closed || signal?.aborted) return Promise.resolve(now);
    if (this.waiters.size >= this.maxWaiters) {
      return Promise.reject(new TooManyWatchersError(`Too many clients are watching (${this.maxWaiters}); try again shortly.`));
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        since,
        resolve: (reply) => {
          clearTimeout(waiter.timer);
          this.waiters.delete(waiter);
          signal?.removeEventListener("abort", onAbort);
          resolve(reply);
        },
        timer: setTimeout(() => waiter.resolve(this.since(since)), waitMs),
      };
      const onAbort = () => waiter.resolve(this.since(since));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Answer every waiting request now (the simulator stops). */
  close(): void {
    this.closed = true;
    for (const waiter of [...this.waiters]) waiter.resolve(this.since(waiter.since));
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const waiter of [...this.waiters]) {
      if (waiter.since < this.revision) waiter.resolve(this.since(waiter.since));
    }
  }

  private cursor(): string {
    return `${this.epoch}.${this.revision}`;
  }

  /** The revision a cursor stands for; undefined when it is missing or from another run. */
  private parse(cursor: string | undefined): number | undefined {
    const m = cursor ? /^([0-9a-f]{8})\.(\d{1,15})$/.exec(cursor) : null;
    if (!m || m[1] !== this.epoch) return undefined;
    const n = Number(m[2]);
    return n <= this.revision ? n : undefined;
  }

  private since(since: number): ChangesReply {
    const calls = [...this.legs.values()].filter((leg) => (this.revisions.get(leg) ?? 0) > since);
    return { cursor: this.cursor(), snapshot: false, calls };
  }

  private snapshot(): ChangesReply {
    return { cursor: this.cursor(), snapshot: true, calls: [...this.legs.values()].filter((leg) => leg.state !== "ended") };
  }
}

/** Whether a cursor is well formed (a client error otherwise), whatever run it comes from. */
export function isCursor(text: string): boolean {
  return /^[0-9a-f]{8}\.\d{1,15}$/.test(text);
}
