/**
 * Call recording through the real SDK (`client.getCallRecording()`) against the simulator:
 * start (by call connection and by server call locator, every option), state, pause, resume,
 * stop, RecordingStateChanged routing, the file-ready Event Grid event, and the recording file
 * itself: download (to a path, as a stream, into a stream, by range), metadata, delete, and the
 * HMAC check on the storage endpoint.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { CallAutomationClient, type CallConnection, type StartRecordingOptions } from "@azure/communication-call-automation";
import { simulatorClientOptions } from "../../lib/simulator-client";
import { Harness, waitFor, type ReceivedCallback, type ReceivedEventGrid } from "../support/harness";
import { expectRestError } from "../support/rest-error";

const FILE_EVENT = "Microsoft.Communication.RecordingFileStatusUpdated";

interface Chunk {
  documentId: string;
  index: number;
  endReason: string;
  contentLocation: string;
  metadataLocation: string;
  deleteLocation: string;
}

interface FileData {
  recordingStorageInfo: { recordingChunks: Chunk[] };
  recordingStartTime: string;
  recordingDurationMs: number;
  recordingChannelType: string;
  recordingContentType: string;
  recordingFormatType: string;
  sessionEndReason: string;
}

/**
 * Recording download and delete do not throw RestError: the SDK throws `{status, message}` read
 * from the storage service's problem-details error body.
 */
async function expectStorageError(promise: Promise<unknown>, status: number, what: string): Promise<void> {
  try {
    await promise;
  } catch (err) {
    const e = err as { status?: unknown; message?: unknown };
    assert.equal(e.status, status, `${what}: status of ${JSON.stringify(err)}`);
    assert.equal(typeof e.message, "string", `${what}: the error has a message`);
    return;
  }
  assert.fail(`${what} should have failed`);
}

/** Parse a RIFF/WAVE file's chunks and check it is PCM; returns the fmt fields and the data chunk. */
function parseWav(bytes: Buffer): { format: number; channels: number; sampleRate: number; byteRate: number; blockAlign: number; bitsPerSample: number; data: Buffer } {
  assert.ok(bytes.length >= 44, `a WAV file is at least 44 bytes, got ${bytes.length}`);
  assert.equal(bytes.toString("ascii", 0, 4), "RIFF");
  assert.equal(bytes.readUInt32LE(4), bytes.length - 8, "RIFF size covers the whole file");
  assert.equal(bytes.toString("ascii", 8, 12), "WAVE");
  let offset = 12;
  let fmt: Buffer | undefined;
  let data: Buffer | undefined;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString("ascii", offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = bytes.subarray(offset + 8, offset + 8 + size);
    assert.equal(body.length, size, `chunk ${id} is complete`);
    if (id === "fmt ") fmt = body;
    if (id === "data") data = body;
    offset += 8 + size + (size % 2);
  }
  assert.equal(offset, bytes.length, "no trailing bytes after the last chunk");
  assert.ok(fmt, "fmt chunk present");
  assert.ok(data, "data chunk present");
  return {
    format: fmt.readUInt16LE(0),
    channels: fmt.readUInt16LE(2),
    sampleRate: fmt.readUInt32LE(4),
    byteRate: fmt.readUInt32LE(8),
    blockAlign: fmt.readUInt16LE(12),
    bitsPerSample: fmt.readUInt16LE(14),
    data,
  };
}

function assertPcmMono16(bytes: Buffer): ReturnType<typeof parseWav> {
  const wav = parseWav(bytes);
  assert.equal(wav.format, 1, "PCM");
  assert.equal(wav.channels, 1, "mono");
  assert.equal(wav.bitsPerSample, 16, "16-bit");
  assert.ok(wav.sampleRate >= 8000, `sample rate ${wav.sampleRate}`);
  assert.equal(wav.blockAlign, 2);
  assert.equal(wav.byteRate, wav.sampleRate * 2);
  assert.equal(wav.data.length % 2, 0, "whole samples");
  assert.ok(wav.data.some((b) => b !== 0), "the audio is not all silence");
  return wav;
}

/** A storage GET signed by hand the way the SDK signs it, sent with explicit Host and x-ms-host. */
function signedStorageGet(
  simulatorEndpoint: string,
  accessKeyBase64: string,
  path: string,
  headers: { host: string; signedHost: string; xMsHost?: string },
): Promise<number> {
  const date = new Date().toUTCString();
  const contentHash = createHash("sha256").update("").digest("base64");
  const signature = createHmac("sha256", Buffer.from(accessKeyBase64, "base64"))
    .update(`GET\n${path}\n${date};${headers.signedHost};${contentHash}`, "utf8")
    .digest("base64");
  const target = new URL(simulatorEndpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path,
        method: "GET",
        headers: {
          host: headers.host,
          "x-ms-date": date,
          "x-ms-content-sha256": contentHash,
          authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
          ...(headers.xMsHost ? { "x-ms-host": headers.xMsHost } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

describe("simulator: call recording through the SDK", function () {
  let h: Harness;
  let tmp: string;

  beforeEach(async () => {
    h = await Harness.start({ speed: 50, fileReadyDelayMs: 500 });
    tmp = await mkdtemp(join(tmpdir(), "acs-recording-"));
  });
  afterEach(async () => {
    await h.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  const stateEvents = (recordingId: string): ReceivedCallback[] =>
    h.callbacks.filter((c) => c.type === "RecordingStateChanged" && (c.raw.data as { recordingId?: string }).recordingId === recordingId);

  const waitForStates = (recordingId: string, count: number): Promise<ReceivedCallback[]> =>
    waitFor(() => {
      const list = stateEvents(recordingId);
      return list.length >= count ? list : undefined;
    }, `${count} RecordingStateChanged for ${recordingId}`);

  const waitForFile = async (recordingId: string): Promise<{ event: ReceivedEventGrid; data: FileData; chunk: Chunk }> => {
    const event = await h.waitForEventGrid(
      (e) => e.eventType === FILE_EVENT && String(e.raw.subject).endsWith(`/recordingId/${recordingId}`),
      `${FILE_EVENT} for ${recordingId}`,
    );
    const data = event.data as unknown as FileData;
    assert.equal(data.recordingStorageInfo.recordingChunks.length, 1);
    return { event, data, chunk: data.recordingStorageInfo.recordingChunks[0] };
  };

  async function answered(): Promise<{ legId: string; callConnectionId: string; serverCallId: string; connection: CallConnection }> {
    const call = await h.dialInAndAnswer();
    const serverCallId = call.answered.callConnectionProperties.serverCallId as string;
    assert.ok(serverCallId);
    return { legId: call.legId, callConnectionId: call.callConnectionId, serverCallId, connection: call.connection };
  }

  /** Start, record for a moment of simulated time, stop, and wait for the file. */
  async function recordAndStop(callConnectionId: string, options: Partial<StartRecordingOptions> = {}) {
    const recording = h.client.getCallRecording();
    const started = await recording.start({ callConnectionId, ...options } as StartRecordingOptions);
    await new Promise((r) => setTimeout(r, 60)); // 3 simulated seconds at speed 50
    await recording.stop(started.recordingId);
    const file = await waitForFile(started.recordingId);
    return { started, ...file };
  }

  it("starts by callConnectionId: active, getState, RecordingStateChanged to the call's callback", async () => {
    const { callConnectionId, serverCallId } = await answered();
    const recording = h.client.getCallRecording();
    const started = await recording.start({ callConnectionId });
    assert.ok(started.recordingId);
    assert.equal(started.recordingState, "active");
    assert.equal(started.recordingKind, "azureCommunicationServices");

    const state = await recording.getState(started.recordingId);
    assert.deepEqual(state, { recordingId: started.recordingId, recordingState: "active", recordingKind: "azureCommunicationServices" });

    const [changed] = await waitForStates(started.recordingId, 1);
    assert.equal(changed.event.kind, "RecordingStateChanged");
    assert.equal(changed.url, "/callbacks/main?token=secret-main", "no state callback given: the call's callback URI gets it");
    const data = changed.raw.data as Record<string, unknown>;
    assert.equal(data.state, "active");
    assert.equal(data.serverCallId, serverCallId);
    assert.equal(data.callConnectionId, callConnectionId);
    assert.equal(data.recordingKind, "azureCommunicationServices");
    assert.ok(!Number.isNaN(Date.parse(String(data.startDateTime))), "startDateTime is a timestamp");

    await expectRestError(recording.getState("no-such-recording"), 404, "8522");
  });

  it("a stage-event fault makes the next start fail with StartRecordingFailed, or go unconfirmed; other uses are refused", async () => {
    const { callConnectionId } = await answered();
    const recording = h.client.getCallRecording();
    const set = await h.control("POST", "/faults", { path: "/calling/recordings", stage: "event", status: 500, subCode: 9999, message: "Storage unavailable." });
    assert.equal(set.status, 201);
    const failed = await recording.start({ callConnectionId });
    assert.ok(failed.recordingId);
    const event = await waitFor(() => h.callbacks.find((c) => c.type === "StartRecordingFailed"), "StartRecordingFailed");
    const data = event.raw.data as { recordingId: string; callConnectionId: string; resultInformation: Record<string, unknown> };
    assert.equal(data.recordingId, failed.recordingId);
    assert.equal(data.callConnectionId, callConnectionId);
    assert.deepEqual(data.resultInformation, { code: 500, subCode: 9999, message: "Storage unavailable." });
    assert.equal(stateEvents(failed.recordingId).length, 0, "no RecordingStateChanged for a start that failed");
    await expectRestError(recording.pause(failed.recordingId), 400, "8571");

    await h.control("POST", "/faults", { path: "/calling/recordings", stage: "event", outcome: "unconfirmed" });
    const unconfirmed = await recording.start({ callConnectionId });
    assert.equal((await recording.getState(unconfirmed.recordingId)).recordingState, "active", "it records");
    await recording.stop(unconfirmed.recordingId);
    await waitForFile(unconfirmed.recordingId);
    assert.deepEqual(
      stateEvents(unconfirmed.recordingId).map((c) => (c.raw.data as { state: string }).state),
      ["inactive"],
      "it never said it was active; stopping says inactive as usual",
    );

    for (const bad of [
      { path: ":play", stage: "event" },
      { path: "/calling/recordings", method: "GET", stage: "event" },
      { path: "/calling/recordings", stage: "event", outcome: "maybe" },
      { path: "/calling/recordings", stage: "before", outcome: "failed" },
    ]) {
      assert.equal((await h.control("POST", "/faults", bad)).status, 400, JSON.stringify(bad));
    }
  });

  it("starts by serverCallLocator; pause, resume and stop send RecordingStateChanged to recordingStateCallbackEndpointUrl", async () => {
    const { callConnectionId, serverCallId } = await answered();
    const recording = h.client.getCallRecording();
    const stateUrl = h.callbackUrl("recording-state");
    const started = await recording.start({
      callLocator: { id: serverCallId, kind: "serverCallLocator" },
      recordingStateCallbackEndpointUrl: stateUrl,
    });
    assert.equal(started.recordingState, "active");
    await waitForStates(started.recordingId, 1);

    await recording.pause(started.recordingId);
    assert.equal((await recording.getState(started.recordingId)).recordingState, "inactive");
    await waitForStates(started.recordingId, 2);

    await recording.resume(started.recordingId);
    assert.equal((await recording.getState(started.recordingId)).recordingState, "active");
    await waitForStates(started.recordingId, 3);

    await recording.stop(started.recordingId);
    const events = await waitForStates(started.recordingId, 4);
    assert.deepEqual(
      events.map((e) => (e.raw.data as { state: string }).state),
      ["active", "inactive", "active", "inactive"],
    );
    for (const e of events) {
      assert.equal(e.url, "/callbacks/recording-state?token=secret-recording-state", "the state callback URL, verbatim");
      assert.equal((e.raw.data as { serverCallId: string }).serverCallId, serverCallId);
    }
    assert.equal(
      h.callbacks.filter((c) => c.type === "RecordingStateChanged" && c.url.startsWith("/callbacks/main")).length,
      0,
      "the call's own callback gets no recording state events",
    );
    assert.equal((await recording.getState(started.recordingId)).recordingState, "inactive");

    // A stopped recording cannot change state any more; the call can record again.
    await expectRestError(recording.pause(started.recordingId), 400);
    await expectRestError(recording.resume(started.recordingId), 400);
    await expectRestError(recording.stop(started.recordingId), 400);
    const again = await recording.start({ callConnectionId });
    assert.notEqual(again.recordingId, started.recordingId);
    assert.equal(again.recordingState, "active");
  });

  it("pauseOnStart starts inactive; resume makes it active", async () => {
    const { callConnectionId } = await answered();
    const recording = h.client.getCallRecording();
    const started = await recording.start({ callConnectionId, pauseOnStart: true });
    assert.equal(started.recordingState, "inactive");
    assert.equal((await recording.getState(started.recordingId)).recordingState, "inactive");
    const [first] = await waitForStates(started.recordingId, 1);
    assert.equal((first.raw.data as { state: string }).state, "inactive");
    await recording.resume(started.recordingId);
    const events = await waitForStates(started.recordingId, 2);
    assert.equal((events[1].raw.data as { state: string }).state, "active");
  });

  it("accepts every valid content / channel / format combination and reports it in the file event", async () => {
    const { callConnectionId } = await answered();
    const cases: Array<{ options: Partial<StartRecordingOptions>; content: string; channel: string; format: string; media: string }> = [
      { options: {}, content: "Audio", channel: "Mixed", format: "Wav", media: "audio" },
      { options: { recordingContent: "audio", recordingChannel: "mixed", recordingFormat: "mp3" }, content: "Audio", channel: "Mixed", format: "Mp3", media: "audio" },
      {
        options: {
          recordingContent: "audio",
          recordingChannel: "unmixed",
          recordingFormat: "wav",
          channelAffinity: [{ channel: 0, targetParticipant: { phoneNumber: "+14255550100" } }],
          audioChannelParticipantOrdering: [{ phoneNumber: "+14255550100" }],
        },
        content: "Audio",
        channel: "Unmixed",
        format: "Wav",
        media: "audio",
      },
      { options: { recordingContent: "audioVideo", recordingChannel: "mixed", recordingFormat: "mp4" }, content: "AudioVideo", channel: "Mixed", format: "Mp4", media: "video" },
      { options: { recordingContent: "audioVideo" }, content: "AudioVideo", channel: "Mixed", format: "Mp4", media: "video" },
    ];
    for (const c of cases) {
      const { started, data, chunk } = await recordAndStop(callConnectionId, c.options);
      const label = JSON.stringify(c.options);
      assert.equal(started.recordingState, "active", label);
      assert.equal(data.recordingContentType, c.content, label);
      assert.equal(data.recordingChannelType, c.channel, label);
      assert.equal(data.recordingFormatType, c.format, label);
      assert.match(chunk.contentLocation, new RegExp(`/content/${c.media}$`), label);
    }
  });

  it("refuses invalid option combinations with 400", async () => {
    const { callConnectionId, serverCallId } = await answered();
    const recording = h.client.getCallRecording();
    const invalid: Array<Partial<StartRecordingOptions>> = [
      { recordingContent: "audioVideo", recordingFormat: "wav" },
      { recordingContent: "audioVideo", recordingFormat: "mp3" },
      { recordingContent: "audio", recordingFormat: "mp4" },
      { recordingChannel: "unmixed", recordingFormat: "mp3" },
      { recordingContent: "sound" as never },
      { recordingChannel: "stereo" as never },
      { recordingFormat: "ogg" as never },
      { recordingChannel: "unmixed", channelAffinity: [{ channel: 5, targetParticipant: { phoneNumber: "+14255550100" } }] },
    ];
    for (const options of invalid) {
      await expectRestError(recording.start({ callConnectionId, ...options }), 400, "8523");
    }
    // Exactly one of callLocator and callConnectionId.
    await expectRestError(recording.start({}), 400, "8523");
    await expectRestError(recording.start({ callConnectionId, callLocator: { id: serverCallId, kind: "serverCallLocator" } }), 400, "8523");
    // None of those started anything: a valid start still works.
    const started = await recording.start({ callConnectionId });
    assert.equal(started.recordingState, "active");
  });

  it("refuses a second start while a recording runs (8559), whichever way the call is named", async () => {
    const { callConnectionId, serverCallId } = await answered();
    const recording = h.client.getCallRecording();
    const first = await recording.start({ callConnectionId });
    await expectRestError(recording.start({ callConnectionId }), 400, "8559");
    await expectRestError(recording.start({ callLocator: { id: serverCallId, kind: "serverCallLocator" } }), 400, "8559");
    // A paused recording is still running.
    await recording.pause(first.recordingId);
    await expectRestError(recording.start({ callConnectionId }), 400, "8559");
    assert.equal((await recording.getState(first.recordingId)).recordingState, "inactive");
  });

  it("refuses to record an ended or unknown call", async () => {
    const { callConnectionId, serverCallId, connection } = await answered();
    await connection.hangUp(true);
    await h.waitForCallback(callConnectionId, "CallDisconnected");
    const recording = h.client.getCallRecording();
    await expectRestError(recording.start({ callConnectionId }), 400, "8528");
    const byLocator = await expectRestError(recording.start({ callLocator: { id: serverCallId, kind: "serverCallLocator" } }), 404);
    assert.equal(byLocator.code, "8522");
    await expectRestError(recording.start({ callConnectionId: "no-such-connection" }), 404, "8522");
  });

  it("stop produces RecordingFileStatusUpdated through Event Grid; the file downloads as a valid WAV", async () => {
    const { callConnectionId, serverCallId } = await answered();
    const { started, event, data, chunk } = await recordAndStop(callConnectionId);

    // Event Grid envelope.
    assert.equal(event.eventType, FILE_EVENT);
    assert.equal(event.headers["aeg-event-type"], "Notification");
    assert.match(String(event.raw.subject), new RegExp(`/serverCallId/${serverCallId}/recordingId/${started.recordingId}$`));
    assert.match(String(event.raw.topic), /\/providers\/microsoft\.communication\/communicationservices\//);
    assert.ok(!Number.isNaN(Date.parse(String(event.raw.eventTime))));

    // Chunk locations on ACS storage.
    for (const url of [chunk.contentLocation, chunk.metadataLocation, chunk.deleteLocation]) {
      const u = new URL(url);
      assert.equal(u.protocol, "https:");
      assert.ok(u.hostname.endsWith(".asm.skype.com"), url);
    }
    assert.ok(chunk.contentLocation.endsWith("/content/audio"));
    assert.ok(chunk.metadataLocation.endsWith("/content/acsmetadata"));
    assert.ok(chunk.contentLocation.startsWith(chunk.deleteLocation + "/"), "content lives under the deletable object");
    assert.equal(chunk.index, 0);
    assert.ok(chunk.documentId && chunk.deleteLocation.endsWith(`/${chunk.documentId}`));
    assert.ok(data.recordingDurationMs > 0, `recording lasted ${data.recordingDurationMs} ms`);
    assert.ok(!Number.isNaN(Date.parse(data.recordingStartTime)));
    assert.ok(data.sessionEndReason);

    const recording = h.client.getCallRecording();

    // downloadToPath
    const path = join(tmp, "recording.wav");
    await recording.downloadToPath(chunk.contentLocation, path);
    const bytes = await readFile(path);
    const wav = assertPcmMono16(bytes);
    const seconds = Math.min(10, Math.max(1, Math.round(data.recordingDurationMs / 1000)));
    assert.equal(wav.data.length, seconds * wav.sampleRate * 2, "the audio is as long as the recording (whole seconds)");

    // downloadStreaming gives the same bytes.
    const streamed = await readStream(await recording.downloadStreaming(chunk.contentLocation));
    assert.ok(streamed.equals(bytes), "downloadStreaming bytes equal downloadToPath bytes");

    // downloadToStream too.
    const sink = new PassThrough();
    const collected = readStream(sink);
    await recording.downloadToStream(chunk.contentLocation, sink);
    assert.ok((await collected).equals(bytes), "downloadToStream bytes equal downloadToPath bytes");

    // A range: exactly that slice.
    const slice = await readStream(await recording.downloadStreaming(chunk.contentLocation, { offset: 40, length: 100 }));
    assert.equal(slice.length, 100);
    assert.ok(slice.equals(bytes.subarray(40, 140)), "ranged download is the slice [40, 140)");
    const tail = await readStream(await recording.downloadStreaming(chunk.contentLocation, { offset: bytes.length - 10 }));
    assert.ok(tail.equals(bytes.subarray(bytes.length - 10)), "open-ended range runs to the end");

    // Metadata is JSON about this recording.
    const metadataBytes = await readStream(await recording.downloadStreaming(chunk.metadataLocation));
    const metadata = JSON.parse(metadataBytes.toString("utf8")) as Record<string, unknown>;
    assert.equal(metadata.callId, serverCallId);
    assert.equal(metadata.chunkDocumentId, chunk.documentId);
    assert.equal((metadata.recordingInfo as { format?: string }).format, "wav");
    assert.ok(Array.isArray(metadata.participants) && metadata.participants.length > 0);

    // Delete, then nothing downloads any more.
    await recording.delete(chunk.deleteLocation);
    await expectStorageError(recording.downloadToPath(chunk.contentLocation, join(tmp, "gone.wav")), 404, "download after delete");
    await expectStorageError(recording.downloadStreaming(chunk.metadataLocation), 404, "metadata download after delete");
    await expectStorageError(recording.delete(chunk.deleteLocation), 404, "second delete");
  });

  it("the call ending stops the recording and produces its file", async () => {
    const { legId, callConnectionId, serverCallId } = await answered();
    const recording = h.client.getCallRecording();
    const stateUrl = h.callbackUrl("rec-end");
    const started = await recording.start({ callLocator: { id: serverCallId, kind: "serverCallLocator" }, recordingStateCallbackEndpointUrl: stateUrl });
    await new Promise((r) => setTimeout(r, 40));
    assert.equal((await h.control("POST", `/calls/${legId}/hangup`)).status, 200);
    await h.waitForCallback(callConnectionId, "CallDisconnected");

    const { data, chunk } = await waitForFile(started.recordingId);
    assert.equal(data.sessionEndReason, "CallEnded");
    assert.ok(data.recordingDurationMs > 0);
    assert.equal((await recording.getState(started.recordingId)).recordingState, "inactive");
    const events = await waitForStates(started.recordingId, 2);
    assert.deepEqual(events.map((e) => (e.raw.data as { state: string }).state), ["active", "inactive"]);

    const bytes = await readStream(await recording.downloadStreaming(chunk.contentLocation));
    assertPcmMono16(bytes);
    // The metadata still names who was recorded, though the call is gone.
    const metadata = JSON.parse((await readStream(await recording.downloadStreaming(chunk.metadataLocation))).toString("utf8")) as {
      participants: Array<{ participantId: string }>;
    };
    assert.deepEqual(metadata.participants.map((p) => p.participantId), ["4:+14255550100"]);
    await expectRestError(recording.stop(started.recordingId), 400);

    // In the call's event log, the recording stopped before the call disconnected.
    const log = (await h.leg(legId)).events.map((e) => e.type);
    assert.equal(log[log.length - 1], "CallDisconnected", `event log: ${log.join(", ")}`);
    assert.ok(log.lastIndexOf("RecordingStateChanged") < log.indexOf("CallDisconnected"));
  });

  it("a paused interval is not recorded, and a file is ready only once per recording", async () => {
    const { callConnectionId } = await answered();
    const recording = h.client.getCallRecording();
    const started = await recording.start({ callConnectionId, pauseOnStart: true });
    await new Promise((r) => setTimeout(r, 100)); // 5 simulated seconds, paused
    await recording.stop(started.recordingId);
    const { data } = await waitForFile(started.recordingId);
    assert.ok(data.recordingDurationMs < 1000, `nothing was recorded while paused, got ${data.recordingDurationMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(h.eventGrid.filter((e) => e.eventType === FILE_EVENT && String(e.raw.subject).endsWith(started.recordingId)).length, 1);
  });

  it("a client with the wrong access key cannot download or delete the file", async () => {
    const { callConnectionId } = await answered();
    const { chunk } = await recordAndStop(callConnectionId);
    const wrongKey = randomBytes(32).toString("base64");
    const intruder = new CallAutomationClient(`endpoint=${h.sim.endpoint};accesskey=${wrongKey}`, {
      ...simulatorClientOptions(h.sim.endpoint),
      retryOptions: { maxRetries: 0 },
    });
    const recording = intruder.getCallRecording();
    await expectStorageError(recording.downloadToPath(chunk.contentLocation, join(tmp, "stolen.wav")), 401, "download with a wrong key");
    await expectStorageError(recording.downloadStreaming(chunk.metadataLocation), 401, "metadata download with a wrong key");
    await expectStorageError(recording.delete(chunk.deleteLocation), 401, "delete with a wrong key");
    // The REST API refuses that key too.
    await expectRestError(recording.getState("anything"), 401);

    // The file is untouched: the right key still downloads it.
    const bytes = await readStream(await h.client.getCallRecording().downloadStreaming(chunk.contentLocation));
    assertPcmMono16(bytes);
  });

  it("the storage endpoint verifies the signature against x-ms-host, not the storage Host", async () => {
    const { callConnectionId } = await answered();
    const { chunk } = await recordAndStop(callConnectionId);
    const key = /accesskey=([^;]+)/.exec(h.sim.connectionString)?.[1] as string;
    const endpointHost = new URL(h.sim.endpoint).host;
    const storageHost = new URL(chunk.contentLocation).host;
    const path = new URL(chunk.contentLocation).pathname;
    // As the SDK sends it: signed for the resource endpoint, named in x-ms-host, Host = storage.
    assert.equal(await signedStorageGet(h.sim.endpoint, key, path, { host: storageHost, signedHost: endpointHost, xMsHost: endpointHost }), 200);
    // Signed for the storage Host instead: x-ms-host wins, so the signature does not match.
    assert.equal(await signedStorageGet(h.sim.endpoint, key, path, { host: storageHost, signedHost: storageHost, xMsHost: endpointHost }), 401);
    // Right host, wrong key.
    assert.equal(
      await signedStorageGet(h.sim.endpoint, randomBytes(32).toString("base64"), path, { host: storageHost, signedHost: endpointHost, xMsHost: endpointHost }),
      401,
    );
  });
});
