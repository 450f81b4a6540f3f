/**
 * The recording examples as shipped (examples/nodes/acs-recording.json and examples/Compliance
 * recording.json), run through Node-RED against the embedded simulator: what the caller hears,
 * when the recording was active and paused (the simulator's own recording state and events), and
 * the file that reaches the flow once ACS has stored it.
 */
import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordingChunk } from "../../lib/recording-file";
import { assertOwnNumber, instrumented } from "../support/examples";
import { RedHarness, type LegDetail, type ReceivedMessage } from "../support/red";
import { waitFor } from "../support/harness";

const contents = (leg: LegDetail): string[] => leg.heard.map((h) => h.content);
const eventIndex = (leg: LegDetail, match: (e: LegDetail["events"][number]) => boolean, what: string): number => {
  const i = leg.events.findIndex(match);
  assert.ok(i >= 0, `the call's events hold ${what}: ${JSON.stringify(leg.events.map((e) => e.type))}`);
  return i;
};
const recordingStates = (leg: LegDetail): unknown[] => leg.events.filter((e) => e.type === "RecordingStateChanged").map((e) => e.data.state);

describe("recording examples", function () {
  this.timeout(30000);
  const red = RedHarness.forSuite();

  /** A message that reached a debug node (the helper beside it). */
  const debugged = (node: string, match: (m: ReceivedMessage) => boolean): Promise<ReceivedMessage> =>
    waitFor(() => red.from(node).find(match), `a message at ${node}`, 8000);

  async function endedLeg(legId: string): Promise<LegDetail> {
    return red.waitForLegState(legId, "ended", 15000);
  }

  const noErrors = (errorsNode: string) => assert.deepEqual(red.from(errorsNode).map((m) => (m.msg.error as { message?: string })?.message), []);

  async function served(documentId: string): Promise<Buffer> {
    const sim = await red.sim();
    return sim.recordings.wav(sim.recordings.file(documentId));
  }

  describe("examples/nodes/acs-recording.json", () => {
    const FILE = "nodes/acs-recording.json";
    const NUMBER = "+18005550110";

    it(`its comment names ${NUMBER}, the only number it answers`, () => assertOwnNumber(FILE, NUMBER));

    it("records, pauses for the private prompt, resumes, stops; the file reaches msg.payload", async () => {
      await red.load(instrumented(FILE));
      const legId = await red.dial("+14255550123", NUMBER);
      const leg = await endedLeg(legId);
      assert.deepEqual(contents(leg), [
        "This call is recorded. You are hearing the recorded part.",
        "Recording is paused. This part is not in the recording.",
        "Recording has resumed.",
        "The recording has stopped. Goodbye.",
      ]);
      assert.deepEqual(recordingStates(leg), ["active", "inactive", "active", "inactive"]);

      // The private prompt played whole while the recording was paused.
      const privateCtx = leg.heard[1].operationContext;
      assert.ok(privateCtx);
      const paused = eventIndex(leg, (e) => e.type === "RecordingStateChanged" && e.data.state === "inactive", "the pause");
      const privateStarted = eventIndex(leg, (e) => e.type === "PlayStarted" && e.data.operationContext === privateCtx, "the private prompt's start");
      const privateDone = eventIndex(leg, (e) => e.type === "PlayCompleted" && e.data.operationContext === privateCtx, "the private prompt's end");
      const resumed = leg.events.findIndex((e, i) => i > paused && e.type === "RecordingStateChanged" && e.data.state === "active");
      assert.ok(paused < privateStarted && privateDone < resumed, "paused before the private prompt began, resumed after it ended");

      const sim = await red.sim();
      const recording = [...sim.recordings.recordings.values()].find((r) => r.call.serverCallId === leg.serverCallId);
      assert.ok(recording?.stopped, "the recording was stopped");

      const file = await debugged("rex-file", (m) => m.msg.call?.serverCallId === leg.serverCallId);
      assert.ok(Buffer.isBuffer(file.msg.payload), "the recording file is in msg.payload as a Buffer");
      const chunk = ((file.msg as { recording?: { chunks?: RecordingChunk[] } }).recording?.chunks ?? [])[0];
      assert.ok(chunk?.documentId);
      assert.ok((file.msg.payload as Buffer).equals(await served(String(chunk.documentId))), "the bytes the simulator serves");
      assert.equal((file.msg.payload as Buffer).toString("ascii", 0, 4), "RIFF");

      const log = await debugged("rex-log", (m) => m.msg.call?.serverCallId === leg.serverCallId && (m.msg.payload as { hungUp?: boolean })?.hungUp === true);
      assert.ok(log);
      noErrors("rex-errors");
    });
  });

  describe("examples/Compliance recording.json", () => {
    const FILE = "Compliance recording.json";
    const NUMBER = "+18005550111";
    const CARD = "4111111111111111";
    const saved: string[] = [];

    afterEach(async () => {
      for (const path of saved.splice(0)) await rm(path, { force: true });
    });

    it(`its comment names ${NUMBER}, the only number it answers`, () => assertOwnNumber(FILE, NUMBER));

    /** The file-saved message of the call `serverCallId`: its path is remembered for clean-up. */
    async function savedFile(serverCallId: string): Promise<{ path: string; bytes: number; msg: ReceivedMessage["msg"] }> {
      const m = await debugged("cmp-saved", (x) => x.msg.call?.serverCallId === serverCallId);
      const payload = m.msg.payload as { path: string; bytes: number };
      saved.push(payload.path);
      return { ...payload, msg: m.msg };
    }

    async function checkSaved(serverCallId: string): Promise<void> {
      const file = await savedFile(serverCallId);
      const chunk = ((file.msg as { recording?: { chunks?: RecordingChunk[] } }).recording?.chunks ?? [])[0];
      // No user directory in the test runtime: under the temporary folder, as the comment says.
      assert.equal(file.path, join(tmpdir(), "compliance-recordings", `${chunk.documentId}.wav`));
      const bytes = await readFile(file.path);
      assert.equal(bytes.length, file.bytes);
      assert.ok(bytes.equals(await served(String(chunk.documentId))), "the saved file holds the bytes the simulator serves");
      assert.equal(bytes.toString("ascii", 0, 4), "RIFF");
      assert.equal(bytes.toString("ascii", 8, 12), "WAVE");
    }

    async function recordingOf(serverCallId: string) {
      const sim = await red.sim();
      const found = [...sim.recordings.recordings.values()].find((r) => r.call.serverCallId === serverCallId);
      assert.ok(found, "the call is recorded");
      return found;
    }

    it("the recording is paused while the caller keys the card number, resumed after, and saved to a file", async () => {
      await red.load(instrumented(FILE));
      const legId = await red.dial("+14255550123", NUMBER);
      await red.waitForRecognize(legId);
      const { serverCallId } = await red.leg(legId);
      // The moment the caller can key: the simulator's recording is paused.
      assert.equal((await recordingOf(serverCallId)).state, "inactive", "paused while the card number is keyed");
      await red.press(legId, CARD);

      const leg = await endedLeg(legId);
      assert.deepEqual(contents(leg), [
        "This call is recorded for quality and compliance.",
        "Recording is paused. Please key your 16 digit card number.",
        "Thank you. Your payment is being processed. Goodbye.",
      ]);
      // active (start), inactive (pause), active (resume), inactive (the call's end stops it).
      assert.deepEqual(recordingStates(leg), ["active", "inactive", "active", "inactive"]);
      const paused = eventIndex(leg, (e) => e.type === "RecordingStateChanged" && e.data.state === "inactive", "the pause");
      const keyed = eventIndex(leg, (e) => e.type === "RecognizeCompleted", "the card number");
      const resumed = leg.events.findIndex((e, i) => i > paused && e.type === "RecordingStateChanged" && e.data.state === "active");
      assert.ok(paused < keyed && keyed < resumed, "the card number was keyed between the pause and the resume");
      const recognized = leg.events[keyed].data as { dtmfResult?: { tones?: string[] } };
      assert.equal(recognized.dtmfResult?.tones?.length, 16);
      assert.ok((await recordingOf(serverCallId)).stopped, "the recording ended with the call");

      await checkSaved(serverCallId);
      // The card number is not in the call log.
      for (const m of red.from("cmp-log")) assert.ok(!JSON.stringify(m.msg).includes(CARD), "the card number is not logged");
      noErrors("cmp-errors");
    });

    it("a caller who keys nothing: the recording resumes all the same, and is saved", async () => {
      await red.load(instrumented(FILE));
      const legId = await red.dial("+14255550123", NUMBER);
      const leg = await endedLeg(legId);
      assert.deepEqual(contents(leg), [
        "This call is recorded for quality and compliance.",
        "Recording is paused. Please key your 16 digit card number.",
        "Sorry, I did not get your card number.",
        "Recording is paused. Please key your 16 digit card number.",
        "Sorry, I did not get your card number.",
        "Recording is paused. Please key your 16 digit card number.",
        "We could not take your card number. Please call again. Goodbye.",
      ]);
      assert.deepEqual(recordingStates(leg), ["active", "inactive", "active", "inactive"]);
      await checkSaved(leg.serverCallId);
      noErrors("cmp-errors");
    });

    it("three callers at once: each call is paused for its own card number and saved to its own file", async () => {
      await red.load(instrumented(FILE));
      const callers = ["+14255550131", "+14255550132", "+14255550133"];
      const legs = await Promise.all(callers.map((from) => red.dial(from, NUMBER)));
      await Promise.all(
        legs.map(async (legId) => {
          await red.waitForRecognize(legId);
          const { serverCallId } = await red.leg(legId);
          assert.equal((await recordingOf(serverCallId)).state, "inactive");
          await red.press(legId, CARD);
        }),
      );
      const ended = await Promise.all(legs.map((legId) => endedLeg(legId)));
      for (const leg of ended) {
        assert.equal(contents(leg).at(-1), "Thank you. Your payment is being processed. Goodbye.");
        assert.deepEqual(recordingStates(leg), ["active", "inactive", "active", "inactive"]);
        await checkSaved(leg.serverCallId);
      }
      assert.equal(new Set(red.from("cmp-saved").map((m) => (m.msg.payload as { path: string }).path)).size, 3, "three files");
      noErrors("cmp-errors");
    });
  });
});
