/**
 * The small part of the Node-RED API the nodes use, as types (Node-RED ships none), and the
 * helpers every call node shares: evaluating TypedInputs, finding the call id, status that counts
 * the calls a node waits on, and cancelling a node's waits when it closes. No Node-RED import:
 * the runtime object is passed in.
 */
import type { Operation } from "./event-router";
import type { AcsService } from "./acs-service";
import { eventForMessage, type CallEvent } from "./call-events";
import { failurePayload } from "./outcomes";
import type { SipVoipHeaders } from "./acs-client";
import { readCustomHeaders } from "./headers-input";
import { rawIdFromText } from "./identifiers";
import { catalogueNamespace, countedStatus, statusKey as namespacedKey } from "./status-text";
import { callTraces, traceNow, type CallIds, type CallRecord } from "./call-trace";
import { libText, renderText, textOfError, type LibText, type LibTextId, type TextValue } from "./lib-text";

export type NodeMessage = Record<string, unknown> & { _msgid?: string; payload?: unknown };
export type SendFn = (msg: NodeMessage | Array<NodeMessage | null> | null) => void;
export type DoneFn = (err?: Error) => void;

export interface NodeStatus {
  fill?: "red" | "green" | "yellow" | "blue" | "grey";
  shape?: "ring" | "dot";
  text?: string;
}

export interface RuntimeNode {
  id: string;
  type: string;
  name?: string;
  z?: string;
  credentials?: Record<string, string | undefined>;
  on(event: "input", handler: (msg: NodeMessage, send: SendFn, done: DoneFn) => void): void;
  on(event: "close", handler: (removed: boolean, done: () => void) => void): void;
  status(status: NodeStatus | Record<string, never>): void;
  send(msg: NodeMessage | Array<NodeMessage | null> | null): void;
  error(err: unknown, msg?: NodeMessage): void;
  warn(message: unknown): void;
  log(message: unknown): void;
}

type Handler = (req: unknown, res: unknown, next?: () => void) => void;
export interface HttpApp {
  post(path: string, ...handlers: Handler[]): void;
  get(path: string, ...handlers: Handler[]): void;
  options(path: string, ...handlers: Handler[]): void;
  all(path: string, ...handlers: Handler[]): void;
  use(path: string, ...handlers: Handler[]): void;
}

export interface NodeRedRuntime {
  nodes: {
    createNode(node: object, config: object): void;
    registerType(type: string, ctor: unknown, options?: object): void;
    getNode(id: string): unknown;
  };
  util: {
    evaluateNodeProperty(value: unknown, type: string, node: object, msg: NodeMessage, cb: (err: Error | null, result: unknown) => void): void;
    cloneMessage<T>(msg: T): T;
  };
  httpNode?: HttpApp;
  httpAdmin?: HttpApp;
  auth?: { needsPermission(permission: string): Handler };
  settings: Record<string, unknown>;
  log: { warn(m: unknown): void; info(m: unknown): void; error(m: unknown): void };
  _: (key: string, substitutions?: Record<string, unknown>) => string;
}

/** An acs-config node as worker nodes see it. */
export interface AcsConfigNode {
  getService(): Promise<AcsService>;
}

/** TypedInput types for which an empty value means "not set" rather than something to evaluate. */
const EMPTY_MEANS_UNSET = new Set(["msg", "flow", "global", "json", "jsonata", "bin"]);

/** Evaluate a TypedInput (every type, including flow/global context, JSONata and env). */
export function evaluate(RED: NodeRedRuntime, node: object, value: unknown, type: string | undefined, msg: NodeMessage): Promise<unknown> {
  if (type === undefined || type === "") return Promise.resolve(value);
  // An optional field the flow left unset gives undefined: a text never set (Node-RED would turn
  // it into the text "undefined"), or an empty property path or JSON document.
  const missing = value === undefined || value === null;
  if (missing && (type === "str" || type === "num")) return Promise.resolve(undefined);
  if ((missing || String(value).trim() === "") && EMPTY_MEANS_UNSET.has(type)) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    RED.util.evaluateNodeProperty(value, type, node, msg, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** Evaluate a TypedInput that must give a non-empty text (a number is turned into text). */
export async function evaluateText(RED: NodeRedRuntime, node: object, value: unknown, type: string | undefined, msg: NodeMessage): Promise<string | undefined> {
  const v = await evaluate(RED, node, value, type, msg);
  if (v === undefined || v === null) return undefined;
  const text = typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
  return text === undefined || text.trim() === "" ? undefined : text.trim();
}

/** Where a node's TypedInput points, for error messages ("msg.call.callConnectionId"). */
export function describeProperty(RED: NodeRedRuntime, value: unknown, type: string | undefined): string {
  if (type === "msg" || type === "flow" || type === "global") return `${type}.${String(value)}`;
  if (type === "env") return `env ${String(value)}`;
  return sharedMessage(RED, "configuredValue");
}

/** A user-facing error (clear message, no secret). */
export class FlowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlowError";
  }
}

/**
 * A message of lib code (lib/lib-text.ts) in the server's language, through RED._ like every
 * runtime message. Its catalogue entry is acs-config's ("acs-config.shared.<id>"), loaded with the
 * package whichever node speaks. Where no catalogue is loaded (node-red-node-test-helper's RED._
 * gives the key back), the English text.
 */
export function localText(RED: NodeRedRuntime, text: LibText): string {
  const namespace = catalogueNamespace("acs-config");
  return renderText(text, (id, values) => {
    const key = `${namespace}:acs-config.shared.${id}`;
    const translated = RED._(key, values);
    return typeof translated === "string" && translated !== "" && translated !== key ? translated : undefined;
  });
}

/** A shared message by id, in the server's language. */
export function sharedMessage(RED: NodeRedRuntime, id: LibTextId, values?: Record<string, TextValue>): string {
  return localText(RED, libText(id, values));
}

/** An error's message in the server's language: lib code's texts are translated, other messages kept as they are. */
export function errorText(RED: NodeRedRuntime, err: unknown): string {
  const text = textOfError(err);
  if (text) return localText(RED, text);
  return err instanceof Error ? err.message : String(err);
}

const LOCALIZED = Symbol("localized");

/**
 * Say a lib error in the server's language before it leaves the node (done(err) and Catch nodes
 * show its message). Once only: a node may add to the message after it is translated.
 */
export function localizeError<T>(RED: NodeRedRuntime, err: T): T {
  const text = textOfError(err);
  if (!text || (err as { [LOCALIZED]?: boolean })[LOCALIZED]) return err;
  const error = err as Error & { [LOCALIZED]?: boolean };
  error.message = localText(RED, text);
  error[LOCALIZED] = true;
  return err;
}

/** The call connection id a node acts on (msg.call.callConnectionId unless configured otherwise). */
export async function callIdOf(RED: NodeRedRuntime, node: object, config: { callId?: string; callIdType?: string }, msg: NodeMessage): Promise<string> {
  const value = config.callIdType ? config.callId : "call.callConnectionId";
  const type = config.callIdType || "msg";
  // A message without msg.call at all makes the property lookup throw: that is "no call id" too.
  const id = await evaluateText(RED, node, value, type, msg).catch(() => undefined);
  if (!id) {
    throw new FlowError(sharedMessage(RED, "noCallId", { where: describeProperty(RED, value, type) }));
  }
  return id;
}

/** The config node, or a clear error when it is missing. */
export async function serviceOf(RED: NodeRedRuntime, configId: string | undefined): Promise<AcsService> {
  const config = configId ? (RED.nodes.getNode(configId) as AcsConfigNode | null) : null;
  if (!config || typeof config.getService !== "function") throw new FlowError(sharedMessage(RED, "noConnection"));
  return config.getService();
}

/**
 * A node that listens on its connection (incoming-call, event-in): once the connection is up,
 * `subscribe(service)`, which returns how to unsubscribe, and the status "<type>.status.listening";
 * if it cannot be had, "<type>.status.noConnection" and the error. `service` is the connection
 * once it is up; `close()` unsubscribes, also from a connection that comes up later.
 */
export function listenOnConnection(
  RED: NodeRedRuntime,
  node: RuntimeNode,
  configId: string | undefined,
  subscribe: (service: AcsService) => () => void,
): { readonly service: AcsService | undefined; close(): void } {
  let service: AcsService | undefined;
  let unsubscribe: (() => void) | undefined;
  let closed = false;
  serviceOf(RED, configId)
    .then((ready) => {
      if (closed) return;
      service = ready;
      unsubscribe = subscribe(ready);
      node.status({ fill: "green", shape: "ring", text: namespacedKey(`${node.type}.status.listening`) });
    })
    .catch((err: Error) => {
      node.status({ fill: "red", shape: "ring", text: namespacedKey(`${node.type}.status.noConnection`) });
      node.error(errorText(RED, err));
    });
  return {
    get service() {
      return service;
    },
    close() {
      closed = true;
      unsubscribe?.();
    },
  };
}

/** Send `msg` on output `port` of `count` outputs. */
export function sendOn(send: SendFn, port: number, count: number, msg: NodeMessage): void {
  const out: Array<NodeMessage | null> = new Array(count).fill(null);
  out[port] = msg;
  send(out);
}

/**
 * What a call node is doing: it counts the calls it is waiting on, shows that in its status,
 * and cancels every wait when the node closes (redeploy), so nothing is left waiting. Status texts
 * are namespaced message keys the editor translates into its user's language (lib/status-text.ts):
 * "…/acs-play:acs-play.status.playing", or "x3 $t(…/acs-play:acs-play.status.playing)" while it
 * waits on three calls.
 */
export class NodeActivity {
  private readonly ops = new Set<Operation<CallEvent>>();
  private readonly watches = new Set<() => void>();
  private waiting = 0;
  private waitingKey = "";
  private closed = false;

  constructor(
    private readonly node: RuntimeNode,
    private readonly RED: NodeRedRuntime,
  ) {}

  /** Pass to AcsService.operate so close() can cancel the wait. */
  readonly track = {
    add: (op: Operation<CallEvent>) => void this.ops.add(op),
    delete: (op: Operation<CallEvent>) => void this.ops.delete(op),
  };

  /** A wait starts: the status says what for, and on how many calls. */
  begin(statusKey: string): void {
    this.waiting += 1;
    this.waitingKey = statusKey;
    this.show();
  }

  /** A wait ended with `statusKey` (green dot for success, red ring for failure, grey for other ends). */
  end(statusKey: string, fill: NodeStatus["fill"] = "green"): void {
    this.waiting = Math.max(0, this.waiting - 1);
    if (this.closed) return;
    if (this.waiting > 0) this.show();
    else this.node.status({ fill, shape: fill === "green" ? "dot" : "ring", text: namespacedKey(statusKey) });
  }

  /**
   * Call `onEnd` once when the call's CallDisconnected arrives (at once if it already has).
   * The watch goes away when the node closes.
   */
  watchEnd(service: AcsService, callConnectionId: string, onEnd: (event?: CallEvent) => void): void {
    if (this.closed) return;
    if (service.router.hasEnded(callConnectionId)) {
      onEnd();
      return;
    }
    const stop = service.router.watchCall(callConnectionId, (event) => {
      if (event.type !== "CallDisconnected") return;
      stop();
      this.watches.delete(stop);
      if (!this.closed) onEnd(event);
    });
    this.watches.add(stop);
  }

  /**
   * Send a copy of `msg` (as it is now) from the "ended" port when the call ends: payload
   * `{reason: "ended", …}` with the CallDisconnected's result, and that event in msg.event.
   */
  sendWhenEnded(service: AcsService, callConnectionId: string, msg: NodeMessage, port: number, outputs: number): void {
    const endedMsg = this.RED.util.cloneMessage(msg);
    this.watchEnd(service, callConnectionId, (event) => {
      endedMsg.payload = failurePayload("ended", event);
      endedMsg.event = event ? eventForMessage(event) : undefined;
      sendOn(sendFrom(this.node), port, outputs, endedMsg);
    });
  }

  close(): void {
    this.closed = true;
    for (const op of [...this.ops]) op.cancel();
    this.ops.clear();
    for (const stop of [...this.watches]) stop();
    this.watches.clear();
    this.node.status({});
  }

  private show(): void {
    if (this.closed) return;
    const text = this.waiting > 1 ? countedStatus(this.waitingKey, this.waiting) : namespacedKey(this.waitingKey);
    this.node.status({ fill: "yellow", shape: "ring", text });
  }
}

/**
 * Wire a node's input to an async handler and its close to `onClose`. The listeners keep the
 * arities Node-RED looks for: (msg, send, done) so the runtime waits for done, and
 * (removed, done) so close is awaited. A rejected handler reaches Catch nodes through done(err),
 * its message in the server's language when lib code made it.
 */
export function handleMessages(RED: NodeRedRuntime, node: RuntimeNode, handle: (msg: NodeMessage, send: SendFn) => Promise<void>, onClose: () => void): void {
  node.on("input", (msg: NodeMessage, send: SendFn, done: DoneFn) => {
    if (callTraces.size === 0) {
      handle(msg, send).then(
        () => done(),
        (err: Error) => done(localizeError(RED, err)),
      );
      return;
    }
    // The call trace: the node as the message arrives, the port each message leaves by, the error.
    const visit = new NodeVisit(node, msg);
    handle(msg, (out) => {
      visit.sent(out);
      send(out);
    }).then(
      () => done(),
      (err: Error) => {
        localizeError(RED, err);
        visit.failed(msg, err);
        done(err);
      },
    );
  });
  node.on("close", (_removed: boolean, done: () => void) => {
    onClose();
    done();
  });
}

// ------------------------------------------------------------------ call trace

const callIdsOf = (msg: NodeMessage | null | undefined): CallIds | undefined => {
  const call = msg?.call;
  return typeof call === "object" && call !== null ? (call as CallIds) : undefined;
};

const reasonOf = (msg: NodeMessage): string | undefined => {
  const payload = msg.payload;
  const reason = typeof payload === "object" && payload !== null ? (payload as { reason?: unknown }).reason : undefined;
  return typeof reason === "string" ? reason : undefined;
};

/**
 * Trace what leaves a node (`send`'s argument: one message, or one entry per port): an outcome
 * step on each message's call. With `enteredAt` (the visit's start), a node step goes first on a
 * call that `seen` is not: a call the node created (create-call), or one not known as the message came in.
 */
function traceOutputs(node: RuntimeNode, out: Parameters<SendFn>[0], seen?: CallRecord, enteredAt?: number): CallRecord | undefined {
  if (!out) return seen;
  if (!Array.isArray(out)) return traceOutput(node, out, 0, seen, enteredAt);
  let last = seen;
  for (let port = 0; port < out.length; port++) {
    const entry: unknown = out[port];
    if (!entry) continue;
    if (!Array.isArray(entry)) last = traceOutput(node, entry as NodeMessage, port, last, enteredAt);
    else for (const m of entry as NodeMessage[]) last = traceOutput(node, m, port, last, enteredAt);
  }
  return last;
}

function traceOutput(node: RuntimeNode, msg: NodeMessage, port: number, seen: CallRecord | undefined, enteredAt: number | undefined): CallRecord | undefined {
  const record = callTraces.find(callIdsOf(msg));
  if (!record) return seen;
  if (enteredAt !== undefined && record !== seen) record.trace.node(record, node, enteredAt);
  record.trace.outcome(record, node, port, reasonOf(msg));
  return record;
}

/** Trace a message a node sends on its own (an incoming call, a call's later end), not in answer to an input. */
export function traceSent(node: RuntimeNode, out: Parameters<SendFn>[0], withNodeStep = false): void {
  if (callTraces.size === 0) return;
  try {
    traceOutputs(node, out, undefined, withNodeStep ? traceNow() : undefined);
  } catch {
    // The trace must never stop a message.
  }
}

/** `node.send`, traced: for messages a node sends later, on its own (a call's end, continuous DTMF tones). */
export function sendFrom(node: RuntimeNode): SendFn {
  return (out) => {
    traceSent(node, out);
    node.send(out);
  };
}

/** One message's visit to a node, for the call trace. */
class NodeVisit {
  private readonly at = traceNow();
  private record?: CallRecord;

  constructor(
    private readonly node: RuntimeNode,
    msg: NodeMessage,
  ) {
    // The trace must never stop a message: whatever goes wrong in it is ignored (here and below).
    try {
      this.record = callTraces.find(callIdsOf(msg));
      this.record?.trace.node(this.record, node, this.at);
    } catch {
      this.record = undefined;
    }
  }

  sent(out: Parameters<SendFn>[0]): void {
    try {
      this.record = traceOutputs(this.node, out, this.record, this.at);
    } catch {
      // ignored
    }
  }

  failed(msg: NodeMessage, err: Error): void {
    try {
      const record = callTraces.find(callIdsOf(msg)) ?? this.record;
      if (!record) return;
      if (record !== this.record) record.trace.node(record, this.node, this.at);
      record.trace.error(record, this.node, err?.message ?? String(err));
    } catch {
      // ignored
    }
  }
}

/** The settings every in-call node has: its connection and where the call id comes from. */
export interface CallNodeDef {
  acs?: string;
  callId?: string;
  callIdType?: string;
}

/** Caller id and custom SIP/VoIP header settings (create-call, transfer). */
export interface CallerAndHeadersDef {
  callerId?: string;
  callerIdType?: string;
  sipHeaders?: string;
  sipHeadersType?: string;
  voipHeaders?: string;
  voipHeadersType?: string;
}

/** The caller id (a phone number the resource owns) and custom headers a node is set to send. */
export async function callerAndHeadersOf(
  RED: NodeRedRuntime,
  node: object,
  def: CallerAndHeadersDef,
  msg: NodeMessage,
  badCallerIdKey: string,
): Promise<{ callerText?: string; callerId?: { phoneNumber: string }; headers?: SipVoipHeaders }> {
  const callerText = await evaluateText(RED, node, def.callerId, def.callerIdType || "str", msg);
  let callerId: { phoneNumber: string } | undefined;
  if (callerText) {
    const raw = rawIdFromText(callerText);
    if (!raw || !raw.startsWith("4:")) throw new FlowError(RED._(badCallerIdKey, { callerId: callerText }));
    callerId = { phoneNumber: raw.slice(2) };
  }
  try {
    const headers = readCustomHeaders(
      await evaluate(RED, node, def.sipHeaders, def.sipHeadersType || "json", msg),
      await evaluate(RED, node, def.voipHeaders, def.voipHeadersType || "json", msg),
    );
    return { callerText, callerId, headers };
  } catch (err) {
    throw new FlowError(errorText(RED, err));
  }
}
