/**
 * The example flow of each node (examples/nodes/<type>.json), run as shipped in Node-RED against
 * the embedded simulator: calls placed and answered through the simulator's control API, the
 * outcome ports and debug nodes watched, and what the far end heard checked.
 */
import assert from "node:assert/strict";
import { instrumented } from "../support/examples";
import { sleep } from "../support/harness";
import { about, RedHarness, type LegDetail } from "../support/red";

const CALLER = "+14255550123";

const contents = (leg: LegDetail) => leg.heard.map((h) => h.content);

describe("node examples (examples/nodes)", function () {
  this.timeout(30000);
  const red = RedHarness.forSuite();

  /** No error reached the example's catch node. */
  const noErrors = (prefix: string) =>
    assert.deepEqual(
      red.from(`${prefix}-errors`).map((m) => String((m.msg.error as { message?: string } | undefined)?.message)),
      [],
    );

  /** The far end's phone ringing for an outbound call (or transfer, or redirect) to `number`. */
  const ringing = (number: string) =>
    red.waitForLeg((l) => l.to === `4:${number}` && l.state === "ringing" && l.direction === "outbound", `${number} to ring`);

  const answerLeg = async (id: string) => {
    const res = await red.control("POST", `/calls/${id}/answer`);
    assert.equal(res.status, 200);
  };

  describe("acs-incoming-call", () => {
    beforeEach(async () => red.load(instrumented("nodes/acs-incoming-call.json")));

    it("a caller from +1425…: both nodes see the call; the filtered one answers, says hello and hangs up", async () => {
      const leg = await red.dial(CALLER, "+18005550101");
      const ended = await red.waitForLegState(leg, "ended");
      assert.equal(ended.endReason, "ended by the application");
      assert.deepEqual(contents(ended), ["Hello, caller from the 425 area. This is the incoming call example. Goodbye."]);
      const filtered = await red.next("exinc-from425", 0);
      assert.equal(filtered.msg.call?.from, CALLER);
      const shown = await red.next("exinc-showcall", 0);
      const call = shown.msg.call ?? {};
      assert.equal(call.from, CALLER);
      assert.equal(call.to, "+18005550101");
      assert.equal(call.direction, "inbound");
      assert.equal(call.serverCallId, ended.serverCallId);
      assert.equal(typeof call.incomingCallContext, "string");
      await red.next("exinc-log", 0, (m) => (m.msg.payload as { hungUp?: boolean }).hungUp === true);
      noErrors("exinc");
    });

    it("a caller from another area code reaches only the node with no caller filter, and is not answered", async () => {
      const leg = await red.dial("+12065550123", "+18005550101");
      const shown = await red.next("exinc-showcall", 0);
      assert.equal(shown.msg.call?.from, "+12065550123");
      // A call to a number no example answers, placed meanwhile, reaches neither node.
      const other = await red.leg(await red.dial(CALLER, "+18005550148"));
      await red.dial("+12065550124", "+18005550101");
      await red.next("exinc-showcall", 0, (m) => m.msg.call?.from === "+12065550124");
      assert.equal(red.from("exinc-from425").length, 0, "the +1425* node saw neither call");
      assert.equal(red.from("exinc-answer").length, 0);
      assert.equal(red.received.filter(about(other.serverCallId)).length, 0, "a call to another number reaches no node");
      assert.equal((await red.leg(leg)).state, "ringing", "nobody answers it");
      noErrors("exinc");
    });
  });

  describe("acs-answer", () => {
    beforeEach(async () => red.load(instrumented("nodes/acs-answer.json")));

    it("answers everyone else: a message, hang-up, and the ended port", async () => {
      const leg = await red.dial(CALLER, "+18005550102");
      const ended = await red.waitForLegState(leg, "ended");
      assert.deepEqual(contents(ended), ["Thank you for calling. This is the answer example. Goodbye."]);
      const end = await red.next("exans-ended", 0);
      assert.equal((end.msg.payload as { reason: string }).reason, "ended");
      assert.equal(end.msg.event?.type, "CallDisconnected");
      assert.equal(red.from("exans-reject").length + red.from("exans-redirect").length, 0);
      noErrors("exans");
    });

    for (const blocked of ["+14255550666", "+14255550667"]) {
      it(`rejects the blocked caller ${blocked} as busy`, async () => {
        const leg = await red.dial(blocked, "+18005550102");
        const done = await red.next("exans-reject", 0);
        assert.deepEqual(done.msg.payload, { rejected: true, rejectReason: "busy" });
        const ended = await red.waitForLegState(leg, "ended");
        assert.equal(ended.endReason, "rejected (busy)");
        assert.deepEqual(ended.heard, []);
        await red.next("exans-log", 0, (m) => (m.msg.payload as { rejected?: boolean }).rejected === true);
        assert.equal(red.from("exans-answer").length, 0);
        noErrors("exans");
      });
    }

    it("redirects the VIP caller to the manager's phone, which can answer", async () => {
      const leg = await red.dial("+14255550777", "+18005550102");
      const done = await red.next("exans-redirect", 0);
      assert.deepEqual(done.msg.payload, { redirected: true, target: "+14255550177" });
      const manager = await ringing("+14255550177");
      assert.equal(manager.from, "4:+14255550777", "the manager sees the caller's number");
      await answerLeg(manager.id);
      const caller = await red.waitForLegState(leg, "connected");
      assert.equal(caller.serverCallId, manager.serverCallId, "the caller talks to the manager");
      assert.equal(red.from("exans-answer").length, 0);
      noErrors("exans");
    });

    it("a caller who hangs up during the message: the ended port reports it, nothing else fails", async () => {
      const leg = await red.dial(CALLER, "+18005550102");
      const connected = await red.next("exans-answer", 0);
      await red.hangup(leg);
      const end = await red.next("exans-ended", 0, about(String(connected.msg.call?.serverCallId)));
      assert.equal((end.msg.payload as { reason: string }).reason, "ended");
      await sleep(100);
      assert.equal(red.from("exans-message").length, 0, "the interrupted prompt sends nothing");
      noErrors("exans");
    });
  });

  describe("acs-create-call", () => {
    beforeEach(async () => red.load(instrumented("nodes/acs-create-call.json")));

    it("calls +14255550150 with the caller id +18005550100; when answered, a message and hang-up", async () => {
      red.inject("excc-one", {});
      const leg = await ringing("+14255550150");
      assert.equal(leg.from, "4:+18005550100");
      await answerLeg(leg.id);
      const ended = await red.waitForLegState(leg.id, "ended");
      assert.deepEqual(contents(ended), ["Hello, this is a call from Node-RED. Goodbye."]);
      const connected = await red.next("excc-call", 0);
      assert.equal(connected.msg.call?.to, "+14255550150");
      await red.next("excc-done", 0);
      const end = await red.next("excc-ended", 0);
      assert.equal((end.msg.payload as { reason: string }).reason, "ended");
      assert.equal(red.from("excc-why").length, 0);
      noErrors("excc");
    });

    const outcomes: Array<[string, string, (id: string) => Promise<unknown>]> = [
      ["declines", "excc-declined", (id) => red.control("POST", `/calls/${id}/reject`, { reason: "declined" })],
      ["is busy", "excc-busy", (id) => red.control("POST", `/calls/${id}/reject`, { reason: "busy" })],
      ["does not answer", "excc-noanswer", async () => undefined],
    ];
    for (const [what, debug, act] of outcomes) {
      it(`a callee who ${what}: the failure reaches its own debug node`, async () => {
        red.inject("excc-one", {});
        const leg = await ringing("+14255550150");
        await act(leg.id);
        const shown = await red.next(debug, 0);
        assert.equal(shown.msg.call?.to, "+14255550150");
        const others = ["excc-declined", "excc-busy", "excc-noanswer", "excc-otherfail"].filter((d) => d !== debug);
        for (const other of others) assert.equal(red.from(other).length, 0, `nothing reached ${other}`);
        assert.equal(red.from("excc-hello").length, 0);
        noErrors("excc");
      });
    }

    it("group call: both numbers ring; once they answer both hear the message, then the call ends for everyone", async () => {
      red.inject("excc-group", {});
      const [a, b] = await Promise.all([ringing("+14255550151"), ringing("+14255550152")]);
      assert.equal(a.serverCallId, b.serverCallId, "one call with two invitees");
      await Promise.all([answerLeg(a.id), answerLeg(b.id)]);
      const [endedA, endedB] = await Promise.all([red.waitForLegState(a.id, "ended"), red.waitForLegState(b.id, "ended")]);
      for (const leg of [endedA, endedB]) {
        assert.deepEqual(contents(leg), ["Hello everyone, this is a group call from Node-RED. Goodbye."]);
        assert.equal(leg.endReason, "ended by the application");
      }
      const done = await red.next("excc-done", 0);
      assert.deepEqual(done.msg.payload, { hungUp: true, forEveryone: true });
      noErrors("excc");
    });
  });

  describe("acs-play", () => {
    beforeEach(async () => red.load(instrumented("nodes/acs-play.json")));

    it("plays TTS from JSONata, SSML, a file, hold music on a loop, then a barge-in prompt that stops the music", async () => {
      const leg = await red.dial(CALLER, "+18005550103");
      const ended = await red.waitForLegState(leg, "ended", 15000);
      const heard = ended.heard.map((h) => `${h.kind}:${h.content}`);
      assert.equal(heard[0], `text:Hello. You are calling from ${CALLER}.`);
      assert.match(heard[1], /^ssml:<speak .*<emphasis level="strong">SSML<\/emphasis>/);
      assert.equal(heard[2], "file:https://example.com/audio/welcome.wav");
      const music = heard.slice(3, -1);
      assert.ok(music.length >= 1 && music.every((h) => h === "file:https://example.com/audio/hold-music.wav"), `hold music, then the barge-in: ${heard.join(" | ")}`);
      assert.equal(heard[heard.length - 1], "text:Thank you for holding. That was the play example. Goodbye.");
      assert.ok(ended.events.some((e) => e.type === "PlayCanceled"), "the barge-in canceled the music");
      const looping = await red.next("explay-music", 0);
      assert.deepEqual(looping.msg.payload, { completed: false, looping: true });
      const barged = await red.next("explay-bargein", 0);
      assert.deepEqual(barged.msg.payload, { completed: true });
      assert.equal(red.from("explay-failed").length, 0, "no prompt failed");
      noErrors("explay");
    });

    it("a caller who hangs up on hold: the barge-in prompt finds the call ended, a clear error for the catch node", async () => {
      const leg = await red.dial(CALLER, "+18005550103");
      await red.next("explay-music", 0);
      await red.hangup(leg);
      const caught = await red.next("explay-errors", 0, () => true, 10000);
      assert.match(String((caught.msg.error as { message: string }).message), /play failed: the call has already ended/);
      assert.equal(red.from("explay-bargein").length, 0);
      assert.equal(red.from("explay-failed").length, 0);
    });
  });

  describe("acs-recognize", () => {
    beforeEach(async () => red.load(instrumented("nodes/acs-recognize.json")));

    it("account number by keys, yes by key, then speech read back", async () => {
      const leg = await red.dial(CALLER, "+18005550104");
      await red.waitForRecognize(leg);
      await red.press(leg, "1234#");
      const account = await red.next("exrec-account", 0);
      assert.equal(account.msg.payload, "1234");
      await eventuallyHeard(leg, "You entered 1 2 3 4. If that is right, press 1 or say yes. If not, press 2 or say no.");
      await red.waitForRecognize(leg);
      await red.press(leg, "1");
      const yes = await red.next("exrec-confirm", 0);
      assert.equal(yes.msg.payload, "yes");
      await eventuallyHeard(leg, "Thank you. In a few words, why are you calling today?");
      await red.waitForRecognize(leg);
      await red.say(leg, "I lost my card");
      const ended = await red.waitForLegState(leg, "ended");
      assert.equal(contents(ended).at(-1), "You said: I lost my card. Thank you. Goodbye.");
      const kinds = red.from("exrec-recognized").map((m) => (m.msg.recognition as { kind: string }).kind);
      assert.deepEqual(kinds, ["dtmf", "choice", "speech"]);
      noErrors("exrec");
    });

    it("a wrong number of digits is asked again; no goes back to the account number", async () => {
      const leg = await red.dial(CALLER, "+18005550104");
      await red.waitForRecognize(leg);
      await red.press(leg, "12#");
      await eventuallyHeard(leg, "Sorry, an account number has 4 digits.");
      await red.waitForRecognize(leg);
      await red.press(leg, "5678#");
      const account = await red.next("exrec-account", 0);
      assert.equal(account.msg.payload, "5678");
      assert.equal((account.msg.recognition as { attempts: number }).attempts, 2);
      await eventuallyHeard(leg, "You entered 5 6 7 8. If that is right, press 1 or say yes. If not, press 2 or say no.");
      await red.waitForRecognize(leg);
      await red.say(leg, "no");
      const no = await red.next("exrec-confirm", 1);
      assert.equal(no.msg.payload, "no");
      await eventuallyHeard(leg, "Please enter your 4-digit account number, then press the hash key.", 3);
      assert.equal(red.from("exrec-reason").length, 0);
      noErrors("exrec");
    });

    it("no input three times: two re-prompts, then sorry and goodbye", async () => {
      const leg = await red.dial(CALLER, "+18005550104");
      const ended = await red.waitForLegState(leg, "ended", 15000);
      const heard = contents(ended);
      assert.equal(heard.filter((h) => h === "Sorry, I did not hear anything.").length, 2);
      assert.equal(heard.filter((h) => h.startsWith("Please enter your 4-digit account number")).length, 3);
      assert.equal(heard.at(-1), "Sorry, I could not understand you. Please call again. Goodbye.");
      const noInput = await red.next("exrec-account", 1);
      assert.deepEqual(noInput.msg.payload, { reason: "noInput", attempts: 3 });
      noErrors("exrec");
    });

    /** Wait until the far end has heard `text` (`times` times; prompts play in simulated time). */
    async function eventuallyHeard(leg: string, text: string, times = 1): Promise<void> {
      for (let i = 0; i < 800; i++) {
        if (contents(await red.leg(leg)).filter((h) => h === text).length >= times) return;
        await sleep(10);
      }
      assert.fail(`never heard "${text}": ${JSON.stringify(contents(await red.leg(leg)))}`);
    }
  });

  describe("acs-transfer", () => {
    beforeEach(async () => red.load(instrumented("nodes/acs-transfer.json")));

    it("the agent answers: the caller is handed over and the app leaves the call", async () => {
      const leg = await red.dial(CALLER, "+18005550105");
      const agent = await ringing("+14255550155");
      assert.deepEqual(contents(await red.leg(leg)), ["Please hold while I transfer you to an agent."]);
      await answerLeg(agent.id);
      const accepted = await red.next("exxfer-transfer", 0);
      assert.deepEqual(accepted.msg.payload, { accepted: true, target: "+14255550155" });
      const caller = await red.leg(leg);
      assert.equal(caller.state, "connected");
      assert.equal((await red.leg(agent.id)).serverCallId, caller.serverCallId, "the agent joined the caller's call");
      const end = await red.next("exxfer-answer", 2);
      assert.equal((end.msg.payload as { reason: string }).reason, "ended", "the app's part of the call is over");
      assert.equal(red.from("exxfer-failed").length, 0);
      noErrors("exxfer");
    });

    for (const reason of ["declined", "busy"] as const) {
      it(`the agent ${reason === "busy" ? "is busy" : "declines"}: the reason is shown, the caller hears an apology`, async () => {
        const leg = await red.dial(CALLER, "+18005550105");
        const agent = await ringing("+14255550155");
        await red.control("POST", `/calls/${agent.id}/reject`, { reason });
        const failed = await red.next("exxfer-failed", 0);
        assert.equal((failed.msg.payload as { reason: string }).reason, reason);
        const ended = await red.waitForLegState(leg, "ended");
        assert.equal(contents(ended).at(-1), "Sorry, no agent is available right now. Please call again later. Goodbye.");
        noErrors("exxfer");
      });
    }
  });

  describe("acs-hangup", () => {
    beforeEach(async () => red.load(instrumented("nodes/acs-hangup.json")));

    for (const [how, act, line, forEveryone] of [
      ["pressing 1", (leg: string) => red.press(leg, "1"), "Goodbye. I am leaving the call.", false],
      ["saying end", (leg: string) => red.say(leg, "end"), "Goodbye. I am ending the call for everyone.", true],
    ] as const) {
      it(`inbound, ${how}: ${forEveryone ? "ends the call for everyone" : "leaves the call"}, which ends a call with one caller`, async () => {
        const leg = await red.dial(CALLER, "+18005550106");
        await red.waitForRecognize(leg);
        await act(leg);
        const ended = await red.waitForLegState(leg, "ended");
        assert.equal(contents(ended).at(-1), line);
        const done = await red.next(forEveryone ? "exhu-endall" : "exhu-leave", 0);
        assert.deepEqual(done.msg.payload, { hungUp: true, forEveryone });
        noErrors("exhu");
      });
    }

    it("conference, app leaves: the two callees stay connected to each other", async () => {
      red.inject("exhu-confleave", {});
      const [a, b] = await Promise.all([ringing("+14255550161"), ringing("+14255550162")]);
      assert.equal(a.from, "4:+18005550106");
      await Promise.all([answerLeg(a.id), answerLeg(b.id)]);
      const done = await red.next("exhu-confleavehangup", 0);
      assert.deepEqual(done.msg.payload, { hungUp: true, forEveryone: false });
      await red.next("exhu-callleave", 2);
      for (const id of [a.id, b.id]) {
        const leg = await red.leg(id);
        assert.equal(leg.state, "connected", "still in the call");
        assert.deepEqual(contents(leg), ["This conference was started by Node-RED. The app now leaves the call, and you stay connected."]);
      }
      noErrors("exhu");
    });

    it("conference, end for everyone: both callees are dropped", async () => {
      red.inject("exhu-confend", {});
      const [a, b] = await Promise.all([ringing("+14255550161"), ringing("+14255550162")]);
      await Promise.all([answerLeg(a.id), answerLeg(b.id)]);
      for (const id of [a.id, b.id]) {
        const leg = await red.waitForLegState(id, "ended");
        assert.equal(leg.endReason, "ended by the application");
        assert.deepEqual(contents(leg), ["This conference was started by Node-RED. The app now ends the call for everyone."]);
      }
      const done = await red.next("exhu-confendhangup", 0);
      assert.deepEqual(done.msg.payload, { hungUp: true, forEveryone: true });
      noErrors("exhu");
    });
  });

  describe("acs-event-in", () => {
    beforeEach(async () => red.load(instrumented("nodes/acs-event-in.json")));

    it("shows every event of the call, the start and end of every call, and the unclaimed events", async () => {
      const leg = await red.dial(CALLER, "+18005550107");
      const ended = await red.waitForLegState(leg, "ended");
      assert.deepEqual(contents(ended), ["Hello. The events of this call are shown in the debug sidebar. Goodbye."]);
      const mine = about(ended.serverCallId);
      const lastOf = (debug: string) => red.next(debug, 0, (m) => mine(m) && m.msg.topic === "CallDisconnected");
      await Promise.all([lastOf("exevt-showall"), lastOf("exevt-showunclaimed"), lastOf("exevt-showstartend")]);
      const types = (debug: string) => red.from(debug).filter(mine).map((m) => String(m.msg.topic));
      // Followed from the moment the answer node's message arrives (just after CallConnected).
      assert.deepEqual(types("exevt-showall").filter((t) => t !== "ParticipantsUpdated"), ["PlayStarted", "PlayCompleted", "CallDisconnected"]);
      assert.deepEqual(types("exevt-showunclaimed").filter((t) => t !== "ParticipantsUpdated"), ["PlayStarted", "CallDisconnected"]);
      assert.deepEqual(types("exevt-showstartend"), ["IncomingCall", "CallDisconnected"]);
      noErrors("exevt");
    });
  });
});
