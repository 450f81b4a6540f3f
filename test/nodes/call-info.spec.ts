/**
 * The call-info node: the properties and participants of an answered call and of an outbound
 * call, each query alone, a Switch on msg.payload.state, and bad input (no call id, a call that
 * has ended or never existed) as clear errors that leave another call alone. Node-RED through
 * node-red-node-test-helper, the real SDK against the embedded simulator.
 */
import assert from "node:assert/strict";
import { errorOf, RedHarness, type FlowNode, type ReceivedMessage } from "../support/red";

const CALLER = "+14255550123";
const OTHER_CALLER = "+14255550124";
const LINE = "+18005550100";
const CALLER_ID = "+18005550101";
const CUSTOMER = "+14255550188";

type Info = Record<string, unknown> & { participants?: Array<Record<string, unknown>>; state?: string; targets?: string[] };
const payloadOf = (m: ReceivedMessage): Info => m.msg.payload as Info;

describe("call-info node", function () {
  const red = RedHarness.forSuite();

  const noErrors = () => assert.deepEqual(red.from("catch").map((m) => errorOf(m).message), []);

  /** A call-info node `id` with a helper on its port. */
  function infoNode(id: string, settings: Record<string, unknown> = {}): FlowNode[] {
    const out = RedHarness.outputs(id, 1);
    return [{ id, type: "acs-call-info", acs: "acs", query: "all", callId: "", callIdType: "", wires: out.wires, ...settings }, ...out.nodes];
  }

  /** incoming-call → answer (→ node `first`, if any), the given nodes, and a Catch node. */
  const answeredFlow = (first: string | undefined, ...nodes: FlowNode[][]): FlowNode[] => red.answeredFlow(LINE, nodes.flat(), first);

  async function answeredCall(from = CALLER): Promise<{ leg: string; msg: ReceivedMessage["msg"] }> {
    const { legId, connected } = await red.dialAnswered(from, LINE);
    return { leg: legId, msg: connected.msg };
  }

  it("reads an answered call: its ids, state, source, targets, subscriptions and participants, and never the callback URL", async () => {
    await red.load(answeredFlow("info", infoNode("info")));
    const call = await answeredCall();
    const got = await red.next("info", 0);
    const info = payloadOf(got);
    assert.equal(info.callConnectionId, call.msg.call?.callConnectionId);
    assert.equal(info.serverCallId, call.msg.call?.serverCallId);
    assert.equal(info.correlationId, call.msg.call?.correlationId);
    assert.equal(info.state, "connected");
    assert.equal(info.source, LINE, "the number that was called");
    assert.deepEqual(info.targets, [CALLER], "the caller");
    assert.deepEqual(info.mediaStreaming, { id: (info.mediaStreaming as { id: string }).id, state: "disabled", subscribedContentTypes: [] });
    assert.equal((info.transcription as { state: string }).state, "disabled");
    assert.deepEqual(info.participants, [{ participant: CALLER, rawId: `4:${CALLER}`, kind: "phoneNumber", isMuted: false, isOnHold: false }]);
    assert.equal(got.msg.call?.callConnectionId, call.msg.call?.callConnectionId, "msg.call goes on");
    const service = await red.service();
    const text = JSON.stringify(got.msg);
    assert.ok(!text.includes(service.secret), "the webhook secret never reaches a message");
    assert.doesNotMatch(text, /acs\/callbacks/);
    noErrors();
  });

  it("reads only the properties, or only the participants", async () => {
    await red.load(answeredFlow("props", infoNode("props", { query: "call" }), infoNode("people", { query: "participants" })));
    const call = await answeredCall();
    const props = payloadOf(await red.next("props", 0));
    assert.equal(props.state, "connected");
    assert.equal(props.participants, undefined);
    red.inject("people", structuredClone(call.msg));
    const people = (await red.next("people", 0)).msg.payload as Array<{ participant: string }>;
    assert.deepEqual(
      people.map((p) => p.participant),
      [CALLER],
    );
    noErrors();
  });

  it("an outbound call: its caller id and target; a Switch on msg.payload.state takes the connected branch", async () => {
    const cr = RedHarness.outputs("create", 3);
    const sw = RedHarness.outputs("switch", 2);
    await red.load([
      red.configNode(),
      { id: "create", type: "acs-create-call", acs: "acs", targets: CUSTOMER, targetsType: "str", callerId: CALLER_ID, callerIdType: "str", wires: [["info", ...cr.wires[0]], cr.wires[1], cr.wires[2]] },
      ...cr.nodes,
      ...infoNode("info", { query: "call" }).map((n) => (n.id === "info" ? { ...n, wires: [["switch", "info:0"]] } : n)),
      {
        id: "switch",
        type: "switch",
        property: "payload.state",
        propertyType: "msg",
        rules: [
          { t: "eq", v: "connected", vt: "str" },
          { t: "else" },
        ],
        checkall: "false",
        outputs: 2,
        wires: sw.wires,
      },
      ...sw.nodes,
      ...RedHarness.catcher(),
    ]);
    red.inject("create", {});
    const leg = await red.waitForLeg((l) => l.to === `4:${CUSTOMER}` && l.state === "ringing", "the customer's phone");
    await red.control("POST", `/calls/${leg.id}/answer`);
    const info = payloadOf(await red.next("info", 0));
    assert.equal(info.sourceCallerIdNumber, CALLER_ID);
    assert.deepEqual(info.targets, [CUSTOMER]);
    assert.equal(info.state, "connected");
    await red.next("switch", 0);
    assert.equal(red.from("switch", 1).length, 0);
    noErrors();
  });

  it("reads the call id from where it is told to (TypedInput)", async () => {
    await red.load(answeredFlow(undefined, infoNode("info", { callId: "payload.id", callIdType: "msg", query: "participants" })));
    const call = await answeredCall();
    red.inject("info", { payload: { id: call.msg.call?.callConnectionId } });
    const people = (await red.next("info", 0)).msg.payload as Array<{ participant: string }>;
    assert.equal(people[0].participant, CALLER);
    noErrors();
  });

  it("no call id, a call that has ended, a call that never existed: clear errors; another call is unaffected", async () => {
    await red.load(answeredFlow(undefined, infoNode("info"), infoNode("byId", { callId: "payload", callIdType: "msg" })));
    const call = await answeredCall();
    const other = await answeredCall(OTHER_CALLER);

    red.inject("info", { payload: "no call" });
    assert.match(errorOf(await red.next("catch", 0)).message, /msg\.call\.callConnectionId/);

    await red.hangup(call.leg);
    await red.next("answer", 2);
    red.inject("info", structuredClone(call.msg));
    const ended = await red.next("catch", 0, (m) => /already ended/.test(errorOf(m).message));
    assert.match(errorOf(ended).message, /call info failed: the call has already ended/);

    red.inject("byId", { payload: "00000000-0000-4000-8000-00000000dead" });
    const unknown = await red.next("catch", 0, (m) => errorOf(m).source?.id === "byId");
    assert.match(errorOf(unknown).message, /call info failed: .*00000000-0000-4000-8000-00000000dead/);

    red.inject("info", structuredClone(other.msg));
    const info = payloadOf(await red.next("info", 0));
    assert.equal(info.state, "connected");
    assert.deepEqual(
      info.participants?.map((p) => p.participant),
      [OTHER_CALLER],
    );
    assert.equal(red.from("catch").length, 3);
    assert.equal((await red.leg(other.leg)).state, "connected");
  });
});
