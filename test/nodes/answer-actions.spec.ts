/**
 * The answer node's other actions (reject, redirect), answering a call whose caller already hung
 * up, and the incoming-call node's filters. Node-RED through node-red-node-test-helper, the real
 * SDK against the embedded simulator; the far end is played through the simulator's control API.
 */
import assert from "node:assert/strict";
import { sleep } from "../support/harness";
import { errorOf, RedHarness, type FlowNode, type ReceivedMessage } from "../support/red";

const CALLER = "+14255550123";
const OWNED = "+18005550100";
/** A called number the simulator does not own (it still offers the call as IncomingCall). */
const LINE = "+18005550199";

describe("answer node: reject and redirect; incoming-call filters", function () {
  const red = RedHarness.forSuite();


  /** incoming-call (filtered to `to`) → answer (`answer`, with `outputs` ports), plus a Catch node. */
  function flow(answer: Record<string, unknown>, outputs: number, to = LINE): FlowNode[] {
    const ans = RedHarness.outputs("answer", outputs);
    const inc = RedHarness.outputs("incoming", 1);
    return [
      red.configNode(),
      { id: "incoming", type: "acs-incoming-call", acs: "acs", to, wires: [["answer", ...inc.wires[0]]] },
      { id: "answer", type: "acs-answer", acs: "acs", wires: ans.wires, ...answer },
      ...inc.nodes,
      ...ans.nodes,
      ...RedHarness.catcher(),
    ];
  }

  /** The answer node's "failed" message; an error reaching the Catch node fails the test at once. */
  async function failedOrError(): Promise<ReceivedMessage> {
    const settled = await Promise.race([
      red.next("answer", 1).then((m) => ({ failed: m, error: undefined })),
      red.next("catch", 0).then((m) => ({ failed: undefined, error: errorOf(m).message })),
    ]);
    if (!settled.failed) assert.fail(`expected the failed port, got an error: ${settled.error}`);
    return settled.failed;
  }

  describe("reject", () => {
    for (const reason of ["none", "busy", "forbidden"] as const) {
      it(`rejects with reason ${reason}: the caller's call ends, the message leaves from "done"`, async () => {
        await red.load(flow({ action: "reject", rejectReason: reason }, 2));
        const leg = await red.dial(CALLER, LINE);
        const done = await red.next("answer", 0);
        assert.deepEqual(done.msg.payload, { rejected: true, rejectReason: reason });
        assert.equal(done.msg.call?.from, CALLER);
        assert.equal(done.msg.call?.to, LINE);
        const ended = await red.waitForLegState(leg, "ended");
        assert.equal(ended.endReason, `rejected (${reason})`);
        assert.deepEqual(ended.callConnectionIds, [], "a rejected call never gets a call connection");
        assert.equal(red.from("answer", 1).length, 0);
        assert.equal(red.from("catch").length, 0);
      });
    }

    it("a message without msg.call.incomingCallContext (a call already answered) is a clear error", async () => {
      await red.load(flow({ action: "reject", rejectReason: "busy" }, 2));
      red.inject("answer", { payload: "x", call: { callConnectionId: "c0ffee00-0000-4000-8000-000000000000", from: CALLER } });
      const caught = await red.next("catch", 0);
      assert.equal(errorOf(caught).source?.id, "answer");
      assert.match(errorOf(caught).message, /noContext|incomingCallContext/);
      assert.equal(red.from("answer").length, 0);
    });

    it("rejecting a call whose caller already hung up leaves from \"failed\", not as an error", async () => {
      const inc = RedHarness.outputs("incoming", 1);
      const ans = RedHarness.outputs("answer", 2);
      await red.load([
        red.configNode(),
        { id: "incoming", type: "acs-incoming-call", acs: "acs", to: LINE, wires: inc.wires },
        { id: "answer", type: "acs-answer", acs: "acs", action: "reject", rejectReason: "busy", wires: ans.wires },
        ...inc.nodes,
        ...ans.nodes,
        ...RedHarness.catcher(),
      ]);
      const leg = await red.dial(CALLER, LINE);
      const offered = await red.next("incoming", 0);
      await red.hangup(leg);
      red.inject("answer", structuredClone(offered.msg));
      const failed = await failedOrError();
      assert.equal((failed.msg.payload as { reason?: string }).reason, "callGone");
      assert.match(String((failed.msg.payload as { message?: string }).message), /8586/);
      await sleep(100);
      assert.equal(red.from("catch").length, 0);
      assert.equal(red.from("answer", 0).length, 0);
    });
  });

  describe("redirect", () => {
    it("redirects to a phone number: the target rings at the far end and, once it answers, the caller is connected to it", async () => {
      const target = "+14255550177";
      await red.load(flow({ action: "redirect", target, targetType: "str" }, 2));
      const leg = await red.dial(CALLER, LINE);
      const done = await red.next("answer", 0);
      assert.deepEqual(done.msg.payload, { redirected: true, target });

      const ringing = await red.waitForLeg((l) => l.to === `4:${target}` && l.state === "ringing", `the redirect target ${target} ringing`);
      assert.equal(ringing.direction, "outbound");
      assert.equal(ringing.from, `4:${CALLER}`, "the target sees the original caller");
      assert.equal((await red.leg(leg)).state, "ringing", "the caller waits while the target rings");

      const answered = await red.control("POST", `/calls/${ringing.id}/answer`);
      assert.equal(answered.status, 200);
      await red.waitForLegState(leg, "connected");
      assert.equal((await red.leg(ringing.id)).state, "connected");
      assert.equal(red.from("answer", 1).length, 0);
      assert.equal(red.from("catch").length, 0);
    });

    it("redirects to an ACS user: a new IncomingCall for the user reaches the incoming-call node listening for it", async () => {
      // The target is worked out from the message (a JSONata TypedInput): agent "8:acs:agent-123" for this caller.
      const user = "8:acs:agent-123";
      const users = RedHarness.outputs("users", 1);
      const agentAnswer = RedHarness.outputs("agentAnswer", 3);
      await red.load([
        ...flow({ action: "redirect", target: '"8:acs:agent-" & $substring(call.from, -3)', targetType: "jsonata" }, 2),
        { id: "users", type: "acs-incoming-call", acs: "acs", to: "8:acs:*", wires: [["agentAnswer", ...users.wires[0]]] },
        { id: "agentAnswer", type: "acs-answer", acs: "acs", action: "answer", wires: agentAnswer.wires },
        ...users.nodes,
        ...agentAnswer.nodes,
      ]);
      const leg = await red.dial(CALLER, LINE);
      const first = await red.next("incoming", 0);
      const done = await red.next("answer", 0);
      assert.deepEqual(done.msg.payload, { redirected: true, target: user });

      const offered = await red.next("users", 0);
      assert.equal(offered.msg.call?.to, user);
      assert.equal(offered.msg.call?.from, CALLER);
      assert.equal(offered.msg.call?.onBehalfOf, LINE);
      assert.equal(offered.msg.call?.serverCallId, first.msg.call?.serverCallId, "the same call, offered again");
      assert.notEqual(offered.msg.call?.incomingCallContext, first.msg.call?.incomingCallContext);
      assert.equal(red.from("users").length, 1);
      assert.equal(red.from("incoming").length, 1, "the redirected call does not come back to the first filter");

      // The new offer can be answered: the caller ends up connected to the application.
      const connected = await red.next("agentAnswer", 0);
      assert.equal(connected.msg.call?.to, user);
      await red.waitForLegState(leg, "connected");
      assert.equal(red.from("catch").length, 0);
    });

    it("redirects to a number the resource owns: a new IncomingCall to that number", async () => {
      const owned = RedHarness.outputs("owned", 1);
      await red.load([
        ...flow({ action: "redirect", target: OWNED, targetType: "str" }, 2),
        { id: "owned", type: "acs-incoming-call", acs: "acs", to: OWNED, wires: owned.wires },
        ...owned.nodes,
      ]);
      await red.dial(CALLER, LINE);
      const done = await red.next("answer", 0);
      assert.deepEqual(done.msg.payload, { redirected: true, target: OWNED });
      const offered = await red.next("owned", 0);
      assert.equal(offered.msg.call?.to, OWNED);
      assert.equal(offered.msg.call?.from, CALLER);
      assert.equal(offered.msg.call?.onBehalfOf, LINE);
      assert.equal(red.from("incoming").length, 1, "the redirected call does not come back to the first filter");
      assert.equal((await red.legs("ringing")).filter((l) => l.direction === "outbound").length, 0, "nothing rings at the far end");
    });

    it("a redirect target that is not a number or an identifier is a clear error for Catch nodes; the call is left alone", async () => {
      await red.load(flow({ action: "redirect", target: "sales desk", targetType: "str" }, 2));
      const leg = await red.dial(CALLER, LINE);
      const caught = await red.next("catch", 0);
      const err = errorOf(caught);
      assert.equal(err.source?.id, "answer");
      assert.equal(err.message, 'FlowError: Cannot redirect to "sales desk": use a phone number in E.164 form (+14255550123) or an id such as 8:acs:…');
      assert.doesNotMatch(err.message, /secret|accesskey|Bearer/i);
      assert.equal(red.from("answer").length, 0);
      assert.equal((await red.leg(leg)).state, "ringing", "a refused redirect does not touch the call");
    });

    it("an empty redirect target is an error too (nothing is sent to ACS)", async () => {
      await red.load(flow({ action: "redirect", target: "", targetType: "str" }, 2));
      const leg = await red.dial(CALLER, LINE);
      const caught = await red.next("catch", 0);
      assert.match(errorOf(caught).message, /^FlowError: Cannot redirect to "": use a phone number/);
      assert.equal((await red.leg(leg)).state, "ringing");
    });
  });

  describe("answer after the caller hung up", () => {
    it("leaves from the failed port with reason callGone, and is not an error", async () => {
      const inc = RedHarness.outputs("incoming", 1);
      const ans = RedHarness.outputs("answer", 3);
      await red.load([
        red.configNode(),
        { id: "incoming", type: "acs-incoming-call", acs: "acs", to: LINE, wires: inc.wires },
        { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: ans.wires },
        ...inc.nodes,
        ...ans.nodes,
        ...RedHarness.catcher(),
      ]);
      const leg = await red.dial(CALLER, LINE);
      const offered = await red.next("incoming", 0);
      await red.hangup(leg);
      assert.equal((await red.leg(leg)).state, "ended");
      red.inject("answer", structuredClone(offered.msg));
      const failed = await failedOrError();
      assert.equal((failed.msg.payload as { reason?: string }).reason, "callGone");
      assert.match(String((failed.msg.payload as { message?: string }).message), /8586/);
      assert.equal(red.from("answer", 0).length, 0);
      assert.equal(red.from("answer", 2).length, 0);
    });
  });

  describe("incoming-call filters", () => {
    it("match the called number and the caller exactly, by list, and with * wildcards", async () => {
      const nodes: Array<[string, Record<string, string>]> = [
        ["toExact", { to: OWNED }],
        ["toWild", { to: "+1800555*" }],
        ["fromWild", { from: "+1425*" }],
        ["both", { to: OWNED, from: "+1206*, +1425555012*" }],
        ["acsCaller", { from: "8:acs:*" }],
        ["all", {}],
      ];
      const flowNodes: FlowNode[] = [red.configNode()];
      for (const [id, filter] of nodes) {
        const out = RedHarness.outputs(id, 1);
        flowNodes.push({ id, type: "acs-incoming-call", acs: "acs", ...filter, wires: out.wires }, ...out.nodes);
      }
      await red.load(flowNodes);

      const calls: Array<[string, string]> = [
        [CALLER, OWNED],
        ["+12065550100", "+18005550111"],
        ["8:acs:caller-1", OWNED],
        ["+14255550999", "+13125550100"],
      ];
      for (const [from, to] of calls) await red.dial(from, to);
      await red.next("all", 0, () => red.from("all").length === calls.length);
      await sleep(100);

      const seen = (id: string) => red.from(id).map((m) => `${m.msg.call?.from}>${m.msg.call?.to}`);
      assert.deepEqual(seen("all"), calls.map(([f, t]) => `${f}>${t}`));
      assert.deepEqual(seen("toExact"), [`${CALLER}>${OWNED}`, `8:acs:caller-1>${OWNED}`]);
      assert.deepEqual(seen("toWild"), [`${CALLER}>${OWNED}`, "+12065550100>+18005550111", `8:acs:caller-1>${OWNED}`]);
      assert.deepEqual(seen("fromWild"), [`${CALLER}>${OWNED}`, "+14255550999>+13125550100"]);
      assert.deepEqual(seen("both"), [`${CALLER}>${OWNED}`]);
      assert.deepEqual(seen("acsCaller"), [`8:acs:caller-1>${OWNED}`]);

      const first = red.from("toExact")[0].msg;
      assert.equal(first.call?.direction, "inbound");
      assert.equal(first.call?.remoteParty, CALLER);
      assert.equal(typeof first.call?.incomingCallContext, "string");
      assert.equal(first.event?.type, "IncomingCall");
      assert.deepEqual(first.payload, { from: CALLER, to: OWNED });
    });
  });
});
