/**
 * The recording node: start (every option, checked in what the simulator recorded), pause,
 * resume, stop, state; the file-ready event through event-in; download to a file and to a
 * Buffer; delete; and the errors a flow author must fix, each reaching a Catch node while
 * another call goes on recording. Node-RED through node-red-node-test-helper, the real SDK
 * against the embedded simulator, the far end played through its control API.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordingChunk } from "../../lib/recording-file";
import { waitFor } from "../support/harness";
import { RedHarness, type FlowNode, type ReceivedMessage } from "../support/red";

const CALLER = "+14255550123";
const OTHER_CALLER = "+14255550124";
const LINE = "+18005550100";

type Msg = ReceivedMessage["msg"] & { recording?: Record<string, unknown>; filename?: string; step?: string };
type FilePayload = { recordingId: string; serverCallId: string; chunks: RecordingChunk[]; startTime: string; durationMs: number; sessionEndReason: string; channelType: string; contentType: string; formatType: string };

describe("recording node", function () {
  this.timeout(30000);
  const red = RedHarness.forSuite();
  let tmp: string;
  let steps = 0;

  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), "acs-recording-node-"));
  });
  afterEach(async () => rm(tmp, { recursive: true, force: true }));

  /** A recording node with a helper on each port. */
  function rec(id: string, props: Record<string, unknown>, outputs = 1): FlowNode[] {
    const out = RedHarness.outputs(id, outputs);
    return [{ id, type: "acs-recording", acs: "acs", wires: out.wires, ...props }, ...out.nodes];
  }

  /**
   * incoming-call → answer (connected goes to a helper; tests inject copies into the recording
   * nodes), one recording node per action, an event-in for file-ready events, and a Catch node.
   */
  function flow(start: Record<string, unknown> = {}, config: Record<string, unknown> = {}, extra: FlowNode[] = []): FlowNode[] {
    const ans = RedHarness.outputs("answer", 3);
    const files = RedHarness.outputs("files", 1);
    return [
      red.configNode(config),
      { id: "incoming", type: "acs-incoming-call", acs: "acs", to: LINE, wires: [["answer"]] },
      { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: ans.wires },
      ...ans.nodes,
      ...rec("start", { action: "start", ...start }, 2),
      ...rec("pause", { action: "pause" }),
      ...rec("resume", { action: "resume" }),
      ...rec("stop", { action: "stop" }),
      ...rec("state", { action: "state" }),
      ...rec("dlbuf", { action: "download", saveTo: "buffer" }),
      ...rec("dlfile", { action: "download", saveTo: "file", path: "filename", pathType: "msg" }),
      ...rec("del", { action: "delete" }),
      { id: "files", type: "acs-event-in", acs: "acs", eventTypes: "RecordingFileStatusUpdated", wires: files.wires },
      ...files.nodes,
      ...RedHarness.catcher(),
      ...extra,
    ];
  }

  /** Dial in; the answered call's message (msg.call with callConnectionId and serverCallId). */
  async function answered(from = CALLER): Promise<{ legId: string; msg: Msg }> {
    const { legId, connected } = await red.dialAnswered(from, LINE);
    return { legId, msg: connected.msg as Msg };
  }

  const copy = (msg: Msg): Msg => JSON.parse(JSON.stringify(msg)) as Msg;

  /** Send a copy of `msg` (with `changes`) into `node`; the message that leaves from `port`. Fails on a caught error. */
  async function run(node: string, msg: Msg, changes: Record<string, unknown> = {}, port = 0): Promise<Msg> {
    const step = `step-${++steps}`;
    red.inject(node, { ...copy(msg), ...changes, step });
    const out = await waitFor(
      () => {
        const caught = red.from("catch").find((m) => (m.msg as Msg).step === step);
        if (caught) throw new Error(`${node} failed: ${(caught.msg.error as { message: string }).message}`);
        return red.received.find((m) => m.node === node && (m.msg as Msg).step === step);
      },
      `a message from ${node}`,
      8000,
    );
    assert.equal(out.port, port, `${node} sent on port ${out.port}: ${JSON.stringify(out.msg.payload)}`);
    return out.msg as Msg;
  }

  /** Send a copy of `msg` into `node`: the error a Catch node got (and nothing left the node). */
  async function fails(node: string, msg: Msg, changes: Record<string, unknown> = {}): Promise<string> {
    const step = `step-${++steps}`;
    red.inject(node, { ...copy(msg), ...changes, step });
    const caught = await red.next("catch", 0, (m) => (m.msg as Msg).step === step);
    assert.equal(
      red.received.filter((m) => m.node === node && (m.msg as Msg).step === step).length,
      0,
      `nothing leaves ${node} on an error`,
    );
    const error = caught.msg.error as { message: string; source?: { id?: string } };
    assert.equal(error.source?.id, node);
    // Catch gives "Name: message"; the test helper's RED._ gives a catalogue key as it is.
    return error.message.replace(/^(FlowError|AcsActionError): /, "");
  }

  async function fileReady(recordingId: string): Promise<Msg> {
    return (await red.next("files", 0, (m) => (m.msg.payload as FilePayload).recordingId === recordingId)).msg as Msg;
  }

  /** Record the call of `msg` from start to stop: the recording id and the file-ready message. */
  async function recordedFile(msg: Msg): Promise<{ recordingId: string; ready: Msg }> {
    const started = await run("start", msg);
    const { recordingId } = started.payload as { recordingId: string };
    await run("stop", started);
    return { recordingId, ready: await fileReady(recordingId) };
  }

  const simRecording = async (recordingId: string) => {
    const found = (await red.sim()).recordings.recordings.get(recordingId);
    assert.ok(found, `the simulator has recording ${recordingId}`);
    return found;
  };

  /** What the simulator serves for a chunk. */
  const servedBytes = async (documentId: string): Promise<Buffer> => {
    const sim = await red.sim();
    return sim.recordings.wav(sim.recordings.file(documentId));
  };

  const assertWav = (bytes: Buffer) => {
    assert.ok(bytes.length > 44, `a WAV file, ${bytes.length} bytes`);
    assert.equal(bytes.toString("ascii", 0, 4), "RIFF");
    assert.equal(bytes.toString("ascii", 8, 12), "WAVE");
    assert.equal(bytes.toString("ascii", 12, 16), "fmt ");
  };

  const noErrors = () => assert.deepEqual(red.from("catch").map((m) => (m.msg.error as { message: string }).message), []);

  it("start, state, pause, resume, stop: each on the done port, with what the simulator really did", async () => {
    await red.load(flow());
    const { msg } = await answered();
    const call = msg.call as { callConnectionId: string; serverCallId: string };

    const started = await run("start", msg);
    const payload = started.payload as { recordingId: string; state: string; kind: string };
    assert.equal(payload.state, "active");
    assert.equal(payload.kind, "azureCommunicationServices");
    const { recordingId } = payload;
    assert.ok(recordingId);
    assert.deepEqual(started.recording, {
      recordingId,
      state: "active",
      kind: "azureCommunicationServices",
      serverCallId: call.serverCallId,
      callConnectionId: call.callConnectionId,
      content: "audio",
      channel: "mixed",
      format: "wav",
      pauseOnStart: false,
    });
    assert.equal(started.event?.type, "RecordingStateChanged");
    assert.equal(started.event?.recordingId, recordingId);
    assert.equal(started.event?.state, "active");
    assert.deepEqual(started.call, msg.call, "msg.call is kept");

    const recording = await simRecording(recordingId);
    assert.equal(recording.call.serverCallId, call.serverCallId);
    assert.equal(recording.state, "active");
    assert.deepEqual(
      { content: recording.options.contentType, channel: recording.options.channelType, format: recording.options.formatType, pauseOnStart: recording.options.pauseOnStart },
      { content: "audio", channel: "mixed", format: "wav", pauseOnStart: false },
    );
    assert.match(String(recording.options.stateCallbackUri), /\/acs\/callbacks\//, "state events come to this connection's callback URL");
    assert.equal(recording.options.connectionId, call.callConnectionId);

    const state1 = await run("state", started);
    assert.deepEqual(state1.payload, { recordingId, state: "active", kind: "azureCommunicationServices" });

    const paused = await run("pause", started);
    assert.deepEqual(paused.payload, { recordingId, state: "inactive" });
    assert.equal(paused.recording?.state, "inactive");
    assert.equal(paused.recording?.format, "wav", "msg.recording keeps what start put there");
    assert.equal((await simRecording(recordingId)).state, "inactive");
    assert.equal(((await run("state", paused)).payload as { state: string }).state, "inactive");

    const resumed = await run("resume", paused);
    assert.deepEqual(resumed.payload, { recordingId, state: "active" });
    assert.equal((await simRecording(recordingId)).state, "active");

    const stopped = await run("stop", resumed);
    assert.deepEqual(stopped.payload, { recordingId, state: "inactive", stopped: true });
    assert.equal(stopped.recording?.stopped, true);
    assert.equal((await simRecording(recordingId)).stopped, true);

    // The simulator sent a RecordingStateChanged for each change, in order.
    const leg = await red.leg((await red.legs()).find((l) => l.serverCallId === call.serverCallId)!.id);
    const states = leg.events.filter((e) => e.type === "RecordingStateChanged" && e.data.recordingId === recordingId).map((e) => e.data.state);
    assert.deepEqual(states, ["active", "inactive", "active", "inactive"]);
    noErrors();
  });

  it("the file-ready event reaches event-in with the chunks, start, duration, end reason and the call", async () => {
    await red.load(flow());
    const { msg } = await answered();
    const call = msg.call as { serverCallId: string };
    const { recordingId, ready } = await recordedFile(msg);
    const file = ready.payload as FilePayload & { type: string; id: string };
    assert.equal(ready.topic, "RecordingFileStatusUpdated");
    assert.equal(file.type, "RecordingFileStatusUpdated");
    assert.equal(file.serverCallId, call.serverCallId);
    assert.equal(ready.call?.serverCallId, call.serverCallId, "msg.call.serverCallId ties the file to its call");
    assert.equal(file.chunks.length, 1);
    const [chunk] = file.chunks;
    assert.equal(chunk.index, 0);
    assert.ok(chunk.documentId);
    assert.equal(chunk.endReason, "SessionEnded");
    assert.match(String(chunk.contentLocation), /^https:\/\/[^/]+\.asm\.skype\.com\/v1\/objects\/[^/]+\/content\/audio$/);
    assert.match(String(chunk.metadataLocation), /\/content\/acsmetadata$/);
    assert.equal(chunk.deleteLocation, `https://${new URL(String(chunk.contentLocation)).host}/v1/objects/${chunk.documentId}`);
    assert.ok(!Number.isNaN(Date.parse(file.startTime)), "startTime is a timestamp");
    assert.equal(typeof file.durationMs, "number");
    assert.equal(file.sessionEndReason, "CallEnded");
    assert.deepEqual([file.channelType, file.contentType, file.formatType], ["Mixed", "Audio", "Wav"]);
    assert.deepEqual(ready.recording, { recordingId, serverCallId: call.serverCallId, chunks: file.chunks, startTime: file.startTime, durationMs: file.durationMs, sessionEndReason: "CallEnded", channelType: "Mixed", contentType: "Audio", formatType: "Wav" });
    assert.match(String((ready.event as { subject?: string }).subject), new RegExp(`/serverCallId/${call.serverCallId}/recordingId/${recordingId}$`), "msg.event keeps the raw event");
  });

  it("an event-in that follows the calls sent to it gets their files, which come after the call ended, and no other call's", async () => {
    const mine = RedHarness.outputs("myFiles", 1);
    await red.load(flow({}, {}, [{ id: "myFiles", type: "acs-event-in", acs: "acs", eventTypes: "RecordingFileStatusUpdated", scope: "input", wires: mine.wires }, ...mine.nodes]));
    const first = await answered();
    const second = await answered(OTHER_CALLER);
    const firstStarted = await run("start", first.msg);
    const secondStarted = await run("start", second.msg);
    red.inject("myFiles", copy(firstStarted));
    // Both calls end (their recordings stop with them); both files reach the event-in for every call.
    await red.hangup(first.legId);
    await red.hangup(second.legId);
    const firstId = (firstStarted.payload as { recordingId: string }).recordingId;
    const secondId = (secondStarted.payload as { recordingId: string }).recordingId;
    await fileReady(firstId);
    await fileReady(secondId);
    const followed = await red.next("myFiles", 0);
    assert.equal((followed.msg.payload as FilePayload).recordingId, firstId);
    assert.equal((followed.msg.payload as FilePayload).sessionEndReason, "CallEnded");
    assert.deepEqual(
      red.from("myFiles").map((m) => (m.msg.payload as FilePayload).recordingId),
      [firstId],
      "only the file of the call sent to it",
    );
  });

  it("audio and video, unmixed with channel affinity, mp3 and start paused reach the simulator", async () => {
    const variants = [
      ...rec("startAv", { action: "start", content: "audioVideo", channel: "mixed", format: "mp4" }, 2),
      ...rec("startUnmixed", { action: "start", content: "audio", channel: "unmixed", format: "wav", channelAffinity: `[{"participant":"${CALLER}","channel":1}]`, channelAffinityType: "json" }, 2),
      ...rec("startMp3", { action: "start", content: "audio", channel: "mixed", format: "mp3" }, 2),
      ...rec("startPaused", { action: "start", pauseOnStart: true }, 2),
      ...rec("startAffinityFromMsg", { action: "start", channel: "unmixed", channelAffinity: "affinity", channelAffinityType: "msg" }, 2),
    ];
    await red.load(flow({}, {}, variants));
    const { msg } = await answered();

    const startStop = async (node: string, changes: Record<string, unknown> = {}) => {
      const started = await run(node, msg, changes);
      const { recordingId, state } = started.payload as { recordingId: string; state: string };
      const recording = await simRecording(recordingId);
      await run("stop", started);
      const ready = await fileReady(recordingId);
      return { started, state, options: recording.options, file: ready.payload as FilePayload };
    };

    const av = await startStop("startAv");
    assert.deepEqual([av.options.contentType, av.options.channelType, av.options.formatType], ["audioVideo", "mixed", "mp4"]);
    assert.deepEqual([av.file.contentType, av.file.formatType], ["AudioVideo", "Mp4"]);
    assert.match(String(av.file.chunks[0].contentLocation), /\/content\/video$/);
    assert.equal(av.started.recording?.content, "audioVideo");

    const unmixed = await startStop("startUnmixed");
    assert.equal(unmixed.options.channelType, "unmixed");
    assert.deepEqual(unmixed.options.channelAffinity, [{ participant: `4:${CALLER}`, channel: 1 }]);
    assert.equal(unmixed.file.channelType, "Unmixed");

    const mp3 = await startStop("startMp3");
    assert.deepEqual([mp3.options.contentType, mp3.options.formatType], ["audio", "mp3"]);
    assert.equal(mp3.file.formatType, "Mp3");

    const paused = await startStop("startPaused");
    assert.equal(paused.state, "inactive", "a recording started paused is inactive");
    assert.equal(paused.options.pauseOnStart, true);
    assert.equal(paused.started.event?.state, "inactive");

    const fromMsg = await startStop("startAffinityFromMsg", { affinity: [{ participant: CALLER, channel: 0 }, { participant: "8:acs:agent-1" }] });
    assert.deepEqual(fromMsg.options.channelAffinity, [{ participant: `4:${CALLER}`, channel: 0 }, { participant: "8:acs:agent-1" }]);
    noErrors();
  });

  it("a call named only by its callConnectionId is recorded through that locator", async () => {
    await red.load(flow());
    const { msg } = await answered();
    const call = msg.call as { callConnectionId: string; serverCallId: string };
    const started = await run("start", msg, { call: { callConnectionId: call.callConnectionId } });
    const { recordingId } = started.payload as { recordingId: string };
    const recording = await simRecording(recordingId);
    assert.equal(recording.call.serverCallId, call.serverCallId);
    assert.equal(recording.options.connectionId, call.callConnectionId);
    assert.equal(started.recording?.serverCallId, undefined);
  });

  it("downloads the recording to a file and to a Buffer (the bytes the simulator serves), then deletes it", async () => {
    await red.load(flow());
    const { msg } = await answered();
    const { ready } = await recordedFile(msg);
    const [chunk] = (ready.payload as FilePayload).chunks;
    const served = await servedBytes(String(chunk.documentId));
    assertWav(served);

    const path = join(tmp, "calls", "first.wav");
    const saved = await run("dlfile", ready, { filename: path });
    assert.deepEqual(saved.payload, { path, bytes: served.length, location: chunk.contentLocation });
    assert.equal(saved.filename, path);
    const written = await readFile(path);
    assert.ok(written.equals(served), "the file holds exactly what the simulator serves");
    assertWav(written);

    const buffered = await run("dlbuf", ready);
    assert.ok(Buffer.isBuffer(buffered.payload), "msg.payload is a Buffer");
    assert.ok((buffered.payload as Buffer).equals(served));
    assert.deepEqual(buffered.recording, ready.recording, "msg.recording still names the file after a download to msg.payload");

    // The metadata location downloads too (JSON).
    const meta = await run("dlbuf", ready, { payload: { chunks: [{ contentLocation: chunk.metadataLocation }] } });
    assert.equal(JSON.parse((meta.payload as Buffer).toString("utf8")).chunkDocumentId, chunk.documentId);

    const deleted = await run("del", ready);
    assert.deepEqual(deleted.payload, { deleted: true, location: chunk.deleteLocation });
    const sim = await red.sim();
    assert.throws(() => sim.recordings.file(String(chunk.documentId)), /does not exist/, "the simulator no longer has the file");

    const again = await fails("dlbuf", ready);
    assert.match(again, /^download recording failed: ACS answered 404: The recording file does not exist\.$/);
    assert.match(await fails("del", ready), /^delete recording failed: ACS answered 404/);
  });

  it("never replaces an existing file unless Overwrite is checked", async () => {
    const overwriting = rec("dlover", { action: "download", saveTo: "file", path: "filename", pathType: "msg", overwrite: true });
    await red.load(flow({}, {}, overwriting));
    const { msg } = await answered();
    const { ready } = await recordedFile(msg);
    const served = await servedBytes(String((ready.payload as FilePayload).chunks[0].documentId));

    const path = join(tmp, "existing.wav");
    await writeFile(path, "keep me");
    const refused = await fails("dlfile", ready, { filename: path });
    assert.equal(refused, `Not saving the recording: ${path} already exists. Check "Overwrite" to replace it, or choose another path.`);
    assert.equal(await readFile(path, "utf8"), "keep me");

    await run("dlover", ready, { filename: path });
    assert.ok((await readFile(path)).equals(served));
  });

  it("a relative path is saved under the Node-RED user directory (the temp folder when there is none)", async () => {
    await red.load(flow());
    const { msg } = await answered();
    const { ready } = await recordedFile(msg);
    const relative = join(`acs-recording-node-test-${process.pid}-${Date.now()}`, "call.wav");
    const saved = await run("dlfile", ready, { filename: relative });
    const expected = join(tmpdir(), relative);
    try {
      assert.equal((saved.payload as { path: string }).path, expected);
      assertWav(await readFile(expected));
    } finally {
      await rm(join(tmpdir(), relative, ".."), { recursive: true, force: true });
    }
  });

  it("bad input is a clear error for Catch, and another call keeps recording", async () => {
    await red.load(flow());
    // Another call, recording all along.
    const other = await answered(OTHER_CALLER);
    const otherStarted = await run("start", other.msg);
    const otherId = (otherStarted.payload as { recordingId: string }).recordingId;

    const { legId, msg } = await answered();

    // No call to record.
    assert.match(await fails("start", msg, { call: undefined }), /^No call id: msg\.call\.callConnectionId is empty/);
    // No recording id, an unknown one.
    assert.match(await fails("pause", msg), /^No recording id: msg\.recording\.recordingId is empty\./);
    assert.match(await fails("stop", msg, { recording: { recordingId: "  " } }), /^No recording id: msg\.recording\.recordingId is empty\./);
    assert.match(await fails("pause", msg, { recording: { recordingId: "no-such-recording" } }), /^pause recording failed: ACS answered 404 \(8522\): Recording not found\.$/);
    assert.match(await fails("state", msg, { recording: { recordingId: "no-such-recording" } }), /^get recording state failed: ACS answered 404 \(8522\)/);
    assert.match(await fails("resume", msg, { recording: { recordingId: "no-such-recording" } }), /^resume recording failed: ACS answered 404/);

    // A second recording of the same call; a recording that has stopped.
    const started = await run("start", msg);
    assert.match(await fails("start", msg), /^start recording failed: ACS answered 400 \(8559\)/);
    await run("stop", started);
    assert.match(await fails("pause", started), /^pause recording failed: ACS answered 400 \(8571\): The recording has already stopped\.$/);

    // Bad file locations and paths.
    assert.match(await fails("dlbuf", msg), /^No recording file URL: msg\.\S+ is empty\./);
    assert.match(await fails("del", msg), /^No recording file URL: msg\.\S+ is empty\./);
    assert.equal(
      await fails("dlbuf", msg, { payload: { chunks: [{ contentLocation: "https://example.com/v1/objects/x/content/audio" }] } }),
      '"https://example.com/v1/objects/x/content/audio" is not a recording file URL: example.com is not ACS recording storage (*.asm.skype.com).',
    );
    assert.equal(await fails("dlbuf", msg, { payload: { chunks: [{ contentLocation: "not a url" }] } }), '"not a url" is not a recording file URL: it is not a URL.');
    assert.match(await fails("del", msg, { payload: { chunks: [{ deleteLocation: "http://us-acs-simulator.asm.skype.com/v1/objects/x" }] } }), /is not a recording file URL: it is not an https URL\.$/);
    assert.match(
      await fails("dlbuf", msg, { payload: { chunks: [{ contentLocation: "https://us-acs-simulator.asm.skype.com/v1/objects/00000000-0000-0000-0000-000000000000/content/audio" }] } }),
      /^download recording failed: ACS answered 404: The recording file does not exist\.$/,
    );
    const ready = await fileReady((started.payload as { recordingId: string }).recordingId);
    const blocker = join(tmp, "a-file");
    await writeFile(blocker, "x");
    const unwritable = join(blocker, "sub", "call.wav");
    assert.match(await fails("dlfile", ready, { filename: unwritable }), new RegExp(`^Cannot save the recording to ${unwritable.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
    assert.equal(await fails("dlfile", ready, { filename: "" }), "No file path to save the recording to.");

    // An operation on a call that has ended.
    await red.hangup(legId);
    await red.next("answer", 2, (m) => m.msg.call?.callConnectionId === msg.call?.callConnectionId);
    assert.match(await fails("start", msg), /^start recording failed: the call has already ended \(callConnectionId /);
    assert.match(await fails("pause", msg, { recording: { recordingId: otherId } }), /^pause recording failed: the call has already ended/);

    // The other call is still connected and recording, and finishes normally.
    const otherLeg = await red.leg(other.legId);
    assert.equal(otherLeg.state, "connected");
    assert.equal((await simRecording(otherId)).state, "active");
    assert.equal(((await run("state", otherStarted)).payload as { state: string }).state, "active");
    await run("stop", otherStarted);
    const otherReady = await fileReady(otherId);
    assert.ok((await run("dlbuf", otherReady)).payload instanceof Buffer);
  });

  it("a start with settings ACS does not record, or a bad channel affinity, is an error before any request", async () => {
    const bad = [
      ...rec("startBadFormat", { action: "start", content: "audioVideo", format: "wav" }, 2),
      ...rec("startBadAffinity", { action: "start", channel: "unmixed", channelAffinity: "affinity", channelAffinityType: "msg" }, 2),
      ...rec("startMixedAffinity", { action: "start", channel: "mixed", channelAffinity: `[{"participant":"${CALLER}","channel":0}]`, channelAffinityType: "json" }, 2),
    ];
    await red.load(flow({}, {}, bad));
    const { msg } = await answered();
    for (const [node, changes, reason] of [
      ["startBadFormat", {}, "audio and video is recorded as mp4 only"],
      ["startBadAffinity", { affinity: [{ participant: "bob", channel: 0 }] }, 'channel affinity item 1: "bob" is not a phone number (+E.164) or an id such as 8:acs:…'],
      ["startBadAffinity", { affinity: [{ participant: CALLER, channel: 9 }] }, "channel affinity item 1: channel must be a whole number from 0 to 4"],
      ["startBadAffinity", { affinity: "[not json" }, "channel affinity is not JSON"],
      ["startMixedAffinity", {}, "channel affinity applies to unmixed recordings only"],
    ] as const) {
      assert.equal(await fails(node, msg, changes), `Cannot start recording: ${reason}.`, `${node} ${JSON.stringify(changes)}`);
    }
    const sim = await red.sim();
    assert.equal([...sim.recordings.recordings.values()].filter((r) => r.call.serverCallId === msg.call?.serverCallId).length, 0, "nothing was started");
  });

  describe("when ACS does not confirm the start", () => {
    /**
     * The simulator confirms a start with RecordingStateChanged unless a fault asks otherwise: its
     * control API can make the next start end in StartRecordingFailed (as ACS does when a recording
     * cannot start), or go unconfirmed (no event at all).
     */
    async function nextStart(outcome: "failed" | "unconfirmed", extra: Record<string, unknown> = {}): Promise<void> {
      const rule = await red.control("POST", "/faults", { path: "/calling/recordings", stage: "event", outcome, ...extra });
      assert.equal(rule.status, 201);
    }

    it("StartRecordingFailed leaves from failed with the reason", async () => {
      await red.load(flow());
      await nextStart("failed", { status: 500, subCode: 9999, message: "Recording could not start." });
      const { msg } = await answered();
      const failed = await run("start", msg, {}, 1);
      const payload = failed.payload as { reason: string; recordingId: string; code: number; subCode: number; message: string };
      assert.equal(payload.reason, "failed");
      assert.ok(payload.recordingId);
      assert.deepEqual([payload.code, payload.subCode, payload.message], [500, 9999, "Recording could not start."]);
      assert.equal(failed.event?.type, "StartRecordingFailed");
      assert.equal(failed.recording, undefined, "no msg.recording for a recording that did not start");
      noErrors();
    });

    it("no confirmation within the operation timeout leaves from failed as a timeout, with the recording id", async () => {
      await red.load(flow({}, { operationTimeout: 1 }));
      await nextStart("unconfirmed");
      const { msg } = await answered();
      const failed = await run("start", msg, {}, 1);
      const payload = failed.payload as { reason: string; recordingId: string };
      assert.equal(payload.reason, "timeout");
      // The recording may well be running: the id stops it.
      await run("stop", { ...failed, recording: { recordingId: payload.recordingId } });
      assert.equal((await simRecording(payload.recordingId)).stopped, true);
    });

    it("a call that ends while the start waits sends nothing", async () => {
      await red.load(flow());
      await nextStart("unconfirmed");
      const { legId, msg } = await answered();
      const step = "ends-while-waiting";
      red.inject("start", { ...copy(msg), step });
      const sim = await red.sim();
      await waitFor(() => [...sim.recordings.recordings.values()].some((r) => r.call.serverCallId === msg.call?.serverCallId), "the recording started");
      await red.hangup(legId);
      await red.next("answer", 2, (m) => m.msg.call?.serverCallId === msg.call?.serverCallId);
      // The file of the recording the call's end stopped still arrives; the start node sent nothing.
      const recording = [...sim.recordings.recordings.values()].find((r) => r.call.serverCallId === msg.call?.serverCallId)!;
      await fileReady(recording.id);
      assert.equal(red.received.filter((m) => m.node === "start" && (m.msg as Msg).step === step).length, 0);
      noErrors();
    });
  });
});
