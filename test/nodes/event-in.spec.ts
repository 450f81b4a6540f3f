/**
 * The event-in node: every Call Automation event of a call in order, filters by type, following
 * only the calls sent to its input, dropping events another node waited for, and Event Grid's
 * IncomingCall. Node-RED through node-red-node-test-helper, the real SDK against the embedded
 * simulator, the far end played through its control API.
 */
import assert from "node:assert/strict";
import { sleep } from "../support/harness";
import { RedHarness, type FlowNode, type ReceivedMessage } from "../support/red";

const CALLER = "+14255550123";
const LINE = "+18005550100";

type EventMsg = ReceivedMessage["msg"] & { topic?: string; event?: { type?: string; source?: string; claimed?: boolean; id?: string } };

describe("event-in node", function () {
  const red = RedHarness.forSuite();


  /**
   * A small IVR: incoming-call → answer → play "Welcome" → hang-up, plus the given event-in nodes
   * (each with one recorded output). `prefix` names the nodes so two IVRs fit in one flow.
   */
  function ivr(prefix = "", incoming: Record<string, unknown> = {}, connectedAlsoTo: string[] = []): FlowNode[] {
    const ans = RedHarness.outputs(`${prefix}answer`, 3);
    const hu = RedHarness.outputs(`${prefix}hangup`, 1);
    return [
      { id: `${prefix}incoming`, type: "acs-incoming-call", acs: "acs", wires: [[`${prefix}answer`]], ...incoming },
      { id: `${prefix}answer`, type: "acs-answer", acs: "acs", action: "answer", wires: [[`${prefix}play`, ...connectedAlsoTo, ...ans.wires[0]], ans.wires[1], ans.wires[2]] },
      { id: `${prefix}play`, type: "acs-play", acs: "acs", promptKind: "text", prompt: "Welcome to Contoso.", promptType: "str", wires: [[`${prefix}hangup`], []] },
      { id: `${prefix}hangup`, type: "acs-hangup", acs: "acs", wires: hu.wires },
      ...ans.nodes,
      ...hu.nodes,
    ];
  }

  function eventIn(id: string, options: Record<string, unknown> = {}): FlowNode[] {
    const out = RedHarness.outputs(id, 1);
    return [{ id, type: "acs-event-in", acs: "acs", wires: out.wires, ...options }, ...out.nodes];
  }

  const eventsOf = (node: string, callConnectionId?: unknown): EventMsg[] =>
    red.from(node, 0).map((m) => m.msg as EventMsg).filter((m) => callConnectionId === undefined || m.call?.callConnectionId === callConnectionId);
  const typesOf = (node: string, callConnectionId?: unknown): string[] => eventsOf(node, callConnectionId).map((m) => String(m.event?.type));

  /** Run one call through the IVR; returns its callConnectionId once its CallDisconnected reached `watcher`. */
  async function runCall(watcher: string, prefix = "", from = CALLER): Promise<{ callConnectionId: string; serverCallId: string }> {
    await red.dial(from, LINE);
    const connected = await red.next(`${prefix}answer`, 0);
    const callConnectionId = String(connected.msg.call?.callConnectionId);
    await red.next(`${prefix}hangup`, 0);
    await red.next(`${prefix}answer`, 2);
    await red.next(watcher, 0, (m) => m.msg.call?.callConnectionId === callConnectionId && (m.msg as EventMsg).event?.type === "CallDisconnected");
    return { callConnectionId, serverCallId: String(connected.msg.call?.serverCallId) };
  }

  it("with no filter sees every event of a call, in order, including those a node waited for", async () => {
    await red.load([red.configNode(), ...ivr(), ...eventIn("events"), ...RedHarness.catcher()]);
    const { callConnectionId, serverCallId } = await runCall("events");
    assert.deepEqual(typesOf("events", callConnectionId), ["CallConnected", "ParticipantsUpdated", "PlayStarted", "PlayCompleted", "CallDisconnected"]);

    const [connected, participants, , completed, disconnected] = eventsOf("events", callConnectionId);
    assert.equal(connected.topic, "CallConnected");
    assert.equal(connected.event?.source, "callback");
    assert.equal(connected.event?.claimed, true, "the answer node waited for CallConnected");
    assert.equal(completed.event?.claimed, true, "the play node waited for PlayCompleted");
    assert.equal(participants.event?.claimed, false);
    assert.equal(disconnected.event?.claimed, false);
    assert.equal(connected.call?.serverCallId, serverCallId);
    assert.equal(typeof connected.call?.correlationId, "string");
    assert.equal((connected.payload as { type?: string }).type, "CallConnected");
    assert.equal(typeof (participants.payload as { participants?: unknown[] }).participants?.length, "number");
    const ids = eventsOf("events", callConnectionId).map((m) => m.event?.id);
    assert.equal(new Set(ids).size, ids.length, "each event once");
    assert.equal(red.from("catch").length, 0);
  });

  it("filters by event type (with or without the Microsoft.Communication. prefix)", async () => {
    await red.load([
      red.configNode(),
      ...ivr(),
      ...eventIn("events", { eventTypes: "CallConnected, Microsoft.Communication.CallDisconnected" }),
      ...eventIn("plays", { eventTypes: "PlayStarted PlayCompleted" }),
      ...eventIn("all"),
    ]);
    const { callConnectionId } = await runCall("events");
    await red.next("all", 0, (m) => m.msg.call?.callConnectionId === callConnectionId && (m.msg as EventMsg).event?.type === "CallDisconnected");
    assert.deepEqual(typesOf("events"), ["CallConnected", "CallDisconnected"]);
    assert.deepEqual(typesOf("plays"), ["PlayStarted", "PlayCompleted"]);
    assert.ok(typesOf("all").includes("IncomingCall"), "the unfiltered node sees more");
  });

  it("scope \"input\" follows only the calls sent to its input", async () => {
    await red.load([
      red.configNode(),
      ...ivr("a-", { from: "+1425*" }, ["followed"]),
      ...ivr("b-", { from: "+1206*" }),
      ...eventIn("followed", { scope: "input" }),
      ...eventIn("all"),
    ]);
    // Two calls at once: B's events interleave with A's.
    const [a, b] = await Promise.all([runCall("all", "a-", CALLER), runCall("all", "b-", "+12065550100")]);
    await red.next("followed", 0, (m) => (m.msg as EventMsg).event?.type === "CallDisconnected");
    await sleep(50);

    assert.ok(typesOf("all", b.callConnectionId).includes("PlayCompleted"), "call B did have events");
    const followed = eventsOf("followed");
    assert.ok(followed.length > 0);
    assert.deepEqual([...new Set(followed.map((m) => m.call?.callConnectionId))], [a.callConnectionId], "only call A's events");
    const types = typesOf("followed");
    // The call is followed from the moment its message reaches the node (after CallConnected).
    assert.ok(!types.includes("CallConnected"));
    assert.deepEqual(
      types.filter((t) => t !== "ParticipantsUpdated"),
      ["PlayStarted", "PlayCompleted", "CallDisconnected"],
    );
    assert.ok(!types.includes("IncomingCall"), "Event Grid events belong to no followed call");
  });

  it("scope \"input\": a message without a call is an error", async () => {
    await red.load([red.configNode(), ...eventIn("followed", { scope: "input" }), ...RedHarness.catcher()]);
    red.inject("followed", { payload: "follow me" });
    const caught = await red.next("catch", 0);
    assert.equal((caught.msg.error as { source?: { id?: string } }).source?.id, "followed");
    assert.match((caught.msg.error as { message: string }).message, /noCall|call/i);
  });

  it("unclaimedOnly drops the events a node waited for and keeps the others", async () => {
    await red.load([red.configNode(), ...ivr(), ...eventIn("unclaimed", { unclaimedOnly: true }), ...eventIn("all")]);
    const { callConnectionId } = await runCall("all");
    await red.next("unclaimed", 0, (m) => m.msg.call?.callConnectionId === callConnectionId && (m.msg as EventMsg).event?.type === "CallDisconnected");

    const claimed = eventsOf("all", callConnectionId).filter((m) => m.event?.claimed).map((m) => m.event?.type);
    assert.deepEqual(claimed, ["CallConnected", "PlayCompleted"]);
    assert.deepEqual(typesOf("unclaimed", callConnectionId), ["ParticipantsUpdated", "PlayStarted", "CallDisconnected"]);
    assert.ok(eventsOf("unclaimed").every((m) => m.event?.claimed === false));
  });

  it("sees Event Grid's IncomingCall (source \"eventGrid\"), also when no node answers it", async () => {
    const inc = RedHarness.outputs("incoming", 1);
    await red.load([
      red.configNode(),
      { id: "incoming", type: "acs-incoming-call", acs: "acs", wires: inc.wires },
      ...inc.nodes,
      ...eventIn("events", { eventTypes: "IncomingCall" }),
    ]);
    const leg = await red.dial(CALLER, LINE);
    const offered = await red.next("incoming", 0);
    const seen = await red.next("events", 0);
    const msg = seen.msg as EventMsg;
    assert.equal(msg.topic, "IncomingCall");
    assert.equal(msg.event?.source, "eventGrid");
    assert.equal(msg.event?.claimed, false);
    assert.equal(msg.event?.id, (offered.msg.event as { id?: string }).id);
    assert.equal(msg.call?.serverCallId, offered.msg.call?.serverCallId);
    assert.equal(msg.call?.callConnectionId, undefined);
    assert.equal((msg.payload as { incomingCallContext?: string }).incomingCallContext, offered.msg.call?.incomingCallContext);
    assert.equal(((msg.payload as { from?: { rawId?: string } }).from ?? {}).rawId, `4:${CALLER}`);
    await red.hangup(leg);
    await sleep(100);
    assert.equal(red.from("events").length, 1, "the caller hanging up before an answer sends no callback event");
  });
});
