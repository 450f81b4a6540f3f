import assert from "node:assert/strict";
import { RedHarness, type FlowNode } from "../support/red";

describe("incoming-call and answer nodes", function () {
  const red = RedHarness.forSuite();

  function flow(answer: Record<string, unknown>, incoming: Record<string, unknown> = {}, outputs = 3): FlowNode[] {
    const ans = RedHarness.outputs("answer", outputs);
    const inc = RedHarness.outputs("incoming", 1);
    return [
      red.configNode(),
      { id: "incoming", type: "acs-incoming-call", acs: "acs", wires: [["answer", ...inc.wires[0]]], ...incoming },
      { id: "answer", type: "acs-answer", acs: "acs", wires: ans.wires, ...answer },
      ...inc.nodes,
      ...ans.nodes,
    ];
  }

  it("answers a call: connected, then ended when the caller hangs up", async () => {
    await red.load(flow({ action: "answer" }));
    const dial = await red.control<{ id: string }>("POST", "/calls", { from: "+14255550123", to: "+18005550199" });
    assert.equal(dial.status, 201);
    const connected = await red.next("answer", 0);
    assert.equal(connected.msg.call?.from, "+14255550123");
    assert.equal(connected.msg.call?.to, "+18005550199");
    assert.ok(typeof connected.msg.call?.callConnectionId === "string");
    assert.equal(connected.msg.call?.incomingCallContext, undefined);
    assert.equal(connected.msg.event?.type, "CallConnected");
    const leg = await red.control<{ state: string }>("GET", `/calls/${dial.body.id}`);
    assert.equal(leg.body.state, "connected");
    assert.equal(red.from("answer", 2).length, 0);

    await red.control("POST", `/calls/${dial.body.id}/hangup`);
    const ended = await red.next("answer", 2);
    assert.equal(ended.msg.call?.callConnectionId, connected.msg.call?.callConnectionId);
    assert.equal(ended.msg.event?.type, "CallDisconnected");
    assert.equal(red.from("answer", 1).length, 0);
  });
});
