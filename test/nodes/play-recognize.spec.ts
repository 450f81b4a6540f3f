/**
 * play and recognize, option by option: text, SSML and file prompts; to one participant; a
 * looping prompt and barge-in; DTMF with stop keys, a pattern and the re-prompt policy; speech;
 * speech-or-keys; bad settings and bad input as clear errors to Catch.
 */
import assert from "node:assert/strict";
import { eventually, RedHarness, type FlowNode, type LegDetail } from "../support/red";
import { sleep } from "../support/harness";

const CALLER = "+14255550140";

describe("play and recognize nodes", function () {
  this.timeout(20000);
  const red = RedHarness.forSuite();

  /** incoming-call → answer → the node under test ("n"), whose outputs are helpers n:0..; errors reach "catch:0". */
  async function answered(node: Record<string, unknown>, outputs: number): Promise<{ leg: string }> {
    const out = RedHarness.outputs("n", outputs);
    const flow: FlowNode[] = [
      red.configNode(),
      { id: "incoming", type: "acs-incoming-call", acs: "acs", wires: [["answer"]] },
      { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: [["n"], [], []] },
      { id: "n", type: String(node.type), acs: "acs", ...node, wires: out.wires },
      { id: "catch", type: "catch", scope: null, wires: [["catch:0"]] },
      { id: "catch:0", type: "helper" },
      ...out.nodes,
    ];
    await red.load(flow);
    return { leg: await red.dial(CALLER) };
  }
  const heard = (leg: LegDetail) => leg.heard.map((h) => `${h.kind}:${h.content}`);

  describe("play", () => {
    it("plays SSML, with its text heard as written", async () => {
      const ssml = '<speak version="1.0" xml:lang="en-US"><voice name="en-US-JennyNeural">Hello <break time="200ms"/> there</voice></speak>';
      const { leg } = await answered({ type: "acs-play", promptKind: "ssml", prompt: ssml, promptType: "str" }, 2);
      const done = await red.next("n", 0);
      assert.equal((done.msg.payload as { completed: boolean }).completed, true);
      assert.deepEqual(heard(await red.leg(leg)), [`ssml:${ssml}`]);
    });

    it("plays an audio file whose URL comes from the message, and text with the node's voice and locale", async () => {
      const out = RedHarness.outputs("n", 2);
      const flow: FlowNode[] = [
        red.configNode(),
        { id: "incoming", type: "acs-incoming-call", acs: "acs", wires: [["answer"]] },
        { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: [["setUrl"], [], []] },
        { id: "setUrl", type: "acs-play", acs: "acs", promptKind: "text", prompt: "Bonjour", promptType: "str", voice: "fr-FR-DeniseNeural", locale: "fr-FR", wires: [["file"], []] },
        { id: "file", type: "acs-play", acs: "acs", promptKind: "file", prompt: "payload.url", promptType: "msg", wires: out.wires },
        ...out.nodes,
      ];
      await red.load(flow);
      const legId = await red.dial(CALLER);
      // The text prompt's message carries no URL yet: give it one through a second message below.
      await eventually(async () => (await red.leg(legId)).heard.length > 0, "the greeting");
      const leg = await red.leg(legId);
      assert.equal(leg.heard[0].content, "Bonjour");
      assert.equal((leg.heard[0] as unknown as { voiceName: string }).voiceName, "fr-FR-DeniseNeural");
      assert.equal((leg.heard[0] as unknown as { locale: string }).locale, "fr-FR");
      const callId = leg.callConnectionIds[0];
      red.inject("file", { payload: { url: "https://example.org/prompts/menu.wav" }, call: { callConnectionId: callId } });
      await red.next("n", 0);
      assert.deepEqual(heard(await red.leg(legId)).slice(-1), ["file:https://example.org/prompts/menu.wav"]);
    });

    it("plays to one participant only", async () => {
      const { leg } = await answered({ type: "acs-play", promptKind: "text", prompt: "Just for you", promptType: "str", playTo: "participant", participant: "call.remoteParty", participantType: "msg" }, 2);
      await red.next("n", 0);
      assert.deepEqual(heard(await red.leg(leg)), ["text:Just for you"]);
    });

    it("a looping prompt leaves from completed as soon as it starts, and a barge-in prompt cuts it off", async () => {
      const out = RedHarness.outputs("loop", 2);
      const barge = RedHarness.outputs("barge", 2);
      const flow: FlowNode[] = [
        red.configNode(),
        { id: "incoming", type: "acs-incoming-call", acs: "acs", wires: [["answer"]] },
        { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: [["loop"], [], []] },
        { id: "loop", type: "acs-play", acs: "acs", promptKind: "file", prompt: "https://example.org/hold-music.wav", promptType: "str", loop: true, wires: [["barge", ...out.wires[0]], out.wires[1]] },
        { id: "barge", type: "acs-play", acs: "acs", promptKind: "text", prompt: "An agent is ready.", promptType: "str", interrupt: true, wires: barge.wires },
        ...out.nodes,
        ...barge.nodes,
      ];
      await red.load(flow);
      const legId = await red.dial(CALLER);
      const started = await red.next("loop", 0);
      assert.deepEqual(started.msg.payload, { completed: false, looping: true });
      const done = await red.next("barge", 0);
      assert.equal((done.msg.payload as { completed: boolean }).completed, true);
      const leg = await red.leg(legId);
      assert.deepEqual(heard(leg), ["file:https://example.org/hold-music.wav", "text:An agent is ready."]);
      assert.ok(leg.events.some((e) => e.type === "PlayCanceled"), "the looping prompt was canceled by the barge-in");
    });

    it("an empty prompt, bad SSML or a bad URL is a clear error to Catch; the call goes on", async () => {
      for (const [kind, prompt, pattern] of [
        ["text", "", /^FlowError: Nothing to play: the prompt is empty\.$/],
        ["ssml", "Hello", /^FlowError: Cannot play the prompt: SSML must start with a <speak> element$/],
        ["file", "not a url", /^FlowError: Cannot play the prompt: "not a url" is not an absolute URL of an audio file$/],
      ] as const) {
        const { leg } = await answered({ type: "acs-play", promptKind: kind, prompt, promptType: "str" }, 2);
        const caught = await red.next("catch", 0);
        assert.match(String((caught.msg.error as { message: string }).message), pattern);
        assert.equal(red.from("n").length, 0);
        assert.equal((await red.leg(leg)).state, "connected");
        await red.hangup(leg);
        await red.unload();
      }
      await red.load([red.configNode()]);
    });
  });

  describe("recognize", () => {
    const dtmf = (extra: Record<string, unknown> = {}) => ({
      type: "acs-recognize",
      inputKind: "dtmf",
      prompt: "Enter your PIN, then the hash key.",
      promptType: "str",
      maxTones: 8,
      stopTones: "#",
      initialSilenceTimeout: 60,
      interToneTimeout: 20,
      retries: 0,
      ...extra,
    });

    it("collects keys up to the stop key: msg.payload is the keys, without the stop key", async () => {
      const { leg } = await answered(dtmf(), 4);
      await red.waitForRecognize(leg);
      await red.press(leg, "1234#");
      const got = await red.next("n", 0);
      assert.equal(got.msg.payload, "1234");
      assert.deepEqual((got.msg.recognition as { tones: string[] }).tones, ["one", "two", "three", "four"]);
      assert.equal(got.msg.event?.type, "RecognizeCompleted");
    });

    it("stops at the maximum number of keys", async () => {
      const { leg } = await answered(dtmf({ maxTones: 3, stopTones: "" }), 4);
      await red.waitForRecognize(leg);
      await red.press(leg, "987");
      assert.equal((await red.next("n", 0)).msg.payload, "987");
    });

    it("a pattern turns wrong input into no match, asks again with the no-match prompt, then accepts good input", async () => {
      const { leg } = await answered(dtmf({ pattern: "^\\d{4}$", retries: 2, noMatchPrompt: "A PIN has four digits." }), 4);
      await red.waitForRecognize(leg);
      await red.press(leg, "12#");
      await eventually(async () => (await red.leg(leg)).heard.some((h) => h.content === "A PIN has four digits."), "the no-match prompt");
      await red.waitForRecognize(leg);
      await red.press(leg, "4321#");
      const got = await red.next("n", 0);
      assert.equal(got.msg.payload, "4321");
      assert.equal((got.msg.recognition as { attempts: number }).attempts, 2);
      // The second attempt's keys barged into its prompts (interruptPrompt), so the question may not be heard again.
      const prompts = (await red.leg(leg)).heard.map((h) => h.content);
      assert.deepEqual(prompts.slice(0, 2), ["Enter your PIN, then the hash key.", "A PIN has four digits."]);
    });

    it("with no retries, silence leaves from no input at once", async () => {
      const { leg } = await answered(dtmf({ initialSilenceTimeout: 1, retries: 0 }), 4);
      const none = await red.next("n", 1);
      assert.deepEqual(none.msg.payload, { reason: "noInput", attempts: 1 });
      assert.equal((await red.leg(leg)).heard.length, 1);
    });

    it("recognizes free speech: msg.payload is the words", async () => {
      const { leg } = await answered({ type: "acs-recognize", inputKind: "speech", prompt: "How can I help?", promptType: "str", initialSilenceTimeout: 60 }, 4);
      await red.waitForRecognize(leg);
      await red.say(leg, "I would like to pay my bill");
      const got = await red.next("n", 0);
      assert.equal(got.msg.payload, "I would like to pay my bill");
      assert.equal((got.msg.recognition as { kind: string }).kind, "speech");
    });

    it("speech-or-keys takes either", async () => {
      for (const [act, expected] of [
        [(leg: string) => red.press(leg, "5#"), "5"],
        [(leg: string) => red.say(leg, "five"), "five"],
      ] as const) {
        const { leg } = await answered({ type: "acs-recognize", inputKind: "speechOrDtmf", prompt: "Say or key a number.", promptType: "str", maxTones: 2, stopTones: "#", initialSilenceTimeout: 60 }, 4);
        await red.waitForRecognize(leg);
        await act(leg);
        assert.equal((await red.next("n", 0)).msg.payload, expected);
        await red.unload();
      }
      await red.load([red.configNode()]);
    });

    it("choices: one port per choice; a spoken phrase picks its choice", async () => {
      const choices = [
        { label: "sales", key: "1", phrases: "sales, buy" },
        { label: "support", key: "2", phrases: "support, help" },
        { label: "billing", key: "3", phrases: "billing, invoice" },
      ];
      const { leg } = await answered({ type: "acs-recognize", inputKind: "choices", prompt: "Sales, support or billing?", promptType: "str", choices, initialSilenceTimeout: 60 }, 6);
      await red.waitForRecognize(leg);
      await red.say(leg, "invoice");
      const got = await red.next("n", 2);
      assert.equal(got.msg.payload, "billing");
      assert.equal(red.from("n").length, 1);
    });

    it("bad settings are reported at deploy and on each message: no choices, a bad key, a bad pattern", async () => {
      for (const [settings, pattern] of [
        [{ inputKind: "choices", choices: [] }, /^FlowError: No choices: add at least one choice with a label/],
        [{ inputKind: "choices", choices: [{ label: "a", key: "x" }] }, /^FlowError: "x" is not a key: a choice's key is 0-9, \*, # or A-D\.$/],
        [{ inputKind: "dtmf", pattern: "([" }, /^FlowError: the input pattern is not a valid regular expression: /],
      ] as const) {
        const { leg } = await answered({ type: "acs-recognize", prompt: "Hi", promptType: "str", ...settings }, 4);
        const caught = await red.next("catch", 0);
        assert.match(String((caught.msg.error as { message: string }).message), pattern);
        assert.equal((await red.leg(leg)).state, "connected");
        await red.hangup(leg);
        await red.unload();
      }
      await red.load([red.configNode()]);
    });

    it("a second recognize while one runs is ACS's refusal (8500), reported to Catch", async () => {
      const rec = { type: "acs-recognize", inputKind: "dtmf", prompt: "First", promptType: "str", initialSilenceTimeout: 60, wires: [[], [], [], []] };
      const flow: FlowNode[] = [
        red.configNode(),
        { id: "incoming", type: "acs-incoming-call", acs: "acs", wires: [["answer"]] },
        { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: [["r1", "r2"], [], []] },
        { id: "r1", acs: "acs", ...rec },
        { id: "r2", acs: "acs", ...rec, prompt: "Second" },
        { id: "catch", type: "catch", scope: null, wires: [["catch:0"]] },
        { id: "catch:0", type: "helper" },
      ];
      await red.load(flow);
      const leg = await red.dial(CALLER);
      const caught = await red.next("catch", 0);
      assert.match(String((caught.msg.error as { message: string }).message), /recognize failed: ACS answered 400 \(8500\)/);
      assert.equal((await red.leg(leg)).state, "connected");
      await sleep(50);
    });
  });
});
