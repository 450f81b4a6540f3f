/**
 * Routes Call Automation callback events to the operations waiting for them.
 *
 * A node starts an operation with `begin()` BEFORE it sends the REST request: the operation gets
 * a unique operationContext, and an event that arrives before the REST response (ACS does that)
 * already finds its waiter. An operation ends with the first of its terminal events, its time-out,
 * or the end of its call (CallDisconnected releases every wait on that call at once). Duplicate
 * deliveries are dropped by CloudEvent id. Events no operation claims go to the unclaimed
 * listeners (event-in nodes). Every step is a Map lookup: O(1) per event whatever the number of
 * calls in progress.
 */
import { randomUUID } from "node:crypto";
import { RecentSet } from "./recent-set";

/** The fields of a callback CloudEvent the router reads. */
export interface RoutableEvent {
  id: string;
  /** Short type, e.g. "PlayCompleted" (the "Microsoft.Communication." prefix removed). */
  type: string;
  callConnectionId?: string;
  operationContext?: string;
}

export type Outcome<E extends RoutableEvent> =
  | { kind: "event"; event: E }
  | { kind: "timeout" }
  | { kind: "callEnded"; event?: E }
  | { kind: "canceled" };

export interface BeginOptions<E extends RoutableEvent> {
  /** Event types that end the operation. */
  terminal: readonly string[];
  timeoutMs: number;
  /** The call, when known before the request (it is learnt from the first event otherwise). */
  callConnectionId?: string;
  /** Use this operationContext instead of a generated one (it must be unique). */
  operationContext?: string;
  /** Called with each non-terminal event of this operation (PlayStarted …). */
  onProgress?: (event: E) => void;
}

export interface Operation<E extends RoutableEvent> {
  readonly operationContext: string;
  /** Settles once, with the outcome. */
  readonly result: Promise<Outcome<E>>;
  /** Stop waiting (the REST request failed, the node closed). */
  cancel(): void;
  /** Tell the router which call this operation belongs to (after answer / create). */
  attachCall(callConnectionId: string): void;
}

export interface RouterOptions {
  /** How many CloudEvent ids to remember for de-duplication. */
  dedupeCapacity?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export type DispatchResult = "duplicate" | "claimed" | "progress" | "unclaimed";

const CALL_ENDED = "CallDisconnected";

interface Waiter<E extends RoutableEvent> {
  ctx: string;
  callId?: string;
  terminal: ReadonlySet<string>;
  onProgress?: (event: E) => void;
  settle: (outcome: Outcome<E>) => void;
}

export class EventRouter<E extends RoutableEvent = RoutableEvent> {
  private readonly waiters = new Map<string, Waiter<E>>();
  private readonly byCall = new Map<string, Set<string>>();
  private readonly seen: RecentSet;
  private readonly ended: RecentSet;
  private readonly unclaimed = new Set<(event: E) => void>();
  private readonly callWatchers = new Map<string, Set<(event: E) => void>>();
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(options: RouterOptions = {}) {
    const capacity = options.dedupeCapacity ?? 10000;
    this.seen = new RecentSet(capacity);
    this.ended = new RecentSet(capacity);
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
  }

  /** Number of operations waiting (for status and leak checks). */
  get waiting(): number {
    return this.waiters.size;
  }

  begin(options: BeginOptions<E>): Operation<E> {
    const ctx = options.operationContext ?? randomUUID();
    if (this.waiters.has(ctx)) throw new Error(`operationContext ${ctx} is already in use`);
    let settle!: (outcome: Outcome<E>) => void;
    const result = new Promise<Outcome<E>>((resolve) => {
      settle = resolve;
    });
    const waiter: Waiter<E> = {
      ctx,
      terminal: new Set(options.terminal),
      onProgress: options.onProgress,
      settle: (outcome) => {
        if (this.waiters.get(ctx) !== waiter) return;
        this.clearTimer(timer);
        this.forget(waiter);
        settle(outcome);
      },
    };
    this.waiters.set(ctx, waiter);
    const timer = this.setTimer(() => waiter.settle({ kind: "timeout" }), options.timeoutMs);
    const attachCall = (callId: string): void => {
      if (this.waiters.get(ctx) !== waiter) return;
      // A call that already ended releases the wait at once: its CallDisconnected will not come again.
      if (this.ended.has(callId)) waiter.settle({ kind: "callEnded" });
      else this.link(waiter, callId);
    };
    if (options.callConnectionId) attachCall(options.callConnectionId);
    return {
      operationContext: ctx,
      result,
      cancel: () => waiter.settle({ kind: "canceled" }),
      attachCall,
    };
  }

  /** True once the call's CallDisconnected has been seen (the most recent calls are remembered). */
  hasEnded(callConnectionId: string): boolean {
    return this.ended.has(callConnectionId);
  }

  /** Be told of every event of one call (for "ended" ports and call traces). Returns an unsubscribe. */
  watchCall(callConnectionId: string, listener: (event: E) => void): () => void {
    let set = this.callWatchers.get(callConnectionId);
    if (!set) this.callWatchers.set(callConnectionId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.callWatchers.get(callConnectionId) === set) this.callWatchers.delete(callConnectionId);
    };
  }

  /** How many listeners watch a call (for leak checks). */
  watchers(callConnectionId: string): number {
    return this.callWatchers.get(callConnectionId)?.size ?? 0;
  }

  /** Listen to events no operation claimed. Returns an unsubscribe. */
  onUnclaimed(listener: (event: E) => void): () => void {
    this.unclaimed.add(listener);
    return () => this.unclaimed.delete(listener);
  }

  dispatch(event: E): DispatchResult {
    if (this.seen.has(event.id)) return "duplicate";
    this.seen.add(event.id);

    const callId = event.callConnectionId;
    if (callId) {
      const watchers = this.callWatchers.get(callId);
      if (watchers) for (const w of [...watchers]) safely(() => w(event));
    }

    let result: DispatchResult = "unclaimed";
    const waiter = event.operationContext ? this.waiters.get(event.operationContext) : undefined;
    if (waiter && (!waiter.callId || !callId || waiter.callId === callId)) {
      if (callId && !waiter.callId) this.link(waiter, callId);
      if (waiter.terminal.has(event.type)) {
        waiter.settle({ kind: "event", event });
        result = "claimed";
      } else if (waiter.onProgress) {
        const progress = waiter.onProgress;
        safely(() => progress(event));
        result = "progress";
      }
    }

    if (event.type === CALL_ENDED && callId) {
      this.ended.add(callId);
      this.releaseCall(callId, event);
      this.callWatchers.delete(callId);
    }
    if (result === "unclaimed" || result === "progress") {
      for (const l of this.unclaimed) safely(() => l(event));
    }
    return result;
  }

  /** End every wait on a call (its CallDisconnected arrived, or the flow gave it up). */
  releaseCall(callConnectionId: string, event?: E): void {
    const ctxs = this.byCall.get(callConnectionId);
    if (!ctxs) return;
    this.byCall.delete(callConnectionId);
    for (const ctx of ctxs) this.waiters.get(ctx)?.settle({ kind: "callEnded", event });
  }

  /** Release everything (config node closing). */
  close(): void {
    for (const waiter of [...this.waiters.values()]) waiter.settle({ kind: "canceled" });
    this.callWatchers.clear();
    this.unclaimed.clear();
  }

  private link(waiter: Waiter<E>, callId: string): void {
    if (waiter.callId === callId) return;
    if (waiter.callId) this.byCall.get(waiter.callId)?.delete(waiter.ctx);
    waiter.callId = callId;
    let set = this.byCall.get(callId);
    if (!set) this.byCall.set(callId, (set = new Set()));
    set.add(waiter.ctx);
  }

  private forget(waiter: Waiter<E>): void {
    this.waiters.delete(waiter.ctx);
    if (waiter.callId) {
      const set = this.byCall.get(waiter.callId);
      set?.delete(waiter.ctx);
      if (set && set.size === 0) this.byCall.delete(waiter.callId);
    }
  }
}

/** A listener's exception must never break routing for everyone else. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // The listener's owner reports its own errors; routing goes on.
  }
}
