/**
 * Every media operation of the simulator, driven through the real Call Automation SDK: what the
 * SDK returns, the callback events it receives (JWT-verified and parsed by the harness with the
 * SDK's own parser) and what the far end heard, read back through the control API.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type CallConnection,
  type CallMedia,
  type CallMediaRecognizeChoiceOptions,
  type CallMediaRecognizeDtmfOptions,
  type CallParticipant,
  DtmfTone,
  type FileSource,
  type RecognizeCompleted,
  type SsmlSource,
  type TextSource,
} from "@azure/communication-call-automation";
import { isRestError, type RestError } from "@azure/core-rest-pipeline";
import { makeWav } from "../../simulator";
import { Harness, type LegView, type ReceivedCallback, waitFor } from "../support/harness";

const CALLER = "+14255550100";
const CALLER_ID = { phoneNumber: CALLER };
const OWNED = "+18005550100";
const SPEED = 50;

const text = (t: string, extra: Partial<TextSource> = {}): TextSource => ({ kind: "textSource", text: t, ...extra });
const file = (url: string): FileSource => ({ kind: "fileSource", url });
const ssml = (s: string): SsmlSource => ({ kind: "ssmlSource", ssmlText: s });
/** A text prompt long enough (≈ 21 simulated seconds, 420 ms real) to act while it plays. */
const LONG = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");

type Result = { code: number; subCode: number; message?: string };
const resultOf = (cb: ReceivedCallback): Result | undefined => (cb.event as { resultInformation?: Result }).resultInformation;
const contextOf = (cb: ReceivedCallback): string | undefined => (cb.event as { operationContext?: string }).operationContext;
const recognized = (cb: ReceivedCallback): RecognizeCompleted => {
  assert.equal(cb.event.kind, "RecognizeCompleted");
  return cb.event as RecognizeCompleted;
};

function assertResult(cb: ReceivedCallback, code: number, subCode: number): void {
  const r = resultOf(cb);
  assert.ok(r, `${cb.type} has no resultInformation`);
  assert.deepEqual({ code: r.code, subCode: r.subCode }, { code, subCode }, `${cb.type} result`);
}

/** Expect the promise to fail with the SDK's RestError carrying this status (and code). */
async function assertRestError(promise: Promise<unknown>, statusCode: number, code?: string): Promise<RestError> {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  assert.ok(error, `expected a RestError ${statusCode}${code ? `/${code}` : ""}, but the call succeeded`);
  assert.ok(isRestError(error), `expected a RestError, got ${String(error)}`);
  assert.equal(error.statusCode, statusCode, error.message);
  if (code !== undefined) assert.equal(error.code, code, error.message);
  return error;
}

describe("simulator media operations through the real SDK", function () {
  this.timeout(10000);
  let h: Harness;
  const open: CallConnection[] = [];

  before(async () => {
    h = await Harness.start({ speed: SPEED, fileDurationMs: 2000 });
  });
  after(async () => {
    await h.stop();
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.hangUp(true).catch(() => undefined);
  });

  /** An answered inbound call, with its call media. */
  async function answered(answerOptions: Record<string, unknown> = {}, from = CALLER) {
    const r = await h.dialInAndAnswer(from, OWNED, answerOptions);
    open.push(r.connection);
    return { ...r, media: r.connection.getCallMedia() };
  }

  /** The first callback of this type (and operation context) for the connection. */
  function event(id: string, type: string, ctx?: string): Promise<ReceivedCallback> {
    return waitFor(
      () => h.eventsOf(id).find((c) => c.type === type && (ctx === undefined || contextOf(c) === ctx)),
      `${type}${ctx ? ` (${ctx})` : ""}`,
    );
  }

  /** Media callbacks of a connection as "Type:context", in arrival order. */
  function mediaTrail(id: string): string[] {
    return h
      .eventsOf(id)
      .filter((c) => /^(Play|Recognize|ContinuousDtmf|SendDtmf)/.test(c.type))
      .map((c) => `${c.type}:${contextOf(c) ?? ""}`);
  }

  /** Wait until the running media operation of the leg's call is in this phase. */
  async function phase(legId: string, wanted: string): Promise<LegView> {
    let view!: LegView;
    await h.waitFor(async () => {
      view = await h.leg(legId);
      return view.media[0]?.operations[0]?.phase === wanted;
    }, `media phase ${wanted}`);
    return view;
  }

  /** Every media callback sent so far has been delivered: play a short prompt and wait for its end (delivery is ordered). */
  async function flush(id: string, media: CallMedia): Promise<void> {
    const ctx = `flush-${Math.random()}`;
    await media.playToAll([file("https://media.example/flush.wav")], { operationContext: ctx });
    await event(id, "PlayCompleted", ctx);
  }

  const press = (legId: string, tones: string) =>
    h.control<{ tones: string[]; outcomes: string[] }>("POST", `/calls/${legId}/dtmf`, { tones });
  const say = (legId: string, words: string) => h.control<{ text: string; outcome: string }>("POST", `/calls/${legId}/speech`, { text: words });

  const dtmf = (o: Partial<CallMediaRecognizeDtmfOptions>): CallMediaRecognizeDtmfOptions => ({ kind: "callMediaRecognizeDtmfOptions", ...o });
  const menu = (o: Partial<CallMediaRecognizeChoiceOptions> = {}): CallMediaRecognizeChoiceOptions => ({
    kind: "callMediaRecognizeChoiceOptions",
    choices: [
      { label: "Sales", phrases: ["sales", "buy something"], tone: DtmfTone.One },
      { label: "Support", phrases: ["support", "help"], tone: DtmfTone.Two },
    ],
    ...o,
  });

  // ------------------------------------------------------------------ play

  describe("play", () => {
    it("plays a file to everyone: PlayStarted, then PlayCompleted 200/0, and the caller hears the URL", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      const url = "https://media.example/welcome.wav";
      assert.equal(await media.playToAll([file(url)], { operationContext: "welcome" }), undefined);
      const started = await event(id, "PlayStarted", "welcome");
      const completed = await event(id, "PlayCompleted", "welcome");
      assertResult(started, 200, 0);
      assertResult(completed, 200, 0);
      assert.equal(completed.event.callConnectionId, id);
      assert.deepEqual(mediaTrail(id), ["PlayStarted:welcome", "PlayCompleted:welcome"]);
      const heard = (await h.leg(legId)).heard;
      assert.equal(heard.length, 1);
      assert.deepEqual({ kind: heard[0].kind, content: heard[0].content, via: heard[0].via }, { kind: "file", content: url, via: "play" });
    });

    it("speaks text with the requested voice and locale, and SSML as given", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.playToAll([text("Hello there.", { voiceName: "en-US-JennyNeural", sourceLocale: "en-US" })], { operationContext: "tts" });
      await event(id, "PlayCompleted", "tts");
      const doc = '<speak version="1.0" xml:lang="en-US"><voice name="en-US-AvaNeural">Goodbye.</voice></speak>';
      await media.playToAll([ssml(doc)], { operationContext: "ssml" });
      assertResult(await event(id, "PlayCompleted", "ssml"), 200, 0);
      const heard = (await h.leg(legId)).heard;
      assert.deepEqual(
        heard.map((p) => ({ kind: p.kind, content: p.content, voiceName: p.voiceName, locale: p.locale, via: p.via })),
        [
          { kind: "text", content: "Hello there.", voiceName: "en-US-JennyNeural", locale: "en-US", via: "play" },
          { kind: "ssml", content: doc, voiceName: undefined, locale: undefined, via: "play" },
        ],
      );
    });

    it("plays several sources of one request in order, with one PlayCompleted", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.playToAll([text("First."), file("https://media.example/second.wav"), text("Third.")], { operationContext: "multi" });
      await event(id, "PlayCompleted", "multi");
      assert.deepEqual((await h.leg(legId)).heard.map((p) => p.content), ["First.", "https://media.example/second.wav", "Third."]);
      assert.deepEqual(mediaTrail(id), ["PlayStarted:multi", "PlayCompleted:multi"]);
    });

    it("plays to one participant or to all of them in a call with two far-end parties", async () => {
      const { legId, callConnectionId: id, connection, media } = await answered();
      const second = "+14255550111";
      await connection.addParticipant({ targetParticipant: { phoneNumber: second }, sourceCallIdNumber: { phoneNumber: OWNED } }, { operationContext: "add" });
      const ringing = await waitForAsync(async () => {
        const legs = (await h.control<Array<{ id: string; state: string; to: string; callConnectionIds: string[] }>>("GET", "/calls?state=ringing")).body;
        return legs.find((l) => l.to === `4:${second}` && l.callConnectionIds.includes(id));
      }, "the added participant ringing");
      assert.equal((await h.control("POST", `/calls/${ringing.id}/answer`)).status, 200);
      await event(id, "AddParticipantSucceeded", "add");

      await media.play([text("Only for you.")], [{ phoneNumber: second }], { operationContext: "one" });
      assertResult(await event(id, "PlayCompleted", "one"), 200, 0);
      await media.playToAll([text("For everyone.")], { operationContext: "all" });
      await event(id, "PlayCompleted", "all");

      assert.deepEqual((await h.leg(legId)).heard.map((p) => p.content), ["For everyone."]);
      assert.deepEqual((await h.leg(ringing.id)).heard.map((p) => p.content), ["Only for you.", "For everyone."]);

      // A recognize prompts and listens to its target only.
      await media.startRecognizing({ phoneNumber: second }, dtmf({ maxTonesToCollect: 1, playPrompt: text("Your code?"), operationContext: "second-only" }));
      await phase(legId, "listening");
      assert.deepEqual((await press(legId, "1")).body.outcomes, ["ignored"], "the other party's keys are not collected");
      assert.deepEqual((await press(ringing.id, "2")).body.outcomes, ["recognized"]);
      assert.deepEqual(recognized(await event(id, "RecognizeCompleted", "second-only")).dtmfResult?.tones, ["two"]);
      assert.deepEqual((await h.leg(legId)).heard.map((p) => p.content), ["For everyone."]);
      assert.deepEqual((await h.leg(ringing.id)).heard.map((p) => p.content), ["Only for you.", "For everyone.", "Your code?"]);
    });

    it("sends the events of an operation to its operationCallbackUrl, query string kept", async () => {
      const { callConnectionId: id, media } = await answered();
      await media.playToAll([text("Elsewhere.")], { operationContext: "routed", operationCallbackUrl: h.callbackUrl("op") });
      const started = await event(id, "PlayStarted", "routed");
      const completed = await event(id, "PlayCompleted", "routed");
      assert.equal(started.url, "/callbacks/op?token=secret-op");
      assert.equal(completed.url, "/callbacks/op?token=secret-op");
      assert.equal((await event(id, "CallConnected")).url, "/callbacks/main?token=secret-main");
    });

    it("loops until cancelAllOperations, which ends it with PlayCanceled 400/8508", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      const url = "https://media.example/hold-music.wav";
      await media.playToAll([file(url)], { loop: true, operationContext: "loop" });
      await h.waitFor(async () => (await h.leg(legId)).heard.filter((p) => p.content === url).length >= 3, "three rounds of the loop");
      await media.cancelAllOperations();
      assertResult(await event(id, "PlayCanceled", "loop"), 400, 8508);
      const rounds = (await h.leg(legId)).heard.filter((p) => p.content === url).length;
      await flush(id, media);
      assert.equal((await h.leg(legId)).heard.filter((p) => p.content === url).length, rounds, "the loop stopped");
      assert.equal(mediaTrail(id).filter((t) => t === "PlayCompleted:loop").length, 0, "a canceled loop never completes");
      assert.equal(mediaTrail(id).filter((t) => t === "PlayStarted:loop").length, 1, "one PlayStarted for the whole loop");
    });

    it("queues a second play behind the first: PlayCompleted of the first comes before the second is heard", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.playToAll([text(LONG)], { operationContext: "first" });
      await media.playToAll([text("Second prompt.")], { operationContext: "second" });
      const queued = await h.leg(legId);
      assert.deepEqual(
        queued.media[0].operations.map((o) => `${o.kind}:${o.phase}:${o.operationContext}`),
        ["play:running:first", "play:queued:second"],
      );
      assert.deepEqual(queued.heard.map((p) => p.content), [LONG]);
      // The first snapshot in which the second prompt is heard already holds the first's PlayCompleted.
      let view!: LegView;
      await h.waitFor(async () => {
        view = await h.leg(legId);
        return view.heard.some((p) => p.content === "Second prompt.");
      }, "the second prompt");
      const types = view.events.map((e) => `${e.type}:${String(e.data.operationContext ?? "")}`);
      assert.ok(types.indexOf("PlayCompleted:first") >= 0, "PlayCompleted of the first play before the second is heard");
      assert.ok(types.indexOf("PlayCompleted:first") < types.indexOf("PlayStarted:second"));
      await event(id, "PlayCompleted", "second");
      assert.deepEqual(mediaTrail(id), ["PlayStarted:first", "PlayCompleted:first", "PlayStarted:second", "PlayCompleted:second"]);
      assert.deepEqual(view.heard.map((p) => p.content), [LONG, "Second prompt."]);
    });

    it("interruptCallMediaOperation cancels what runs and what is queued, then plays", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.playToAll([text(LONG)], { operationContext: "running" });
      await media.playToAll([text("Never heard.")], { operationContext: "queued" });
      await event(id, "PlayStarted", "running");
      await media.playToAll([text("Urgent news.")], { operationContext: "urgent", interruptCallMediaOperation: true });
      assertResult(await event(id, "PlayCanceled", "running"), 400, 8508);
      assertResult(await event(id, "PlayCanceled", "queued"), 400, 8508);
      assertResult(await event(id, "PlayCompleted", "urgent"), 200, 0);
      assert.deepEqual(mediaTrail(id), [
        "PlayStarted:running",
        "PlayCanceled:running",
        "PlayCanceled:queued",
        "PlayStarted:urgent",
        "PlayCompleted:urgent",
      ]);
      assert.deepEqual((await h.leg(legId)).heard.map((p) => p.content), [LONG, "Urgent news."]);
    });
  });

  // ------------------------------------------------------------------ Cognitive Services

  describe("without callIntelligenceOptions", () => {
    it("refuses text-to-speech and speech recognition with 400/8567, but plays files and collects DTMF", async () => {
      const { legId, callConnectionId: id, media } = await answered({ callIntelligenceOptions: undefined });
      await assertRestError(media.playToAll([text("Hello.")]), 400, "8567");
      await assertRestError(media.play([ssml("<speak>Hi</speak>")], [CALLER_ID]), 400, "8567");
      await assertRestError(media.startRecognizing(CALLER_ID, dtmf({ playPrompt: text("Press one.") })), 400, "8567");
      await assertRestError(media.startRecognizing(CALLER_ID, { kind: "callMediaRecognizeSpeechOptions" }), 400, "8567");
      await assertRestError(media.startRecognizing(CALLER_ID, menu()), 400, "8567");
      await assertRestError(media.startRecognizing(CALLER_ID, { kind: "callMediaRecognizeSpeechOrDtmfOptions", maxTonesToCollect: 1 }), 400, "8567");
      await assertRestError(media.hold(CALLER_ID, { playSource: text("Please hold.") }), 400, "8567");
      assert.deepEqual((await h.leg(legId)).heard, [], "nothing refused was played");

      await media.playToAll([file("https://media.example/a.wav")], { operationContext: "file" });
      assertResult(await event(id, "PlayCompleted", "file"), 200, 0);
      await media.startRecognizing(CALLER_ID, dtmf({ playPrompt: file("https://media.example/menu.wav"), maxTonesToCollect: 1, operationContext: "keys" }));
      await phase(legId, "listening");
      await press(legId, "7");
      assert.deepEqual(recognized(await event(id, "RecognizeCompleted", "keys")).dtmfResult?.tones, ["seven"]);
    });
  });

  // ------------------------------------------------------------------ recognize

  describe("recognize", () => {
    it("DTMF: collects maxTonesToCollect tones in order (200/8531)", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, dtmf({ maxTonesToCollect: 3, interToneTimeoutInSeconds: 30, operationContext: "pin" }));
      assert.deepEqual((await press(legId, "94")).body.outcomes, ["recognized", "recognized"]);
      await press(legId, "*");
      const done = recognized(await event(id, "RecognizeCompleted", "pin"));
      assert.equal(done.recognitionType, "dtmf");
      assert.deepEqual(done.dtmfResult?.tones, ["nine", "four", "asterisk"]);
      assert.equal(done.resultInformation?.code, 200);
      assert.equal(done.resultInformation?.subCode, 8531);
      assert.equal((await press(legId, "1")).body.outcomes[0], "ignored", "keys after the end are not collected");
    });

    it("DTMF: a stop tone ends it (200/8514) and is not among the tones", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, dtmf({ maxTonesToCollect: 8, stopDtmfTones: [DtmfTone.Pound], interToneTimeoutInSeconds: 30, operationContext: "acct" }));
      await press(legId, "12#");
      const done = await event(id, "RecognizeCompleted", "acct");
      assertResult(done, 200, 8514);
      assert.deepEqual(recognized(done).dtmfResult?.tones, ["one", "two"]);
    });

    it("DTMF: the inter-tone timeout ends it with 400/8532 and the tones so far", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, dtmf({ maxTonesToCollect: 5, interToneTimeoutInSeconds: 2, operationContext: "slow" }));
      await press(legId, "35");
      const done = await event(id, "RecognizeCompleted", "slow");
      assertResult(done, 400, 8532);
      assert.deepEqual(recognized(done).dtmfResult?.tones, ["three", "five"]);
    });

    it("DTMF: initial silence ends it with RecognizeFailed 400/8510", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      const beep = "https://media.example/beep.wav";
      await media.startRecognizing(
        CALLER_ID,
        dtmf({ maxTonesToCollect: 1, initialSilenceTimeoutInSeconds: 2, playPrompts: [text("Press a key."), file(beep)], operationContext: "silent" }),
      );
      const failed = await event(id, "RecognizeFailed", "silent");
      assertResult(failed, 400, 8510);
      assert.deepEqual(mediaTrail(id), ["RecognizeFailed:silent"]);
      const heard = (await h.leg(legId)).heard;
      assert.deepEqual(heard.map((p) => [p.content, p.via]), [["Press a key.", "recognize"], [beep, "recognize"]]);
    });

    it("choices: a tone picks its choice (200/8533)", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, menu({ operationContext: "menu" }));
      await press(legId, "2");
      const done = await event(id, "RecognizeCompleted", "menu");
      assertResult(done, 200, 8533);
      assert.equal(recognized(done).recognitionType, "choices");
      assert.equal(recognized(done).choiceResult?.label, "Support");
    });

    it("choices: a phrase picks its choice (200/8545) with the recognized phrase", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, menu({ operationContext: "menu" }));
      assert.equal((await say(legId, "Buy something")).body.outcome, "recognized");
      const done = await event(id, "RecognizeCompleted", "menu");
      assertResult(done, 200, 8545);
      assert.equal(recognized(done).choiceResult?.label, "Sales");
      assert.equal(recognized(done).choiceResult?.recognizedPhrase?.toLowerCase(), "buy something");
    });

    it("choices: a phrase said within a longer utterance picks its choice, and recognizedPhrase is that phrase", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, menu({ operationContext: "menu" }));
      assert.equal((await say(legId, "Well, I'd like to buy something, please!")).body.outcome, "recognized");
      const done = await event(id, "RecognizeCompleted", "menu");
      assertResult(done, 200, 8545);
      assert.equal(recognized(done).choiceResult?.label, "Sales");
      assert.equal(recognized(done).choiceResult?.recognizedPhrase?.toLowerCase(), "buy something");
    });

    it("choices: a tone of no choice fails with 500/8534", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, menu({ operationContext: "menu" }));
      await press(legId, "9");
      assertResult(await event(id, "RecognizeFailed", "menu"), 500, 8534);
      assert.equal(h.eventsOf(id).filter((c) => c.type === "RecognizeCompleted").length, 0);
    });

    it("choices: a phrase of no choice fails with 400/8547", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, menu({ operationContext: "menu" }));
      await say(legId, "what is the weather like");
      assertResult(await event(id, "RecognizeFailed", "menu"), 400, 8547);
    });

    it("speech: returns what was said (200/8569); keys are ignored", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, { kind: "callMediaRecognizeSpeechOptions", operationContext: "free" });
      assert.equal((await press(legId, "1")).body.outcomes[0], "ignored");
      await say(legId, "I would like to change my address");
      const done = await event(id, "RecognizeCompleted", "free");
      assertResult(done, 200, 8569);
      assert.equal(recognized(done).recognitionType, "speech");
      assert.equal(recognized(done).speechResult?.speech, "I would like to change my address");
    });

    it("speechOrDtmf: recognizes speech", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, { kind: "callMediaRecognizeSpeechOrDtmfOptions", maxTonesToCollect: 2, operationContext: "either" });
      await say(legId, "agent");
      const done = recognized(await event(id, "RecognizeCompleted", "either"));
      assert.equal(done.recognitionType, "speech");
      assert.equal(done.speechResult?.speech, "agent");
      assert.equal(done.resultInformation?.subCode, 8569);
    });

    it("speechOrDtmf: recognizes keys", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, {
        kind: "callMediaRecognizeSpeechOrDtmfOptions",
        maxTonesToCollect: 2,
        interToneTimeoutInSeconds: 30,
        operationContext: "either",
      });
      await press(legId, "42");
      const done = await event(id, "RecognizeCompleted", "either");
      assertResult(done, 200, 8531);
      assert.equal(recognized(done).recognitionType, "dtmf");
      assert.deepEqual(recognized(done).dtmfResult?.tones, ["four", "two"]);
    });

    it("barge-in: with interruptPrompt a key pressed during the prompt is recognized", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, dtmf({ maxTonesToCollect: 1, interruptPrompt: true, playPrompt: text(LONG), operationContext: "barge" }));
      const during = await phase(legId, "prompt");
      assert.deepEqual(during.heard.map((p) => p.via), ["recognize"]);
      assert.deepEqual((await press(legId, "5")).body.outcomes, ["recognized"]);
      const done = await event(id, "RecognizeCompleted", "barge");
      assert.deepEqual(recognized(done).dtmfResult?.tones, ["five"]);
      assertResult(done, 200, 8531);
    });

    it("barge-in: without interruptPrompt a key pressed during the prompt is ignored", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, dtmf({ maxTonesToCollect: 1, interruptPrompt: false, playPrompt: text(LONG), operationContext: "nobarge" }));
      await phase(legId, "prompt");
      assert.deepEqual((await press(legId, "5")).body.outcomes, ["ignored"]);
      assert.equal((await say(legId, "hello")).body.outcome, "ignored", "speech does not barge in either");
      await phase(legId, "listening");
      assert.deepEqual((await press(legId, "6")).body.outcomes, ["recognized"]);
      assert.deepEqual(recognized(await event(id, "RecognizeCompleted", "nobarge")).dtmfResult?.tones, ["six"]);
    });

    it("barge-in: speech during the prompt is recognized with interruptPrompt", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, { kind: "callMediaRecognizeSpeechOptions", interruptPrompt: true, playPrompt: text(LONG), operationContext: "talk" });
      await phase(legId, "prompt");
      assert.equal((await say(legId, "operator")).body.outcome, "recognized");
      assert.equal(recognized(await event(id, "RecognizeCompleted", "talk")).speechResult?.speech, "operator");
    });

    it("a second recognize while one runs is refused with 400/8500; with interruptCallMediaOperation it replaces the first", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, dtmf({ maxTonesToCollect: 1, initialSilenceTimeoutInSeconds: 60, operationContext: "first" }));
      await assertRestError(media.startRecognizing(CALLER_ID, dtmf({ maxTonesToCollect: 1, operationContext: "refused" })), 400, "8500");
      await media.startRecognizing(CALLER_ID, dtmf({ maxTonesToCollect: 1, interruptCallMediaOperation: true, operationContext: "second" }));
      assertResult(await event(id, "RecognizeCanceled", "first"), 400, 8508);
      await press(legId, "3");
      assert.deepEqual(recognized(await event(id, "RecognizeCompleted", "second")).dtmfResult?.tones, ["three"]);
      assert.deepEqual(mediaTrail(id), ["RecognizeCanceled:first", "RecognizeCompleted:second"]);
    });

    it("refuses a recognize for a participant who is not in the call with 404", async () => {
      const { media } = await answered();
      await assertRestError(media.startRecognizing({ phoneNumber: "+14255550199" }, dtmf({ maxTonesToCollect: 1 })), 404, "8522");
    });
  });

  // ------------------------------------------------------------------ continuous DTMF

  describe("continuous DTMF recognition", () => {
    it("reports each tone in order with increasing sequenceId until stopped; tones after stop produce nothing", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startContinuousDtmfRecognition(CALLER_ID, { operationContext: "cdtmf" });
      assert.deepEqual((await press(legId, "1")).body.outcomes, ["recognized"]);
      await press(legId, "2#");
      await press(legId, "*");
      const received = await waitFor(() => {
        const tones = h.eventsOf(id).filter((c) => c.type === "ContinuousDtmfRecognitionToneReceived");
        return tones.length >= 4 && tones;
      }, "four ContinuousDtmfRecognitionToneReceived");
      const parsed = received.map((c) => c.event as { tone: string; sequenceId: number });
      assert.deepEqual(parsed.map((e) => e.tone), ["one", "two", "pound", "asterisk"]);
      const ids = parsed.map((e) => e.sequenceId);
      for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1], `sequenceId increases: ${ids.join(",")}`);
      assertResult(received[0], 200, 0);

      await media.stopContinuousDtmfRecognition(CALLER_ID, { operationContext: "cdtmf-stop" });
      assertResult(await event(id, "ContinuousDtmfRecognitionStopped", "cdtmf-stop"), 200, 0);
      assert.deepEqual((await press(legId, "9")).body.outcomes, ["ignored"]);
      await flush(id, media);
      assert.equal(h.eventsOf(id).filter((c) => c.type === "ContinuousDtmfRecognitionToneReceived").length, 4);
      // Stopping again when nothing runs succeeds without a second Stopped event.
      await media.stopContinuousDtmfRecognition(CALLER_ID);
      await flush(id, media);
      assert.equal(h.eventsOf(id).filter((c) => c.type === "ContinuousDtmfRecognitionStopped").length, 1);
    });

    it("delivery faults: a tone's callback can arrive late (after the next one) or twice; the events themselves are unchanged", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startContinuousDtmfRecognition(CALLER_ID);
      for (const delivery of ["late", "twice"]) {
        assert.equal((await h.control("POST", "/faults", { stage: "delivery", eventType: "Microsoft.Communication.ContinuousDtmfRecognitionToneReceived", delivery })).status, 201);
      }
      await press(legId, "123");
      const received = await waitFor(() => {
        const tones = h.eventsOf(id).filter((c) => c.type === "ContinuousDtmfRecognitionToneReceived");
        return tones.length >= 4 && tones;
      }, "four deliveries of three tones");
      const seen = received.map((c) => (c.event as { tone: string; sequenceId: number }).sequenceId);
      assert.deepEqual(seen, [2, 2, 3, 1], "tone 2 twice, then 3, then the late tone 1");
      assert.equal(received[0].raw.id, received[1].raw.id, "a second delivery of the same CloudEvent");
      assert.deepEqual((await h.control<unknown[]>("GET", "/faults")).body, [], "each fault applied once");
    });

    it("an unreadable key is ContinuousDtmfRecognitionToneFailed (500/8534), and takes no sequence number", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      const ignored = await h.control<{ outcomes: string[] }>("POST", `/calls/${legId}/dtmf`, { tones: "5", unreadable: true });
      assert.deepEqual(ignored.body.outcomes, ["ignored"], "nobody listens yet");
      await media.startContinuousDtmfRecognition(CALLER_ID);
      const failed = await h.control<{ outcomes: string[] }>("POST", `/calls/${legId}/dtmf`, { tones: "5", unreadable: true });
      assert.deepEqual(failed.body.outcomes, ["failed"]);
      assertResult(await event(id, "ContinuousDtmfRecognitionToneFailed"), 500, 8534);
      await press(legId, "6");
      const tone = await event(id, "ContinuousDtmfRecognitionToneReceived");
      assert.deepEqual([(tone.event as { tone: string }).tone, (tone.event as { sequenceId: number }).sequenceId], ["six", 1]);
      assert.equal((await h.control("POST", `/calls/${legId}/dtmf`, { tones: "5", unreadable: "yes" })).status, 400);
    });

    it("runs alongside a recognize: one key reaches both", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startContinuousDtmfRecognition(CALLER_ID);
      await media.startRecognizing(CALLER_ID, dtmf({ maxTonesToCollect: 1, operationContext: "both" }));
      await press(legId, "8");
      assert.deepEqual(recognized(await event(id, "RecognizeCompleted", "both")).dtmfResult?.tones, ["eight"]);
      assert.equal((await event(id, "ContinuousDtmfRecognitionToneReceived")).event.kind, "ContinuousDtmfRecognitionToneReceived");
    });
  });

  // ------------------------------------------------------------------ send DTMF

  describe("sendDtmfTones", () => {
    it("sends tones to a phone participant: result, SendDtmfTonesCompleted, and the far end receives them", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      const res = await media.sendDtmfTones(["one", "two", "pound"], CALLER_ID, { operationContext: "send" });
      assert.equal(res.operationContext, "send");
      assertResult(await event(id, "SendDtmfTonesCompleted", "send"), 200, 0);
      assert.deepEqual((await h.leg(legId)).tonesReceived, ["one", "two", "pound"]);
    });

    it("refuses tones to a participant who is not a phone number with 400", async () => {
      const user = "8:acs:media-spec-user";
      const { legId, media } = await answered({}, user);
      await assertRestError(media.sendDtmfTones(["one"], { communicationUserId: user }), 400);
      assert.deepEqual((await h.leg(legId)).tonesReceived, []);
    });
  });

  // ------------------------------------------------------------------ hold

  describe("hold and unhold", () => {
    it("holds with music (heard via hold), reports isOnHold in ParticipantsUpdated and the participant list, and unholds", async () => {
      const { legId, callConnectionId: id, connection, media } = await answered();
      const moh = "https://media.example/music-on-hold.wav";
      const onHold = (c: ReceivedCallback, held: boolean) =>
        c.type === "ParticipantsUpdated" &&
        (c.event as { participants: CallParticipant[] }).participants.some((p) => p.isOnHold === held && (p.identifier as { phoneNumber?: string }).phoneNumber === CALLER);
      await event(id, "ParticipantsUpdated");
      const before = h.eventsOf(id).filter((c) => c.type === "ParticipantsUpdated").length;

      await media.hold(CALLER_ID, { playSource: file(moh), operationContext: "hold" });
      const held = await waitFor(() => h.eventsOf(id).find((c) => onHold(c, true)), "ParticipantsUpdated with isOnHold true");
      const view = await h.leg(legId);
      assert.equal(view.isOnHold, true);
      assert.deepEqual(view.heard.map((p) => [p.kind, p.content, p.via]), [["file", moh, "hold"]]);
      const listed = await connection.listParticipants();
      assert.equal(listed.values?.find((p) => (p.identifier as { phoneNumber?: string }).phoneNumber === CALLER)?.isOnHold, true);
      assert.equal((await connection.getParticipant(CALLER_ID)).isOnHold, true);

      await media.unhold(CALLER_ID, { operationContext: "unhold" });
      const released = await waitFor(() => h.eventsOf(id).slice(h.eventsOf(id).indexOf(held) + 1).find((c) => onHold(c, false)), "ParticipantsUpdated with isOnHold false");
      const seq = (c: ReceivedCallback) => (c.event as { sequenceNumber: number }).sequenceNumber;
      assert.ok(seq(released) > seq(held), "sequenceNumber increases");
      assert.equal(h.eventsOf(id).filter((c) => c.type === "ParticipantsUpdated").length, before + 2);
      assert.equal((await h.leg(legId)).isOnHold, false);
      assert.equal((await connection.getParticipant(CALLER_ID)).isOnHold, false);
    });

    it("refuses to hold a participant who is not in the call with 404", async () => {
      const { media } = await answered();
      await assertRestError(media.hold({ phoneNumber: "+14255550199" }), 404, "8522");
    });
  });

  // ------------------------------------------------------------------ cancel

  describe("cancelAllOperations", () => {
    it("cancels a running recognize and the queued plays, each with its Canceled event 400/8508", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await media.startRecognizing(CALLER_ID, dtmf({ maxTonesToCollect: 1, playPrompt: text(LONG), operationContext: "rec" }));
      await media.playToAll([text("Queued one.")], { operationContext: "p1" });
      await media.playToAll([file("https://media.example/queued-two.wav")], { operationContext: "p2" });
      const busy = await phase(legId, "prompt");
      assert.deepEqual(busy.media[0].operations.map((o) => `${o.kind}:${o.operationContext}`), ["recognize:rec", "play:p1", "play:p2"]);

      await media.cancelAllOperations();
      assertResult(await event(id, "RecognizeCanceled", "rec"), 400, 8508);
      assertResult(await event(id, "PlayCanceled", "p1"), 400, 8508);
      assertResult(await event(id, "PlayCanceled", "p2"), 400, 8508);
      assert.deepEqual((await h.leg(legId)).media[0].operations, []);
      assert.deepEqual((await press(legId, "1")).body.outcomes, ["ignored"], "the canceled recognize no longer listens");
      await flush(id, media);
      assert.deepEqual(mediaTrail(id).filter((t) => !t.includes("flush")), ["RecognizeCanceled:rec", "PlayCanceled:p1", "PlayCanceled:p2"]);
      assert.deepEqual((await h.leg(legId)).heard.map((p) => p.content), [LONG, "https://media.example/flush.wav"]);
    });

    it("does nothing when nothing runs", async () => {
      const { callConnectionId: id, media } = await answered();
      await media.cancelAllOperations();
      await flush(id, media);
      assert.deepEqual(mediaTrail(id).filter((t) => !t.includes("flush")), []);
    });
  });

  // ------------------------------------------------------------------ refusals

  describe("refusals", () => {
    const everyOperation = (media: CallMedia): Array<[string, () => Promise<unknown>]> => [
      ["playToAll", () => media.playToAll([file("https://media.example/a.wav")])],
      ["play", () => media.play([file("https://media.example/a.wav")], [CALLER_ID])],
      ["startRecognizing", () => media.startRecognizing(CALLER_ID, dtmf({ maxTonesToCollect: 1 }))],
      ["cancelAllOperations", () => media.cancelAllOperations()],
      ["startContinuousDtmfRecognition", () => media.startContinuousDtmfRecognition(CALLER_ID)],
      ["stopContinuousDtmfRecognition", () => media.stopContinuousDtmfRecognition(CALLER_ID)],
      ["sendDtmfTones", () => media.sendDtmfTones(["one"], CALLER_ID)],
      ["hold", () => media.hold(CALLER_ID)],
      ["unhold", () => media.unhold(CALLER_ID)],
    ];

    it("refuses every media operation on a call the caller hung up with 400/8528", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await h.control("POST", `/calls/${legId}/hangup`);
      await event(id, "CallDisconnected");
      for (const [name, run] of everyOperation(media)) {
        const err = await assertRestError(run(), 400, "8528").catch((e: Error) => {
          throw new Error(`${name}: ${e.message}`);
        });
        assert.ok(err.message.length > 0);
      }
    });

    it("refuses media operations after the application hung up with 400/8528", async () => {
      const { callConnectionId: id, connection, media } = await answered();
      await connection.hangUp(true);
      await event(id, "CallDisconnected");
      await assertRestError(media.playToAll([text("Too late.")]), 400, "8528");
      await assertRestError(media.startRecognizing(CALLER_ID, dtmf({ maxTonesToCollect: 1 })), 400, "8528");
    });

    it("refuses every media operation on an unknown call id with 404/8522", async () => {
      const media = h.client.getCallConnection("00000000-0000-0000-0000-000000000000").getCallMedia();
      for (const [name, run] of everyOperation(media)) {
        await assertRestError(run(), 404, "8522").catch((e: Error) => {
          throw new Error(`${name}: ${e.message}`);
        });
      }
    });

    it("refuses to play to a participant who is not in the call with 404, and plays nothing", async () => {
      const { legId, callConnectionId: id, media } = await answered();
      await assertRestError(media.play([text("Who are you?")], [{ phoneNumber: "+14255550199" }]), 404, "8522");
      await assertRestError(media.sendDtmfTones(["one"], { phoneNumber: "+14255550199" }), 404, "8522");
      await flush(id, media);
      assert.deepEqual((await h.leg(legId)).heard.map((p) => p.content), ["https://media.example/flush.wav"]);
    });
  });
});

// -------------------------------------------------------------------- media URL validation

describe("simulator media URL validation (validateMediaUrls) through the real SDK", function () {
  this.timeout(10000);
  let h: Harness;
  let files: Server;
  let base: string;
  const open: CallConnection[] = [];

  before(async () => {
    h = await Harness.start({ speed: SPEED, fileDurationMs: 2000, validateMediaUrls: true });
    files = createServer((req, res) => {
      if (req.url === "/tone.wav") res.writeHead(200, { "content-type": "audio/wav" }).end(makeWav(1));
      else if (req.url === "/page.wav") res.writeHead(200, { "content-type": "text/html" }).end("<html><body>not audio</body></html>");
      else res.writeHead(404).end("not found");
    });
    await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  after(async () => {
    await h.stop();
    await new Promise((r) => {
      files.close(r);
      files.closeAllConnections();
    });
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.hangUp(true).catch(() => undefined);
  });

  async function playAndWait(sources: FileSource[], ctx: string) {
    const r = await h.dialInAndAnswer(CALLER, OWNED);
    open.push(r.connection);
    await r.connection.getCallMedia().playToAll(sources, { operationContext: ctx });
    const end = await waitFor(
      () => h.eventsOf(r.callConnectionId).find((c) => (c.type === "PlayCompleted" || c.type === "PlayFailed") && contextOf(c) === ctx),
      `the end of play ${ctx}`,
    );
    return { ...r, end, types: h.eventsOf(r.callConnectionId).filter((c) => c.type.startsWith("Play")).map((c) => c.type) };
  }

  it("fails a play whose file is not found with PlayFailed 400/8536 and plays nothing", async () => {
    const { legId, end, types } = await playAndWait([file(`${base}/missing.wav`)], "missing");
    assert.equal(end.type, "PlayFailed");
    assertResult(end, 400, 8536);
    assert.equal((end.event as { failedPlaySourceIndex?: number }).failedPlaySourceIndex, 0);
    assert.deepEqual(types, ["PlayFailed"]);
    assert.deepEqual((await h.leg(legId)).heard, []);
  });

  it("fails a play whose file server cannot be reached with PlayFailed 400/8536", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/hello.wav`;
    await new Promise((r) => closed.close(r));
    const { end } = await playAndWait([file(url)], "unreachable");
    assert.equal(end.type, "PlayFailed");
    assertResult(end, 400, 8536);
  });

  it("fails a play whose file is not audio with PlayFailed 400/8535", async () => {
    const { legId, end } = await playAndWait([file(`${base}/page.wav`)], "page");
    assert.equal(end.type, "PlayFailed");
    assertResult(end, 400, 8535);
    assert.deepEqual((await h.leg(legId)).heard, []);
  });

  it("names the failing source by failedPlaySourceIndex", async () => {
    const { end } = await playAndWait([file(`${base}/tone.wav`), file(`${base}/gone.wav`)], "second-bad");
    assertResult(end, 400, 8536);
    assert.equal((end.event as { failedPlaySourceIndex?: number }).failedPlaySourceIndex, 1);
  });

  it("fails a recognize whose prompt file cannot be fetched with RecognizeFailed 500/8511, and listens to nothing", async () => {
    const r = await h.dialInAndAnswer(CALLER, OWNED);
    open.push(r.connection);
    await r.connection.getCallMedia().startRecognizing(CALLER_ID, {
      kind: "callMediaRecognizeDtmfOptions",
      maxTonesToCollect: 1,
      playPrompts: [file(`${base}/tone.wav`), file(`${base}/missing.wav`)],
      operationContext: "bad-prompt",
    });
    const failed = await waitFor(
      () => h.eventsOf(r.callConnectionId).find((c) => c.type.startsWith("Recognize") && contextOf(c) === "bad-prompt"),
      "the end of the recognize",
    );
    assert.equal(failed.type, "RecognizeFailed");
    assertResult(failed, 500, 8511);
    assert.equal((failed.event as { failedPlaySourceIndex?: number }).failedPlaySourceIndex, 1);
    const leg = await h.leg(r.legId);
    assert.deepEqual(leg.heard, []);
    assert.deepEqual(leg.media.flatMap((m) => m.operations), []);
  });

  it("plays a real WAV file: PlayStarted, PlayCompleted 200/0, and the caller hears it", async () => {
    const { legId, end, types } = await playAndWait([file(`${base}/tone.wav`)], "wav");
    assert.equal(end.type, "PlayCompleted");
    assertResult(end, 200, 0);
    assert.deepEqual(types, ["PlayStarted", "PlayCompleted"]);
    assert.deepEqual((await h.leg(legId)).heard.map((p) => p.content), [`${base}/tone.wav`]);
  });
});

/** Poll an async check until it yields a value. */
async function waitForAsync<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
