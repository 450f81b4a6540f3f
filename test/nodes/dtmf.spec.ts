/**
 * acs-dtmf through Node-RED, the real SDK against the simulator: sending keys (the far end
 * receives them), SendDtmfTonesFailed on a standalone simulator, continuous recognition (one
 * message per key, in order; stop; the call's end; the node closing, with no listener left), tones
 * delivered out of order or twice, and bad input as clear errors to Catch with another call unharmed.
 */
import assert from "node:assert/strict";
import { startSimulator, type AcsSimulator } from "../../simulator";
import { instrumented } from "../support/examples";
import { caughtText, copyOf, eventually, RedHarness, type FlowNode, type LegDetail, type ReceivedMessage } from "../support/red";

const CALLER = "+14255550160";
const OTHER_CALLER = "+14255550161";
const LINE = "+18005550100";

type Leg = LegDetail & { tonesReceived: string[] };
type Payload = Record<string, unknown> & { reason?: string; subCode?: number };
type Dtmf = { key: string; tone: string; sequenceId?: number; participant: string };
const payloadOf = (m: ReceivedMessage): Payload => m.msg.payload as Payload;
const dtmfOf = (m: ReceivedMessage): Dtmf => m.msg.dtmf as Dtmf;

describe("acs-dtmf node (send keys, continuous recognition)", function () {
  this.timeout(20000);
  const red = RedHarness.forSuite();

  const leg = (id: string): Promise<Leg> => red.leg(id) as Promise<Leg>;
  const SEND = { id: "send", action: "send", tones: "12#*", tonesType: "str", outputs: 2 };
  const LISTEN = { id: "listen", action: "startContinuous", outputs: 4 };
  const STOP = { id: "stop", action: "stopContinuous", outputs: 1 };

  /** incoming-call → answer, the acs-dtmf nodes under test with helpers on their ports, a Catch node. */
  async function load(nodes: Array<Record<string, unknown> & { id: string; outputs: number }>): Promise<void> {
    const flow = red.answeredFlow(undefined, []);
    for (const { outputs, ...n } of nodes) {
      const out = RedHarness.outputs(n.id, outputs);
      flow.push({ type: "acs-dtmf", acs: "acs", ...n, wires: out.wires } as FlowNode, ...out.nodes);
    }
    await red.load(flow);
  }

  async function call(from = CALLER): Promise<{ legId: string; connected: ReceivedMessage; callId: string }> {
    const { legId, connected } = await red.dialAnswered(from, LINE);
    return { legId, connected, callId: String(connected.msg.call?.callConnectionId) };
  }

  /** The far end presses keys; the simulator's outcome for each ("recognized" or "ignored"). */
  async function press(legId: string, keys: string): Promise<string[]> {
    const res = await red.control<{ outcomes: string[] }>("POST", `/calls/${legId}/dtmf`, { tones: keys });
    assert.equal(res.status, 200);
    return res.body.outcomes;
  }

  async function caught(id: string, msg: Record<string, unknown>): Promise<string> {
    const before = red.from("catch").length;
    red.inject(id, msg);
    const m = await eventually(async () => red.from("catch")[before], `the error of ${id}`);
    assert.equal((m.msg.error as { source?: { id?: string } }).source?.id, id);
    return caughtText(m);
  }

  const tonesFrom = (id: string, callId?: string) => red.from(id, 1).filter((m) => !callId || m.msg.call?.callConnectionId === callId);

  // ------------------------------------------------------------------ send

  describe("send keys", () => {
    it("sends keys to the caller: sent, and the far end received them", async () => {
      await load([SEND]);
      const { legId, connected } = await call();
      red.inject("send", copyOf(connected));
      const sent = await red.next("send", 0);
      assert.deepEqual(payloadOf(sent), { sent: true, tones: "12#*", participant: CALLER });
      assert.equal(sent.msg.event?.type, "SendDtmfTonesCompleted");
      assert.equal(sent.msg.call?.callConnectionId, connected.msg.call?.callConnectionId);
      assert.deepEqual((await leg(legId)).tonesReceived, ["one", "two", "pound", "asterisk"]);
      assert.deepEqual(red.from("catch"), []);
    });

    it("keys from the message, a number too, to the participant the node names", async () => {
      await load([{ ...SEND, tones: "keys", tonesType: "msg", participant: "to", participantType: "msg" }]);
      const { legId, connected } = await call();
      red.inject("send", { ...copyOf(connected), keys: 905, to: `4:${CALLER}` });
      assert.deepEqual(payloadOf(await red.next("send", 0)), { sent: true, tones: "905", participant: `4:${CALLER}` });
      assert.deepEqual((await leg(legId)).tonesReceived, ["nine", "zero", "five"]);
    });

    it("bad keys, no keys, too many keys, no call id, no participant: clear errors to Catch, nothing sent", async () => {
      await load([
        { ...SEND, id: "bad", tones: "12x", tonesType: "str" },
        { ...SEND, id: "many", tones: "1234567890123456789", tonesType: "str" },
        { ...SEND, id: "none", tones: "keys", tonesType: "msg" },
        { ...SEND, id: "bob", participant: "bob", participantType: "str" },
        SEND,
      ]);
      const { legId, connected } = await call();
      assert.equal(await caught("bad", copyOf(connected)), 'Cannot send the keys "12x": "x" is not a DTMF key (use 0-9, *, # or A-D)');
      assert.equal(await caught("many", copyOf(connected)), 'Cannot send the keys "1234567890123456789": at most 18 keys can be sent at once, not 19');
      assert.equal(await caught("none", copyOf(connected)), "No keys to send: the keys setting is empty.");
      assert.equal(await caught("bob", copyOf(connected)), 'Cannot act on "bob": use a phone number in E.164 form (+14255550123) or an id such as 8:acs:…');
      assert.match(await caught("send", { payload: 1 }), /^No call id: msg\.call\.callConnectionId is empty/);
      assert.equal(await caught("send", { call: { callConnectionId: connected.msg.call?.callConnectionId } }), "No participant: msg.call.remoteParty is empty. Wire this node after an incoming-call or create-call node (one target), or set the participant.");
      assert.deepEqual((await leg(legId)).tonesReceived, []);
      assert.deepEqual(["bad", "many", "none", "bob", "send"].flatMap((id) => red.from(id)), []);
    });

    it("ACS's refusals reach Catch as they are: a participant not in the call (404), one that is not a phone number (400)", async () => {
      await load([{ ...SEND, id: "stranger", participant: "+14255550999", participantType: "str" }, SEND]);
      const first = await call();
      assert.equal(await caught("stranger", copyOf(first.connected)), "send DTMF failed: ACS answered 404 (8522): Participant not found.");
      const user = "8:acs:dtmf-spec-user";
      const second = await call(user);
      assert.equal(await caught("send", copyOf(second.connected)), "send DTMF failed: ACS answered 400 (8523): DTMF tones can only be sent to a phone number participant.");
      assert.equal((await leg(first.legId)).state, "connected");
      assert.equal((await leg(second.legId)).state, "connected");
    });

    it("on a call that has ended: 'the call has already ended' to Catch, and another call still gets its keys", async () => {
      await load([SEND]);
      const ended = await call();
      const other = await call(OTHER_CALLER);
      await red.hangup(ended.legId);
      await red.next("answer", 2, (m) => m.msg.call?.callConnectionId === ended.callId);
      assert.match(await caught("send", copyOf(ended.connected)), /^send DTMF failed: the call has already ended \(callConnectionId [\w-]+\)$/);
      red.inject("send", copyOf(other.connected));
      assert.equal(payloadOf(await red.next("send", 0)).participant, OTHER_CALLER);
      assert.deepEqual((await leg(other.legId)).tonesReceived, ["one", "two", "pound", "asterisk"]);
    });

    describe("SendDtmfTonesFailed (a slower standalone simulator)", () => {
      let sim: AcsSimulator;
      before(async () => {
        // 18 keys take 3.6 simulated seconds: at speed 4, time for a party to leave while they are sent.
        sim = await startSimulator({ speed: 4, requireCognitiveServices: false, deliveryRetryDelaysMs: [100, 200, 400] });
      });
      after(async () => sim.stop());

      it("the caller leaves a group call before the keys are sent: failed, with the event", async () => {
        const out = RedHarness.outputs("send", 2);
        const ans = RedHarness.outputs("answer", 3);
        await red.load(
          [
            { id: "cs", type: "acs-config", mode: "connectionString", callbackBaseUrl: red.base, resourceId: sim.resourceId },
            { id: "incoming", type: "acs-incoming-call", acs: "cs", wires: [["answer"]] },
            { id: "answer", type: "acs-answer", acs: "cs", action: "answer", wires: ans.wires },
            { id: "send", type: "acs-dtmf", acs: "cs", action: "send", tones: "1".repeat(18), tonesType: "str", wires: out.wires },
            ...ans.nodes,
            ...out.nodes,
            ...RedHarness.catcher(),
          ],
          { cs: { connectionString: sim.connectionString } },
        );
        const service = await red.service("cs");
        const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
          const res = await fetch(`${sim.controlBase}${path}`, { method, headers: body ? { "content-type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined });
          const text = await res.text();
          return (text ? JSON.parse(text) : undefined) as T;
        };
        const sub = await control<{ id: string }>("POST", "/subscriptions", { url: service.eventGridUrl });
        const dialed = await control<{ id: string }>("POST", "/calls", { from: CALLER, to: LINE });
        try {
          const connected = await red.next("answer", 0);
          const callId = String(connected.msg.call?.callConnectionId);
          // A third party joins, so the call goes on when the caller leaves.
          const agent = "+14255550170";
          await service.client.getCallConnection(callId).addParticipant({ targetParticipant: { phoneNumber: agent }, sourceCallIdNumber: { phoneNumber: LINE } });
          const ringing = await eventually(async () => (await control<Array<{ id: string; to: string; state: string }>>("GET", "/calls?state=ringing")).find((c) => c.to === `4:${agent}`), "the agent ringing");
          await control("POST", `/calls/${ringing.id}/answer`);
          await eventually(async () => (await control<{ participants: string[] }>("GET", `/calls/${dialed.id}`)).participants.length === 2, "the agent in the call");

          red.inject("send", copyOf(connected));
          await eventually(async () => (await control<Leg>("GET", `/calls/${dialed.id}`)).timeline.some((t) => t.what === "receiving tones"), "the keys on their way");
          await control("POST", `/calls/${dialed.id}/hangup`);
          const failed = await red.next("send", 1);
          assert.deepEqual(payloadOf(failed), { reason: "failed", code: 404, subCode: 8522, message: "The participant left the call before the tones were sent.", participant: CALLER });
          assert.equal(failed.msg.event?.type, "SendDtmfTonesFailed");
          assert.deepEqual(red.from("send", 0), []);
          assert.deepEqual(red.from("catch"), []);
          await control("POST", `/calls/${ringing.id}/hangup`);
        } finally {
          await control("POST", `/calls/${dialed.id}/hangup`).catch(() => undefined);
          await fetch(`${sim.controlBase}/subscriptions/${sub.id}`, { method: "DELETE" });
        }
      });
    });
  });

  // ------------------------------------------------------------------ continuous recognition

  describe("continuous recognition", () => {
    it("each key pressed leaves from tone, one message each, in order; stop ends it and nothing is left listening", async () => {
      await load([LISTEN, STOP]);
      const { legId, connected, callId } = await call();
      const service = await red.service();
      const watchersBefore = service.router.watchers(callId);
      red.inject("listen", copyOf(connected));
      const started = await red.next("listen", 0);
      assert.deepEqual(payloadOf(started), { started: true, participant: CALLER });
      assert.equal(service.router.watchers(callId), watchersBefore + 1);
      const listeningFor = async () => (await red.leg(legId)).media.map((m) => (m as { continuousDtmf?: boolean }).continuousDtmf);
      assert.deepEqual(await listeningFor(), [true], "the simulator shows the app listening for keys");

      for (const key of ["1", "2", "3", "*", "#"]) assert.deepEqual(await press(legId, key), ["recognized"]);
      await eventually(async () => tonesFrom("listen").length === 5, "five tone messages");
      const tones = tonesFrom("listen");
      assert.deepEqual(tones.map(payloadOf), ["1", "2", "3", "*", "#"]);
      assert.deepEqual(tones.map((m) => dtmfOf(m).tone), ["one", "two", "three", "asterisk", "pound"]);
      const ids = tones.map((m) => Number(dtmfOf(m).sequenceId));
      for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1] + 1, `sequence ids: ${ids.join(",")}`);
      for (const m of tones) {
        assert.equal(m.msg.call?.callConnectionId, callId);
        assert.equal(m.msg.event?.type, "ContinuousDtmfRecognitionToneReceived");
        assert.equal(dtmfOf(m).participant, CALLER);
      }

      red.inject("stop", copyOf(connected));
      assert.deepEqual(payloadOf(await red.next("stop", 0)), { stopped: true, participant: CALLER });
      const stopped = await red.next("listen", 2);
      assert.deepEqual(payloadOf(stopped), { stopped: true, participant: CALLER });
      assert.equal(stopped.msg.event?.type, "ContinuousDtmfRecognitionStopped");
      assert.equal(service.router.watchers(callId), watchersBefore, "no listener left");
      assert.deepEqual(await listeningFor(), [false]);
      assert.deepEqual(await press(legId, "5"), ["ignored"], "ACS no longer listens");
      assert.equal(tonesFrom("listen").length, 5);
      assert.deepEqual(red.from("listen", 3), []);
      assert.deepEqual(red.from("catch"), []);
    });

    it("listens alongside a question: a key answers it and leaves from tone too", async () => {
      const ask = RedHarness.outputs("ask", 4);
      const ans = RedHarness.outputs("answer", 3);
      const listen = RedHarness.outputs("listen", 4);
      await red.load([
        red.configNode(),
        { id: "incoming", type: "acs-incoming-call", acs: "acs", wires: [["answer"]] },
        { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: ans.wires },
        { id: "listen", type: "acs-dtmf", acs: "acs", action: "startContinuous", wires: listen.wires },
        { id: "ask", type: "acs-recognize", acs: "acs", inputKind: "dtmf", prompt: "", promptType: "str", maxTones: 1, initialSilenceTimeout: 60, wires: ask.wires },
        ...ans.nodes,
        ...listen.nodes,
        ...ask.nodes,
        ...RedHarness.catcher(),
      ]);
      const { legId, connected } = await call();
      red.inject("listen", copyOf(connected));
      await red.next("listen", 0);
      red.inject("ask", copyOf(connected));
      await red.waitForRecognize(legId);
      await press(legId, "7");
      assert.equal(payloadOf(await red.next("ask", 0)), "7");
      assert.equal(payloadOf(await red.next("listen", 1)), "7");
    });

    it("the call's end: nothing more leaves, and nothing is left listening", async () => {
      await load([LISTEN]);
      const { legId, connected, callId } = await call();
      const service = await red.service();
      red.inject("listen", copyOf(connected));
      await red.next("listen", 0);
      await press(legId, "4");
      assert.equal(payloadOf(await red.next("listen", 1)), "4");
      await red.hangup(legId);
      await red.next("answer", 2);
      assert.equal(service.router.watchers(callId), 0);
      assert.deepEqual([2, 3].flatMap((port) => red.from("listen", port)), [], "no stopped, no failed: the answer's ended port reports the end");
      assert.equal(red.from("listen", 1).length, 1);
      assert.deepEqual(red.from("catch"), []);
    });

    it("the node closing (a redeploy) stops its listening: later keys reach no flow, nothing is left listening", async () => {
      await load([LISTEN]);
      const { legId, connected, callId } = await call();
      const service = await red.service();
      const watchersBefore = service.router.watchers(callId);
      red.inject("listen", copyOf(connected));
      await red.next("listen", 0);
      assert.equal(service.router.watchers(callId), watchersBefore + 1);
      await red.node<{ close(removed: boolean): Promise<void> }>("listen").close(true);
      assert.equal(service.router.watchers(callId), watchersBefore);

      // ACS still recognizes (nobody stopped it): the tone arrives, and no node sends it on.
      const arrived = new Promise<void>((resolve) => {
        const stop = service.onEvent((e) => {
          if (e.type === "ContinuousDtmfRecognitionToneReceived" && e.callConnectionId === callId) {
            stop();
            resolve();
          }
        });
      });
      assert.deepEqual(await press(legId, "9"), ["recognized"]);
      await arrived;
      assert.deepEqual(red.from("listen"), [red.from("listen", 0)[0]], "only the started message");
    });

    it("tones whose callbacks arrive late or twice leave in order, once each; an unreadable key leaves from failed and listening goes on", async () => {
      await load([LISTEN]);
      const { legId, connected, callId } = await call();
      red.inject("listen", copyOf(connected));
      await red.next("listen", 0);
      // The simulator holds the first tone's callback back until the next has been delivered,
      // and delivers the second tone's callback twice (the same CloudEvent id).
      for (const delivery of ["late", "twice"]) {
        const set = await red.control("POST", "/faults", { stage: "delivery", eventType: "ContinuousDtmfRecognitionToneReceived", delivery });
        assert.equal(set.status, 201);
      }
      await press(legId, "123");
      await eventually(async () => tonesFrom("listen", callId).length === 3, "three tones");
      assert.deepEqual(tonesFrom("listen", callId).map(payloadOf), ["1", "2", "3"]);
      assert.deepEqual(tonesFrom("listen", callId).map((m) => dtmfOf(m).sequenceId), [1, 2, 3]);

      // What really went over the wire: tone 2 twice, then 3, then the late tone 1.
      const deliveries = await red.control<Array<{ eventType: string; eventId: string; delivered: boolean }>>("GET", "/deliveries");
      const toneIds = deliveries.body.filter((d) => d.eventType.endsWith("ContinuousDtmfRecognitionToneReceived") && d.delivered).map((d) => d.eventId).slice(-4);
      assert.equal(toneIds[0], toneIds[1], "the second tone was delivered twice");
      assert.equal(new Set(toneIds).size, 3);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(tonesFrom("listen", callId).length, 3, "the duplicate delivery sent nothing more");

      const unreadable = await red.control<{ outcomes: string[] }>("POST", `/calls/${legId}/dtmf`, { tones: "5", unreadable: true });
      assert.deepEqual(unreadable.body.outcomes, ["failed"]);
      const failed = await red.next("listen", 3);
      assert.deepEqual(payloadOf(failed), { reason: "toneFailed", code: 500, subCode: 8534, message: "Incorrect tone detected.", participant: CALLER });
      assert.equal(failed.msg.event?.type, "ContinuousDtmfRecognitionToneFailed");

      await press(legId, "4");
      await eventually(async () => tonesFrom("listen", callId).length === 4, "listening goes on");
      assert.deepEqual(tonesFrom("listen", callId).map(payloadOf), ["1", "2", "3", "4"]);
      assert.equal(dtmfOf(tonesFrom("listen", callId)[3]).sequenceId, 4, "the unreadable key took no sequence number");
    });

    it("starting again on the same call replaces the first recognition: each key once, one listener", async () => {
      await load([LISTEN]);
      const { legId, connected, callId } = await call();
      const service = await red.service();
      const watchersBefore = service.router.watchers(callId);
      red.inject("listen", { ...copyOf(connected), topic: "first" });
      await red.next("listen", 0);
      red.inject("listen", { ...copyOf(connected), topic: "second" });
      await eventually(async () => red.from("listen", 0).length === 2, "started twice");
      assert.equal(service.router.watchers(callId), watchersBefore + 1);
      await press(legId, "3");
      const tone = await red.next("listen", 1);
      assert.equal(tone.msg.topic, "second");
      await press(legId, "#");
      await eventually(async () => tonesFrom("listen").length === 2, "the second key");
      assert.deepEqual(tonesFrom("listen").map(payloadOf), ["3", "#"]);
    });

    it("bad input: no call id, no participant, a stranger, an ended call: clear errors to Catch; another call keeps its keys flowing", async () => {
      await load([LISTEN, STOP, { ...LISTEN, id: "stranger", participant: "+14255550999", participantType: "str" }]);
      const ended = await call();
      const other = await call(OTHER_CALLER);
      const service = await red.service();
      red.inject("listen", copyOf(other.connected));
      await red.next("listen", 0);
      await press(other.legId, "1");
      await red.next("listen", 1);

      assert.match(await caught("listen", { payload: 1 }), /^No call id/);
      assert.match(await caught("stop", { payload: 1 }), /^No call id/);
      assert.equal(await caught("listen", { call: { callConnectionId: ended.callId } }), "No participant: msg.call.remoteParty is empty. Wire this node after an incoming-call or create-call node (one target), or set the participant.");
      assert.equal(await caught("stranger", copyOf(ended.connected)), "start continuous DTMF failed: ACS answered 404 (8522): Participant not found.");
      assert.equal(service.router.watchers(ended.callId), 1, "only the answer node's watch: the failed start left nothing");
      await red.hangup(ended.legId);
      await red.next("answer", 2, (m) => m.msg.call?.callConnectionId === ended.callId);
      assert.match(await caught("listen", copyOf(ended.connected)), /^start continuous DTMF failed: the call has already ended/);
      assert.match(await caught("stop", copyOf(ended.connected)), /^stop continuous DTMF failed: the call has already ended/);

      await press(other.legId, "2");
      await eventually(async () => tonesFrom("listen", other.callId).length === 2, "the other call's second key");
      assert.deepEqual(tonesFrom("listen", other.callId).map(payloadOf), ["1", "2"]);
      assert.equal((await leg(other.legId)).state, "connected");
    });
  });

  describe("example examples/nodes/acs-dtmf.json, as shipped", () => {
    const NUMBER = "+18005550131";
    const INSTRUCTIONS = "Press any keys, and I will read each one back. Press pound when you are done.";
    beforeEach(async () => red.load(instrumented("nodes/acs-dtmf.json")));

    const heard = async (legId: string) => (await leg(legId)).heard.map((h) => h.content);
    const until = (legId: string, count: number) => eventually(async () => ((await heard(legId)).length >= count ? heard(legId) : undefined), `${count} prompts heard`);

    it("reads back each key in order; # stops listening, sends the keys 1234 to the caller, says goodbye and hangs up", async () => {
      const legId = await red.dial(CALLER, NUMBER);
      await red.next("dtm-listen", 0);
      await until(legId, 1);
      await red.press(legId, "1");
      await until(legId, 2);
      await red.press(legId, "2");
      await red.press(legId, "*");
      await until(legId, 4);
      await red.press(legId, "#");
      const sent = await red.next("dtm-send", 0);
      assert.deepEqual(payloadOf(sent), { sent: true, tones: "1234", participant: CALLER });
      const ended = (await red.waitForLegState(legId, "ended")) as Leg;
      assert.deepEqual(ended.heard.map((h) => h.content), [INSTRUCTIONS, "You pressed 1.", "You pressed 2.", "You pressed *.", "Thank you. Goodbye."]);
      assert.deepEqual(ended.tonesReceived, ["one", "two", "three", "four"]);
      assert.deepEqual(red.from("dtm-listen", 1).map(payloadOf), ["1", "2", "*", "#"]);
      assert.deepEqual(red.from("dtm-keys").map((m) => m.msg.payload), ["1", "2", "*", "#"], "each key reached the debug node");
      assert.equal(payloadOf(await red.next("dtm-stop", 0)).stopped, true);
      assert.equal(payloadOf(await red.next("dtm-listen", 2)).stopped, true);
      const hungUp = await red.next("dtm-hangup", 0);
      assert.ok(red.from("dtm-log").some((m) => m.msg._msgid === hungUp.msg._msgid), "the hang-up reached the call log");
    });

    it("two callers at once: each hears only their own keys", async () => {
      const first = await red.dial(CALLER, NUMBER);
      const second = await red.dial(OTHER_CALLER, NUMBER);
      await until(first, 1);
      await until(second, 1);
      await red.press(first, "3");
      await red.press(second, "9");
      await red.press(first, "4");
      await until(first, 3);
      await until(second, 2);
      assert.deepEqual((await heard(first)).slice(1), ["You pressed 3.", "You pressed 4."]);
      assert.deepEqual((await heard(second)).slice(1), ["You pressed 9."]);
      await red.press(second, "#");
      const ended = (await red.waitForLegState(second, "ended")) as Leg;
      assert.deepEqual(ended.tonesReceived, ["one", "two", "three", "four"]);
      assert.equal((await leg(first)).state, "connected", "the first caller is still listened to");
      await red.press(first, "5");
      await until(first, 4);
      assert.equal((await heard(first))[3], "You pressed 5.");
    });
  });
});
