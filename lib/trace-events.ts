/**
 * What the call trace keeps of an event ACS sent: its result (code, sub-code, message) and one
 * short detail (which choice was recognized, how many keys, the recording's state), never what a
 * caller said or which keys they pressed (a PIN, a card number), nor any URL.
 */
import { redactSecrets } from "./acs-errors";
import { shorten } from "./trace-requests";

export interface EventInfo {
  code?: number;
  subCode?: number;
  message?: string;
  detail?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function detailOf(type: string, data: Json): string | undefined {
  switch (type) {
    case "RecognizeCompleted": {
      const kind = typeof data.recognitionType === "string" ? data.recognitionType : undefined;
      const choice = isObject(data.choiceResult) && typeof data.choiceResult.label === "string" ? data.choiceResult.label : undefined;
      if (choice) return `${kind ?? "choices"}: ${choice}`;
      const tones = isObject(data.dtmfResult) && Array.isArray(data.dtmfResult.tones) ? data.dtmfResult.tones.length : undefined;
      if (tones !== undefined) return `${kind ?? "dtmf"}: ${tones} ${tones === 1 ? "key" : "keys"}`;
      return kind;
    }
    case "ParticipantsUpdated":
      return Array.isArray(data.participants) ? `participants: ${data.participants.length}` : undefined;
    case "RecordingStateChanged":
      return typeof data.state === "string" ? data.state : typeof data.recordingState === "string" ? data.recordingState : undefined;
    case "PlayFailed":
      return typeof data.failedPlaySourceIndex === "number" ? `source ${data.failedPlaySourceIndex}` : undefined;
    case "RecordingFileStatusUpdated": {
      const chunks = isObject(data.recordingStorageInfo) && Array.isArray(data.recordingStorageInfo.recordingChunks) ? data.recordingStorageInfo.recordingChunks.length : undefined;
      return chunks !== undefined ? `${chunks} ${chunks === 1 ? "file" : "files"}` : undefined;
    }
    default:
      return undefined;
  }
}

/** ACS's result messages are a small set of fixed texts: each is cleaned once (the cache is bounded). */
const cleaned = new Map<string, string>();
function cleanMessage(message: string): string {
  let out = cleaned.get(message);
  if (out === undefined) {
    out = shorten(redactSecrets(message), 300);
    if (cleaned.size >= 500) cleaned.clear();
    cleaned.set(message, out);
  }
  return out;
}

/** The result and detail of an event (its type and SDK-parsed data). */
export function describeEvent(type: string, data: Json): EventInfo {
  const out: EventInfo = {};
  const info = data.resultInformation;
  if (isObject(info)) {
    if (typeof info.code === "number") out.code = info.code;
    if (typeof info.subCode === "number") out.subCode = info.subCode;
    if (typeof info.message === "string" && info.message) out.message = cleanMessage(info.message);
  }
  const detail = detailOf(type, data);
  if (detail) out.detail = shorten(detail, 80);
  return out;
}
