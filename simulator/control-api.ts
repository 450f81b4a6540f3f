/**
 * The control API: JSON over HTTP that plays the far end of every call, for people (the phone
 * page), tests and benchmarks. Mounted at `/simulator` on the standalone server, or anywhere a
 * host chooses (Node-RED mounts it at `/acs-simulator` on its admin server).
 */
import { rawIdFromText } from "../lib/identifiers";
import type { CallEngine, Connection } from "./engine";
import { AcsError } from "./errors";
import { TooManyWatchersError, isCursor } from "./leg-changes";
import { type Leg, toneNamesFromKeys, normaliseToneName } from "./model";
import { Router } from "./router";
import type { Body } from "./validate";

export interface ControlReply {
  status: number;
  body?: unknown;
}

/** The request behind a call: `signal` aborts when its client goes away. */
export interface ControlRequest {
  signal: AbortSignal;
}

type Handler = (params: string[], body: Body, query: URLSearchParams, request: ControlRequest) => ControlReply | Promise<ControlReply>;

/** Longest a `GET /changes` request waits for a change, in seconds. */
const MAX_WAIT_SECONDS = 60;

export interface FaultRule {
  id: number;
  method?: string;
  /** A fragment of the REST path, e.g. ":play" or "/calling/callConnections". */
  path: string;
  status: number;
  /**
   * "before": refuse without acting; "after": act, then lose the response (tests retries);
   * "event": accept the request, then let the operation fail by its event (recording start only:
   * StartRecordingFailed, or "unconfirmed": no RecordingStateChanged at all); "delivery": the
   * next callbacks of `eventType` arrive late (after the next event of their call connection)
   * or twice.
   */
  stage: "before" | "after" | "event" | "delivery";
  /** For stage "delivery": the callback event type ("ContinuousDtmfRecognitionToneReceived"). */
  eventType?: string;
  /** For stage "delivery": what happens to it. */
  delivery?: "late" | "twice";
  /** For stage "event": how the operation ends (default "failed"). */
  outcome?: "failed" | "unconfirmed";
  /** For stage "event" "failed": the failure event's sub-code and message. */
  subCode?: number;
  message?: string;
  remaining: number;
  retryAfterSeconds?: number;
}

export interface ControlHost {
  engine: CallEngine;
  info(): Record<string, unknown>;
  subscribe(url: string, eventTypes?: string[]): Promise<{ id: string; url: string; eventTypes?: string[] }>;
  subscriptions(): Array<{ id: string; url: string; eventTypes?: string[] }>;
  unsubscribe(id: string): boolean;
  deliveries(): unknown[];
  faults: FaultRule[];
  nextFaultId(): number;
}

const fail = (status: number, message: string): AcsError => new AcsError(status, status === 404 ? "NotFound" : "BadRequest", message);

function text(body: Body, key: string, max: number, required = true): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw fail(400, `${key} is required.`);
    return undefined;
  }
  if (typeof v !== "string" || v.trim() === "") throw fail(400, `${key} must be a non-empty string.`);
  if (v.length > max) throw fail(400, `${key} is longer than ${max} characters.`);
  return v.trim();
}

function party(body: Body, key: string, required = true): string | undefined {
  const value = text(body, key, 300, required);
  if (value === undefined) return undefined;
  const rawId = rawIdFromText(value);
  if (!rawId) throw fail(400, `${key} must be an E.164 phone number such as +14255550123, or an identifier such as 8:acs:…`);
  return rawId;
}

function headerMap(body: Body, key: string): Record<string, string> | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v) || Object.values(v).some((x) => typeof x !== "string")) {
    throw fail(400, `${key} must be an object of string values.`);
  }
  return v as Record<string, string>;
}

/** A leg as the control API shows it. `full` adds what was heard, the timeline and the events. */
export function describeLeg(leg: Leg, full: boolean): Record<string, unknown> {
  const call = leg.call;
  const connections = call ? ([...call.connections] as Connection[]) : [];
  const summary: Record<string, unknown> = {
    id: leg.id,
    direction: leg.direction,
    from: leg.from,
    to: leg.to,
    state: leg.state,
    ...(leg.endReason ? { endReason: leg.endReason } : {}),
    serverCallId: call?.serverCallId,
    correlationId: call?.correlationId,
    createdAt: leg.createdAt,
    ...(leg.answeredAt ? { answeredAt: leg.answeredAt } : {}),
    ...(leg.endedAt ? { endedAt: leg.endedAt } : {}),
    isMuted: leg.isMuted,
    isOnHold: leg.isOnHold,
    lastHeard: leg.heard.length ? leg.heard[leg.heard.length - 1] : undefined,
    heardCount: leg.heard.length,
    ...playingOf(leg),
    ...listeningOf(leg, connections),
    callConnectionIds: connections.map((c) => c.id),
  };
  if (!full) return summary;
  return {
    ...summary,
    ...(leg.customContext ? { customContext: leg.customContext } : {}),
    heard: leg.heard,
    tonesReceived: leg.tonesReceived,
    timeline: leg.timeline,
    participants: call ? [...call.participants.keys()] : [],
    media: connections.map((c) => ({ callConnectionId: c.id, operations: c.media.describe(), continuousDtmf: c.continuousDtmf.has(leg.identity) })),
    events: call ? call.events.map((e) => ({ time: e.time, type: e.type.replace("Microsoft.Communication.", ""), data: e.data })) : [],
    streaming: connections.map(describeStreaming),
  };
}

/** `playing`: the index in `heard` of the prompt sounding now (none when silent). */
function playingOf(leg: Leg): { playing?: number } {
  if (!leg.playing) return {};
  const index = leg.heard.lastIndexOf(leg.playing);
  return index >= 0 ? { playing: index } : {};
}

/**
 * `listening`: what the application would take from this party now: keys (a recognize that
 * takes DTMF, or continuous DTMF recognition) and/or speech. Absent when nothing listens.
 */
function listeningOf(leg: Leg, connections: Connection[]): { listening?: { keys: boolean; speech: boolean } } {
  if (leg.state !== "connected") return {};
  let keys = false;
  let speech = false;
  for (const c of connections) {
    if (c.state !== "connected") continue;
    if (c.continuousDtmf.has(leg.identity)) keys = true;
    const now = c.media.listensTo(leg.identity);
    keys ||= now?.keys ?? false;
    speech ||= now?.speech ?? false;
  }
  return keys || speech ? { listening: { keys, speech } } : {};
}

/** A call connection's transcription and media streaming: state, the options it was given, its transport. */
function describeStreaming(c: Connection): Record<string, unknown> {
  const one = (s: Connection["transcription"]) => ({
    state: s.state,
    ...(s.locale ? { locale: s.locale } : {}),
    ...(s.options ? { options: s.options } : {}),
    ...(s.state !== "disabled" ? { transport: s.transportDown ? "down" : "up" } : {}),
  });
  return { callConnectionId: c.id, transcription: one(c.transcription), mediaStreaming: one(c.mediaStreaming) };
}

export function createControlRouter(host: ControlHost): Router<Handler> {
  const { engine } = host;
  const router = new Router<Handler>();
  const leg = (id: string): Leg => {
    const found = engine.legs.get(id);
    if (!found) throw fail(404, "No call with that id.");
    return found;
  };

  router.add("GET", /^\/?$/, () => ({ status: 200, body: host.info() }));

  router.add("POST", /^\/subscriptions$/, async (_p, body) => {
    const url = text(body, "url", 2048) as string;
    try {
      const u = new URL(url);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
    } catch {
      throw fail(400, "url must be an absolute http or https URL.");
    }
    let eventTypes: string[] | undefined;
    if (body.eventTypes !== undefined) {
      if (!Array.isArray(body.eventTypes) || body.eventTypes.some((t) => typeof t !== "string")) throw fail(400, "eventTypes must be an array of event type names.");
      eventTypes = body.eventTypes as string[];
    }
    return { status: 201, body: await host.subscribe(url, eventTypes) };
  });
  router.add("GET", /^\/subscriptions$/, () => ({ status: 200, body: host.subscriptions() }));
  router.add("DELETE", /^\/subscriptions\/([^/]+)$/, (p) => {
    if (!host.unsubscribe(p[0])) throw fail(404, "No subscription with that id.");
    return { status: 204 };
  });

  router.add("POST", /^\/calls$/, async (_p, body) => {
    const from = party(body, "from") as string;
    const groupCallId = text(body, "groupCallId", 200, false);
    const roomId = text(body, "roomId", 200, false);
    if (groupCallId && body.to !== undefined) {
      const l = await engine.inviteFromGroup(from, party(body, "to") as string, groupCallId);
      return { status: 201, body: describeLeg(l, false) };
    }
    if (groupCallId || roomId) {
      if (groupCallId && roomId) throw fail(400, "Give groupCallId or roomId, not both.");
      const l = engine.joinLocator(from, groupCallId ? `group:${groupCallId}` : `room:${roomId}`);
      return { status: 201, body: describeLeg(l, false) };
    }
    const to = party(body, "to") as string;
    const sipHeaders = headerMap(body, "sipHeaders");
    const voipHeaders = headerMap(body, "voipHeaders");
    const l = await engine.dialIn(from, to, sipHeaders || voipHeaders ? { sipHeaders, voipHeaders } : undefined);
    return { status: 201, body: describeLeg(l, false) };
  });

  router.add("GET", /^\/calls$/, (_p, _b, query) => {
    const state = query.get("state");
    if (state && !["ringing", "connected", "ended"].includes(state)) throw fail(400, "state must be ringing, connected or ended.");
    const legs = [...engine.legs.values()].filter((l) => !state || l.state === state);
    return { status: 200, body: legs.map((l) => describeLeg(l, false)) };
  });

  router.add("GET", /^\/calls\/([^/]+)$/, (p) => ({ status: 200, body: describeLeg(leg(p[0]), true) }));

  // Long-poll for live clients: the calls that changed since `since`, as soon as one does.
  router.add("GET", /^\/changes$/, async (_p, _b, query, request) => {
    const since = query.get("since") ?? undefined;
    if (since !== undefined && !isCursor(since)) throw fail(400, "since must be the cursor of an earlier reply.");
    const waitText = query.get("wait");
    const wait = waitText === null ? 0 : Number(waitText);
    if (waitText !== null && (waitText.trim() === "" || !Number.isFinite(wait) || wait < 0 || wait > MAX_WAIT_SECONDS)) {
      throw fail(400, `wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}.`);
    }
    try {
      const reply = await engine.changes.changes(since, wait * 1000, request.signal);
      return { status: 200, body: { cursor: reply.cursor, snapshot: reply.snapshot, calls: reply.calls.map((l) => describeLeg(l, false)) } };
    } catch (err) {
      if (err instanceof TooManyWatchersError) throw new AcsError(503, "TooManyWatchers", err.message);
      throw err;
    }
  });

  router.add("POST", /^\/calls\/([^/]+)\/dtmf$/, (p, body) => {
    const l = leg(p[0]);
    let tones: string[] | undefined;
    if (typeof body.tones === "string") tones = toneNamesFromKeys(body.tones.replace(/\s+/g, ""));
    else if (Array.isArray(body.tones)) {
      const names = body.tones.map(normaliseToneName);
      tones = names.every((n): n is string => !!n) ? names : undefined;
    }
    if (!tones || tones.length === 0 || tones.length > 50) throw fail(400, 'tones must be keys such as "12#" (0-9, *, #, A-D) or an array of tone names.');
    if (body.unreadable !== undefined && typeof body.unreadable !== "boolean") throw fail(400, "unreadable must be true or false.");
    const outcomes = tones.map((t) => engine.pressTone(l, t, body.unreadable === true));
    return { status: 200, body: { tones, outcomes } };
  });

  router.add("POST", /^\/calls\/([^/]+)\/speech$/, (p, body) => {
    const l = leg(p[0]);
    const said = text(body, "text", 1000) as string;
    return { status: 200, body: { text: said, outcome: engine.speak(l, said) } };
  });

  router.add("POST", /^\/calls\/([^/]+)\/answer$/, (p) => {
    const l = leg(p[0]);
    engine.answerLeg(l);
    return { status: 200, body: describeLeg(l, false) };
  });

  router.add("POST", /^\/calls\/([^/]+)\/reject$/, (p, body) => {
    const l = leg(p[0]);
    const reason = text(body, "reason", 20, false) ?? "declined";
    if (reason !== "declined" && reason !== "busy") throw fail(400, "reason must be declined or busy.");
    engine.rejectLeg(l, reason);
    return { status: 200, body: describeLeg(l, false) };
  });

  // The application's WebSocket server for the call's transcription / media streaming goes down or comes back.
  router.add("POST", /^\/calls\/([^/]+)\/streams$/, (p, body) => {
    const l = leg(p[0]);
    const wanted: Array<["transcription" | "mediaStreaming", string | undefined]> = [
      ["transcription", text(body, "transcription", 10, false)],
      ["mediaStreaming", text(body, "mediaStreaming", 10, false)],
    ];
    if (wanted.every(([, v]) => v === undefined)) throw fail(400, 'Set transcription and/or mediaStreaming to "up" or "down".');
    if (wanted.some(([, v]) => v !== undefined && v !== "up" && v !== "down")) throw fail(400, 'transcription and mediaStreaming must be "up" or "down".');
    const connections = l.call ? ([...l.call.connections] as Connection[]).filter((c) => c.state !== "disconnected") : [];
    for (const c of connections) for (const [kind, v] of wanted) if (v) engine.setStreamTransport(c, kind, v === "up");
    return { status: 200, body: { streaming: connections.map(describeStreaming) } };
  });

  router.add("POST", /^\/calls\/([^/]+)\/hangup$/, (p) => {
    const l = leg(p[0]);
    engine.hangUpLeg(l);
    return { status: 200, body: describeLeg(l, false) };
  });

  router.add("GET", /^\/deliveries$/, () => ({ status: 200, body: host.deliveries() }));

  router.add("POST", /^\/faults$/, (_p, body) => {
    if (body.stage === "delivery") {
      const eventType = (text(body, "eventType", 100) as string).replace(/^Microsoft\.Communication\./, "");
      const delivery = body.delivery;
      if (delivery !== "late" && delivery !== "twice") throw fail(400, "delivery must be late or twice.");
      const times = body.times ?? 1;
      if (typeof times !== "number" || !Number.isInteger(times) || times < 1 || times > 100) throw fail(400, "times must be a whole number from 1 to 100.");
      const rule: FaultRule = { id: host.nextFaultId(), path: "", status: 200, stage: "delivery", remaining: times, eventType, delivery };
      host.faults.push(rule);
      return { status: 201, body: rule };
    }
    const path = text(body, "path", 300) as string;
    const method = text(body, "method", 10, false)?.toUpperCase();
    const status = body.status ?? 503;
    if (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599) throw fail(400, "status must be an HTTP error status (400-599).");
    const times = body.times ?? 1;
    if (typeof times !== "number" || !Number.isInteger(times) || times < 1 || times > 100) throw fail(400, "times must be a whole number from 1 to 100.");
    const stage = body.stage ?? "before";
    if (stage !== "before" && stage !== "after" && stage !== "event") throw fail(400, "stage must be before, after, event or delivery.");
    const outcome = body.outcome ?? (stage === "event" ? "failed" : undefined);
    if (stage === "event") {
      if (path !== "/calling/recordings" || (method !== undefined && method !== "POST")) throw fail(400, "stage event is supported for recording start only: path /calling/recordings, method POST.");
      if (outcome !== "failed" && outcome !== "unconfirmed") throw fail(400, "outcome must be failed or unconfirmed.");
    } else if (body.outcome !== undefined) throw fail(400, "outcome is for stage event only.");
    const subCode = body.subCode;
    if (subCode !== undefined && (typeof subCode !== "number" || !Number.isInteger(subCode) || subCode < 0)) throw fail(400, "subCode must be a whole number.");
    const message = text(body, "message", 500, false);
    const retryAfter = body.retryAfterSeconds;
    if (retryAfter !== undefined && (typeof retryAfter !== "number" || retryAfter < 0 || retryAfter > 60)) throw fail(400, "retryAfterSeconds must be a number from 0 to 60.");
    const rule: FaultRule = {
      id: host.nextFaultId(),
      method: stage === "event" ? "POST" : method,
      path,
      status,
      stage,
      remaining: times,
      retryAfterSeconds: retryAfter as number | undefined,
      ...(stage === "event" ? { outcome: outcome as FaultRule["outcome"], subCode: subCode as number | undefined, message } : {}),
    };
    host.faults.push(rule);
    return { status: 201, body: rule };
  });
  router.add("GET", /^\/faults$/, () => ({ status: 200, body: host.faults }));
  router.add("DELETE", /^\/faults$/, () => {
    host.faults.splice(0);
    return { status: 204 };
  });

  return router;
}
