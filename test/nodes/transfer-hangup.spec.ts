/**
 * The transfer and hang-up nodes: blind transfer of an answered call (accepted, declined, custom
 * headers), leaving a group call vs ending it for everyone, hanging up a call that already ended,
 * and what a message without a call does. Node-RED through node-red-node-test-helper, the real SDK
 * against the embedded simulator, the far end played through its control API.
 */
import assert from "node:assert/strict";
import { sleep } from "../support/harness";
import { errorOf, RedHarness, type FlowNode, type ReceivedMessage } from "../support/red";

const CALLER = "+14255550123";
const LINE = "+18005550100";
const AGENT = "+14255550166";
const CALLER_ID = "+18005550100";

type Payload = { reason?: string; code?: number; subCode?: number; accepted?: boolean; target?: string; hungUp?: boolean; forEveryone?: boolean; alreadyEnded?: boolean };
const payloadOf = (m: ReceivedMessage): Payload => m.msg.payload as Payload;

describe("transfer and hang-up nodes", function () {
  const red = RedHarness.forSuite();


  const noErrors = () => assert.deepEqual(red.from("catch").map((m) => errorOf(m).message), []);

  const ringingAt = (number: string) =>
    red.waitForLeg((l) => l.to === `4:${number}` && l.state === "ringing" && l.direction === "outbound", `${number} ringing`);

  describe("transfer", () => {
    /** incoming-call → answer → transfer (ports accepted, failed); answer's ports are recorded too. */
    function transferFlow(transfer: Record<string, unknown>): FlowNode[] {
      const ans = RedHarness.outputs("answer", 3);
      const tr = RedHarness.outputs("transfer", 2);
      return [
        red.configNode(),
        { id: "incoming", type: "acs-incoming-call", acs: "acs", wires: [["answer"]] },
        { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: [["transfer", ...ans.wires[0]], ans.wires[1], ans.wires[2]] },
        // Empty optional fields as the editor saves them.
        { id: "transfer", type: "acs-transfer", acs: "acs", target: AGENT, targetType: "str", callerId: "", callerIdType: "str", sipHeaders: "", sipHeadersType: "json", voipHeaders: "", voipHeadersType: "json", wires: tr.wires, ...transfer },
        ...ans.nodes,
        ...tr.nodes,
        ...RedHarness.catcher(),
      ];
    }

    it("transfers an answered call to a phone number: the target rings, answers, and the message leaves from \"accepted\"", async () => {
      await red.load(transferFlow({}));
      const caller = await red.dial(CALLER, LINE);
      const connected = await red.next("answer", 0);
      const target = await ringingAt(AGENT);
      assert.equal(target.serverCallId, connected.msg.call?.serverCallId, "the target is invited into the same call");
      assert.equal(target.from, `4:${CALLER}`, "the target sees the caller's number");
      assert.equal(red.from("transfer").length, 0, "nothing leaves while the target rings");

      await red.control("POST", `/calls/${target.id}/answer`);
      const accepted = await red.next("transfer", 0);
      assert.deepEqual(accepted.msg.payload, { accepted: true, target: AGENT });
      assert.equal(accepted.msg.event?.type, "CallTransferAccepted");
      assert.equal(accepted.msg.call?.callConnectionId, connected.msg.call?.callConnectionId);

      // A 1:1 call: the application hands the caller over and leaves; caller and agent talk on.
      const ended = await red.next("answer", 2);
      assert.equal(payloadOf(ended).subCode, 7015);
      assert.equal((await red.leg(caller)).state, "connected");
      assert.equal((await red.leg(target.id)).state, "connected");
      assert.deepEqual((await red.leg(caller)).callConnectionIds, []);
      noErrors();
    });

    it("sends custom SIP and VoIP headers with the transfer: the target's leg carries them", async () => {
      await red.load(
        transferFlow({
          sipHeaders: JSON.stringify({ "Agent-Skill": "billing", "User-To-User": "case=77" }),
          sipHeadersType: "json",
          voipHeaders: "crm",
          voipHeadersType: "flow",
        }),
      );
      (red.node<{ context(): { flow: { set(k: string, v: unknown): void } } }>("transfer")).context().flow.set("crm", { caseId: "77", tier: "gold" });
      await red.dial(CALLER, LINE);
      await red.next("answer", 0);
      const target = await ringingAt(AGENT);
      const detail = await red.leg(target.id);
      assert.deepEqual(detail.customContext?.sipHeaders, { "X-MS-Custom-Agent-Skill": "billing", "User-To-User": "case=77" });
      assert.deepEqual(detail.customContext?.voipHeaders, { caseId: "77", tier: "gold" });
      await red.control("POST", `/calls/${target.id}/answer`);
      await red.next("transfer", 0);
      noErrors();
    });

    const failures: Array<[string, (id: string) => Promise<unknown>, string, number]> = [
      ["declines", (id) => red.control("POST", `/calls/${id}/reject`, { reason: "declined" }), "declined", 8538],
      ["is busy", (id) => red.control("POST", `/calls/${id}/reject`, { reason: "busy" }), "busy", 8539],
      ["does not answer", async () => undefined, "noAnswer", 8541],
    ];
    for (const [what, act, reason, subCode] of failures) {
      it(`leaves from "failed" (CallTransferFailed, ${reason}) when the target ${what}; the caller stays with the application`, async () => {
        await red.load(transferFlow({}));
        const caller = await red.dial(CALLER, LINE);
        const connected = await red.next("answer", 0);
        const target = await ringingAt(AGENT);
        await act(target.id);
        const failed = await red.next("transfer", 1);
        assert.equal(failed.msg.event?.type, "CallTransferFailed");
        assert.equal(payloadOf(failed).reason, reason);
        assert.equal(payloadOf(failed).subCode, subCode);
        assert.equal(failed.msg.call?.callConnectionId, connected.msg.call?.callConnectionId);
        const leg = await red.leg(caller);
        assert.equal(leg.state, "connected");
        assert.deepEqual(leg.callConnectionIds, [connected.msg.call?.callConnectionId], "the application is still in the call");
        assert.equal(red.from("answer", 2).length, 0);
        assert.equal(red.from("transfer", 0).length, 0);
        noErrors();
      });
    }

    it("the caller hanging up while the target rings: the target stops ringing, the call's end leaves from answer's \"ended\"", async () => {
      await red.load(transferFlow({}));
      const caller = await red.dial(CALLER, LINE);
      await red.next("answer", 0);
      const target = await ringingAt(AGENT);
      await red.hangup(caller);
      await red.next("answer", 2);
      const stopped = await red.waitForLegState(target.id, "ended");
      assert.equal(stopped.endReason, "canceled");
      await sleep(100);
      assert.equal(red.from("transfer").length, 0, "the transfer reports nothing: the call's end is reported once, by answer");
      noErrors();
    });

    it("a message with no msg.call at all is a clear error naming msg.call.callConnectionId", async () => {
      await red.load(transferFlow({}));
      red.inject("transfer", { payload: "transfer me" });
      const caught = await red.next("catch", 0);
      assert.equal(errorOf(caught).source?.id, "transfer");
      assert.match(errorOf(caught).message, /msg\.call\.callConnectionId/);
    });

    it("a target that is not a number or identifier is an error, and the call goes on", async () => {
      await red.load(transferFlow({ target: "the agent", targetType: "str" }));
      const caller = await red.dial(CALLER, LINE);
      const connected = await red.next("answer", 0);
      const caught = await red.next("catch", 0);
      assert.equal(errorOf(caught).message, 'FlowError: Cannot transfer to "the agent": use a phone number in E.164 form (+14255550123) or an id such as 8:acs:…');
      const leg = await red.leg(caller);
      assert.equal(leg.state, "connected");
      assert.deepEqual(leg.callConnectionIds, [connected.msg.call?.callConnectionId]);
    });
  });

  describe("hang-up", () => {
    /** create-call (a group of two numbers) → hang-up (port done). */
    function groupFlow(forEveryone: boolean): FlowNode[] {
      const cr = RedHarness.outputs("create", 3);
      const hu = RedHarness.outputs("hangup", 1);
      return [
        red.configNode(),
        { id: "create", type: "acs-create-call", acs: "acs", targets: "+14255550181, +14255550182", targetsType: "str", callerId: CALLER_ID, callerIdType: "str", wires: cr.wires },
        { id: "hangup", type: "acs-hangup", acs: "acs", forEveryone, wires: hu.wires },
        ...cr.nodes,
        ...hu.nodes,
        ...RedHarness.catcher(),
      ];
    }

    async function connectedGroup(): Promise<{ legs: string[]; msg: ReceivedMessage["msg"] }> {
      red.inject("create", {});
      const a = await ringingAt("+14255550181");
      const b = await ringingAt("+14255550182");
      await red.control("POST", `/calls/${a.id}/answer`);
      await red.control("POST", `/calls/${b.id}/answer`);
      const connected = await red.next("create", 0);
      await red.waitForLegState(b.id, "connected");
      return { legs: [a.id, b.id], msg: connected.msg };
    }

    it("leaves a group call: the application's connection ends, the others stay connected", async () => {
      await red.load(groupFlow(false));
      const group = await connectedGroup();
      red.inject("hangup", structuredClone(group.msg));
      const done = await red.next("hangup", 0);
      assert.deepEqual(done.msg.payload, { hungUp: true, forEveryone: false });
      assert.equal(done.msg.call?.callConnectionId, group.msg.call?.callConnectionId);
      const ended = await red.next("create", 2);
      assert.equal(ended.msg.event?.type, "CallDisconnected");
      for (const id of group.legs) {
        const leg = await red.leg(id);
        assert.equal(leg.state, "connected", `${id} stays in the call`);
        assert.deepEqual(leg.callConnectionIds, []);
      }
      noErrors();
    });

    it("ends a group call for everyone: every party's call ends", async () => {
      await red.load(groupFlow(true));
      const group = await connectedGroup();
      red.inject("hangup", structuredClone(group.msg));
      const done = await red.next("hangup", 0);
      assert.deepEqual(done.msg.payload, { hungUp: true, forEveryone: true });
      await red.next("create", 2);
      for (const id of group.legs) {
        const leg = await red.waitForLegState(id, "ended");
        assert.equal(leg.endReason, "ended by the application");
      }
      noErrors();
    });

    /** incoming-call → answer; a hang-up node fed by hand. */
    function answeredFlow(): FlowNode[] {
      const ans = RedHarness.outputs("answer", 3);
      const hu = RedHarness.outputs("hangup", 1);
      return [
        red.configNode(),
        { id: "incoming", type: "acs-incoming-call", acs: "acs", wires: [["answer"]] },
        { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: ans.wires },
        { id: "hangup", type: "acs-hangup", acs: "acs", wires: hu.wires },
        ...ans.nodes,
        ...hu.nodes,
        ...RedHarness.catcher(),
      ];
    }

    it("hangs up a 1:1 call: the caller's call ends", async () => {
      await red.load(answeredFlow());
      const caller = await red.dial(CALLER, LINE);
      const connected = await red.next("answer", 0);
      red.inject("hangup", structuredClone(connected.msg));
      const done = await red.next("hangup", 0);
      assert.deepEqual(done.msg.payload, { hungUp: true, forEveryone: false });
      await red.waitForLegState(caller, "ended");
      await red.next("answer", 2);
      noErrors();
    });

    it("hanging up a call that already ended is not an error: done, with payload.alreadyEnded", async () => {
      await red.load(answeredFlow());
      const caller = await red.dial(CALLER, LINE);
      const connected = await red.next("answer", 0);
      await red.hangup(caller);
      await red.next("answer", 2);
      red.inject("hangup", structuredClone(connected.msg));
      const done = await red.next("hangup", 0);
      assert.deepEqual(done.msg.payload, { hungUp: true, forEveryone: false, alreadyEnded: true });
      await sleep(50);
      noErrors();
    });

    const withoutCallId: Array<[string, Record<string, unknown>]> = [
      ["msg.call without a callConnectionId", { payload: "bye", call: { from: CALLER } }],
      ["no msg.call at all", { payload: "bye" }],
    ];
    for (const [what, bad] of withoutCallId) {
      it(`a message with ${what} is a clear error naming msg.call.callConnectionId; another call through the same node is unaffected`, async () => {
        await red.load(answeredFlow());
        const caller = await red.dial(CALLER, LINE);
        const connected = await red.next("answer", 0);

        red.inject("hangup", structuredClone(bad));
        const caught = await red.next("catch", 0);
        assert.equal(errorOf(caught).source?.id, "hangup");
        assert.match(errorOf(caught).message, /msg\.call\.callConnectionId/);
        assert.equal(red.from("hangup").length, 0);
        assert.equal((await red.leg(caller)).state, "connected", "the live call is untouched");

        red.inject("hangup", structuredClone(connected.msg));
        const done = await red.next("hangup", 0);
        assert.equal(done.msg.call?.callConnectionId, connected.msg.call?.callConnectionId);
        await red.waitForLegState(caller, "ended");
        assert.equal(red.from("catch").length, 1);
      });
    }

    it("reads the call id from where it is told to (TypedInput)", async () => {
      const ans = RedHarness.outputs("answer", 3);
      const hu = RedHarness.outputs("hangup", 1);
      await red.load([
        red.configNode(),
        { id: "incoming", type: "acs-incoming-call", acs: "acs", wires: [["answer"]] },
        { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: ans.wires },
        { id: "hangup", type: "acs-hangup", acs: "acs", callId: "payload.id", callIdType: "msg", forEveryone: true, wires: hu.wires },
        ...ans.nodes,
        ...hu.nodes,
        ...RedHarness.catcher(),
      ]);
      const caller = await red.dial(CALLER, LINE);
      const connected = await red.next("answer", 0);
      red.inject("hangup", { payload: { id: connected.msg.call?.callConnectionId } });
      await red.next("hangup", 0);
      await red.waitForLegState(caller, "ended");
      noErrors();
    });
  });
});
