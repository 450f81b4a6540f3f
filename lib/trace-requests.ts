/**
 * What the call trace says about a Call Automation REST request: the operation ("play",
 * "recognize", "transfer"...), the call it is about, its operationContext and a few key settings
 * (what a prompt says, which keys end a recognize, who a transfer goes to), read from the request
 * the SDK sends. Never a secret: no callback URL, no incoming-call context, no query string of a
 * file URL (a SAS token lives there), no header; long texts are cut short.
 */
import { rawIdOf, textFromRawId, type IdentifierModel } from "./identifiers";
import { redactSecrets } from "./acs-errors";

/** A setting shown beside an operation: short text, a number or a flag. */
export type SettingValue = string | number | boolean;

export interface RequestInfo {
  /** The operation, e.g. "play", "answer", "participants:add", "recording:start". */
  op: string;
  /** The call the request is about, by whichever id it names. */
  callConnectionId?: string;
  serverCallId?: string;
  incomingCallContext?: string;
  recordingId?: string;
  operationContext?: string;
  settings?: Record<string, SettingValue>;
  /** For calls the request creates: who calls whom. */
  from?: string;
  to?: string;
}

/** What ACS answered, as far as the trace needs it. */
export interface ResponseInfo {
  status: number;
  callConnectionId?: string;
  serverCallId?: string;
  correlationId?: string;
  recordingId?: string;
  /** ACS's error code and message when it refused (status >= 400), without secrets. */
  errorCode?: string;
  errorMessage?: string;
}

const TEXT_LIMIT = 120;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Cut a text to `limit` characters (with an ellipsis). */
export function shorten(text: string, limit = TEXT_LIMIT): string {
  // Most settings are short single-line texts: return them as they are.
  const flat = text.length <= limit && !MULTI_SPACE.test(text) ? text : text.replace(/\s+/g, " ").trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}
const MULTI_SPACE = /^\s|\s$|\s\s|[\t\n\r\f\v]/;

/** A file URL without its query string or fragment (where SAS tokens are), and with nothing secret in its path. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return shorten(redactSecrets(`${u.origin}${u.pathname}`), 200);
  } catch {
    return shorten(redactSecrets(url.split(/[?#]/)[0]), 200);
  }
}

function party(model: unknown): string | undefined {
  const raw = rawIdOf(model as IdentifierModel);
  return raw ? textFromRawId(raw) : undefined;
}

function parties(list: unknown): string | undefined {
  if (!Array.isArray(list)) return undefined;
  const out = list.map(party).filter((p): p is string => !!p);
  return out.length ? out.join(", ") : undefined;
}

/** One play source as a short text: `text "Welcome…"`, `ssml "<speak>…"`, `file https://…/a.wav`. */
function describeSource(source: unknown): string | undefined {
  if (!isObject(source)) return undefined;
  if (isObject(source.text) && typeof source.text.text === "string") return `text "${shorten(source.text.text)}"`;
  if (isObject(source.ssml) && typeof source.ssml.ssmlText === "string") return `ssml "${shorten(source.ssml.ssmlText)}"`;
  if (isObject(source.file) && typeof source.file.uri === "string") return `file ${safeUrl(source.file.uri)}`;
  return typeof source.kind === "string" ? source.kind : undefined;
}

function voiceOf(sources: unknown): string | undefined {
  if (!Array.isArray(sources)) return undefined;
  for (const s of sources) if (isObject(s) && isObject(s.text) && typeof s.text.voiceName === "string") return s.text.voiceName;
  return undefined;
}

function put(settings: Record<string, SettingValue>, key: string, value: unknown): void {
  if (typeof value === "string" && value !== "") settings[key] = shorten(value);
  else if (typeof value === "number" || typeof value === "boolean") settings[key] = value;
}

function parseBody(body: unknown): Json {
  if (typeof body !== "string" || body === "") return {};
  try {
    const parsed = JSON.parse(body) as unknown;
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** The settings of a media or participant operation on a call, by operation. */
function settingsOf(op: string, b: Json): Record<string, SettingValue> {
  const s: Record<string, SettingValue> = {};
  switch (op) {
    case "play": {
      const sources = Array.isArray(b.playSources) ? b.playSources : [];
      put(s, "prompt", sources.map(describeSource).filter(Boolean).join(" + "));
      put(s, "voice", voiceOf(sources));
      put(s, "to", parties(b.playTo) ?? "everyone");
      if (isObject(b.playOptions) && b.playOptions.loop === true) s.loop = true;
      if (b.interruptCallMediaOperation === true) s.interrupt = true;
      break;
    }
    case "recognize": {
      put(s, "input", b.recognizeInputType);
      const prompts = Array.isArray(b.playPrompts) ? b.playPrompts : b.playPrompt ? [b.playPrompt] : [];
      put(s, "prompt", prompts.map(describeSource).filter(Boolean).join(" + "));
      put(s, "voice", voiceOf(prompts));
      const o = isObject(b.recognizeOptions) ? b.recognizeOptions : {};
      put(s, "from", party(o.targetParticipant));
      put(s, "initialSilenceTimeout", o.initialSilenceTimeoutInSeconds);
      if (isObject(o.dtmfOptions)) {
        put(s, "maxTones", o.dtmfOptions.maxTonesToCollect);
        if (Array.isArray(o.dtmfOptions.stopTones) && o.dtmfOptions.stopTones.length) put(s, "stopTones", o.dtmfOptions.stopTones.join(","));
      }
      if (Array.isArray(o.choices)) put(s, "choices", o.choices.map((c) => (isObject(c) ? str(c.label) : undefined)).filter(Boolean).join(", "));
      put(s, "language", o.speechLanguage);
      break;
    }
    case "transferToParticipant":
      put(s, "target", party(b.targetParticipant));
      put(s, "transferee", party(b.transferee));
      break;
    case "participants:add":
      put(s, "participant", party(b.participantToAdd));
      put(s, "invitationTimeout", b.invitationTimeoutInSeconds);
      break;
    case "participants:remove":
      put(s, "participant", party(b.participantToRemove));
      break;
    case "participants:mute":
      put(s, "participants", parties(b.targetParticipants));
      break;
    case "participants:cancelAddParticipant":
      put(s, "invitationId", b.invitationId);
      break;
    case "sendDtmfTones":
      // How many keys, not which: tones sent for a caller may be a PIN.
      if (Array.isArray(b.tones)) s.tones = b.tones.length;
      put(s, "to", party(b.targetParticipant));
      break;
    case "hold":
      put(s, "participant", party(b.targetParticipant));
      put(s, "music", describeSource(b.playSourceInfo));
      break;
    case "unhold":
    case "startContinuousDtmfRecognition":
    case "stopContinuousDtmfRecognition":
      put(s, "participant", party(b.targetParticipant));
      break;
    case "startTranscription":
    case "updateTranscription":
      put(s, "locale", b.locale);
      break;
  }
  return s;
}

/**
 * Describe a request the SDK is about to send (method, full URL, JSON body text), or undefined
 * for requests that are about no call (e.g. a recording download).
 */
export function describeRequest(method: string, url: string, body: unknown): RequestInfo | undefined {
  // The path, without origin and query: cheaper than new URL() for every request.
  const start = url.indexOf("/calling/");
  if (start < 0 || !/^https?:\/\//i.test(url)) return undefined;
  const end = url.search(/[?#]/);
  const path = end < 0 ? url.slice(start) : url.slice(start, end);
  const m = method.toUpperCase();
  // Calls: /calling/callConnections[:action] and /calling/callConnections/{id}[...]
  const root = /\/calling\/callConnections(?::([A-Za-z]+))?$/.exec(path);
  if (root) {
    const b = parseBody(body);
    const action = root[1];
    const operationContext = str(b.operationContext);
    if (!action && m === "POST") {
      const targets = Array.isArray(b.targets) ? b.targets : [];
      return {
        op: targets.length > 1 ? "createGroupCall" : "createCall",
        operationContext,
        // sourceCallerIdNumber is a bare {value: "+1…"}, source a full identifier.
        from: (isObject(b.sourceCallerIdNumber) ? str(b.sourceCallerIdNumber.value) : undefined) ?? party(b.source),
        to: parties(targets),
        settings: tidy({ displayName: str(b.sourceDisplayName) }),
      };
    }
    if (action === "answer") return { op: "answer", incomingCallContext: str(b.incomingCallContext), operationContext };
    if (action === "reject") return { op: "reject", incomingCallContext: str(b.incomingCallContext), settings: tidy({ reason: str(b.callRejectReason) ?? "none" }) };
    if (action === "redirect") return { op: "redirect", incomingCallContext: str(b.incomingCallContext), settings: tidy({ target: party(b.target) }) };
    if (action === "connect") {
      const locator = isObject(b.callLocator) ? b.callLocator : {};
      return {
        op: "connect",
        serverCallId: str(locator.serverCallId),
        operationContext,
        settings: tidy({ locator: str(locator.kind), groupCallId: str(locator.groupCallId), roomId: str(locator.roomId) }),
      };
    }
    return undefined;
  }
  const onCall = /\/calling\/callConnections\/([^/:]+)(?:\/participants(?:\/([^/:]+)|:([A-Za-z]+))?|:([A-Za-z]+))?$/.exec(path);
  if (onCall) {
    const [, connection, encodedParticipant, participantAction, action] = onCall;
    const callConnectionId = decodeSegment(connection);
    const participant = encodedParticipant === undefined ? undefined : decodeSegment(encodedParticipant);
    let op: string;
    if (participantAction) op = `participants:${participantAction}`;
    else if (participant) op = "participants:get";
    else if (path.endsWith("/participants")) op = "participants:list";
    else if (action) op = action;
    else op = m === "DELETE" ? "hangUp" : "getCall";
    const b = m === "GET" || m === "DELETE" ? {} : parseBody(body);
    const settings = settingsOf(op, b);
    if (participant) settings.participant = shorten(textFromRawId(participant));
    return { op, callConnectionId, operationContext: str(b.operationContext), settings: Object.keys(settings).length ? settings : undefined };
  }
  const recording = /\/calling\/recordings(?:\/([^/:]+)(?::([A-Za-z]+))?)?$/.exec(path);
  if (recording) {
    const [, encodedRecordingId, action] = recording;
    const recordingId = encodedRecordingId === undefined ? undefined : decodeSegment(encodedRecordingId);
    if (!recordingId) {
      if (m !== "POST") return undefined;
      const b = parseBody(body);
      const locator = isObject(b.callLocator) ? b.callLocator : {};
      return {
        op: "recording:start",
        callConnectionId: str(b.callConnectionId),
        serverCallId: str(locator.serverCallId),
        settings: tidy({
          content: str(b.recordingContentType),
          channels: str(b.recordingChannelType),
          format: str(b.recordingFormatType),
          pauseOnStart: b.pauseOnStart === true ? true : undefined,
        }),
      };
    }
    const op = action ? `recording:${action}` : m === "DELETE" ? "recording:stop" : "recording:get";
    return { op, recordingId };
  }
  return undefined;
}

/** Read ACS's answer (status and JSON body text) for the ids it gives and, on refusal, its error. */
export function describeResponse(status: number, bodyText: string | undefined): ResponseInfo {
  const out: ResponseInfo = { status };
  if (!bodyText) return out;
  const b = parseBody(bodyText);
  if (status >= 400) {
    const error = isObject(b.error) ? b.error : b;
    const code = str(error.code);
    const message = str(error.message);
    if (code) out.errorCode = shorten(redactSecrets(code), 40);
    if (message) out.errorMessage = shorten(redactSecrets(message.split("\n")[0]), 300);
    return out;
  }
  out.callConnectionId = str(b.callConnectionId);
  out.serverCallId = str(b.serverCallId);
  out.correlationId = str(b.correlationId);
  out.recordingId = str(b.recordingId);
  return out;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function tidy(settings: Record<string, SettingValue | undefined>): Record<string, SettingValue> | undefined {
  let out: Record<string, SettingValue> | undefined;
  for (const key of Object.keys(settings)) {
    const v = settings[key];
    if (v === undefined || v === "") continue;
    (out ??= {})[key] = typeof v === "string" ? shorten(v) : v;
  }
  return out;
}
