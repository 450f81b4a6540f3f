/**
 * Call recording: start, state, pause, resume, stop. When a recording stops (or its call ends)
 * its file becomes ready: a RecordingFileStatusUpdated event goes to the Event Grid subscribers,
 * with chunk URLs on an `*.asm.skype.com` host that the simulator itself serves (a real WAV file,
 * its metadata, and delete), as ACS storage does.
 */
import { randomUUID } from "node:crypto";
import type { SimClock } from "./clock";
import type { CloudEvent } from "./delivery";
import { AcsError } from "./errors";
import { type ServerCall, nowIso } from "./model";

/** Host the recording chunk URLs name; clients in simulator mode send it to the simulator. */
export const SIMULATOR_STORAGE_HOST = "us-acs-simulator.asm.skype.com";
/** The longest audio a simulated recording file holds. */
const MAX_FILE_SECONDS = 10;
const SAMPLE_RATE = 16000;

export interface RecordingOptions {
  contentType: "audio" | "audioVideo";
  channelType: "mixed" | "unmixed";
  formatType: "wav" | "mp3" | "mp4";
  pauseOnStart: boolean;
  /** Unmixed recordings: which participant (raw id) goes to which audio channel, as asked. */
  channelAffinity?: Array<{ participant: string; channel?: number }>;
  stateCallbackUri?: string;
  /** Connection whose callback URI gets RecordingStateChanged when no state callback is given. */
  connectionId?: string;
  fallbackCallbackUri?: string;
}

export interface Recording {
  id: string;
  call: ServerCall;
  state: "active" | "inactive";
  stopped: boolean;
  options: RecordingOptions;
  startedAt: string;
  activeMs: number;
  activeSince?: number;
  /** Everyone seen in the call while it was recorded (at start, pause, resume and stop). */
  participants: Set<string>;
}

export interface RecordingFile {
  documentId: string;
  recording: Recording;
  durationMs: number;
  deleted: boolean;
  /** Who was recorded (the call may be gone by download time). */
  participants: string[];
}

export interface RecordingSettings {
  clock: SimClock;
  fileReadyDelayMs: number;
  sendCallback(orderKey: string, url: string, event: CloudEvent): void;
  publishFileReady(subject: string, data: Record<string, unknown>): void;
  rememberEvent(call: ServerCall, event: CloudEvent): void;
  /** A fault set through the control API for the next start (stage "event"), if any. */
  takeStartFault?(): { outcome?: "failed" | "unconfirmed"; status: number; subCode?: number; message?: string } | undefined;
}

export class RecordingStore {
  readonly recordings = new Map<string, Recording>();
  readonly files = new Map<string, RecordingFile>();

  constructor(private readonly settings: RecordingSettings) {}

  start(call: ServerCall, options: RecordingOptions): Recording {
    for (const r of this.recordings.values()) {
      if (r.call === call && !r.stopped) throw new AcsError(400, "8559", "A recording is already in progress for this call.");
    }
    const id = Buffer.from(JSON.stringify({ PlatformEndpointId: randomUUID(), ResourceSpecificId: randomUUID() })).toString("base64url");
    const recording: Recording = {
      id,
      call,
      state: options.pauseOnStart ? "inactive" : "active",
      stopped: false,
      options,
      startedAt: nowIso(),
      activeMs: 0,
      activeSince: options.pauseOnStart ? undefined : Date.now(),
      participants: new Set(call.participants.keys()),
    };
    this.recordings.set(id, recording);
    const fault = this.settings.takeStartFault?.();
    if (fault?.outcome === "unconfirmed") return recording;
    if (fault) {
      recording.state = "inactive";
      recording.stopped = true;
      this.startFailed(recording, { code: fault.status, subCode: fault.subCode ?? 0, message: fault.message ?? "The recording could not start." });
      return recording;
    }
    this.stateChanged(recording);
    return recording;
  }

  get(id: string): Recording {
    const recording = this.recordings.get(id);
    if (!recording) throw new AcsError(404, "8522", "Recording not found.");
    return recording;
  }

  /** A recording that can still change state. */
  live(id: string): Recording {
    const recording = this.get(id);
    if (recording.stopped) throw new AcsError(400, "8571", "The recording has already stopped.");
    return recording;
  }

  pause(id: string): void {
    const r = this.live(id);
    if (r.state === "inactive") return;
    this.accumulate(r);
    r.state = "inactive";
    this.stateChanged(r);
  }

  resume(id: string): void {
    const r = this.live(id);
    if (r.state === "active") return;
    r.state = "active";
    r.activeSince = Date.now();
    this.stateChanged(r);
  }

  stop(id: string): void {
    this.finish(this.live(id));
  }

  /** The call ended: every recording of it stops and its file becomes ready. */
  callEnded(call: ServerCall): void {
    for (const r of this.recordings.values()) if (r.call === call && !r.stopped) this.finish(r, "CallEnded");
  }

  properties(r: Recording): Record<string, unknown> {
    return { recordingId: r.id, recordingState: r.state, recordingKind: "azureCommunicationServices" };
  }

  file(documentId: string): RecordingFile {
    const file = this.files.get(documentId);
    if (!file || file.deleted) throw new AcsError(404, "NotFound", "The recording file does not exist.");
    return file;
  }

  delete(documentId: string): void {
    const file = this.file(documentId);
    file.deleted = true;
    this.files.delete(documentId);
  }

  /** The chunk's audio: a mono 16-bit PCM WAV holding a quiet 440 Hz tone as long as the recording. */
  wav(file: RecordingFile): Buffer {
    const seconds = Math.min(MAX_FILE_SECONDS, Math.max(1, Math.round(file.durationMs / 1000)));
    return makeWav(seconds);
  }

  metadata(file: RecordingFile): Record<string, unknown> {
    const r = file.recording;
    return {
      resourceId: "acs-simulator",
      callId: r.call.serverCallId,
      chunkDocumentId: file.documentId,
      chunkIndex: 0,
      chunkStartTime: r.startedAt,
      chunkDuration: file.durationMs,
      pauseResumeIntervals: [],
      recordingInfo: {
        contentType: r.options.contentType,
        channelType: r.options.channelType,
        format: r.options.formatType,
        audioConfiguration: { sampleRate: String(SAMPLE_RATE), bitRate: String(SAMPLE_RATE * 16), channels: "1" },
      },
      participants: file.participants.map((participantId) => ({ participantId })),
    };
  }

  private accumulate(r: Recording): void {
    if (r.activeSince !== undefined) r.activeMs += (Date.now() - r.activeSince) * this.settings.clock.speed;
    r.activeSince = undefined;
  }

  private finish(r: Recording, sessionEndReason = "CallEnded"): void {
    this.accumulate(r);
    r.stopped = true;
    const wasActive = r.state === "active";
    r.state = "inactive";
    if (wasActive) this.stateChanged(r);
    const file: RecordingFile = {
      documentId: randomUUID(),
      recording: r,
      durationMs: r.activeMs,
      deleted: false,
      participants: [...new Set([...r.participants, ...r.call.participants.keys()])],
    };
    this.files.set(file.documentId, file);
    this.settings.clock.after(this.settings.fileReadyDelayMs, () => this.fileReady(file, sessionEndReason));
  }

  private fileReady(file: RecordingFile, sessionEndReason: string): void {
    const r = file.recording;
    const base = `https://${SIMULATOR_STORAGE_HOST}/v1/objects/${file.documentId}`;
    const media = r.options.contentType === "audioVideo" ? "video" : "audio";
    this.settings.publishFileReady(
      `/recording/call/${r.call.correlationId}/serverCallId/${r.call.serverCallId}/recordingId/${r.id}`,
      {
        recordingStorageInfo: {
          recordingChunks: [
            {
              documentId: file.documentId,
              index: 0,
              endReason: "SessionEnded",
              contentLocation: `${base}/content/${media}`,
              metadataLocation: `${base}/content/acsmetadata`,
              deleteLocation: base,
            },
          ],
        },
        recordingStartTime: r.startedAt,
        recordingDurationMs: Math.round(file.durationMs),
        recordingChannelType: r.options.channelType === "unmixed" ? "Unmixed" : "Mixed",
        recordingContentType: r.options.contentType === "audioVideo" ? "AudioVideo" : "Audio",
        recordingFormatType: r.options.formatType.charAt(0).toUpperCase() + r.options.formatType.slice(1),
        sessionEndReason,
      },
    );
  }

  private startFailed(r: Recording, resultInformation: { code: number; subCode: number; message: string }): void {
    this.sendEvent(r, "StartRecordingFailed", { resultInformation });
  }

  private stateChanged(r: Recording): void {
    for (const identity of r.call.participants.keys()) r.participants.add(identity);
    this.sendEvent(r, "RecordingStateChanged", {
      state: r.state,
      startDateTime: r.startedAt,
      recordingKind: "azureCommunicationServices",
      resultInformation: { code: 200, subCode: 0, message: `Recording is ${r.state}.` },
    });
  }

  /** A recording's event (`Microsoft.Communication.<name>`), to its state callback URL and the call's event list. */
  private sendEvent(r: Recording, name: string, data: Record<string, unknown>): void {
    const url = r.options.stateCallbackUri ?? r.options.fallbackCallbackUri;
    const source = `calling/recordings/${r.call.serverCallId}/recordingId/${r.id}`;
    const event: CloudEvent = {
      id: randomUUID(),
      source,
      type: `Microsoft.Communication.${name}`,
      data: {
        ...(r.options.connectionId ? { callConnectionId: r.options.connectionId } : {}),
        serverCallId: r.call.serverCallId,
        correlationId: r.call.correlationId,
        recordingId: r.id,
        ...data,
      },
      time: nowIso(),
      specversion: "1.0",
      datacontenttype: "application/json",
      subject: `${source}/${name}`,
    };
    this.settings.rememberEvent(r.call, event);
    if (url) this.settings.sendCallback(`recording:${r.id}`, url, event);
  }
}

/** A mono 16-bit PCM WAV of `seconds` seconds of a quiet 440 Hz tone. */
export function makeWav(seconds: number): Buffer {
  const samples = seconds * SAMPLE_RATE;
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE) * 3000), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

