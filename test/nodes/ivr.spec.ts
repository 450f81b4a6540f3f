/**
 * The IVR example (examples/IVR menu.json, the flow `npm start` deploys) run through Node-RED
 * against the embedded simulator, by every branch; many calls at once; callers hanging up in the
 * middle of a prompt and of a question.
 */
import assert from "node:assert/strict";
import { instrumented } from "../support/examples";
import { about, eventually, RedHarness, type LegDetail } from "../support/red";
import { sleep, waitFor } from "../support/harness";

const AGENT = "+14255550199";

const contents = (leg: LegDetail) => leg.heard.map((h) => h.content);

describe("IVR example flow", function () {
  this.timeout(30000);
  const red = RedHarness.forSuite();
  beforeEach(async () => red.load(instrumented("IVR menu.json")));


  async function endedLeg(legId: string): Promise<LegDetail> {
    for (let i = 0; i < 400; i++) {
      const leg = await red.leg(legId);
      if (leg.state === "ended") return leg;
      await sleep(10);
    }
    throw new Error(`call ${legId} did not end`);
  }

  /** The agent's phone ringing for a transfer (optionally in the call `serverCallId`). */
  async function ringingAgent(serverCallId?: string): Promise<{ id: string }> {
    return eventually(
      async () => {
        const calls = await red.control<Array<{ id: string; to: string; serverCallId: string }>>("GET", "/calls?state=ringing");
        return calls.body.find((c) => c.to === `4:${AGENT}` && (!serverCallId || c.serverCallId === serverCallId));
      },
      "the agent's phone to ring",
      8000,
    );
  }

  async function waitForNoWaits(): Promise<void> {
    const service = await red.service("ivr-acs");
    await waitFor(() => service.router.waiting === 0, "every wait released");
  }

  it("key 1: greeting, menu, opening hours, goodbye, hang-up", async () => {
    const leg = await red.dial("+14255550123", "+18005550100");
    await red.waitForRecognize(leg);
    await red.press(leg, "1");
    const ended = await endedLeg(leg);
    const callId = ended.serverCallId;
    assert.deepEqual(contents(ended), [
      "Thank you for calling Contoso.",
      "For our opening hours, press 1 or say opening hours. To speak to an agent, press 2 or say agent.",
      "We are open Monday to Friday, from 9 AM to 5 PM.",
      "Thank you for calling. Goodbye.",
    ]);
    const choice = await red.next("ivr-menu", 0, about(callId));
    assert.equal(choice.msg.payload, "hours");
    assert.deepEqual(red.from("ivr-menu").map((m) => m.port), [0]);
    await red.next("ivr-hangup", 0, about(callId));
    await red.next("ivr-answer", 2, about(callId));
    await waitForNoWaits();
  });

  it("saying \"opening hours\" takes the same branch by voice", async () => {
    const leg = await red.dial();
    await red.waitForRecognize(leg);
    await red.say(leg, "opening hours");
    const ended = await endedLeg(leg);
    assert.ok(contents(ended).includes("We are open Monday to Friday, from 9 AM to 5 PM."));
    const choice = await red.next("ivr-menu", 0);
    assert.equal(choice.msg.payload, "hours");
    assert.equal((choice.msg.recognition as { kind: string }).kind, "choice");
  });

  for (const [how, act] of [
    ["key 2", (leg: string) => red.press(leg, "2")],
    ["saying \"agent\"", (leg: string) => red.say(leg, "agent")],
  ] as const) {
    it(`${how}: please hold, then a blind transfer to the agent, who can answer`, async () => {
      const leg = await red.dial();
      await red.waitForRecognize(leg);
      await act(leg);
      const agentLeg = await ringingAgent();
      const caller = await red.leg(leg);
      assert.ok(contents(caller).includes("Please hold while I connect you to an agent."));
      assert.ok(!contents(caller).includes("We are open Monday to Friday, from 9 AM to 5 PM."));
      assert.equal(red.from("ivr-transfer").length, 0, "no outcome while the agent's phone rings");
      const answered = await red.control("POST", `/calls/${agentLeg.id}/answer`);
      assert.equal(answered.status, 200);
      const accepted = await red.next("ivr-transfer", 0);
      assert.equal((accepted.msg.payload as { target: string }).target, AGENT);
      const agent = await red.leg(agentLeg.id);
      assert.equal(agent.state, "connected");
      assert.equal(agent.serverCallId, caller.serverCallId, "the agent joined the caller's call");
      assert.equal(red.from("ivr-sorry").length, 0);
      await waitForNoWaits();
    });
  }

  it("no input three times: two re-prompts, then goodbye and hang-up", async () => {
    const leg = await red.dial();
    const ended = await endedLeg(leg);
    const heard = contents(ended);
    assert.equal(heard.filter((h) => h === "Sorry, I did not hear anything.").length, 2);
    assert.equal(heard.filter((h) => h.startsWith("For our opening hours")).length, 3);
    assert.equal(heard[heard.length - 1], "Thank you for calling. Goodbye.");
    const noInput = await red.next("ivr-menu", 2);
    assert.deepEqual(noInput.msg.payload, { reason: "noInput", attempts: 3 });
    assert.equal(red.from("ivr-menu", 0).length + red.from("ivr-menu", 1).length, 0);
  });

  it("a key that is no option, three times: the no-match prompt, then goodbye", async () => {
    const leg = await red.dial();
    for (let attempt = 0; attempt < 3; attempt++) {
      await red.waitForRecognize(leg);
      const before = (await red.leg(leg)).heard.length;
      await red.press(leg, "9");
      // Wait for the next prompt (or the end) before pressing again.
      for (let i = 0; i < 400; i++) {
        const now = await red.leg(leg);
        if (now.state === "ended" || now.heard.length > before) break;
        await sleep(5);
      }
    }
    const ended = await endedLeg(leg);
    assert.equal(contents(ended).filter((h) => h === "Sorry, that is not one of the options.").length, 2);
    const noMatch = await red.next("ivr-menu", 3);
    assert.equal((noMatch.msg.payload as { reason: string; attempts: number }).reason, "noMatch");
    assert.equal((noMatch.msg.payload as { attempts: number }).attempts, 3);
  });

  it("an agent who declines: the transfer fails, the caller hears the apology and goodbye", async () => {
    const leg = await red.dial();
    await red.waitForRecognize(leg);
    await red.press(leg, "2");
    const agentLeg = await ringingAgent();
    await red.control("POST", `/calls/${agentLeg.id}/reject`, { reason: "declined" });
    const failed = await red.next("ivr-transfer", 1);
    assert.equal((failed.msg.payload as { reason: string }).reason, "declined");
    const ended = await endedLeg(leg);
    const heard = contents(ended);
    assert.deepEqual(heard.slice(-2), ["Sorry, no agent is available right now.", "Thank you for calling. Goodbye."]);
  });

  it("many calls at once: each caller's choice reaches only its own branch", async () => {
    const callers = Array.from({ length: 24 }, (_, i) => ({ from: `+1425555${String(1000 + i)}`, choice: i % 3 }));
    const legs = await Promise.all(callers.map((c) => red.dial(c.from, "+18005550100")));
    await Promise.all(
      legs.map(async (leg, i) => {
        await red.waitForRecognize(leg, 15000);
        const choice = callers[i].choice;
        if (choice === 0) await red.press(leg, "1");
        else if (choice === 1) await red.say(leg, "opening hours");
        else await red.press(leg, "2");
      }),
    );
    await waitFor(() => red.from("ivr-menu").length === legs.length, "every caller's menu outcome", 15000);
    for (let i = 0; i < legs.length; i++) {
      const callId = (await red.leg(legs[i])).serverCallId;
      const outcomes = red.from("ivr-menu").filter(about(callId));
      assert.equal(outcomes.length, 1, `one menu outcome for caller ${i}`);
      const expectedPort = callers[i].choice === 2 ? 1 : 0;
      assert.equal(outcomes[0].port, expectedPort, `caller ${i} took the branch of their choice`);
      assert.equal(outcomes[0].msg.call?.from, callers[i].from);
    }
    await Promise.all(
      legs.map(async (leg, i) => {
        if (callers[i].choice !== 2) return;
        const agent = await ringingAgent((await red.leg(leg)).serverCallId);
        await red.control("POST", `/calls/${agent.id}/answer`);
      }),
    );
    await waitFor(() => red.from("ivr-transfer", 0).length === callers.filter((c) => c.choice === 2).length, "every transfer", 15000);
    for (let i = 0; i < legs.length; i++) {
      if (callers[i].choice === 2) continue;
      const leg = await endedLeg(legs[i]);
      assert.ok(contents(leg).includes("We are open Monday to Friday, from 9 AM to 5 PM."), `caller ${i} heard the hours`);
      assert.ok(!contents(leg).includes("Please hold while I connect you to an agent."), `caller ${i} did not hear the hold prompt`);
    }
    const transferred = new Set(red.from("ivr-transfer", 0).map((m) => m.msg.call?.from));
    assert.deepEqual([...transferred].sort(), callers.filter((c) => c.choice === 2).map((c) => c.from).sort());
  });

  it("a caller who hangs up during the greeting: no output from the prompt, nothing left waiting", async () => {
    const leg = await red.dial();
    for (let i = 0; i < 400; i++) {
      const now = await red.leg(leg);
      if (now.media.some((m) => m.operations.some((op) => op.kind === "play"))) break;
      await sleep(2);
    }
    await red.hangup(leg);
    const callId = (await red.leg(leg)).serverCallId;
    await red.next("ivr-answer", 2, about(callId));
    await waitForNoWaits();
    await sleep(200);
    assert.equal(red.from("ivr-greet").length, 0);
    assert.equal(red.from("ivr-menu").length, 0);
    assert.equal(red.from("ivr-hangup").length, 0);
  });

  it("a caller who hangs up during the menu: no menu port fires, nothing left waiting", async () => {
    const leg = await red.dial();
    await red.waitForRecognize(leg);
    await red.hangup(leg);
    const callId = (await red.leg(leg)).serverCallId;
    await red.next("ivr-answer", 2, about(callId));
    await waitForNoWaits();
    await sleep(200);
    assert.equal(red.from("ivr-greet", 0).length, 1);
    assert.equal(red.from("ivr-menu").length, 0);
    assert.equal(red.from("ivr-goodbye").length, 0);
  });
});
