/**
 * acs-media through Node-RED, the real SDK against the simulator: hold with and without music
 * (the far end is on hold and hears the music), unhold, cancel media interrupting a play and a
 * recognize (their nodes report "canceled"), HoldFailed on a standalone simulator that checks
 * media URLs, and bad input as clear errors to Catch with another call unharmed.
 */
import assert from "node:assert/strict";
import { startSimulator, type AcsSimulator } from "../../simulator";
import { instrumented } from "../support/examples";
import { caughtText, copyOf, eventually, RedHarness, type FlowNode, type LegDetail, type ReceivedMessage } from "../support/red";

const CALLER = "+14255550150";
const OTHER_CALLER = "+14255550151";
const LINE = "+18005550100";
/** A prompt long enough (≈ 42 simulated seconds, 2 s at the tests' speed) to act while it plays. */
const LONG = `This is a long announcement. ${Array.from({ length: 110 }, (_, i) => `word${i}`).join(" ")}`;

type Leg = Omit<LegDetail, "heard"> & { isOnHold: boolean; heard: Array<{ kind: string; content: string; via?: string }> };
type Payload = Record<string, unknown> & { reason?: string; subCode?: number };
const payloadOf = (m: ReceivedMessage): Payload => m.msg.payload as Payload;

describe("acs-media node (hold, unhold, cancel media)", function () {
  this.timeout(20000);
  const red = RedHarness.forSuite();

  const leg = (id: string): Promise<Leg> => red.leg(id) as Promise<Leg>;

  /**
   * incoming-call → answer, plus the nodes under test (each with helper nodes on its ports) and a
   * Catch node; tests inject the answer's "connected" message into the nodes.
   */
  async function load(nodes: Array<Record<string, unknown> & { id: string; outputs: number }>): Promise<void> {
    const flow = red.answeredFlow(undefined, []);
    for (const { outputs, ...n } of nodes) {
      const out = RedHarness.outputs(n.id, outputs);
      flow.push({ type: "acs-media", acs: "acs", ...n, wires: out.wires } as FlowNode, ...out.nodes);
    }
    await red.load(flow);
  }

  /** Dial in and wait until answered: the far end's leg id and the "connected" message. */
  const call = (from = CALLER) => red.dialAnswered(from, LINE);

  const HOLD = { id: "hold", action: "hold", outputs: 2 };
  const UNHOLD = { id: "unhold", action: "unhold", outputs: 1 };
  const CANCEL = { id: "cancel", action: "cancelMedia", outputs: 1 };

  describe("hold and unhold", () => {
    it("holds the caller without music, then takes them off hold: the far end is on hold, then not", async () => {
      await load([HOLD, UNHOLD]);
      const { legId, connected } = await call();
      red.inject("hold", copyOf(connected));
      const done = await red.next("hold", 0);
      assert.deepEqual(payloadOf(done), { onHold: true, participant: CALLER, music: false });
      assert.equal(done.msg.event, undefined, "no event: ACS sends none for a hold that works");
      assert.equal(done.msg.call?.callConnectionId, connected.msg.call?.callConnectionId);
      let far = await leg(legId);
      assert.equal(far.isOnHold, true);
      assert.deepEqual(far.heard, [], "no music");
      assert.ok(far.events.some((e) => e.type === "ParticipantsUpdated" && JSON.stringify(e.data).includes('"isOnHold":true')));

      red.inject("unhold", copyOf(done));
      const back = await red.next("unhold", 0);
      assert.deepEqual(payloadOf(back), { onHold: false, participant: CALLER });
      far = await leg(legId);
      assert.equal(far.isOnHold, false);
      assert.equal(far.state, "connected");
      assert.deepEqual(red.from("hold", 1), [], "no failure");
      assert.deepEqual(red.from("catch"), []);
    });

    it("holds with text-to-speech music: the far end hears it, played by hold", async () => {
      await load([{ ...HOLD, musicKind: "text", music: "Please stay on the line.", musicType: "str", voice: "en-GB-SoniaNeural", locale: "en-GB" }]);
      const { legId, connected } = await call();
      red.inject("hold", copyOf(connected));
      assert.deepEqual(payloadOf(await red.next("hold", 0)), { onHold: true, participant: CALLER, music: true });
      const far = await leg(legId);
      assert.equal(far.isOnHold, true);
      assert.deepEqual(
        far.heard.map((h) => [h.kind, h.content, h.via]),
        [["text", "Please stay on the line.", "hold"]],
      );
    });

    it("holds with an audio file whose URL comes from the message, and with SSML", async () => {
      await load([
        { ...HOLD, musicKind: "file", music: "musicUrl", musicType: "msg" },
        { id: "hold2", action: "hold", outputs: 2, musicKind: "ssml", music: "<speak>Hold <break time='1s'/> please.</speak>", musicType: "str" },
      ]);
      const first = await call();
      red.inject("hold", { ...copyOf(first.connected), musicUrl: "https://media.example/hold.wav" });
      await red.next("hold", 0);
      assert.deepEqual((await leg(first.legId)).heard.map((h) => [h.kind, h.content, h.via]), [["file", "https://media.example/hold.wav", "hold"]]);

      const second = await call(OTHER_CALLER);
      red.inject("hold2", copyOf(second.connected));
      const done = await red.next("hold2", 0);
      assert.equal(payloadOf(done).participant, OTHER_CALLER);
      assert.deepEqual((await leg(second.legId)).heard.map((h) => [h.kind, h.via]), [["ssml", "hold"]]);
    });

    it("holds the participant the node names, over the far end", async () => {
      await load([{ ...HOLD, participant: "heldParty", participantType: "msg" }]);
      const { legId, connected } = await call();
      red.inject("hold", { ...copyOf(connected), heldParty: `4:${CALLER}` });
      assert.equal(payloadOf(await red.next("hold", 0)).participant, `4:${CALLER}`);
      assert.equal((await leg(legId)).isOnHold, true);
    });
  });

  describe("cancel media", () => {
    it("cancels a prompt that plays and a question queued behind it: play and recognize leave from failed with reason canceled", async () => {
      const play = RedHarness.outputs("play", 2);
      const ask = RedHarness.outputs("ask", 4);
      await red.load(
        red.answeredFlow(undefined, [
          { id: "play", type: "acs-play", acs: "acs", promptKind: "text", prompt: LONG, promptType: "str", wires: play.wires },
          { id: "ask", type: "acs-recognize", acs: "acs", inputKind: "dtmf", prompt: "Enter your number.", promptType: "str", maxTones: 4, wires: ask.wires },
          { id: "cancel", type: "acs-media", acs: "acs", action: "cancelMedia", wires: [["cancel:0"]] },
          { id: "cancel:0", type: "helper" },
          ...play.nodes,
          ...ask.nodes,
        ]),
      );
      const { legId, connected } = await call();
      red.inject("play", copyOf(connected));
      red.inject("ask", copyOf(connected));
      await eventually(async () => (await leg(legId)).heard.some((h) => h.content === LONG), "the long prompt playing");
      const queued = (await leg(legId)).media.flatMap((m) => m.operations.map((op) => `${op.kind}:${op.phase}`));
      assert.deepEqual(queued, ["play:running", "recognize:queued"]);

      red.inject("cancel", copyOf(connected));
      const canceled = await red.next("cancel", 0);
      assert.deepEqual(payloadOf(canceled), { canceled: true });
      const playFailed = await red.next("play", 1);
      assert.equal(payloadOf(playFailed).reason, "canceled");
      assert.equal(payloadOf(playFailed).subCode, 8508);
      assert.equal(playFailed.msg.event?.type, "PlayCanceled");
      const askFailed = await red.next("ask", 3);
      assert.equal(payloadOf(askFailed).reason, "canceled");
      assert.equal(askFailed.msg.event?.type, "RecognizeCanceled");
      assert.deepEqual(red.from("play", 0), []);
      assert.deepEqual(red.from("ask", 0), []);
      const far = await leg(legId);
      assert.deepEqual(far.heard.map((h) => h.content), [LONG], "the question was never asked");
      assert.deepEqual(far.media.flatMap((m) => m.operations), []);
      assert.equal(far.state, "connected");
      assert.deepEqual(red.from("catch"), []);
    });

    it("cancels a question while it listens", async () => {
      const ask = RedHarness.outputs("ask", 4);
      await red.load(
        red.answeredFlow(undefined, [
          { id: "ask", type: "acs-recognize", acs: "acs", inputKind: "dtmf", prompt: "", promptType: "str", maxTones: 4, initialSilenceTimeout: 60, wires: ask.wires },
          { id: "cancel", type: "acs-media", acs: "acs", action: "cancelMedia", wires: [["cancel:0"]] },
          { id: "cancel:0", type: "helper" },
          ...ask.nodes,
        ]),
      );
      const { legId, connected } = await call();
      red.inject("ask", copyOf(connected));
      await red.waitForRecognize(legId);
      red.inject("cancel", copyOf(connected));
      const failed = await red.next("ask", 3);
      assert.equal(payloadOf(failed).reason, "canceled");
      assert.equal(red.from("ask").length, 1, "one message: canceled");
    });

    it("with nothing playing, cancel media is done and nothing else happens", async () => {
      await load([CANCEL]);
      const { legId, connected } = await call();
      red.inject("cancel", copyOf(connected));
      assert.deepEqual(payloadOf(await red.next("cancel", 0)), { canceled: true });
      const far = await leg(legId);
      assert.equal(far.state, "connected");
      assert.ok(!far.events.some((e) => /Canceled$/.test(e.type)));
    });
  });

  describe("bad input", () => {
    it("no call id, no participant, a participant that is not an identifier, bad music: clear errors to Catch, nothing sent to ACS", async () => {
      await load([
        HOLD,
        UNHOLD,
        CANCEL,
        { id: "badMusic", action: "hold", outputs: 2, musicKind: "ssml", music: "Hold please", musicType: "str" },
        { id: "badFile", action: "hold", outputs: 2, musicKind: "file", music: "hold.wav", musicType: "str" },
        { id: "noMusic", action: "hold", outputs: 2, musicKind: "text", music: "empty", musicType: "msg" },
        { id: "named", action: "hold", outputs: 2, participant: "bob", participantType: "str" },
      ]);
      const { legId, connected } = await call();
      const callOnly = { call: { callConnectionId: connected.msg.call?.callConnectionId } };
      const cases: Array<[string, Record<string, unknown>, RegExp]> = [
        ["hold", { payload: "no call" }, /^No call id: msg\.call\.callConnectionId is empty/],
        ["unhold", { payload: "no call" }, /^No call id/],
        ["cancel", { payload: "no call" }, /^No call id/],
        ["hold", callOnly, /^No participant: msg\.call\.remoteParty is empty\./],
        ["unhold", callOnly, /^No participant: msg\.call\.remoteParty is empty\./],
        ["named", copyOf(connected), /^Cannot act on "bob": use a phone number in E\.164 form/],
        ["badMusic", copyOf(connected), /^Cannot play the music on hold: SSML must start with a <speak> element$/],
        ["badFile", copyOf(connected), /^Cannot play the music on hold: "hold\.wav" is not an absolute URL of an audio file$/],
        ["noMusic", copyOf(connected), /^No music to play: the music on hold setting is empty\.$/],
      ];
      for (const [id, msg, expected] of cases) {
        const before = red.from("catch").length;
        red.inject(id, msg);
        const caught = await eventually(async () => red.from("catch")[before], `the error of ${id}`);
        assert.match(caughtText(caught), expected);
        assert.equal((caught.msg.error as { source?: { id?: string } }).source?.id, id);
      }
      const far = await leg(legId);
      assert.equal(far.isOnHold, false, "nothing was held");
      assert.deepEqual(far.heard, []);
      assert.equal(far.state, "connected");
      assert.deepEqual(["hold", "unhold", "cancel", "badMusic", "badFile", "noMusic", "named"].flatMap((id) => red.from(id)), []);
    });

    it("a participant who is not in the call: ACS's 404 reaches Catch as such (not as an ended call); another call is held as usual", async () => {
      await load([{ ...HOLD, participant: "+14255550999", participantType: "str" }, { id: "holdFar", action: "hold", outputs: 2 }]);
      const first = await call();
      const second = await call(OTHER_CALLER);
      red.inject("hold", copyOf(first.connected));
      const caught = await red.next("catch", 0);
      assert.match(caughtText(caught), /^hold failed: ACS answered 404 \(8522\): Participant not found\./);
      red.inject("holdFar", copyOf(second.connected));
      assert.equal(payloadOf(await red.next("holdFar", 0)).participant, OTHER_CALLER);
      assert.equal((await leg(second.legId)).isOnHold, true);
      assert.equal((await leg(first.legId)).isOnHold, false);
      assert.equal((await leg(first.legId)).state, "connected");
    });

    it("hold, unhold and cancel media on a call that has ended: 'the call has already ended' to Catch, while another call goes on", async () => {
      await load([HOLD, UNHOLD, CANCEL]);
      const ended = await call();
      const other = await call(OTHER_CALLER);
      await red.hangup(ended.legId);
      await red.next("answer", 2, (m) => m.msg.call?.callConnectionId === ended.connected.msg.call?.callConnectionId);
      for (const id of ["hold", "unhold", "cancel"]) {
        const before = red.from("catch").length;
        red.inject(id, copyOf(ended.connected));
        const caught = await eventually(async () => red.from("catch")[before], `the error of ${id}`);
        assert.match(caughtText(caught), /failed: the call has already ended \(callConnectionId [\w-]+\)$/);
      }
      assert.deepEqual(red.from("catch").map(caughtText).map((e) => e.split(":")[0]), ["hold failed", "unhold failed", "cancel media failed"]);
      // A call id ACS does not know (never seen ending here): ACS's 404, confirmed by reading the call.
      const unknown = { ...copyOf(ended.connected), call: { ...ended.connected.msg.call, callConnectionId: "00000000-0000-0000-0000-000000000000" } };
      red.inject("cancel", unknown);
      const caught = await eventually(async () => red.from("catch")[3], "the error for an unknown call");
      assert.equal(caughtText(caught), "cancel media failed: the call has already ended (callConnectionId 00000000-0000-0000-0000-000000000000)");
      red.inject("hold", copyOf(other.connected));
      assert.equal(payloadOf(await red.next("hold", 0)).participant, OTHER_CALLER);
      assert.equal((await leg(other.legId)).isOnHold, true);
    });

    it("a hold whose call ends afterwards sends nothing more, and its wait for HoldFailed is released", async () => {
      await load([HOLD]);
      const { legId, connected } = await call();
      red.inject("hold", copyOf(connected));
      await red.next("hold", 0);
      const service = await red.service();
      assert.equal(service.router.waiting, 1, "listening for a HoldFailed");
      await red.hangup(legId);
      await red.next("answer", 2);
      await eventually(async () => service.router.waiting === 0, "the wait released");
      assert.equal(red.from("hold").length, 1);
      assert.deepEqual(red.from("catch"), []);
    });
  });

  describe("HoldFailed (a simulator that checks media URLs)", () => {
    let sim: AcsSimulator;
    before(async () => {
      sim = await startSimulator({ speed: 20, validateMediaUrls: true, requireCognitiveServices: false, deliveryRetryDelaysMs: [100, 200, 400] });
    });
    after(async () => sim.stop());

    it("music that cannot be played: done when ACS accepts, then failed with HoldFailed; the far end is off hold again", async () => {
      const out = RedHarness.outputs("hold", 2);
      const ans = RedHarness.outputs("answer", 3);
      await red.load(
        [
          { id: "cs", type: "acs-config", mode: "connectionString", callbackBaseUrl: red.base, resourceId: sim.resourceId },
          { id: "incoming", type: "acs-incoming-call", acs: "cs", wires: [["answer"]] },
          { id: "answer", type: "acs-answer", acs: "cs", action: "answer", wires: [["hold", ...ans.wires[0]], ans.wires[1], ans.wires[2]] },
          { id: "hold", type: "acs-media", acs: "cs", action: "hold", musicKind: "file", music: "http://127.0.0.1:1/hold.wav", musicType: "str", wires: out.wires },
          ...ans.nodes,
          ...out.nodes,
          ...RedHarness.catcher(),
        ],
        { cs: { connectionString: sim.connectionString } },
      );
      const service = await red.service("cs");
      const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
        const res = await fetch(`${sim.controlBase}${path}`, { method, headers: body ? { "content-type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined });
        return (await res.json()) as T;
      };
      const sub = await control<{ id: string }>("POST", "/subscriptions", { url: service.eventGridUrl });
      const dialed = await control<{ id: string }>("POST", "/calls", { from: CALLER, to: LINE });
      try {
        const failed = await red.next("hold", 1);
        assert.deepEqual(payloadOf(failed), { reason: "failed", code: 400, subCode: 8536, message: "Action failed, file could not be downloaded.", participant: CALLER });
        assert.equal(failed.msg.event?.type, "HoldFailed");
        const done = red.from("hold", 0);
        assert.ok(done.length <= 1);
        if (done.length === 1) assert.ok(red.received.indexOf(done[0]) < red.received.indexOf(failed), "done came first");
        const far = await eventually(async () => {
          const l = await control<Leg>("GET", `/calls/${dialed.id}`);
          return l.isOnHold === false && l;
        }, "the far end off hold");
        assert.deepEqual(far.heard, []);
        assert.deepEqual(red.from("catch"), []);
      } finally {
        await control("POST", `/calls/${dialed.id}/hangup`).catch(() => undefined);
        await fetch(`${sim.controlBase}/subscriptions/${sub.id}`, { method: "DELETE" });
      }
    });
  });

  describe("example examples/nodes/acs-media.json, as shipped", () => {
    const NUMBER = "+18005550130";
    const contents = (l: Leg) => l.heard.map((h) => h.content);
    beforeEach(async () => red.load(instrumented("nodes/acs-media.json")));

    /** Dial the example; follow the caller through hold (with music) and back, to the long announcement. */
    async function throughHold(): Promise<{ legId: string; announcement: string }> {
      const legId = await red.dial(CALLER, NUMBER);
      const held = await eventually(async () => {
        const l = await leg(legId);
        return l.isOnHold && l;
      }, "the caller on hold");
      assert.deepEqual(
        held.heard.map((h) => [h.content, h.via]),
        [
          ["One moment please, I am putting you on hold.", "play"],
          ["You are on hold. Thank you for waiting, we will be right with you.", "hold"],
        ],
      );
      assert.equal(payloadOf(await red.next("med-hold", 0)).music, true);
      const started = await red.next("med-listen", 0);
      assert.equal(payloadOf(started).started, true);
      assert.equal(payloadOf(await red.next("med-unhold", 0)).onHold, false);
      const playing = await eventually(async () => {
        const l = await leg(legId);
        return l.heard.length === 3 && l;
      }, "the long announcement");
      assert.equal(playing.isOnHold, false, "off hold");
      const announcement = playing.heard[2].content;
      assert.match(announcement, /^Thank you for holding\..*press any key/);
      return { legId, announcement };
    }

    it("holds the caller with music, takes them off hold, and a key pressed during the announcement cancels it", async () => {
      const { legId, announcement } = await throughHold();
      await red.press(legId, "5");
      assert.deepEqual(payloadOf(await red.next("med-cancel", 0)), { canceled: true });
      const canceled = await red.next("med-announce", 1);
      assert.equal(payloadOf(canceled).reason, "canceled");
      assert.equal(canceled.msg.event?.type, "PlayCanceled");
      assert.deepEqual(payloadOf(await red.next("med-stop", 0)), { stopped: true, participant: CALLER });
      assert.equal(payloadOf(await red.next("med-listen", 2)).stopped, true);
      const ended = (await red.waitForLegState(legId, "ended")) as Leg;
      assert.deepEqual(contents(ended).slice(2), [announcement, "Skipped.", "Thank you for calling. Goodbye."]);
      assert.deepEqual(red.from("med-announce", 0), []);
      const hungUp = await red.next("med-hangup", 0);
      assert.ok(red.from("med-log").some((m) => m.msg._msgid === hungUp.msg._msgid), "the hang-up reached the call log");
    });

    it("without a key the announcement plays to the end, then goodbye", async () => {
      const { legId, announcement } = await throughHold();
      const ended = (await red.waitForLegState(legId, "ended", 15000)) as Leg;
      assert.deepEqual(contents(ended).slice(2), [announcement, "Thank you for calling. Goodbye."]);
      assert.equal((red.from("med-announce", 0)[0]?.msg.payload as { completed?: boolean }).completed, true);
      assert.deepEqual(red.from("med-cancel"), []);
      assert.deepEqual(red.from("med-listen", 1), []);
    });

    it("answers only its own number", async () => {
      const legId = await red.dial(CALLER, "+18005550131");
      const ended = await red.waitForLegState(legId, "ended", 15000);
      assert.equal(ended.endReason, "not answered");
      assert.deepEqual(red.from("med-answer"), []);
    });
  });
});
