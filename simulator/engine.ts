/**
 * The call engine: real call state for inbound and outbound calls, participants, transfer and
 * hang-up, driven by the REST API on one side and by the far end (control API) on the other.
 * Input here is already validated by the REST layer; the engine refuses what ACS refuses in the
 * current call state (an action on an ended call, a participant who is not in the call …).
 */
import { randomUUID } from "node:crypto";
import { kindOfRawId, modelFromRawId, type IdentifierModel } from "../lib/identifiers";
import type { SimClock } from "./clock";
import type { CloudEvent } from "./delivery";
import {
  AcsError,
  badRequest,
  callNotEstablished,
  callNotFound,
  callTerminated,
  participantNotFound,
} from "./errors";
import { LegChanges } from "./leg-changes";
import { MediaSession, type ResultInformation } from "./media";
import {
  type ConnectionLike,
  type ConnectionState,
  type CustomContext,
  type Leg,
  type RejectReason,
  type RingHandler,
  type ServerCall,
  type SubscriptionState,
  nowIso,
} from "./model";

const MAX_EVENTS_PER_CALL = 300;
const MAX_TIMELINE = 300;

const info = (code: number, subCode: number, message: string): ResultInformation => ({ code, subCode, message });

/** resultInformation of call-level events (codes from the ACS / Graph call-end reason tables). */
export const CALL_RESULTS = {
  connected: info(200, 0, "Call connected."),
  endedByApp: info(200, 7000, "The conversation has ended by bot."),
  endedByParty: info(200, 18503, "The other participant in peer-to-peer call left the conversation."),
  transferCompleted: info(200, 7015, "Call ended as the transfer completed successfully."),
  declined: info(603, 8538, "The callee declined the call."),
  busy: info(486, 8539, "The callee is busy."),
  noAnswer: info(408, 8541, "The callee did not answer."),
  canceled: info(487, 8542, "The call was canceled."),
  participantAdded: info(200, 0, "Participant added."),
  participantRemoved: info(200, 0, "Participant removed."),
  transferAccepted: info(200, 0, "Transfer accepted."),
  dtmfSent: info(200, 0, "Tones sent."),
  dtmfTargetGone: info(404, 8522, "The participant left the call before the tones were sent."),
  connectFailed: info(404, 8522, "Call not found."),
};

function ringFailure(reason: RejectReason | "noAnswer"): ResultInformation {
  return reason === "busy" ? CALL_RESULTS.busy : reason === "declined" ? CALL_RESULTS.declined : CALL_RESULTS.noAnswer;
}

export interface EngineSettings {
  clock: SimClock;
  fileDurationMs: number;
  ringTimeoutMs: number;
  /** Raw ids of phone numbers the simulated resource owns (redirect there rings as IncomingCall). */
  ownedNumbers: Set<string>;
  /** How many ended legs/connections to keep for the control API before forgetting the oldest. */
  retainEnded: number;
  /** Send a callback event (ordered per connection). */
  sendCallback(connectionId: string, url: string, event: CloudEvent): void;
  /** Publish an IncomingCall to the Event Grid subscribers. */
  publishIncomingCall(offer: IncomingOffer): void;
  /** Sign an incomingCallContext. */
  signContext(claims: Record<string, unknown>): Promise<string>;
  /** Media checks for play sources (validateMediaUrls). */
  checkFile?: (url: string) => Promise<ResultInformation | undefined>;
  /** Called when a server call ends (recordings stop). */
  onCallEnded?: (call: ServerCall) => void;
  /** Most clients long-polling for leg changes at once (default 100). */
  maxWatchers?: number;
}

/** An IncomingCall waiting for answer, reject or redirect. */
export interface IncomingOffer {
  id: string;
  leg: Leg;
  call: ServerCall;
  to: string;
  from: string;
  context: string;
  handled: boolean;
  onBehalfOf?: string;
  /** A party already in a group call invites the application: its leg stays up whatever the answer. */
  fromGroup?: boolean;
}

interface Invitation {
  id: string;
  leg: Leg;
  operationContext?: string;
  callbackUri?: string;
}

export class Connection implements ConnectionLike {
  state: ConnectionState;
  readonly media: MediaSession;
  readonly continuousDtmf = new Set<string>();
  dtmfSequence = 0;
  participantsSequence = 0;
  readonly invitations = new Map<string, Invitation>();
  transcription: SubscriptionState;
  mediaStreaming: SubscriptionState;
  endedAt?: string;
  /** Targets of an outbound call that have not answered yet. */
  readonly ringing = new Set<Leg>();

  constructor(
    private readonly engine: CallEngine,
    readonly id: string,
    public call: ServerCall,
    readonly callbackUri: string,
    readonly details: {
      targets: string[];
      source?: string;
      sourceCallerIdNumber?: string;
      sourceDisplayName?: string;
      answeredBy?: string;
      cognitiveServicesEndpoint?: string;
      transcriptionOptions?: Record<string, unknown>;
      mediaStreamingOptions?: Record<string, unknown>;
    },
    state: ConnectionState,
  ) {
    this.state = state;
    this.transcription = subscription(details.transcriptionOptions);
    this.mediaStreaming = subscription(details.mediaStreamingOptions);
    this.media = new MediaSession({
      clock: engine.settings.clock,
      fileDurationMs: engine.settings.fileDurationMs,
      recipients: (playTo) => engine.recipients(this, playTo),
      emit: (type, data, op) => engine.emit(this, type, { ...data, operationContext: op.operationContext }, op.callbackUri),
      changed: (legs) => legs.forEach((leg) => engine.touch(leg)),
      checkFile: engine.settings.checkFile,
    });
  }

  /** CallConnectionProperties as the REST API returns them. */
  properties(): Record<string, unknown> {
    const d = this.details;
    return {
      callConnectionId: this.id,
      serverCallId: this.call.serverCallId,
      correlationId: this.call.correlationId,
      targets: d.targets.map(modelFromRawId),
      callConnectionState: this.state,
      callbackUri: this.callbackUri,
      ...(d.sourceCallerIdNumber ? { sourceCallerIdNumber: { value: d.sourceCallerIdNumber } } : {}),
      ...(d.sourceDisplayName ? { sourceDisplayName: d.sourceDisplayName } : {}),
      ...(d.source ? { source: modelFromRawId(d.source) } : {}),
      ...(d.answeredBy ? { answeredBy: { id: d.answeredBy } } : {}),
      mediaStreamingSubscription: {
        id: this.mediaStreaming.id,
        state: this.mediaStreaming.state,
        subscribedContentTypes: this.mediaStreaming.state === "disabled" ? [] : ["audio"],
      },
      transcriptionSubscription: {
        id: this.transcription.id,
        state: this.transcription.state,
        subscribedResultTypes: this.transcription.state === "disabled" ? [] : ["final", "intermediate"],
        ...(this.transcription.locale ? { locale: this.transcription.locale } : {}),
      },
    };
  }
}

function subscription(options: Record<string, unknown> | undefined): SubscriptionState {
  return {
    id: randomUUID(),
    state: options ? "inactive" : "disabled",
    locale: typeof options?.locale === "string" ? options.locale : undefined,
    options,
  };
}

export class CallEngine {
  readonly legs = new Map<string, Leg>();
  readonly connections = new Map<string, Connection>();
  readonly serverCalls = new Map<string, ServerCall>();
  private readonly locators = new Map<string, ServerCall>();
  private readonly offers = new Map<string, IncomingOffer>();
  private readonly endedLegs: string[] = [];
  private readonly endedConnections: string[] = [];
  /** Which legs changed, for clients that watch calls live (the control API's `/changes`). */
  readonly changes: LegChanges;

  constructor(readonly settings: EngineSettings) {
    this.changes = new LegChanges(this.legs, settings.maxWatchers);
  }

  /** A leg's state, prompts, timeline, call events or media changed. */
  touch(leg: Leg): void {
    this.changes.touch(leg);
  }

  // ---------------------------------------------------------------- events

  /** Send a callback event about a connection (to `callbackUri` if given, else the call's). */
  emit(conn: Connection, type: string, data: Record<string, unknown>, callbackUri?: string): void {
    if (conn.state === "disconnected" && type !== "CallDisconnected") return;
    const event: CloudEvent = {
      id: randomUUID(),
      source: `calling/callConnections/${conn.id}`,
      type: `Microsoft.Communication.${type}`,
      data: {
        ...data,
        callConnectionId: conn.id,
        serverCallId: conn.call.serverCallId,
        correlationId: conn.call.correlationId,
      },
      time: nowIso(),
      specversion: "1.0",
      datacontenttype: "application/json",
      subject: `calling/callConnections/${conn.id}`,
    };
    this.rememberEvent(conn.call, event);
    this.settings.sendCallback(conn.id, callbackUri || conn.callbackUri, event);
  }

  rememberEvent(call: ServerCall, event: CloudEvent): void {
    call.events.push(event);
    if (call.events.length > MAX_EVENTS_PER_CALL) call.events.splice(0, call.events.length - MAX_EVENTS_PER_CALL);
    for (const leg of call.participants.values()) this.touch(leg);
  }

  private participantsUpdated(call: ServerCall): void {
    const participants = [...call.participants.values()].map((leg) => ({
      identifier: modelFromRawId(leg.identity),
      isMuted: leg.isMuted,
      isOnHold: leg.isOnHold,
    }));
    for (const c of call.connections) {
      const conn = c as Connection;
      if (conn.state !== "connected" && conn.state !== "transferring") continue;
      conn.participantsSequence += 1;
      this.emit(conn, "ParticipantsUpdated", { participants, sequenceNumber: conn.participantsSequence });
    }
  }

  note(leg: Leg, what: string, detail?: Record<string, unknown>): void {
    leg.timeline.push({ at: nowIso(), what, ...(detail ? { detail } : {}) });
    if (leg.timeline.length > MAX_TIMELINE) leg.timeline.splice(0, leg.timeline.length - MAX_TIMELINE);
    this.touch(leg);
  }

  // ---------------------------------------------------------------- creation helpers

  private newServerCall(kind: ServerCall["kind"], locatorKey?: string): ServerCall {
    const serverCallId = Buffer.from(`https://acs-simulator/conv/${randomUUID()}`).toString("base64url");
    const call: ServerCall = {
      serverCallId,
      correlationId: randomUUID(),
      kind,
      locatorKey,
      participants: new Map(),
      connections: new Set(),
      ended: false,
      events: [],
    };
    this.serverCalls.set(serverCallId, call);
    if (locatorKey) this.locators.set(locatorKey, call);
    return call;
  }

  private newLeg(direction: Leg["direction"], from: string, to: string, customContext?: CustomContext): Leg {
    const leg: Leg = {
      id: randomUUID(),
      direction,
      from,
      to,
      identity: direction === "inbound" ? from : to,
      state: "ringing",
      createdAt: nowIso(),
      heard: [],
      timeline: [],
      tonesReceived: [],
      customContext,
      isMuted: false,
      isOnHold: false,
    };
    this.legs.set(leg.id, leg);
    return leg;
  }

  /** Ring a far-end leg; the handler hears how it ends. */
  private ring(leg: Leg, handler: RingHandler, timeoutMs = this.settings.ringTimeoutMs): void {
    const cancelTimeout = this.settings.clock.after(timeoutMs, () => {
      if (leg.state !== "ringing") return;
      leg.ring = undefined;
      this.endLeg(leg, "not answered");
      handler.onNoAnswer();
    });
    leg.ring = { handler, cancelTimeout };
    this.note(leg, "ringing");
  }

  private stopRinging(leg: Leg): RingHandler | undefined {
    const ring = leg.ring;
    if (!ring) return undefined;
    ring.cancelTimeout();
    leg.ring = undefined;
    return ring.handler;
  }

  private newConnection(call: ServerCall, callbackUri: string, details: Connection["details"], state: ConnectionState): Connection {
    const conn = new Connection(this, randomUUID(), call, callbackUri, details, state);
    this.connections.set(conn.id, conn);
    call.connections.add(conn);
    return conn;
  }

  private join(call: ServerCall, leg: Leg): void {
    leg.state = "connected";
    leg.answeredAt = leg.answeredAt ?? nowIso();
    leg.call = call;
    call.participants.set(leg.identity, leg);
    this.touch(leg);
  }

  private endLeg(leg: Leg, reason: string): void {
    if (leg.state === "ended") return;
    this.stopRinging(leg);
    leg.state = "ended";
    leg.endReason = reason;
    leg.endedAt = nowIso();
    leg.isOnHold = false;
    leg.playing = undefined;
    this.note(leg, "ended", { reason });
    if (leg.call && leg.call.participants.get(leg.identity) === leg) leg.call.participants.delete(leg.identity);
    for (const c of this.connections.values()) c.continuousDtmf.delete(leg.identity);
    this.retire(this.endedLegs, leg.id, this.legs);
  }

  private retire<T>(order: string[], id: string, map: Map<string, T>): void {
    order.push(id);
    while (order.length > this.settings.retainEnded) {
      const old = order.shift();
      if (old !== undefined) map.delete(old);
    }
  }

  /** The application's connection leaves (CallDisconnected) without touching the other parties. */
  private disconnect(conn: Connection, resultInformation: ResultInformation, operationContext?: string): void {
    if (conn.state === "disconnected") return;
    for (const leg of conn.ringing) {
      this.stopRinging(leg);
      this.endLeg(leg, "canceled");
    }
    conn.ringing.clear();
    for (const inv of conn.invitations.values()) this.endLeg(inv.leg, "canceled");
    conn.invitations.clear();
    conn.media.close();
    conn.state = "disconnected";
    conn.endedAt = nowIso();
    conn.call.connections.delete(conn);
    this.emit(conn, "CallDisconnected", { resultInformation, ...(operationContext ? { operationContext } : {}) });
    this.retire(this.endedConnections, conn.id, this.connections);
    this.maybeForgetCall(conn.call);
  }

  /** End a server call for everyone. */
  private endCall(call: ServerCall, resultInformation: ResultInformation, legReason: string): void {
    if (call.ended) return;
    call.ended = true;
    // Recordings stop first: their RecordingStateChanged goes out before CallDisconnected, after
    // which no more events arrive for the call.
    this.settings.onCallEnded?.(call);
    for (const leg of [...call.participants.values()]) this.endLeg(leg, legReason);
    for (const c of [...call.connections]) this.disconnect(c as Connection, resultInformation);
    if (call.locatorKey) this.locators.delete(call.locatorKey);
    this.maybeForgetCall(call);
  }

  private maybeForgetCall(call: ServerCall): void {
    if (call.connections.size === 0 && call.participants.size === 0) {
      call.ended = true;
      // Keep the record reachable through legs and connections; only the lookup table forgets it.
      this.serverCalls.delete(call.serverCallId);
      if (call.locatorKey) this.locators.delete(call.locatorKey);
    }
  }

  /**
   * After a party leaves: a 1:1 call ends when fewer than two ends remain (people plus the
   * application), a group call when no person is left.
   */
  private afterPartyLeft(call: ServerCall, resultInformation: ResultInformation): void {
    if (call.ended) return;
    const people = call.participants.size;
    if (people === 0 || (call.kind === "p2p" && people + call.connections.size < 2)) {
      this.endCall(call, resultInformation, "call ended");
      return;
    }
    this.participantsUpdated(call);
  }

  // ---------------------------------------------------------------- lookups for the REST API

  /** A connection that can take an action now. */
  activeConnection(id: string): Connection {
    const conn = this.connections.get(id);
    if (!conn) throw callNotFound();
    if (conn.state === "disconnected" || conn.state === "disconnecting") throw callTerminated();
    return conn;
  }

  /** A connection that is established (media and participant actions). */
  establishedConnection(id: string): Connection {
    const conn = this.activeConnection(id);
    if (conn.state === "connecting") throw callNotEstablished();
    return conn;
  }

  /** A connection to read (GET): ended connections are not found, as in ACS. */
  readableConnection(id: string): Connection {
    const conn = this.connections.get(id);
    if (!conn || conn.state === "disconnected") throw callNotFound();
    return conn;
  }

  participant(conn: Connection, rawId: string): Leg {
    const leg = conn.call.participants.get(rawId);
    if (!leg || leg.state !== "connected") throw participantNotFound();
    return leg;
  }

  recipients(conn: Connection, playTo: string[]): Leg[] {
    const all = [...conn.call.participants.values()].filter((l) => l.state === "connected");
    return playTo.length === 0 ? all : all.filter((l) => playTo.includes(l.identity));
  }

  participantList(conn: Connection): Array<Record<string, unknown>> {
    return [...conn.call.participants.values()].map((leg) => this.participantModel(leg));
  }

  participantModel(leg: Leg): Record<string, unknown> {
    return { identifier: modelFromRawId(leg.identity), isMuted: leg.isMuted, isOnHold: leg.isOnHold };
  }

  // ---------------------------------------------------------------- far end (control API)

  /** A caller dials `to`: the call rings and IncomingCall goes to the Event Grid subscribers. */
  async dialIn(from: string, to: string, customContext?: CustomContext): Promise<Leg> {
    const leg = this.newLeg("inbound", from, to, customContext);
    const call = this.newServerCall("p2p");
    leg.call = call;
    await this.offer(leg, call, to);
    return leg;
  }

  /** A far-end party joins a group call or room directly (as a Teams or ACS client would). */
  joinLocator(from: string, locatorKey: string): Leg {
    const call = this.locators.get(locatorKey) ?? this.newServerCall("group", locatorKey);
    const leg = this.newLeg("inbound", from, locatorKey);
    this.join(call, leg);
    this.note(leg, "joined", { locator: locatorKey });
    this.participantsUpdated(call);
    return leg;
  }

  /**
   * A party in a group call (joined first if needed) invites `to`, a number the resource owns or an
   * ACS user: IncomingCall for the group call; answering it joins the application to the group.
   */
  async inviteFromGroup(from: string, to: string, groupCallId: string): Promise<Leg> {
    if (!this.ownsTarget(to)) throw new AcsError(400, "BadRequest", "A group call can invite only a number the resource owns or an ACS user.");
    const locatorKey = `group:${groupCallId}`;
    const inGroup = this.locators.get(locatorKey)?.participants.get(from);
    const leg = inGroup && inGroup.state === "connected" ? inGroup : this.joinLocator(from, locatorKey);
    await this.offer(leg, leg.call as ServerCall, to, undefined, true);
    return leg;
  }

  private async offer(leg: Leg, call: ServerCall, to: string, onBehalfOf?: string, fromGroup = false): Promise<void> {
    const id = randomUUID();
    const context = await this.settings.signContext({ offer: id, serverCallId: call.serverCallId });
    const offer: IncomingOffer = { id, leg, call, to, from: leg.from, context, handled: false, onBehalfOf, ...(fromGroup ? { fromGroup } : {}) };
    this.offers.set(id, offer);
    this.note(leg, "incoming call offered", { to });
    if (fromGroup) {
      // The inviter is in the call already: nothing rings on its side; the invitation just lapses.
      this.settings.clock.after(this.settings.ringTimeoutMs, () => {
        offer.handled = true;
        this.offers.delete(id);
      });
      this.settings.publishIncomingCall(offer);
      return;
    }
    this.ring(leg, {
      onAnswer: () => undefined,
      onReject: () => undefined,
      onNoAnswer: () => {
        offer.handled = true;
        this.offers.delete(id);
        this.maybeForgetCall(call);
      },
    });
    this.settings.publishIncomingCall(offer);
  }

  /** The far end answers an outbound leg that rings. */
  answerLeg(leg: Leg): void {
    if (leg.state !== "ringing" || leg.direction !== "outbound") {
      throw new AcsError(409, "Conflict", `Only a ringing outbound call can be answered; this call is ${leg.state}.`);
    }
    const handler = this.stopRinging(leg);
    this.note(leg, "answered");
    handler?.onAnswer();
  }

  /** The far end declines (or is busy for) an outbound leg that rings. */
  rejectLeg(leg: Leg, reason: RejectReason): void {
    if (leg.state !== "ringing" || leg.direction !== "outbound") {
      throw new AcsError(409, "Conflict", `Only a ringing outbound call can be declined; this call is ${leg.state}.`);
    }
    const handler = this.stopRinging(leg);
    this.endLeg(leg, reason);
    handler?.onReject(reason);
  }

  /** The far end hangs up (or gives up ringing, or declines a ringing outbound call). */
  hangUpLeg(leg: Leg): void {
    if (leg.state === "ended") throw new AcsError(409, "Conflict", "This call has already ended.");
    if (leg.state === "ringing") {
      if (leg.direction === "outbound") {
        this.rejectLeg(leg, "declined");
        return;
      }
      // A caller who gives up before anyone answered.
      for (const offer of this.offers.values()) {
        if (offer.leg === leg) {
          offer.handled = true;
          this.offers.delete(offer.id);
        }
      }
      const handler = this.stopRinging(leg);
      this.endLeg(leg, "caller hung up");
      handler?.onReject("declined");
      // A redirect in progress rings its target: stop that too.
      for (const other of this.legs.values()) {
        if (other.state === "ringing" && other.call === leg.call && other !== leg) {
          this.stopRinging(other);
          this.endLeg(other, "canceled");
        }
      }
      if (leg.call) this.maybeForgetCall(leg.call);
      return;
    }
    const call = leg.call;
    this.endLeg(leg, "hung up");
    if (call) this.afterPartyLeft(call, CALL_RESULTS.endedByParty);
  }

  /**
   * A far-end party presses keys. An `unreadable` key (a noisy line) is one ACS hears but cannot
   * read: continuous recognition reports ContinuousDtmfRecognitionToneFailed; nothing else hears it.
   */
  pressTone(leg: Leg, tone: string, unreadable = false): string {
    if (leg.state !== "connected" || !leg.call) throw new AcsError(409, "Conflict", "Keys can only be pressed in a connected call.");
    let outcome = "ignored";
    for (const c of leg.call.connections) {
      const conn = c as Connection;
      if (conn.state !== "connected") continue;
      if (unreadable) {
        if (conn.continuousDtmf.has(leg.identity)) {
          this.emit(conn, "ContinuousDtmfRecognitionToneFailed", { resultInformation: info(500, 8534, "Incorrect tone detected.") });
          outcome = "failed";
        }
        continue;
      }
      if (conn.media.onTone(leg, tone) === "recognized") outcome = "recognized";
      if (conn.continuousDtmf.has(leg.identity)) {
        conn.dtmfSequence += 1;
        this.emit(conn, "ContinuousDtmfRecognitionToneReceived", {
          tone,
          sequenceId: conn.dtmfSequence,
          resultInformation: info(200, 0, "Tone received."),
        });
        outcome = "recognized";
      }
    }
    this.note(leg, "pressed", { tone, outcome });
    return outcome;
  }

  /** A far-end party says something. */
  speak(leg: Leg, text: string): string {
    if (leg.state !== "connected" || !leg.call) throw new AcsError(409, "Conflict", "Speech needs a connected call.");
    let outcome = "ignored";
    for (const c of leg.call.connections) {
      const conn = c as Connection;
      if (conn.state === "connected" && conn.media.onSpeech(leg, text) === "recognized") outcome = "recognized";
    }
    this.note(leg, "said", { text, outcome });
    return outcome;
  }

  // ---------------------------------------------------------------- incoming calls (REST)

  private offerFor(incomingCallContext: string, claims: Record<string, unknown> | undefined): IncomingOffer {
    const id = typeof claims?.offer === "string" ? claims.offer : undefined;
    const offer = id ? this.offers.get(id) : undefined;
    if (!offer || offer.context !== incomingCallContext) {
      throw new AcsError(400, "8586", "The incoming call is unknown, has ended or was already answered, rejected or redirected.");
    }
    if (offer.handled) throw new AcsError(400, "8586", "The incoming call was already answered, rejected or redirected.");
    return offer;
  }

  answer(
    incomingCallContext: string,
    claims: Record<string, unknown> | undefined,
    callbackUri: string,
    opts: {
      operationContext?: string;
      answeredBy?: string;
      cognitiveServicesEndpoint?: string;
      transcriptionOptions?: Record<string, unknown>;
      mediaStreamingOptions?: Record<string, unknown>;
    },
  ): Connection {
    const offer = this.offerFor(incomingCallContext, claims);
    offer.handled = true;
    this.offers.delete(offer.id);
    const leg = offer.leg;
    this.stopRinging(leg);
    const conn = this.newConnection(
      offer.call,
      callbackUri,
      {
        targets: [leg.identity],
        source: offer.to,
        answeredBy: opts.answeredBy,
        cognitiveServicesEndpoint: opts.cognitiveServicesEndpoint,
        transcriptionOptions: opts.transcriptionOptions,
        mediaStreamingOptions: opts.mediaStreamingOptions,
      },
      "connected",
    );
    this.join(offer.call, leg);
    this.note(leg, "answered by the application", { callConnectionId: conn.id });
    this.connected(conn, opts.operationContext);
    return conn;
  }

  private connected(conn: Connection, operationContext?: string): void {
    conn.state = "connected";
    this.emit(conn, "CallConnected", { operationContext, resultInformation: CALL_RESULTS.connected });
    this.participantsUpdated(conn.call);
    this.autoStartSubscriptions(conn, operationContext);
  }

  private autoStartSubscriptions(conn: Connection, operationContext?: string): void {
    if (conn.transcription.options?.startTranscription === true) this.startTranscription(conn, { operationContext });
    if (conn.mediaStreaming.options?.startMediaStreaming === true) this.startMediaStreaming(conn, { operationContext });
  }

  reject(incomingCallContext: string, claims: Record<string, unknown> | undefined, reason: string): void {
    const offer = this.offerFor(incomingCallContext, claims);
    offer.handled = true;
    this.offers.delete(offer.id);
    if (offer.fromGroup) {
      this.note(offer.leg, "invitation rejected", { reason });
      return;
    }
    this.stopRinging(offer.leg);
    this.endLeg(offer.leg, `rejected (${reason})`);
    this.maybeForgetCall(offer.call);
  }

  async redirect(incomingCallContext: string, claims: Record<string, unknown> | undefined, target: string): Promise<void> {
    const offer = this.offerFor(incomingCallContext, claims);
    offer.handled = true;
    this.offers.delete(offer.id);
    const caller = offer.leg;
    this.stopRinging(caller);
    this.note(caller, "redirected", { target });
    if (this.ownsTarget(target)) {
      await this.offer(caller, offer.call, target, offer.to, offer.fromGroup);
      return;
    }
    if (offer.fromGroup) {
      // From a group call, the redirect target is simply invited into it.
      const invited = this.newLeg("outbound", caller.from, target);
      invited.call = offer.call;
      this.ring(invited, { onAnswer: () => this.join(offer.call, invited), onReject: () => undefined, onNoAnswer: () => undefined });
      return;
    }
    // The target is outside the resource: it rings at the far end, and the caller waits.
    const targetLeg = this.newLeg("outbound", caller.from, target);
    targetLeg.call = offer.call;
    this.ring(caller, { onAnswer: () => undefined, onReject: () => undefined, onNoAnswer: () => undefined }, this.settings.ringTimeoutMs * 2);
    this.ring(targetLeg, {
      onAnswer: () => {
        this.stopRinging(caller);
        this.join(offer.call, caller);
        this.join(offer.call, targetLeg);
        this.note(caller, "connected to redirect target", { target });
      },
      onReject: (reason) => {
        this.endLeg(caller, `redirect target ${reason}`);
        this.maybeForgetCall(offer.call);
      },
      onNoAnswer: () => {
        this.endLeg(caller, "redirect target did not answer");
        this.maybeForgetCall(offer.call);
      },
    });
  }

  /** ACS users and numbers the resource owns get a new IncomingCall when a call is sent to them. */
  ownsTarget(rawId: string): boolean {
    return kindOfRawId(rawId) === "communicationUser" || this.settings.ownedNumbers.has(rawId);
  }

  // ---------------------------------------------------------------- outbound calls (REST)

  createCall(
    targets: string[],
    callbackUri: string,
    opts: {
      operationContext?: string;
      sourceCallerIdNumber?: string;
      sourceDisplayName?: string;
      source?: string;
      cognitiveServicesEndpoint?: string;
      transcriptionOptions?: Record<string, unknown>;
      mediaStreamingOptions?: Record<string, unknown>;
      customContext?: CustomContext;
    },
  ): Connection {
    const call = this.newServerCall(targets.length > 1 ? "group" : "p2p");
    const conn = this.newConnection(
      call,
      callbackUri,
      {
        targets,
        source: opts.source,
        sourceCallerIdNumber: opts.sourceCallerIdNumber,
        sourceDisplayName: opts.sourceDisplayName,
        cognitiveServicesEndpoint: opts.cognitiveServicesEndpoint,
        transcriptionOptions: opts.transcriptionOptions,
        mediaStreamingOptions: opts.mediaStreamingOptions,
      },
      "connecting",
    );
    const from = opts.sourceCallerIdNumber ? `4:${opts.sourceCallerIdNumber}` : (opts.source ?? "8:acs:simulator-application");
    let failure: ResultInformation | undefined;
    for (const target of targets) {
      const leg = this.newLeg("outbound", from, target, opts.customContext);
      leg.call = call;
      conn.ringing.add(leg);
      this.ring(leg, {
        onAnswer: () => {
          conn.ringing.delete(leg);
          if (conn.state === "disconnected") return;
          this.join(call, leg);
          if (conn.state === "connecting") this.connected(conn, opts.operationContext);
          else this.participantsUpdated(call);
        },
        onReject: (reason) => ended(leg, ringFailure(reason)),
        onNoAnswer: () => ended(leg, ringFailure("noAnswer")),
      });
    }
    const ended = (leg: Leg, result: ResultInformation): void => {
      conn.ringing.delete(leg);
      failure = failure ?? result;
      if (conn.state === "connecting" && conn.ringing.size === 0) {
        this.emit(conn, "CreateCallFailed", { operationContext: opts.operationContext, resultInformation: failure });
        conn.media.close();
        conn.state = "disconnected";
        conn.endedAt = nowIso();
        call.connections.delete(conn);
        this.retire(this.endedConnections, conn.id, this.connections);
        this.endCall(call, failure, "call failed");
      }
    };
    return conn;
  }

  connect(
    locator: { kind: string; id: string },
    callbackUri: string,
    opts: { operationContext?: string; cognitiveServicesEndpoint?: string; transcriptionOptions?: Record<string, unknown>; mediaStreamingOptions?: Record<string, unknown> },
  ): Connection {
    let call: ServerCall | undefined;
    if (locator.kind === "serverCallLocator") {
      call = this.serverCalls.get(locator.id);
    } else {
      const key = `${locator.kind === "roomCallLocator" ? "room" : "group"}:${locator.id}`;
      call = this.locators.get(key) ?? this.newServerCall("group", key);
    }
    if (!call || call.ended) {
      // ACS accepts the request and reports the failure as an event.
      const placeholder = this.newServerCall("group");
      const conn = this.newConnection(placeholder, callbackUri, { targets: [] }, "connecting");
      this.settings.clock.after(0, () => {
        this.emit(conn, "ConnectFailed", { operationContext: opts.operationContext, resultInformation: CALL_RESULTS.connectFailed });
        conn.state = "disconnected";
        conn.endedAt = nowIso();
        placeholder.connections.delete(conn);
        this.retire(this.endedConnections, conn.id, this.connections);
        this.maybeForgetCall(placeholder);
      });
      return conn;
    }
    const conn = this.newConnection(call, callbackUri, { targets: [...call.participants.keys()], ...opts }, "connecting");
    this.settings.clock.after(0, () => {
      if (conn.state === "connecting") this.connected(conn, opts.operationContext);
    });
    return conn;
  }

  // ---------------------------------------------------------------- call control (REST)

  hangUp(conn: Connection, forEveryone: boolean): void {
    if (forEveryone || conn.call.kind === "p2p") {
      this.endCall(conn.call, CALL_RESULTS.endedByApp, "ended by the application");
    } else {
      this.disconnect(conn, CALL_RESULTS.endedByApp);
      if (conn.call.participants.size > 0) this.participantsUpdated(conn.call);
    }
  }

  transfer(
    conn: Connection,
    target: string,
    opts: { transferee?: string; operationContext?: string; callbackUri?: string; customContext?: CustomContext; sourceCallerIdNumber?: string },
  ): void {
    if (conn.state === "transferring") throw new AcsError(409, "8519", "A transfer is already in progress.");
    const humans = [...conn.call.participants.values()];
    let transferee: Leg | undefined;
    if (opts.transferee) transferee = this.participant(conn, opts.transferee);
    else if (humans.length === 1) transferee = humans[0];
    else throw badRequest("transferee is required to transfer a call with more than one participant.");
    if (conn.call.participants.has(target)) throw badRequest("The transfer target is already in the call.");
    const from = opts.sourceCallerIdNumber ? `4:${opts.sourceCallerIdNumber}` : transferee.identity;
    const targetLeg = this.newLeg("outbound", from, target, opts.customContext);
    targetLeg.call = conn.call;
    conn.state = "transferring";
    // Ringing on behalf of this connection: if the call ends first, the target stops ringing.
    conn.ringing.add(targetLeg);
    const p2p = conn.call.kind === "p2p";
    const fail = (result: ResultInformation): void => {
      conn.ringing.delete(targetLeg);
      if (conn.state !== "transferring") return;
      conn.state = "connected";
      this.emit(conn, "CallTransferFailed", { operationContext: opts.operationContext, resultInformation: result }, opts.callbackUri);
    };
    this.ring(targetLeg, {
      onAnswer: () => {
        conn.ringing.delete(targetLeg);
        if (conn.state !== "transferring" || transferee.state !== "connected") {
          this.endLeg(targetLeg, "canceled");
          // The transferee left while the target rang: the transfer fails, the call goes on.
          fail(CALL_RESULTS.canceled);
          return;
        }
        this.join(conn.call, targetLeg);
        this.note(transferee, "transferred", { target });
        conn.state = "transferAccepted";
        this.emit(
          conn,
          "CallTransferAccepted",
          {
            operationContext: opts.operationContext,
            resultInformation: CALL_RESULTS.transferAccepted,
            transferTarget: modelFromRawId(target),
            transferee: modelFromRawId(transferee.identity),
          },
          opts.callbackUri,
        );
        if (p2p) {
          // In a 1:1 call the application hands the caller over and leaves.
          this.disconnect(conn, CALL_RESULTS.transferCompleted);
        } else {
          this.endLeg(transferee, "transferred");
          conn.state = "connected";
          this.participantsUpdated(conn.call);
        }
      },
      onReject: (reason) => fail(ringFailure(reason)),
      onNoAnswer: () => fail(ringFailure("noAnswer")),
    });
  }

  addParticipant(
    conn: Connection,
    target: string,
    opts: {
      invitationTimeoutSeconds?: number;
      operationContext?: string;
      callbackUri?: string;
      sourceCallerIdNumber?: string;
      customContext?: CustomContext;
    },
  ): Invitation {
    if (conn.call.participants.has(target)) throw badRequest("The participant is already in the call.");
    const from = opts.sourceCallerIdNumber ? `4:${opts.sourceCallerIdNumber}` : (conn.details.source ?? "8:acs:simulator-application");
    const leg = this.newLeg("outbound", from, target, opts.customContext);
    leg.call = conn.call;
    const invitation: Invitation = { id: randomUUID(), leg, operationContext: opts.operationContext, callbackUri: opts.callbackUri };
    conn.invitations.set(invitation.id, invitation);
    const failed = (result: ResultInformation): void => {
      if (!conn.invitations.delete(invitation.id)) return;
      this.emit(conn, "AddParticipantFailed", { operationContext: opts.operationContext, resultInformation: result, participant: modelFromRawId(target) }, opts.callbackUri);
    };
    const timeoutMs = (opts.invitationTimeoutSeconds ?? this.settings.ringTimeoutMs / 1000) * 1000;
    this.ring(
      leg,
      {
        onAnswer: () => {
          if (!conn.invitations.delete(invitation.id) || conn.state === "disconnected") {
            this.endLeg(leg, "canceled");
            return;
          }
          conn.call.kind = "group";
          this.join(conn.call, leg);
          this.emit(conn, "AddParticipantSucceeded", { operationContext: opts.operationContext, resultInformation: CALL_RESULTS.participantAdded, participant: modelFromRawId(target) }, opts.callbackUri);
          this.participantsUpdated(conn.call);
        },
        onReject: (reason) => failed(ringFailure(reason)),
        onNoAnswer: () => failed(ringFailure("noAnswer")),
      },
      timeoutMs,
    );
    return invitation;
  }

  cancelAddParticipant(conn: Connection, invitationId: string, opts: { operationContext?: string; callbackUri?: string }): void {
    const invitation = conn.invitations.get(invitationId);
    if (!invitation) throw new AcsError(404, "8522", "No pending invitation with that id.");
    conn.invitations.delete(invitationId);
    this.stopRinging(invitation.leg);
    this.endLeg(invitation.leg, "canceled");
    this.emit(conn, "CancelAddParticipantSucceeded", { operationContext: opts.operationContext, invitationId, resultInformation: info(200, 0, "Add participant canceled.") }, opts.callbackUri);
  }

  removeParticipant(conn: Connection, rawId: string, opts: { operationContext?: string; callbackUri?: string }): void {
    const leg = this.participant(conn, rawId);
    this.endLeg(leg, "removed by the application");
    this.emit(conn, "RemoveParticipantSucceeded", { operationContext: opts.operationContext, resultInformation: CALL_RESULTS.participantRemoved, participant: modelFromRawId(rawId) }, opts.callbackUri);
    this.afterPartyLeft(conn.call, CALL_RESULTS.endedByApp);
  }

  mute(conn: Connection, rawIds: string[]): void {
    const legs = rawIds.map((id) => this.participant(conn, id));
    for (const leg of legs) {
      if (kindOfRawId(leg.identity) !== "communicationUser") throw badRequest("Only Azure Communication Services users can be muted.");
    }
    for (const leg of legs) {
      leg.isMuted = true;
      this.note(leg, "muted");
    }
    this.participantsUpdated(conn.call);
  }

  moveParticipants(conn: Connection, rawIds: string[], fromCall: string, opts: { operationContext?: string; callbackUri?: string }): Leg[] {
    const source =
      this.connections.get(fromCall)?.call ?? this.serverCalls.get(fromCall);
    if (!source || source.ended) throw callNotFound();
    if (source === conn.call) throw badRequest("fromCall is this call.");
    const legs = rawIds.map((id) => {
      const leg = source.participants.get(id);
      if (!leg) throw participantNotFound();
      return leg;
    });
    for (const leg of legs) {
      source.participants.delete(leg.identity);
      conn.call.kind = "group";
      this.join(conn.call, leg);
      this.note(leg, "moved", { to: conn.call.serverCallId });
      this.emit(conn, "MoveParticipantSucceeded", { operationContext: opts.operationContext, resultInformation: info(200, 0, "Participant moved."), participant: modelFromRawId(leg.identity), fromCall }, opts.callbackUri);
    }
    this.participantsUpdated(conn.call);
    this.afterPartyLeft(source, CALL_RESULTS.endedByParty);
    return legs;
  }

  // ---------------------------------------------------------------- mid-call media that is not play/recognize

  sendDtmf(conn: Connection, tones: string[], target: string, opts: { operationContext?: string; callbackUri?: string }): void {
    const leg = this.participant(conn, target);
    if (kindOfRawId(leg.identity) !== "phoneNumber") throw badRequest("DTMF tones can only be sent to a phone number participant.");
    this.note(leg, "receiving tones", { tones });
    this.settings.clock.after(tones.length * 200, () => {
      if (conn.state !== "connected") return;
      // The target left a call that goes on (a group call): the tones never reached it.
      if (leg.state !== "connected" || leg.call !== conn.call) {
        this.emit(conn, "SendDtmfTonesFailed", { operationContext: opts.operationContext, resultInformation: CALL_RESULTS.dtmfTargetGone }, opts.callbackUri);
        return;
      }
      leg.tonesReceived.push(...tones);
      this.note(leg, "received tones", { tones });
      this.emit(conn, "SendDtmfTonesCompleted", { operationContext: opts.operationContext, resultInformation: CALL_RESULTS.dtmfSent }, opts.callbackUri);
    });
  }

  startContinuousDtmf(conn: Connection, target: string): void {
    const leg = this.participant(conn, target);
    conn.continuousDtmf.add(target);
    this.touch(leg);
  }

  stopContinuousDtmf(conn: Connection, target: string, opts: { operationContext?: string; callbackUri?: string }): void {
    this.participant(conn, target);
    if (!conn.continuousDtmf.delete(target)) return;
    this.emit(conn, "ContinuousDtmfRecognitionStopped", { operationContext: opts.operationContext, resultInformation: info(200, 0, "Continuous DTMF recognition stopped.") }, opts.callbackUri);
  }

  hold(conn: Connection, target: string, music: { prompt?: Leg["heard"][number]; operationContext?: string; callbackUri?: string }): void {
    const leg = this.participant(conn, target);
    leg.isOnHold = true;
    this.note(leg, "put on hold");
    this.participantsUpdated(conn.call);
    const prompt = music.prompt;
    if (!prompt) return;
    const check = prompt.kind === "file" ? this.settings.checkFile : undefined;
    if (!check) {
      this.holdMusic(leg, prompt);
      return;
    }
    // With file checking on (validateMediaUrls), music that cannot be played fails the hold:
    // HoldFailed with the play failure's result, and the participant is taken off hold again.
    void check(prompt.content).then((failure) => {
      if (conn.state !== "connected" || leg.state !== "connected" || !leg.isOnHold) return;
      if (!failure) {
        this.holdMusic(leg, prompt);
        return;
      }
      this.emit(conn, "HoldFailed", { operationContext: music.operationContext, resultInformation: failure }, music.callbackUri);
      this.unhold(conn, target);
    });
  }

  /** Hold music plays (it sounds until the party is taken off hold). */
  private holdMusic(leg: Leg, prompt: Leg["heard"][number]): void {
    const entry = { ...prompt, at: nowIso() };
    leg.heard.push(entry);
    leg.playing = entry;
    this.touch(leg);
  }

  unhold(conn: Connection, target: string): void {
    const leg = this.participant(conn, target);
    if (!leg.isOnHold) return;
    leg.isOnHold = false;
    if (leg.playing?.via === "hold") leg.playing = undefined;
    this.note(leg, "taken off hold");
    this.participantsUpdated(conn.call);
  }

  // ---------------------------------------------------------------- transcription and media streaming

  startTranscription(conn: Connection, opts: { locale?: string; operationContext?: string; callbackUri?: string }): void {
    const t = conn.transcription;
    if (t.state === "disabled") throw badRequest("Transcription is not configured for this call: pass transcriptionOptions when the call is created, answered or connected.");
    if (t.state === "active") throw new AcsError(400, "8500", "Transcription is already running.");
    if (t.transportDown) {
      this.streamFailed(conn, "transcription", "streamConnectionUnsuccessful", opts);
      return;
    }
    t.state = "active";
    if (opts.locale) t.locale = opts.locale;
    t.startedBy = { operationContext: opts.operationContext, callbackUri: opts.callbackUri };
    this.emit(conn, "TranscriptionStarted", {
      operationContext: opts.operationContext,
      resultInformation: info(200, 0, "Transcription started."),
      transcriptionUpdate: { transcriptionStatus: "transcriptionStarted", transcriptionStatusDetails: "subscriptionStarted" },
    }, opts.callbackUri);
  }

  stopTranscription(conn: Connection, opts: { operationContext?: string; callbackUri?: string }): void {
    const t = conn.transcription;
    if (t.state !== "active") throw new AcsError(400, "8500", "Transcription is not running.");
    t.state = "inactive";
    this.emit(conn, "TranscriptionStopped", {
      operationContext: opts.operationContext,
      resultInformation: info(200, 0, "Transcription stopped."),
      transcriptionUpdate: { transcriptionStatus: "transcriptionStopped", transcriptionStatusDetails: "subscriptionStopped" },
    }, opts.callbackUri);
  }

  updateTranscription(conn: Connection, locale: string, opts: { operationContext?: string; callbackUri?: string }): void {
    const t = conn.transcription;
    if (t.state !== "active") throw new AcsError(400, "8500", "Transcription is not running.");
    t.locale = locale;
    this.emit(conn, "TranscriptionUpdated", {
      operationContext: opts.operationContext,
      resultInformation: info(200, 0, "Transcription updated."),
      transcriptionUpdate: { transcriptionStatus: "transcriptionUpdated", transcriptionStatusDetails: "transcriptionLocaleUpdated" },
    }, opts.callbackUri);
  }

  startMediaStreaming(conn: Connection, opts: { operationContext?: string; callbackUri?: string }): void {
    const m = conn.mediaStreaming;
    if (m.state === "disabled") throw badRequest("Media streaming is not configured for this call: pass mediaStreamingOptions when the call is created, answered or connected.");
    if (m.state === "active") throw new AcsError(400, "8500", "Media streaming is already running.");
    if (m.transportDown) {
      this.streamFailed(conn, "mediaStreaming", "initialWebSocketConnectionFailed", opts);
      return;
    }
    m.state = "active";
    m.startedBy = { operationContext: opts.operationContext, callbackUri: opts.callbackUri };
    this.emit(conn, "MediaStreamingStarted", {
      operationContext: opts.operationContext,
      resultInformation: info(200, 0, "Media streaming started."),
      mediaStreamingUpdate: { contentType: "Audio", mediaStreamingStatus: "mediaStreamingStarted", mediaStreamingStatusDetails: "subscriptionStarted" },
    }, opts.callbackUri);
  }

  stopMediaStreaming(conn: Connection, opts: { operationContext?: string; callbackUri?: string }): void {
    const m = conn.mediaStreaming;
    if (m.state !== "active") throw new AcsError(400, "8500", "Media streaming is not running.");
    m.state = "inactive";
    this.emit(conn, "MediaStreamingStopped", {
      operationContext: opts.operationContext,
      resultInformation: info(200, 0, "Media streaming stopped."),
      mediaStreamingUpdate: { contentType: "Audio", mediaStreamingStatus: "mediaStreamingStopped", mediaStreamingStatusDetails: "subscriptionStopped" },
    }, opts.callbackUri);
  }

  /**
   * The application's WebSocket server at a call's transport URL becomes unreachable, or
   * reachable again. The simulator opens no WebSocket: this stands in for that server. While it is
   * down every start fails (TranscriptionFailed / MediaStreamingFailed instead of Started), and a
   * stream running when it goes down fails at once (streamConnectionInterrupted), with the
   * operationContext of the start that began it.
   */
  setStreamTransport(conn: Connection, kind: "transcription" | "mediaStreaming", reachable: boolean): void {
    const sub = kind === "transcription" ? conn.transcription : conn.mediaStreaming;
    if (sub.state === "disabled") return;
    sub.transportDown = !reachable;
    if (!reachable && sub.state === "active") this.streamFailed(conn, kind, "streamConnectionInterrupted", sub.startedBy ?? {});
  }

  private streamFailed(conn: Connection, kind: "transcription" | "mediaStreaming", details: string, opts: { operationContext?: string; callbackUri?: string }): void {
    if (kind === "transcription") {
      conn.transcription.state = "inactive";
      this.emit(conn, "TranscriptionFailed", {
        operationContext: opts.operationContext,
        resultInformation: info(500, 8578, "Transcription failed: the WebSocket connection to the transport URL failed."),
        transcriptionUpdate: { transcriptionStatus: "transcriptionFailed", transcriptionStatusDetails: details },
      }, opts.callbackUri);
    } else {
      conn.mediaStreaming.state = "inactive";
      this.emit(conn, "MediaStreamingFailed", {
        operationContext: opts.operationContext,
        resultInformation: info(500, 8603, "Media streaming failed: the WebSocket connection to the transport URL failed."),
        mediaStreamingUpdate: { contentType: "Audio", mediaStreamingStatus: "mediaStreamingFailed", mediaStreamingStatusDetails: details },
      }, opts.callbackUri);
    }
  }

  // ---------------------------------------------------------------- teardown

  /** Stop every timer-driven activity (simulator stop). */
  shutdown(): void {
    this.changes.close();
    for (const conn of this.connections.values()) conn.media.close();
    for (const leg of this.legs.values()) this.stopRinging(leg);
  }

  /** Identifier model helper for the REST layer. */
  static model(rawId: string): IdentifierModel {
    return modelFromRawId(rawId);
  }
}
