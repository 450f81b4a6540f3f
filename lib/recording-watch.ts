/**
 * Waiting for the outcome of a recording start. ACS accepts the request first (200 or 202 with a
 * recording id), then tells how it went: RecordingStateChanged (active, or inactive when paused
 * on start) or StartRecordingFailed. These events carry the recording id, not an
 * operationContext, and may arrive before the REST answer, so the watch listens from before the
 * request and keeps what it hears until it knows the recording id.
 */

/** An event as the watch reads it (AcsService's ObservedEvent fits). */
export interface WatchedEvent {
  id: string;
  type: string;
  time?: string;
  callConnectionId?: string;
  serverCallId?: string;
  data: Record<string, unknown>;
}

export type RecordingStartOutcome =
  | { kind: "started"; state: string; event: WatchedEvent }
  | { kind: "failed"; event: WatchedEvent }
  | { kind: "timeout" }
  | { kind: "callEnded"; event?: WatchedEvent }
  | { kind: "canceled" };

export interface WatchTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const defaultTimers: WatchTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

const WATCHED = new Set(["RecordingStateChanged", "StartRecordingFailed", "CallDisconnected"]);
/** Events kept while the recording id is unknown (only the three types above, of this call). */
const MAX_BUFFERED = 50;

export class RecordingStartWatch {
  private buffer: WatchedEvent[] = [];
  /** Set once the start has been answered (the id may still be missing: then the call's events count). */
  private answered = false;
  private recordingId?: string;
  /**
   * The state that confirms the start (active, or inactive when paused on start). Any other state
   * is not the verdict: an "inactive" for a recording that should run means it stopped already
   * (its call ended), and the call's CallDisconnected settles the wait.
   */
  private expectedState?: string;
  private settle?: (outcome: RecordingStartOutcome) => void;
  private final?: RecordingStartOutcome;
  private timer?: unknown;
  private readonly unsubscribe: () => void;

  /**
   * Start listening (before the start request is sent). `subscribe` gives every event of the
   * connection and returns an unsubscribe; `call` names the call being recorded.
   */
  constructor(
    subscribe: (listener: (event: WatchedEvent) => void) => () => void,
    private readonly call: { callConnectionId?: string; serverCallId?: string },
    private readonly timers: WatchTimers = defaultTimers,
  ) {
    this.unsubscribe = subscribe((event) => this.hear(event));
  }

  /**
   * The outcome for the recording the start request answered with. Without a recording id (an
   * answer with no body), the first verdict about the call counts.
   */
  outcome(recordingId: string | undefined, timeoutMs: number, expectedState?: "active" | "inactive"): Promise<RecordingStartOutcome> {
    if (this.final) return Promise.resolve(this.final);
    this.answered = true;
    this.expectedState = expectedState;
    this.recordingId = recordingId || undefined;
    return new Promise((resolve) => {
      this.settle = resolve;
      for (const event of this.buffer.splice(0)) {
        this.judge(event);
        if (this.final) return;
      }
      this.timer = this.timers.set(() => this.finish({ kind: "timeout" }), timeoutMs);
    });
  }

  /** Stop waiting (the request failed, or the node is closing). */
  cancel(): void {
    this.finish({ kind: "canceled" });
  }

  private hear(event: WatchedEvent): void {
    if (this.final || !WATCHED.has(event.type)) return;
    if (!this.answered) {
      if (this.buffer.length < MAX_BUFFERED && (this.ofCall(event) || typeof event.data.recordingId === "string")) this.buffer.push(event);
      return;
    }
    this.judge(event);
  }

  private judge(event: WatchedEvent): void {
    const rid = event.data.recordingId;
    const mine = this.recordingId ? rid === this.recordingId : this.ofCall(event);
    switch (event.type) {
      case "RecordingStateChanged":
        if (mine && (!this.expectedState || event.data.state === this.expectedState)) this.finish({ kind: "started", state: String(event.data.state ?? ""), event });
        break;
      case "StartRecordingFailed":
        if (mine || (rid === undefined && this.ofCall(event))) this.finish({ kind: "failed", event });
        break;
      case "CallDisconnected":
        if (this.ofCall(event)) this.finish({ kind: "callEnded", event });
        break;
    }
  }

  private ofCall(event: WatchedEvent): boolean {
    const { callConnectionId, serverCallId } = this.call;
    return (!!callConnectionId && event.callConnectionId === callConnectionId) || (!!serverCallId && event.serverCallId === serverCallId);
  }

  private finish(outcome: RecordingStartOutcome): void {
    if (this.final) return;
    this.final = outcome;
    this.buffer = [];
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.unsubscribe();
    this.settle?.(outcome);
  }
}
