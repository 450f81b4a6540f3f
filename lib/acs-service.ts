/**
 * Everything one acs-config node owns at run time, without Node-RED: the SDK client, the webhook
 * endpoints' logic (JWT check, parsing, de-duplication), the event router, and the listeners of
 * incoming calls and of every event (event-in nodes). Nodes start operations through `operate`,
 * which registers the wait before the REST request is sent.
 */
import type { CallAutomationClient } from "@azure/communication-call-automation";
import { CallEndedError, isCallGone } from "./acs-errors";
import { libText, type LibText } from "./lib-text";
import { isNotFound, isPartyNotFound } from "./party-not-found";
import type { AcsClient, SipVoipHeaders } from "./acs-client";
import type { Verdict } from "./callback-auth";
import { readCallbackBody, type CallEvent } from "./call-events";
import { EventRouter, type Operation, type Outcome } from "./event-router";
import { readEventGridRequest, validationResponse, type EventGridNotification } from "./event-grid";
import { rawIdOf, textFromRawId, type IdentifierModel } from "./identifiers";
import { RecentSet } from "./recent-set";
import type { CallTrace } from "./call-trace";
import { idsOfRecordingSubject } from "./recording-file";
import type { WebhookEndpoint, WebhookReply } from "./webhooks";

/** An IncomingCall from Event Grid, as incoming-call nodes see it. */
export interface IncomingCall {
  eventId: string;
  from: string;
  to: string;
  incomingCallContext: string;
  serverCallId?: string;
  correlationId?: string;
  callerDisplayName?: string;
  sipHeaders: Record<string, string>;
  voipHeaders: Record<string, string>;
  onBehalfOf?: string;
  data: Record<string, unknown>;
}

/** Any event this config node received, as event-in nodes see it. */
export interface ObservedEvent {
  source: "callback" | "eventGrid";
  id: string;
  type: string;
  time?: string;
  callConnectionId?: string;
  serverCallId?: string;
  correlationId?: string;
  /** The Event Grid subject (e.g. `/recording/call/…/serverCallId/…/recordingId/…`). */
  subject?: string;
  data: Record<string, unknown>;
  /** True when a node's operation was waiting for exactly this event. */
  claimed: boolean;
}

export interface CallbackVerifier {
  verify(authorization: string | undefined): Promise<Verdict>;
}

export interface AcsServiceOptions {
  id: string;
  secret: string;
  /** Public base URL under which `acs/callbacks/...` and `acs/events/...` are reachable. */
  callbackBase: string;
  acs: AcsClient;
  /** Verifies callback JWTs. */
  verifier: CallbackVerifier;
  cognitiveServicesEndpoint?: string;
  defaultVoice?: string;
  defaultLocale?: string;
  /** Longest wait for an operation's outcome event. */
  operationTimeoutMs?: number;
  /** Reports problems an operator should see (no secrets in them), as texts to translate. */
  warn?: (message: LibText) => void;
  /** Where this config's calls are traced (operations, events, incoming calls), if anywhere. */
  trace?: CallTrace;
}

export interface OperateSpec {
  callConnectionId?: string;
  terminal: readonly string[];
  timeoutMs?: number;
  onProgress?: (event: CallEvent) => void;
  /** Told of the operation as it starts and when it ends (nodes cancel theirs on close). */
  track?: { add(op: Operation<CallEvent>): void; delete(op: Operation<CallEvent>): void };
}

export interface Operated<T> {
  outcome: Outcome<CallEvent>;
  response?: T;
  operationContext: string;
}

/** An operation ACS accepted, whose outcome is still to come (AcsService.startOperation). */
export interface Started<T> {
  response: T;
  operationContext: string;
  /** Settles once: the terminal event, the time-out, the call's end, or canceled. */
  outcome: Promise<Outcome<CallEvent>>;
}

const EVENT_GRID_DEDUPE = 5000;

export class AcsService implements WebhookEndpoint {
  readonly router = new EventRouter<CallEvent>();
  readonly id: string;
  readonly secret: string;
  readonly client: CallAutomationClient;
  readonly acs: AcsClient;
  readonly cognitiveServicesEndpoint?: string;
  readonly defaultVoice: string;
  readonly defaultLocale: string;
  readonly operationTimeoutMs: number;
  readonly trace?: CallTrace;
  private readonly callbackBase: string;
  private readonly verifier: CallbackVerifier;
  private readonly warn: (message: LibText) => void;
  private readonly incomingListeners = new Set<(call: IncomingCall) => void>();
  private readonly eventListeners = new Set<(event: ObservedEvent) => void>();
  private readonly seenEventGrid = new RecentSet(EVENT_GRID_DEDUPE);
  private closed = false;

  constructor(options: AcsServiceOptions) {
    this.id = options.id;
    this.secret = options.secret;
    this.acs = options.acs;
    this.client = options.acs.client;
    this.callbackBase = options.callbackBase.endsWith("/") ? options.callbackBase : `${options.callbackBase}/`;
    this.verifier = options.verifier;
    this.cognitiveServicesEndpoint = options.cognitiveServicesEndpoint || undefined;
    this.defaultVoice = options.defaultVoice || "en-US-JennyNeural";
    this.defaultLocale = options.defaultLocale || "en-US";
    this.operationTimeoutMs = options.operationTimeoutMs ?? 5 * 60 * 1000;
    this.warn = options.warn ?? (() => undefined);
    this.trace = options.trace;
    const trace = options.trace;
    // Every REST request the client sends is an operation step of the call it names.
    if (trace && options.acs.requestTap) options.acs.requestTap.listener = (request) => trace.request(request);
  }

  /** The URL ACS posts this config's call events to (it holds the secret: never log it). */
  get callbackUrl(): string {
    return `${this.callbackBase}acs/callbacks/${encodeURIComponent(this.id)}/${this.secret}`;
  }
  /** The URL to subscribe in Event Grid (it holds the secret: never log it). */
  get eventGridUrl(): string {
    return `${this.callbackBase}acs/events/${encodeURIComponent(this.id)}/${this.secret}`;
  }

  onIncomingCall(listener: (call: IncomingCall) => void): () => void {
    this.incomingListeners.add(listener);
    return () => this.incomingListeners.delete(listener);
  }

  onEvent(listener: (event: ObservedEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /**
   * Start an operation: the wait is registered under a fresh operationContext before `start`
   * sends the request, so an event that beats the REST response is not lost. An operation on a
   * call that has already ended (known to the router, or refused by ACS as gone) throws
   * CallEndedError; any other refusal is thrown as it is. A call that ends during the wait
   * settles the outcome as "callEnded".
   */
  async operate<T>(spec: OperateSpec, start: (operationContext: string) => Promise<T>): Promise<Operated<T>> {
    const started = await this.startOperation(spec, start);
    return { outcome: await started.outcome, response: started.response, operationContext: started.operationContext };
  }


  /**
   * Did `err` mean the call has ended? ACS answers 404 (8522) both for an ended call and for a
   * participant it does not know in a call that goes on, so a 404 on a call the router has not
   * seen end is checked by asking ACS about the call.
   */
  private async callIsGone(callConnectionId: string, err: unknown): Promise<boolean> {
    if (!isCallGone(err)) return false;
    if (this.router.hasEnded(callConnectionId) || !isNotFound(err)) return true;
    return !(await isPartyNotFound(err, () => this.client.getCallConnection(callConnectionId).getCallConnectionProperties().then(() => true)));
  }

  /** Custom headers for the createCall request sent with this operationContext. */
  withCreateCallHeaders<T>(operationContext: string, headers: SipVoipHeaders | undefined, send: () => Promise<T>): Promise<T> {
    if (!headers || (!headers.sipHeaders && !headers.voipHeaders)) return send();
    this.acs.createCallContexts.set(operationContext, headers);
    return send().finally(() => this.acs.createCallContexts.delete(operationContext));
  }

  /**
   * `operate` without the wait: returns as soon as ACS accepts the request, with the outcome still
   * to come, for actions that succeed with their response and have only a failure event
   * (hold → HoldFailed). The wait is registered before the request is sent.
   */
  async startOperation<T>(spec: OperateSpec, start: (operationContext: string) => Promise<T>): Promise<Started<T>> {
    if (spec.callConnectionId && this.router.hasEnded(spec.callConnectionId)) throw new CallEndedError(spec.callConnectionId);
    const op = this.router.begin({
      terminal: spec.terminal,
      timeoutMs: spec.timeoutMs ?? this.operationTimeoutMs,
      callConnectionId: spec.callConnectionId,
      onProgress: spec.onProgress,
    });
    spec.track?.add(op);
    const outcome = op.result.finally(() => spec.track?.delete(op));
    let response: T;
    try {
      response = await start(op.operationContext);
    } catch (err) {
      op.cancel();
      await outcome;
      if (spec.callConnectionId && (await this.callIsGone(spec.callConnectionId, err))) throw new CallEndedError(spec.callConnectionId);
      throw err;
    }
    const connectionId = connectionIdOf(response);
    if (connectionId) op.attachCall(connectionId);
    return { response, operationContext: op.operationContext, outcome };
  }

  /**
   * A request on a call with no outcome event to wait for (unhold, cancel media, continuous DTMF
   * start/stop). A call that has already ended throws CallEndedError; any other refusal is thrown
   * as it is.
   */
  async request<T>(callConnectionId: string, send: () => Promise<T>): Promise<T> {
    if (this.router.hasEnded(callConnectionId)) throw new CallEndedError(callConnectionId);
    try {
      return await send();
    } catch (err) {
      if (await this.callIsGone(callConnectionId, err)) throw new CallEndedError(callConnectionId);
      throw err;
    }
  }

  // ------------------------------------------------------------------ webhooks

  async handleCallback(authorization: string | undefined, body: unknown): Promise<WebhookReply> {
    if (this.closed) return { status: 503, body: { error: "endpoint closing" } };
    const verdict = await this.verifier.verify(authorization);
    if (!verdict.ok) {
      this.warn(libText("callbackRefused", { reason: verdict.reason }));
      return { status: 401, body: { error: "unauthorized" } };
    }
    const read = readCallbackBody(body);
    if (read.kind === "invalid") return { status: 400, body: { error: read.reason } };
    for (const event of read.events) {
      // Traced before it is dispatched, so the event comes before the outcomes it causes.
      const traced = this.trace?.event(event);
      const result = this.router.dispatch(event);
      if (result === "duplicate") {
        if (traced) this.trace?.retract(traced);
        continue;
      }
      this.emit({
        source: "callback",
        id: event.id,
        type: event.type,
        time: event.time,
        callConnectionId: event.callConnectionId,
        serverCallId: event.serverCallId,
        correlationId: event.correlationId,
        data: event.data,
        claimed: result === "claimed",
      });
    }
    return { status: 200 };
  }

  async handleEventGrid(body: unknown): Promise<WebhookReply> {
    if (this.closed) return { status: 503, body: { error: "endpoint closing" } };
    const read = readEventGridRequest(body);
    if (read.kind === "invalid") return { status: 400, body: { error: read.reason } };
    if (read.kind === "validation") return { status: 200, body: validationResponse(read.validationCode) };
    for (const event of read.events) {
      if (this.seenEventGrid.has(event.id)) continue;
      this.seenEventGrid.add(event.id);
      const type = event.eventType.replace(/^Microsoft\.Communication\./, "");
      // A recording's file-ready event names its call only in the subject.
      const serverCallId = typeof event.data.serverCallId === "string" ? event.data.serverCallId : idsOfRecordingSubject(event.subject).serverCallId;
      const correlationId = typeof event.data.correlationId === "string" ? event.data.correlationId : undefined;
      if (type === "IncomingCall") {
        const call = incomingCallOf(event);
        // Traced once a flow takes it (the incoming-call node adopts it), before the node's message goes out.
        if (call) this.trace?.incoming(call);
        if (call) for (const l of [...this.incomingListeners]) safely(() => l(call));
      } else {
        this.trace?.event({ type, serverCallId, correlationId, data: event.data });
      }
      this.emit({
        source: "eventGrid",
        id: event.id,
        type,
        time: event.eventTime,
        serverCallId,
        correlationId,
        ...(event.subject ? { subject: event.subject } : {}),
        data: event.data,
        claimed: false,
      });
    }
    return { status: 200 };
  }

  close(): void {
    this.closed = true;
    if (this.acs.requestTap && this.trace) this.acs.requestTap.listener = undefined;
    this.router.close();
    this.incomingListeners.clear();
    this.eventListeners.clear();
  }

  private emit(event: ObservedEvent): void {
    for (const l of [...this.eventListeners]) safely(() => l(event));
  }
}

function connectionIdOf(response: unknown): string | undefined {
  if (typeof response !== "object" || response === null) return undefined;
  const props = (response as { callConnectionProperties?: { callConnectionId?: unknown } }).callConnectionProperties;
  return typeof props?.callConnectionId === "string" ? props.callConnectionId : undefined;
}

function stringMap(v: unknown): Record<string, string> {
  if (typeof v !== "object" || v === null) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"));
}

function incomingCallOf(event: EventGridNotification): IncomingCall | undefined {
  const d = event.data;
  const fromRawId = rawIdOf(d.from as IdentifierModel);
  const toRawId = rawIdOf(d.to as IdentifierModel);
  if (!fromRawId || !toRawId || typeof d.incomingCallContext !== "string") return undefined;
  const custom = (d.customContext ?? {}) as { sipHeaders?: unknown; voipHeaders?: unknown };
  const onBehalfOf = rawIdOf(d.onBehalfOfCallee as IdentifierModel);
  return {
    eventId: event.id,
    from: textFromRawId(fromRawId),
    to: textFromRawId(toRawId),
    incomingCallContext: d.incomingCallContext,
    serverCallId: typeof d.serverCallId === "string" ? d.serverCallId : undefined,
    correlationId: typeof d.correlationId === "string" ? d.correlationId : undefined,
    callerDisplayName: typeof d.callerDisplayName === "string" && d.callerDisplayName ? d.callerDisplayName : undefined,
    sipHeaders: stringMap(custom.sipHeaders),
    voipHeaders: stringMap(custom.voipHeaders),
    ...(onBehalfOf ? { onBehalfOf: textFromRawId(onBehalfOf) } : {}),
    data: d,
  };
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener's failure is its node's to report; delivery to the others goes on.
  }
}
