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

  it("answers a group call: a party of a group call invites the application's number, answering joins the group, and everyone hears its prompt", async () => {
    const play = RedHarness.outputs("play", 2);
    await red.load([
      ...flow({ action: "answer" }, { to: "+18005550145" }),
      { id: "play", type: "acs-play", acs: "acs", promptKind: "text", prompt: "Hello, group.", wires: play.wires },
      ...play.nodes,
    ].map((n) => (n.id === "answer" ? { ...n, wires: [["play", "answer:0"], ["answer:1"], ["answer:2"]] } : n)));
    const groupCallId = "a6e6c8d0-5a4e-4a0c-9b7e-8b6a3b2f0c11";
    const first = await red.control<{ id: string }>("POST", "/calls", { from: "+14255550131", groupCallId });
    assert.equal(first.status, 201);
    const inviter = await red.control<{ id: string; state: string }>("POST", "/calls", { from: "+14255550132", to: "+18005550145", groupCallId });
    assert.equal(inviter.status, 201);
    assert.equal(inviter.body.state, "connected", "the inviter is in the group call, not ringing");

    const incoming = await red.next("incoming", 0);
    assert.equal(incoming.msg.call?.from, "+14255550132");
    assert.equal(incoming.msg.call?.to, "+18005550145");
    const connected = await red.next("answer", 0);
    assert.equal(connected.msg.call?.serverCallId, incoming.msg.call?.serverCallId);
    await red.next("play", 0);

    for (const id of [first.body.id, inviter.body.id]) {
      const leg = await red.leg(id);
      assert.equal(leg.state, "connected");
      assert.equal(leg.serverCallId, incoming.msg.call?.serverCallId, "one group call");
      assert.ok(leg.heard.some((h) => h.content === "Hello, group."), `${id} heard the application`);
    }
    const properties = await (await red.service()).client.getCallConnection(String(connected.msg.call?.callConnectionId)).listParticipants();
    const phones = (properties.values ?? []).map((p) => (p.identifier as { phoneNumber?: string }).phoneNumber).filter(Boolean).sort();
    assert.deepEqual(phones, ["+14255550131", "+14255550132"]);
    assert.equal(red.from("answer", 1).length, 0, "nothing failed");
  });

  it("a group call can invite only a number of the resource or an ACS user", async () => {
    await red.load(flow({ action: "answer" }, { to: "+18005550145" }));
    const refused = await red.control<{ error: { message: string } }>("POST", "/calls", { from: "+14255550132", to: "+14255550999", groupCallId: "g-refused" });
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /only a number the resource owns/);
  });
});
