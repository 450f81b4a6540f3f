/**
 * The acs-streaming node's actions: which events end each one, which event means success, and
 * what msg.payload says about the outcome (the status and status details ACS put in the event).
 */
import { resultInformationOf, type CallEvent } from "./call-events";

export type StreamingAction = "startMediaStreaming" | "stopMediaStreaming" | "startTranscription" | "updateTranscription" | "stopTranscription";

export interface StreamingActionSpec {
  /** Which subscription it acts on. */
  subject: "mediaStreaming" | "transcription";
  /** The event that means it worked, and the event that means it did not. */
  success: string;
  failure: string;
  /** The name of the success port (the other port is "failed"). */
  port: "started" | "stopped" | "updated";
}

export const STREAMING_ACTIONS: Readonly<Record<StreamingAction, StreamingActionSpec>> = {
  startMediaStreaming: { subject: "mediaStreaming", success: "MediaStreamingStarted", failure: "MediaStreamingFailed", port: "started" },
  stopMediaStreaming: { subject: "mediaStreaming", success: "MediaStreamingStopped", failure: "MediaStreamingFailed", port: "stopped" },
  startTranscription: { subject: "transcription", success: "TranscriptionStarted", failure: "TranscriptionFailed", port: "started" },
  updateTranscription: { subject: "transcription", success: "TranscriptionUpdated", failure: "TranscriptionFailed", port: "updated" },
  stopTranscription: { subject: "transcription", success: "TranscriptionStopped", failure: "TranscriptionFailed", port: "stopped" },
};

export function isStreamingAction(value: unknown): value is StreamingAction {
  return typeof value === "string" && Object.hasOwn(STREAMING_ACTIONS, value);
}

export interface StreamingPayload {
  action: StreamingAction;
  /** e.g. "transcriptionStarted", "mediaStreamingFailed". */
  status?: string;
  /** e.g. "subscriptionStarted", "transcriptionLocaleUpdated", "initialWebSocketConnectionFailed". */
  statusDetails?: string;
  /** Media streaming: the streamed content ("Audio"). */
  contentType?: string;
  /** Transcription: the locale asked for, when the action gave one. */
  locale?: string;
  speechModelEndpointId?: string;
}

export interface StreamingFailurePayload extends StreamingPayload {
  reason: "failed" | "timeout";
  code?: number;
  subCode?: number;
  message?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The status fields of a transcription or media streaming event. */
function statusOf(event: CallEvent | undefined): Pick<StreamingPayload, "status" | "statusDetails" | "contentType"> {
  const t = isObject(event?.data.transcriptionUpdate) ? event.data.transcriptionUpdate : undefined;
  if (t) return { status: str(t.transcriptionStatus), statusDetails: str(t.transcriptionStatusDetails) };
  const m = isObject(event?.data.mediaStreamingUpdate) ? event.data.mediaStreamingUpdate : undefined;
  if (m) return { status: str(m.mediaStreamingStatus), statusDetails: str(m.mediaStreamingStatusDetails), contentType: str(m.contentType) };
  return {};
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The payload of the success port. `asked`: the locale / model the action sent, if any. */
export function streamingResult(action: StreamingAction, event: CallEvent, asked: { locale?: string; speechModelEndpointId?: string } = {}): StreamingPayload {
  return defined({ action, ...statusOf(event), ...asked });
}

/** The payload of the failed port: the Failed event's status and result, or a time-out. */
export function streamingFailure(action: StreamingAction, event: CallEvent | undefined, asked: { locale?: string; speechModelEndpointId?: string } = {}): StreamingFailurePayload {
  if (!event) return defined({ reason: "timeout" as const, action, ...asked });
  const info = resultInformationOf(event);
  return defined({ reason: "failed" as const, action, ...statusOf(event), ...asked, code: info.code, subCode: info.subCode, message: info.message || undefined });
}
