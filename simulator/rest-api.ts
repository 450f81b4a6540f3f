/**
 * The Call Automation REST API as SDK 1.6.0 calls it (api-version 2026-03-12): one handler per
 * operation, each answering with the exact success status the SDK accepts (201 for create, 200
 * for answer, 202 for play …) and the ACS error body for what ACS refuses.
 */
import { kindOfRawId } from "../lib/identifiers";
import { AcsError, badRequest } from "./errors";
import type { CallEngine, Connection } from "./engine";
import type { Choice, RecognizeOp } from "./media";
import { type HeardPrompt, normaliseToneName } from "./model";
import type { RecordingStore } from "./recordings";
import { Router } from "./router";
import {
  type Body,
  callbackUrl,
  customContext,
  identifier,
  identifiers,
  optionalBoolean,
  optionalNumber,
  optionalObject,
  optionalString,
  phoneNumberValue,
  playSource,
  playSources,
  requiredString,
} from "./validate";

export interface RestRequest {
  params: string[];
  body: Body;
  query: URLSearchParams;
  /** The simulator's own base URL, for nextLink. */
  baseUrl: string;
}

export interface RestReply {
  status: number;
  body?: unknown;
}

type Handler = (req: RestRequest) => RestReply | Promise<RestReply>;

export interface RestSettings {
  ownedNumbers: Set<string>;
  /** Refuse text-to-speech and speech recognition on calls with no Cognitive Services endpoint (as ACS does). */
  requireCognitiveServices: boolean;
  participantsPageSize: number;
  verifyContext(token: string): Promise<Record<string, unknown> | undefined>;
}

const CC = "/calling/callConnections";
const ID = "([^/:?]+)";
const action = (name: string): RegExp => new RegExp(`^${CC}/${ID}:${name}$`);
const participantsAction = (name: string): RegExp => new RegExp(`^${CC}/${ID}/participants:${name}$`);

const ok = (status: number, body?: unknown): RestReply => ({ status, body });

function operationOptions(body: Body): { operationContext?: string; callbackUri?: string } {
  return {
    operationContext: optionalString(body, "operationContext", 5000),
    callbackUri: callbackUrl(body, "operationCallbackUri", false),
  };
}

function intelligence(body: Body): string | undefined {
  const ci = optionalObject(body, "callIntelligenceOptions");
  return ci ? optionalString(ci, "cognitiveServicesEndpoint", 2048) : undefined;
}

function streamingOptions(body: Body): { transcriptionOptions?: Body; mediaStreamingOptions?: Body } {
  const transcriptionOptions = optionalObject(body, "transcriptionOptions");
  const mediaStreamingOptions = optionalObject(body, "mediaStreamingOptions");
  if (transcriptionOptions && typeof transcriptionOptions.locale !== "string") throw badRequest("transcriptionOptions.locale is required.");
  if (mediaStreamingOptions && typeof mediaStreamingOptions.audioChannelType !== "string") throw badRequest("mediaStreamingOptions.audioChannelType is required.");
  return { transcriptionOptions, mediaStreamingOptions };
}

export function createRestRouter(engine: CallEngine, recordings: RecordingStore, settings: RestSettings): Router<Handler> {
  const router = new Router<Handler>();
  const conn = (req: RestRequest): Connection => engine.establishedConnection(req.params[0]);

  const needsSpeech = (c: Connection, what: string): void => {
    if (settings.requireCognitiveServices && !c.details.cognitiveServicesEndpoint) {
      throw new AcsError(400, "8567", `${what} needs Azure AI services: set callIntelligenceOptions.cognitiveServicesEndpoint when the call is created or answered.`);
    }
  };
  const prompts = (c: Connection, list: Array<Omit<HeardPrompt, "at" | "via">>, via: HeardPrompt["via"], operationContext?: string): HeardPrompt[] => {
    if (list.some((p) => p.kind !== "file")) needsSpeech(c, "Text-to-speech");
    return list.map((p) => ({ ...p, at: "", via, ...(operationContext ? { operationContext } : {}) }));
  };
  const checkCallerId = (callerId: string | undefined): void => {
    if (callerId !== undefined && !settings.ownedNumbers.has(`4:${callerId}`)) {
      throw new AcsError(403, "7507", "Invalid call source identity: the caller id is not a number of this resource.");
    }
  };

  // ---- calls
  router.add("POST", new RegExp(`^${CC}$`), (req) => {
    const b = req.body;
    const targets = identifiers(b.targets, "targets", 1);
    const callbackUri = callbackUrl(b, "callbackUri", true) as string;
    const sourceCallerIdNumber = phoneNumberValue(b, "sourceCallerIdNumber");
    if (targets.some((t) => kindOfRawId(t) === "phoneNumber") && !sourceCallerIdNumber) {
      throw badRequest("sourceCallerIdNumber is required to call a phone number.");
    }
    checkCallerId(sourceCallerIdNumber);
    const source = optionalObject(b, "source");
    const c = engine.createCall(targets, callbackUri, {
      operationContext: optionalString(b, "operationContext"),
      sourceCallerIdNumber,
      sourceDisplayName: optionalString(b, "sourceDisplayName", 256),
      source: source ? identifier({ communicationUser: source }, "source") : undefined,
      cognitiveServicesEndpoint: intelligence(b),
      customContext: customContext(b),
      ...streamingOptions(b),
    });
    return ok(201, c.properties());
  });

  router.add("POST", new RegExp(`^${CC}:answer$`), async (req) => {
    const b = req.body;
    const context = requiredString(b, "incomingCallContext", 20000);
    const callbackUri = callbackUrl(b, "callbackUri", true) as string;
    const answeredBy = optionalObject(b, "answeredBy");
    const c = engine.answer(context, await settings.verifyContext(context), callbackUri, {
      operationContext: optionalString(b, "operationContext"),
      answeredBy: answeredBy && typeof answeredBy.id === "string" ? answeredBy.id : undefined,
      cognitiveServicesEndpoint: intelligence(b),
      ...streamingOptions(b),
    });
    return ok(200, c.properties());
  });

  router.add("POST", new RegExp(`^${CC}:redirect$`), async (req) => {
    const context = requiredString(req.body, "incomingCallContext", 20000);
    const target = identifier(req.body.target, "target");
    await engine.redirect(context, await settings.verifyContext(context), target);
    return ok(204);
  });

  router.add("POST", new RegExp(`^${CC}:reject$`), async (req) => {
    const context = requiredString(req.body, "incomingCallContext", 20000);
    const reason = optionalString(req.body, "callRejectReason") ?? "none";
    if (!["none", "busy", "forbidden"].includes(reason)) throw badRequest("callRejectReason must be none, busy or forbidden.");
    engine.reject(context, await settings.verifyContext(context), reason);
    return ok(204);
  });

  router.add("POST", new RegExp(`^${CC}:connect$`), (req) => {
    const b = req.body;
    const locator = optionalObject(b, "callLocator");
    if (!locator) throw badRequest("callLocator is required.");
    const kind = typeof locator.kind === "string" ? locator.kind : "serverCallLocator";
    const idField = kind === "groupCallLocator" ? "groupCallId" : kind === "roomCallLocator" ? "roomId" : "serverCallId";
    if (!["serverCallLocator", "groupCallLocator", "roomCallLocator"].includes(kind)) throw badRequest("callLocator.kind is not supported.");
    const id = requiredString(locator, idField, 2048);
    const callbackUri = callbackUrl(b, "callbackUri", true) as string;
    const c = engine.connect({ kind, id }, callbackUri, {
      operationContext: optionalString(b, "operationContext"),
      cognitiveServicesEndpoint: intelligence(b),
      ...streamingOptions(b),
    });
    return ok(200, c.properties());
  });

  router.add("GET", new RegExp(`^${CC}/${ID}$`), (req) => ok(200, engine.readableConnection(req.params[0]).properties()));

  router.add("DELETE", new RegExp(`^${CC}/${ID}$`), (req) => {
    engine.hangUp(engine.activeConnection(req.params[0]), false);
    return ok(204);
  });

  router.add("POST", action("terminate"), (req) => {
    engine.hangUp(engine.activeConnection(req.params[0]), true);
    return ok(204);
  });

  router.add("POST", action("transferToParticipant"), (req) => {
    const b = req.body;
    const c = conn(req);
    const target = identifier(b.targetParticipant, "targetParticipant");
    const sourceCallerIdNumber = phoneNumberValue(b, "sourceCallerIdNumber");
    checkCallerId(sourceCallerIdNumber);
    const opts = operationOptions(b);
    engine.transfer(c, target, {
      ...opts,
      transferee: b.transferee ? identifier(b.transferee, "transferee") : undefined,
      customContext: customContext(b),
      sourceCallerIdNumber,
    });
    return ok(202, { operationContext: opts.operationContext });
  });

  // ---- participants
  router.add("GET", new RegExp(`^${CC}/${ID}/participants$`), (req) => {
    const c = engine.readableConnection(req.params[0]);
    const all = engine.participantList(c);
    const skip = Number(req.query.get("skip") ?? "0");
    if (!Number.isInteger(skip) || skip < 0) throw badRequest("skip must be a whole number.");
    const size = settings.participantsPageSize;
    const page = all.slice(skip, skip + size);
    const more = skip + size < all.length;
    return ok(200, {
      value: page,
      ...(more ? { nextLink: `${req.baseUrl}${CC}/${c.id}/participants?api-version=${req.query.get("api-version")}&skip=${skip + size}` } : {}),
    });
  });

  router.add("GET", new RegExp(`^${CC}/${ID}/participants/([^/?]+)$`), (req) => {
    const c = engine.readableConnection(req.params[0]);
    return ok(200, engine.participantModel(engine.participant(c, req.params[1])));
  });

  router.add("POST", participantsAction("add"), (req) => {
    const b = req.body;
    const c = conn(req);
    const target = identifier(b.participantToAdd, "participantToAdd");
    const sourceCallerIdNumber = phoneNumberValue(b, "sourceCallerIdNumber");
    if (kindOfRawId(target) === "phoneNumber" && !sourceCallerIdNumber && !c.details.sourceCallerIdNumber) {
      throw badRequest("sourceCallerIdNumber is required to add a phone number.");
    }
    checkCallerId(sourceCallerIdNumber);
    const opts = operationOptions(b);
    const invitation = engine.addParticipant(c, target, {
      ...opts,
      invitationTimeoutSeconds: optionalNumber(b, "invitationTimeoutInSeconds", 0, 180),
      sourceCallerIdNumber: sourceCallerIdNumber ?? c.details.sourceCallerIdNumber,
      customContext: customContext(b),
    });
    return ok(202, {
      participant: engine.participantModel(invitation.leg),
      operationContext: opts.operationContext,
      invitationId: invitation.id,
    });
  });

  router.add("POST", participantsAction("remove"), (req) => {
    const c = conn(req);
    const target = identifier(req.body.participantToRemove, "participantToRemove");
    const opts = operationOptions(req.body);
    engine.removeParticipant(c, target, opts);
    return ok(202, { operationContext: opts.operationContext });
  });

  router.add("POST", participantsAction("cancelAddParticipant"), (req) => {
    const c = conn(req);
    const invitationId = requiredString(req.body, "invitationId", 200);
    const opts = operationOptions(req.body);
    engine.cancelAddParticipant(c, invitationId, opts);
    return ok(202, { invitationId, operationContext: opts.operationContext });
  });

  router.add("POST", participantsAction("mute"), (req) => {
    const c = conn(req);
    const targets = identifiers(req.body.targetParticipants, "targetParticipants", 1, 1);
    const operationContext = optionalString(req.body, "operationContext");
    engine.mute(c, targets);
    return ok(200, { operationContext });
  });

  router.add("POST", participantsAction("moveHere"), (req) => {
    const c = conn(req);
    const targets = identifiers(req.body.targetParticipants, "targetParticipants", 1);
    const fromCall = requiredString(req.body, "fromCall", 2048);
    const opts = operationOptions(req.body);
    const moved = engine.moveParticipants(c, targets, fromCall, opts);
    return ok(202, { participants: moved.map((l) => engine.participantModel(l)), operationContext: opts.operationContext, fromCall });
  });

  // ---- media
  router.add("POST", action("play"), (req) => {
    const b = req.body;
    const c = conn(req);
    const opts = operationOptions(b);
    const sources = prompts(c, playSources(b.playSources, "playSources", 1), "play", opts.operationContext);
    const playTo = b.playTo === undefined ? [] : identifiers(b.playTo, "playTo", 0);
    for (const target of playTo) engine.participant(c, target);
    const playOptions = optionalObject(b, "playOptions");
    c.media.enqueue(
      { kind: "play", prompts: sources, playTo, loop: playOptions ? optionalBoolean(playOptions, "loop") === true : false, ...opts },
      optionalBoolean(b, "interruptCallMediaOperation") === true,
    );
    return ok(202);
  });

  router.add("POST", action("recognize"), (req) => {
    const b = req.body;
    const c = conn(req);
    const opts = operationOptions(b);
    const inputType = requiredString(b, "recognizeInputType");
    if (!["dtmf", "choices", "speech", "speechOrDtmf"].includes(inputType)) throw badRequest("recognizeInputType must be dtmf, choices, speech or speechOrDtmf.");
    const options = optionalObject(b, "recognizeOptions");
    if (!options) throw badRequest("recognizeOptions is required.");
    const target = identifier(options.targetParticipant, "recognizeOptions.targetParticipant");
    engine.participant(c, target);
    const list = b.playPrompts !== undefined ? playSources(b.playPrompts, "playPrompts", 0) : b.playPrompt !== undefined ? [playSource(b.playPrompt, "playPrompt")] : [];
    const promptList = prompts(c, list, "recognize", opts.operationContext);
    if (inputType !== "dtmf") needsSpeech(c, "Speech recognition");
    const dtmf = optionalObject(options, "dtmfOptions") ?? {};
    const stopTones = dtmf.stopTones === undefined ? [] : toneList(dtmf.stopTones, "dtmfOptions.stopTones");
    const choices = inputType === "choices" ? choiceList(options.choices) : [];
    const interrupt = optionalBoolean(b, "interruptCallMediaOperation") === true;
    if (c.media.recognizing && !interrupt) throw new AcsError(400, "8500", "Invalid media mode: a recognize operation is already running or queued on this call.");
    const op: RecognizeOp = {
      kind: "recognize",
      inputType: inputType as RecognizeOp["inputType"],
      prompts: promptList,
      target,
      interruptPrompt: optionalBoolean(options, "interruptPrompt") === true,
      initialSilenceMs: (optionalNumber(options, "initialSilenceTimeoutInSeconds", 0, 300) ?? 5) * 1000,
      interToneMs: (optionalNumber(dtmf, "interToneTimeoutInSeconds", 1, 60) ?? 2) * 1000,
      maxTones: optionalNumber(dtmf, "maxTonesToCollect", 1, 100) ?? 1,
      stopTones,
      choices,
      phase: "queued",
      tones: [],
      ...opts,
    };
    c.media.enqueue(op, interrupt);
    return ok(202);
  });

  router.add("POST", action("startContinuousDtmfRecognition"), (req) => {
    engine.startContinuousDtmf(conn(req), identifier(req.body.targetParticipant, "targetParticipant"));
    operationOptions(req.body);
    return ok(200);
  });

  router.add("POST", action("stopContinuousDtmfRecognition"), (req) => {
    engine.stopContinuousDtmf(conn(req), identifier(req.body.targetParticipant, "targetParticipant"), operationOptions(req.body));
    return ok(200);
  });

  router.add("POST", action("sendDtmfTones"), (req) => {
    const c = conn(req);
    const tones = toneList(req.body.tones, "tones");
    if (tones.length === 0 || tones.length > 18) throw badRequest("tones must hold from 1 to 18 tones.");
    const opts = operationOptions(req.body);
    engine.sendDtmf(c, tones, identifier(req.body.targetParticipant, "targetParticipant"), opts);
    return ok(202, { operationContext: opts.operationContext });
  });

  router.add("POST", action("cancelAllMediaOperations"), (req) => {
    conn(req).media.cancelAll();
    return ok(202);
  });

  router.add("POST", action("hold"), (req) => {
    const c = conn(req);
    const target = identifier(req.body.targetParticipant, "targetParticipant");
    const opts = operationOptions(req.body);
    const music = req.body.playSourceInfo === undefined ? undefined : prompts(c, [playSource(req.body.playSourceInfo, "playSourceInfo")], "hold", opts.operationContext)[0];
    engine.hold(c, target, { prompt: music, ...opts });
    return ok(200);
  });

  router.add("POST", action("unhold"), (req) => {
    engine.unhold(conn(req), identifier(req.body.targetParticipant, "targetParticipant"));
    operationOptions(req.body);
    return ok(200);
  });

  router.add("POST", action("startTranscription"), (req) => {
    engine.startTranscription(conn(req), { locale: optionalString(req.body, "locale", 20), ...operationOptions(req.body) });
    return ok(202);
  });
  router.add("POST", action("stopTranscription"), (req) => {
    engine.stopTranscription(conn(req), operationOptions(req.body));
    return ok(202);
  });
  router.add("POST", action("updateTranscription"), (req) => {
    engine.updateTranscription(conn(req), requiredString(req.body, "locale", 20), operationOptions(req.body));
    return ok(202);
  });
  router.add("POST", action("startMediaStreaming"), (req) => {
    engine.startMediaStreaming(conn(req), operationOptions(req.body));
    return ok(202);
  });
  router.add("POST", action("stopMediaStreaming"), (req) => {
    engine.stopMediaStreaming(conn(req), operationOptions(req.body));
    return ok(202);
  });

  // ---- recording
  router.add("POST", /^\/calling\/recordings$/, (req) => {
    const b = req.body;
    const locator = optionalObject(b, "callLocator");
    const callConnectionId = optionalString(b, "callConnectionId", 200);
    if ((locator ? 1 : 0) + (callConnectionId ? 1 : 0) !== 1) throw badRequest("Give exactly one of callLocator and callConnectionId.");
    let c: Connection | undefined;
    let call;
    if (callConnectionId) {
      c = engine.establishedConnection(callConnectionId);
      call = c.call;
    } else {
      const kind = typeof locator?.kind === "string" ? locator.kind : "serverCallLocator";
      const id = kind === "serverCallLocator" ? requiredString(locator as Body, "serverCallId", 2048) : undefined;
      call = id ? engine.serverCalls.get(id) : undefined;
      if (!call || call.ended) throw new AcsError(404, "8522", "Call not found.");
      c = [...call.connections][0] as Connection | undefined;
    }
    const enumOf = <T extends string>(key: string, allowed: T[], fallback: T): T => {
      const v = optionalString(b, key);
      if (v === undefined) return fallback;
      if (!allowed.includes(v as T)) throw badRequest(`${key} must be one of ${allowed.join(", ")}.`);
      return v as T;
    };
    const contentType = enumOf("recordingContentType", ["audio", "audioVideo"], "audio");
    const channelType = enumOf("recordingChannelType", ["mixed", "unmixed"], "mixed");
    const formatType = enumOf("recordingFormatType", ["wav", "mp3", "mp4"], contentType === "audioVideo" ? "mp4" : "wav");
    if (contentType === "audioVideo" && formatType !== "mp4") throw badRequest("Audio and video recordings are mp4 only.");
    if (contentType === "audio" && formatType === "mp4") throw badRequest("Audio-only recordings are wav or mp3.");
    if (channelType === "unmixed" && formatType !== "wav") throw badRequest("Unmixed recordings are wav only.");
    let channelAffinity: Array<{ participant: string; channel?: number }> | undefined;
    if (b.channelAffinity !== undefined) {
      if (!Array.isArray(b.channelAffinity)) throw badRequest("channelAffinity must be an array.");
      channelAffinity = b.channelAffinity.map((a: unknown, i: number) => {
        const entry = a as Body;
        const participant = identifier(entry?.participant, `channelAffinity[${i}].participant`);
        const channel = optionalNumber(entry, "channel", 0, 4);
        return { participant, ...(channel !== undefined ? { channel } : {}) };
      });
    }
    const r = recordings.start(call, {
      contentType,
      channelType,
      formatType,
      pauseOnStart: optionalBoolean(b, "pauseOnStart") === true,
      ...(channelAffinity ? { channelAffinity } : {}),
      stateCallbackUri: callbackUrl(b, "recordingStateCallbackUri", false),
      connectionId: c?.id,
      fallbackCallbackUri: c?.callbackUri,
    });
    return ok(200, recordings.properties(r));
  });

  router.add("GET", /^\/calling\/recordings\/([^/:?]+)$/, (req) => ok(200, recordings.properties(recordings.get(req.params[0]))));
  router.add("POST", /^\/calling\/recordings\/([^/:?]+):pause$/, (req) => {
    recordings.pause(req.params[0]);
    return ok(202);
  });
  router.add("POST", /^\/calling\/recordings\/([^/:?]+):resume$/, (req) => {
    recordings.resume(req.params[0]);
    return ok(202);
  });
  router.add("DELETE", /^\/calling\/recordings\/([^/:?]+)$/, (req) => {
    recordings.stop(req.params[0]);
    return ok(204);
  });

  return router;
}

function toneList(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw badRequest(`${field} must be an array of tone names.`);
  return value.map((t, i) => {
    const name = normaliseToneName(t);
    if (!name) throw badRequest(`${field}[${i}] is not a DTMF tone (zero … nine, a … d, pound, asterisk).`);
    return name;
  });
}

function choiceList(value: unknown): Choice[] {
  if (!Array.isArray(value) || value.length === 0) throw badRequest("recognizeOptions.choices must be a non-empty array.");
  return value.map((raw, i) => {
    const c = raw as Body;
    if (!c || typeof c !== "object") throw badRequest(`recognizeOptions.choices[${i}] must be an object.`);
    const label = requiredString(c, "label", 200);
    if (!Array.isArray(c.phrases) || c.phrases.some((p) => typeof p !== "string")) {
      throw badRequest(`recognizeOptions.choices[${i}].phrases must be an array of strings.`);
    }
    const tone = c.tone === undefined || c.tone === null ? undefined : normaliseToneName(c.tone);
    if (c.tone !== undefined && c.tone !== null && !tone) throw badRequest(`recognizeOptions.choices[${i}].tone is not a DTMF tone.`);
    return { label, phrases: c.phrases as string[], tone };
  });
}
