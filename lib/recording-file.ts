/**
 * The file-ready event of a call recording (Event Grid `RecordingFileStatusUpdated`), read into
 * what a flow needs: the chunks to download or delete, when the recording started, how long it
 * ran, why it ended, and which call it recorded. The event names the call only in its subject,
 * `/recording/call/{callId}/serverCallId/{serverCallId}/recordingId/{recordingId}`.
 */

export interface RecordingChunk {
  documentId?: string;
  index?: number;
  /** The audio (…/content/audio) or audio-and-video (…/content/video) file. */
  contentLocation?: string;
  /** The chunk's JSON metadata (…/content/acsmetadata). */
  metadataLocation?: string;
  /** Where to delete the chunk (…/v1/objects/{documentId}). */
  deleteLocation?: string;
  endReason?: string;
}

export interface RecordingFile {
  recordingId?: string;
  serverCallId?: string;
  chunks: RecordingChunk[];
  startTime?: string;
  durationMs?: number;
  sessionEndReason?: string;
  /** As ACS writes them: "Mixed" / "Unmixed", "Audio" / "AudioVideo", "Wav" / "Mp3" / "Mp4". */
  channelType?: string;
  contentType?: string;
  formatType?: string;
}

export const RECORDING_FILE_EVENT = "RecordingFileStatusUpdated";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** The server call id and recording id an event subject names, when it names them. */
export function idsOfRecordingSubject(subject: string | undefined): { serverCallId?: string; recordingId?: string } {
  if (!subject) return {};
  // A server call id is base64 and may hold "/": it runs up to the "/recordingId/{id}" that ends the subject.
  const m = /\/serverCallId\/(.+?)(?:\/recordingId\/([^/]+))?\/?$/.exec(subject);
  if (!m) return {};
  return { serverCallId: m[1], ...(m[2] ? { recordingId: m[2] } : {}) };
}

/** Read the data (and subject) of a RecordingFileStatusUpdated event; missing fields stay unset. */
export function recordingFileOf(data: Record<string, unknown>, subject?: string): RecordingFile {
  const ids = idsOfRecordingSubject(subject);
  const storage = isObject(data.recordingStorageInfo) ? data.recordingStorageInfo : {};
  const rawChunks = Array.isArray(storage.recordingChunks) ? storage.recordingChunks : [];
  const chunks = rawChunks.filter(isObject).map((c): RecordingChunk => {
    const chunk: RecordingChunk = {
      documentId: str(c.documentId),
      index: num(c.index),
      contentLocation: str(c.contentLocation),
      metadataLocation: str(c.metadataLocation),
      deleteLocation: str(c.deleteLocation),
      endReason: str(c.endReason),
    };
    return dropUnset(chunk);
  });
  chunks.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return dropUnset({
    recordingId: str(data.recordingId) ?? ids.recordingId,
    serverCallId: str(data.serverCallId) ?? ids.serverCallId,
    chunks,
    startTime: str(data.recordingStartTime),
    durationMs: num(data.recordingDurationMs),
    sessionEndReason: str(data.sessionEndReason),
    channelType: str(data.recordingChannelType),
    contentType: str(data.recordingContentType),
    formatType: str(data.recordingFormatType),
  });
}

function dropUnset<T extends object>(o: T): T {
  for (const key of Object.keys(o) as Array<keyof T>) if (o[key] === undefined) delete o[key];
  return o;
}
