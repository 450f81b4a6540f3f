/**
 * The call trace: for each recent call of an acs-config, a timeline of what happened to it — the
 * nodes its messages passed through and the port each left by, the operations sent to ACS, the
 * events ACS sent back, and the errors nodes reported — with timestamps. It lives in memory and is
 * bounded: the last `calls` calls per acs-config (older ones are forgotten) and the last `steps`
 * steps per call (earlier ones are dropped and counted). Recording a step is O(1): a map lookup
 * and one small object. Nothing secret is kept: no callback URL, no incoming-call context (it is
 * used as a lookup key only and never shown), error texts go through redactSecrets.
 *
 * One registry per process (`callTraces`) holds one CallTrace per acs-config node, so a trace
 * survives redeploys; a global sequence number orders every step and is the cursor the editor
 * asks "what changed since" with.
 */
import { redactSecrets } from "./acs-errors";
import { describeEvent } from "./trace-events";
import { describeRequest, describeResponse, shorten, type RequestInfo, type ResponseInfo, type SettingValue } from "./trace-requests";

export type StepKind = "node" | "outcome" | "operation" | "event" | "error";
export type CallState = "incoming" | "connecting" | "connected" | "ended" | "failed" | "rejected" | "redirected";

/** One step of a call's timeline (fields by kind; JSON as the admin API serves it). */
export interface TraceStep {
  /** Order of recording, over every call of every config: the "since" cursor. */
  seq: number;
  /** When it happened (ms since the epoch). */
  t: number;
  kind: StepKind;
  /** node, outcome, error: the node (its id, type and name). */
  nodeId?: string;
  nodeType?: string;
  nodeName?: string;
  /** outcome: the output port the message left by (0-based), and msg.payload.reason if any. */
  port?: number;
  reason?: string;
  /** operation: the REST operation, its operationContext, key settings and ACS's HTTP status. */
  op?: string;
  context?: string;
  settings?: Record<string, SettingValue>;
  status?: number;
  /** event: its type ("PlayCompleted"), result code, sub-code, message, and a short detail. */
  event?: string;
  code?: number | string;
  subCode?: number;
  message?: string;
  detail?: string;
  /** error, or an operation ACS refused: what went wrong (redacted). */
  error?: string;
}

/** A node as the trace names it. */
export interface TracedNode {
  id: string;
  type: string;
  name?: string;
}

/** The ids a message's msg.call may carry. */
export interface CallIds {
  callConnectionId?: string;
  serverCallId?: string;
}

/** An IncomingCall as the trace keeps it until a flow takes the call. */
export interface IncomingCallInfo {
  serverCallId?: string;
  correlationId?: string;
  incomingCallContext: string;
  from: string;
  to: string;
}

/** An event as the trace reads it (callback or Event Grid). */
export interface TracedEvent {
  type: string;
  callConnectionId?: string;
  serverCallId?: string;
  correlationId?: string;
  operationContext?: string;
  data: Record<string, unknown>;
}

/** A REST request the SDK sent and what came back (from the client's request tap). */
export interface SentRequest {
  method: string;
  url: string;
  /** The request body as sent (JSON text for Call Automation operations). */
  body: unknown;
  startedAt: number;
  status?: number;
  responseText?: string;
  /** Set when no answer came (network failure, aborted). */
  error?: unknown;
}

export interface TraceLimits {
  /** Calls kept per acs-config. */
  calls: number;
  /** Steps kept per call. */
  steps: number;
}

export const DEFAULT_LIMITS: TraceLimits = { calls: 50, steps: 200 };

/**
 * The trace's clock: ms since the epoch with µs resolution, from the monotonic clock, so steps
 * recorded in the same millisecond (a node, then the request it sends) keep their order.
 */
export function traceNow(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000;
}

/** A call as the list shows it. */
export interface CallSummary {
  id: string;
  config: string;
  callConnectionId?: string;
  serverCallId?: string;
  correlationId?: string;
  direction?: "inbound" | "outbound" | "connect";
  from?: string;
  to?: string;
  state: CallState;
  start: number;
  end?: number;
  steps: number;
  dropped: number;
  /** The seq of its latest step. */
  updated: number;
  last?: TraceStep;
}

const ENDED: ReadonlySet<CallState> = new Set(["ended", "failed", "rejected", "redirected"]);

/** One call's timeline. */
export class CallRecord {
  callConnectionId?: string;
  serverCallId?: string;
  correlationId?: string;
  direction?: "inbound" | "outbound" | "connect";
  from?: string;
  to?: string;
  state: CallState = "connected";
  end?: number;
  updated = 0;
  dropped = 0;
  readonly steps: TraceStep[] = [];
  /** Every key this call is indexed under in its trace (ids, incoming-call context, recording ids). */
  readonly keys: string[] = [];

  constructor(
    readonly id: string,
    readonly trace: CallTrace,
    readonly start: number,
  ) {}

  summary(): CallSummary {
    return {
      id: this.id,
      config: this.trace.configId,
      callConnectionId: this.callConnectionId,
      serverCallId: this.serverCallId,
      correlationId: this.correlationId,
      direction: this.direction,
      from: this.from,
      to: this.to,
      state: this.state,
      start: this.start,
      end: this.end,
      steps: this.steps.length,
      dropped: this.dropped,
      updated: this.updated,
      last: this.steps[this.steps.length - 1],
    };
  }

  /** Steps recorded after `since` (a seq), in time order. */
  stepsSince(since = 0): TraceStep[] {
    return since > 0 ? this.steps.filter((s) => s.seq > since) : this.steps.slice();
  }

  finish(state: CallState, t: number): void {
    if (ENDED.has(this.state)) return;
    this.state = state;
    this.end = t;
  }
}

interface PendingIncoming extends IncomingCallInfo {
  t: number;
}

/** The trace of one acs-config node. */
export class CallTrace {
  /** How the editor names this trace's connection. */
  name?: string;
  mode?: string;
  limits: TraceLimits;
  private readonly calls = new Map<string, CallRecord>();
  private readonly index = new Map<string, CallRecord>();
  /** IncomingCalls no flow has taken yet (every config subscribed to the resource gets them). */
  private readonly pending = new Map<string, PendingIncoming>();
  /** The latest event step and its call, which retract may take back. */
  private lastEvent?: TraceStep;
  private lastEventCall?: CallRecord;

  constructor(
    readonly configId: string,
    private readonly registry: CallTraceRegistry,
    limits: Partial<TraceLimits> = {},
  ) {
    this.limits = limitsOf(limits);
  }

  get size(): number {
    return this.calls.size;
  }

  /** Newest first. */
  list(): CallRecord[] {
    return [...this.calls.values()].reverse();
  }

  record(id: string): CallRecord | undefined {
    return this.calls.get(id);
  }

  /** The call known by this id (callConnectionId, serverCallId, ...). */
  lookup(key: string | undefined): CallRecord | undefined {
    return key ? this.index.get(key) : undefined;
  }

  find(ids: CallIds | undefined): CallRecord | undefined {
    if (!ids) return undefined;
    return this.lookup(ids.callConnectionId) ?? this.lookup(ids.serverCallId);
  }

  clear(): void {
    this.calls.clear();
    this.index.clear();
    this.pending.clear();
    this.registry.changed();
  }

  // ----------------------------------------------------------------- recording

  /** An IncomingCall arrived: kept aside until a flow takes it (adopt) or an operation names it. */
  incoming(call: IncomingCallInfo, t = traceNow()): void {
    const entry: PendingIncoming = { serverCallId: call.serverCallId, correlationId: call.correlationId, incomingCallContext: call.incomingCallContext, from: call.from, to: call.to, t };
    if (call.serverCallId) this.pending.set(call.serverCallId, entry);
    this.pending.set(call.incomingCallContext, entry);
    // Two keys per call; forget the oldest calls beyond the limit.
    while (this.pending.size > 2 * this.limits.calls) {
      const oldest = this.pending.values().next().value as PendingIncoming;
      this.forgetPending(oldest);
    }
  }

  /**
   * A flow takes the incoming call known by `key` (its serverCallId or incoming-call context):
   * it becomes a traced call, its IncomingCall the first step. Returns the call (also when it was
   * already adopted), or undefined when this trace never heard of it.
   */
  adopt(key: string | undefined): CallRecord | undefined {
    if (!key) return undefined;
    const known = this.index.get(key);
    if (known) return known;
    const p = this.pending.get(key);
    if (!p) return undefined;
    this.forgetPending(p);
    const record = this.create(p.t);
    record.direction = "inbound";
    record.from = p.from;
    record.to = p.to;
    record.state = "incoming";
    record.correlationId = p.correlationId;
    this.alias(record, p.serverCallId, "serverCallId");
    this.alias(record, p.incomingCallContext);
    this.add(record, { seq: 0, t: p.t, kind: "event", event: "IncomingCall" });
    return record;
  }

  /** A node got a message about `record`'s call. */
  node(record: CallRecord, node: TracedNode, t = traceNow()): void {
    this.add(record, { seq: 0, t, kind: "node", nodeId: node.id, nodeType: node.type, nodeName: node.name || undefined });
  }

  /** A node sent a message about `record`'s call on output `port`. */
  outcome(record: CallRecord, node: TracedNode, port: number, reason?: string, t = traceNow()): void {
    this.add(record, { seq: 0, t, kind: "outcome", nodeId: node.id, nodeType: node.type, nodeName: node.name || undefined, port, reason });
  }

  /** A node reported an error while handling a message about `record`'s call. */
  error(record: CallRecord, node: TracedNode | undefined, message: string, t = traceNow()): void {
    this.add(record, {
      seq: 0,
      t,
      kind: "error",
      nodeId: node?.id,
      nodeType: node?.type,
      nodeName: node?.name || undefined,
      error: shorten(redactSecrets(message), 500),
    });
  }

  /** A REST request to ACS and its answer. */
  request(sent: SentRequest): void {
    const info = describeRequest(sent.method, sent.url, sent.body);
    if (!info) return;
    const response = sent.status === undefined ? undefined : describeResponse(sent.status, sent.responseText);
    const failure = sent.error === undefined ? undefined : shorten(redactSecrets(String((sent.error as Error)?.message ?? sent.error).split("\n")[0]), 300);
    this.operation(info, response, failure, sent.startedAt);
  }

  /** An operation sent to ACS (`response` undefined when no answer came, `failure` says why). */
  operation(info: RequestInfo, response: ResponseInfo | undefined, failure: string | undefined, t = traceNow()): void {
    let record =
      this.lookup(info.callConnectionId) ??
      this.lookup(info.recordingId) ??
      this.adopt(info.serverCallId) ??
      this.adopt(info.incomingCallContext) ??
      this.lookup(response?.callConnectionId) ??
      this.lookup(response?.serverCallId);
    const creates = info.op === "createCall" || info.op === "createGroupCall" || info.op === "connect";
    if (!record && (creates || info.callConnectionId)) record = this.create(t);
    if (!record) return;
    if (creates) {
      record.direction ??= info.op === "connect" ? "connect" : "outbound";
      if (record.state === "connected" && record.steps.length === 0) record.state = "connecting";
      record.from ??= info.from;
      record.to ??= info.to;
    }
    this.alias(record, info.callConnectionId, "callConnectionId");
    this.alias(record, info.serverCallId, "serverCallId");
    if (response) {
      this.alias(record, response.callConnectionId, "callConnectionId");
      this.alias(record, response.serverCallId, "serverCallId");
      this.alias(record, response.recordingId);
      record.correlationId ??= response.correlationId;
    }
    const refused = response !== undefined && response.status >= 400;
    this.add(record, {
      seq: 0,
      t,
      kind: "operation",
      op: info.op,
      context: info.operationContext,
      settings: info.settings,
      status: response?.status,
      code: refused ? response.errorCode : undefined,
      error: refused ? (response.errorMessage ?? `HTTP ${response.status}`) : failure,
    });
    const ok = response !== undefined && !refused;
    if (info.op === "answer" && record.state === "incoming") record.state = ok ? "connecting" : record.state;
    if ((creates || info.op === "answer") && (refused || failure)) record.finish("failed", t);
    if (info.op === "reject" && ok) record.finish("rejected", t);
    if (info.op === "redirect" && ok) record.finish("redirected", t);
  }

  /** An event ACS sent about a call of this config; returns its step (see retract). */
  event(event: TracedEvent, t = traceNow()): TraceStep | undefined {
    let record = this.lookup(event.callConnectionId) ?? this.adopt(event.serverCallId);
    if (!record) {
      // Callbacks come only for calls this config placed or answered: one forgotten (or cleared) is traced again.
      if (!event.callConnectionId) return undefined;
      record = this.create(t);
    }
    this.alias(record, event.callConnectionId, "callConnectionId");
    this.alias(record, event.serverCallId, "serverCallId");
    record.correlationId ??= event.correlationId;
    const info = describeEvent(event.type, event.data);
    const step: TraceStep = {
      seq: 0,
      t,
      kind: "event",
      event: event.type,
      context: event.operationContext,
      code: info.code,
      subCode: info.subCode,
      message: info.message,
      detail: info.detail,
    };
    this.add(record, step);
    this.lastEvent = step;
    this.lastEventCall = record;
    switch (event.type) {
      case "CallConnected":
        if (!ENDED.has(record.state)) record.state = "connected";
        break;
      case "CallDisconnected":
        record.finish("ended", t);
        break;
      case "CreateCallFailed":
      case "AnswerFailed":
      case "ConnectFailed":
        record.finish("failed", t);
        break;
    }
    return step;
  }

  /**
   * Take back an event step recorded just now (the router found the event to be a duplicate
   * delivery). Only the latest event can be taken back, before anything else ran.
   */
  retract(step: TraceStep): void {
    const record = this.lastEventCall;
    if (step !== this.lastEvent || !record) return;
    const at = record.steps.lastIndexOf(step);
    if (at >= 0) record.steps.splice(at, 1);
    this.lastEvent = this.lastEventCall = undefined;
  }

  // ----------------------------------------------------------------- internals

  private create(t: number): CallRecord {
    const record = new CallRecord(this.registry.newCallId(), this, t);
    this.calls.set(record.id, record);
    while (this.calls.size > this.limits.calls) {
      const oldest = this.calls.values().next().value as CallRecord;
      this.calls.delete(oldest.id);
      for (const key of oldest.keys) if (this.index.get(key) === oldest) this.index.delete(key);
    }
    return record;
  }

  private alias(record: CallRecord, key: string | undefined, field?: "callConnectionId" | "serverCallId"): void {
    if (!key) return;
    if (field && record[field] === undefined) record[field] = key;
    if (this.index.get(key) === record) return;
    this.index.set(key, record);
    record.keys.push(key);
  }

  private forgetPending(p: PendingIncoming): void {
    if (p.serverCallId && this.pending.get(p.serverCallId) === p) this.pending.delete(p.serverCallId);
    if (this.pending.get(p.incomingCallContext) === p) this.pending.delete(p.incomingCallContext);
  }

  /** Add a step in time order (a step may be recorded late, e.g. once ACS answered), within the limit. */
  private add(record: CallRecord, step: TraceStep): void {
    step.seq = this.registry.nextSeq();
    const steps = record.steps;
    let at = steps.length;
    while (at > 0 && steps[at - 1].t > step.t) at--;
    if (at === steps.length) steps.push(step);
    else steps.splice(at, 0, step);
    if (steps.length > this.limits.steps) {
      steps.shift();
      record.dropped += 1;
    }
    record.updated = step.seq;
    this.registry.changed();
  }
}

function limitsOf(limits: Partial<TraceLimits>): TraceLimits {
  const whole = (v: unknown, fallback: number) => (typeof v === "number" && Number.isFinite(v) && v >= 1 ? Math.floor(v) : fallback);
  return { calls: whole(limits.calls, DEFAULT_LIMITS.calls), steps: whole(limits.steps, DEFAULT_LIMITS.steps) };
}

/** Every acs-config's trace, the step sequence, and change notifications (throttled). */
export class CallTraceRegistry {
  private seq = 0;
  private callCount = 0;
  private readonly traces = new Map<string, CallTrace>();
  private readonly listeners = new Set<(cursor: number) => void>();
  private timer?: ReturnType<typeof setTimeout>;

  /** Change notifications go out at most this often (ms). */
  constructor(private readonly notifyEveryMs = 250) {}

  /** How many configs trace calls (0: nothing to do on the hot path). */
  get size(): number {
    return this.traces.size;
  }

  /** The latest step's seq: ask for steps "since" it to get only what is new. */
  get cursor(): number {
    return this.seq;
  }

  /** The trace of config `configId` (made on first use; kept across redeploys). */
  open(configId: string, info: { name?: string; mode?: string } = {}, limits: Partial<TraceLimits> = {}): CallTrace {
    let trace = this.traces.get(configId);
    if (!trace) {
      trace = new CallTrace(configId, this, limits);
      this.traces.set(configId, trace);
    } else {
      trace.limits = limitsOf(limits);
    }
    trace.name = info.name || undefined;
    trace.mode = info.mode;
    return trace;
  }

  /** The config is gone (deleted, or tracing turned off): forget its calls. */
  close(configId: string): void {
    if (this.traces.delete(configId)) this.changed();
  }

  get(configId: string): CallTrace | undefined {
    return this.traces.get(configId);
  }

  all(): CallTrace[] {
    return [...this.traces.values()];
  }

  /** The call a message is about (msg.call), in whichever config traces it. */
  find(ids: CallIds | undefined): CallRecord | undefined {
    if (!ids || this.traces.size === 0) return undefined;
    for (const trace of this.traces.values()) {
      const record = trace.find(ids);
      if (record) return record;
    }
    return undefined;
  }

  /** A call by its trace id ("c12"). */
  call(id: string): CallRecord | undefined {
    for (const trace of this.traces.values()) {
      const record = trace.record(id);
      if (record) return record;
    }
    return undefined;
  }

  /** Forget every call (of one config, or of all). */
  clear(configId?: string): void {
    for (const trace of this.traces.values()) if (!configId || trace.configId === configId) trace.clear();
  }

  /** Be told (at most every notifyEveryMs) that steps were added or calls cleared; returns unsubscribe. */
  subscribe(listener: (cursor: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  nextSeq(): number {
    return ++this.seq;
  }

  newCallId(): string {
    return `c${++this.callCount}`;
  }

  changed(): void {
    if (this.timer || this.listeners.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const l of [...this.listeners]) {
        try {
          l(this.seq);
        } catch {
          // A listener's failure is its own.
        }
      }
    }, this.notifyEveryMs);
    this.timer.unref?.();
  }
}

/** The process's traces: acs-config nodes open theirs, nodes and the admin API find calls here. */
export const callTraces = new CallTraceRegistry();
