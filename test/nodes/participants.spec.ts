/**
 * The participant node, every action and outcome: add a phone number (caller id, SIP headers), an
 * ACS user (VoIP headers) or a Teams user; the far end answers, declines, is busy or lets the
 * invitation time out; cancel a pending add (and a cancel that comes too late); remove; mute; get
 * and list. Bad input: no call id, an unknown participant, a bad caller id, an operation on a call
 * that has ended: a clear error for Catch, and another call in progress unaffected. Also the
 * transfer node's blind transfer of one participant of a group call. Node-RED through
 * node-red-node-test-helper, the real SDK against the embedded simulator, the far end played
 * through its control API.
 */
import assert from "node:assert/strict";
import { sleep } from "../support/harness";
import { errorOf, RedHarness, type FlowNode, type LegDetail, type ReceivedMessage } from "../support/red";

const CALLER = "+14255550123";
const OTHER_CALLER = "+14255550124";
const LINE = "+18005550100";
/** A number of the simulated resource: the caller id the far end is shown. */
const CALLER_ID = "+18005550101";
const AGENT = "+14255550199";
const ACS_USER = "8:acs:resource_agent-7";
const TEAMS_USER = "8:orgid:6d3a47c2-1f0e-4d8b-9a55-2b1c0e7f4a10";

const PORTS: Record<string, number> = { add: 3, cancelAdd: 2, remove: 2, mute: 1, get: 1, list: 1 };

type Payload = Record<string, unknown> & { reason?: string; subCode?: number; participant?: string; invitationId?: string };
const payloadOf = (m: ReceivedMessage): Payload => m.msg.payload as Payload;
type FullLeg = LegDetail & { participants: string[]; isMuted: boolean };

describe("participant node", function () {
  const red = RedHarness.forSuite();

  const noErrors = () => assert.deepEqual(red.from("catch").map((m) => errorOf(m).message), []);

  /** An acs-participant node `id` with a helper on each port, settings as the editor saves them. */
  function participantNode(id: string, action: string, settings: Record<string, unknown> = {}, extraWires: string[][] = []): FlowNode[] {
    const out = RedHarness.outputs(id, PORTS[action]);
    const wires = out.wires.map((w, i) => [...w, ...(extraWires[i] ?? [])]);
    return [
      {
        id,
        type: "acs-participant",
        acs: "acs",
        action,
        callId: "",
        callIdType: "",
        participant: "",
        participantType: "str",
        callerId: "",
        callerIdType: "str",
        displayName: "",
        invitationTimeout: "",
        sipHeaders: "",
        sipHeadersType: "json",
        voipHeaders: "",
        voipHeadersType: "json",
        invitationId: "",
        invitationIdType: "",
        outputs: PORTS[action],
        wires,
        ...settings,
      },
      ...out.nodes,
    ];
  }

  /** incoming-call → answer (ports recorded), the given nodes, and a Catch node. */
  const answeredFlow = (...nodes: FlowNode[][]): FlowNode[] => red.answeredFlow(LINE, nodes.flat());

  /** A caller dials in and the flow answers: the far end's leg id and the answered message. */
  async function answeredCall(from = CALLER): Promise<{ leg: string; msg: ReceivedMessage["msg"] }> {
    const { legId, connected } = await red.dialAnswered(from, LINE);
    return { leg: legId, msg: connected.msg };
  }

  /** The far end's leg ringing for `target` (a number or a raw id). */
  const ringing = (target: string) =>
    red.waitForLeg((l) => l.to === (target.startsWith("+") ? `4:${target}` : target) && l.state === "ringing" && l.direction === "outbound", `${target} ringing`);

  const fullLeg = async (id: string) => (await red.leg(id)) as FullLeg;

  /** Send a copy of `msg` into node `id`. */
  const feed = (id: string, msg: Record<string, unknown>) => red.inject(id, structuredClone(msg));

  /** Invite `target` with node "add", have the far end answer, and wait for "added". */
  async function addAndAnswer(call: { msg: ReceivedMessage["msg"] }, target: string): Promise<string> {
    feed("add", call.msg);
    const invitee = await ringing(target);
    await red.control("POST", `/calls/${invitee.id}/answer`);
    await red.next("add", 0, (m) => m.msg.call?.callConnectionId === call.msg.call?.callConnectionId);
    return invitee.id;
  }

  describe("add", () => {
    it("adds a phone number with a caller id and SIP headers: \"invited\" at once, then \"added\" when it answers; both parties are in the call", async () => {
      await red.load(
        answeredFlow(
          participantNode("add", "add", {
            participant: AGENT,
            callerId: CALLER_ID,
            sipHeaders: JSON.stringify({ "Case-Id": "4711", "User-To-User": "ticket=9" }),
          }),
        ),
      );
      const call = await answeredCall();
      feed("add", call.msg);

      const invited = await red.next("add", 2);
      const invitation = invited.msg.invitation as { invitationId: string; participant: string };
      assert.equal(typeof invitation.invitationId, "string");
      assert.equal(invitation.participant, AGENT);
      assert.deepEqual(invited.msg.payload, { invited: true, invitationId: invitation.invitationId, participant: AGENT });
      assert.equal(invited.msg.call?.callConnectionId, call.msg.call?.callConnectionId);

      const agent = await ringing(AGENT);
      assert.equal(agent.from, `4:${CALLER_ID}`, "the agent's phone shows the caller id");
      assert.equal(agent.serverCallId, call.msg.call?.serverCallId, "invited into the same call");
      assert.deepEqual((await fullLeg(agent.id)).customContext?.sipHeaders, { "X-MS-Custom-Case-Id": "4711", "User-To-User": "ticket=9" });
      assert.equal(red.from("add", 0).length + red.from("add", 1).length, 0, "no outcome while the phone rings");

      await red.control("POST", `/calls/${agent.id}/answer`);
      const added = await red.next("add", 0);
      assert.deepEqual(added.msg.payload, { added: true, participant: AGENT });
      assert.equal(added.msg.event?.type, "AddParticipantSucceeded");
      assert.deepEqual(added.msg.invitation, invitation);
      assert.equal(added.msg.call?.callConnectionId, call.msg.call?.callConnectionId);
      const caller = await fullLeg(call.leg);
      assert.deepEqual([...caller.participants].sort(), [`4:${AGENT}`, `4:${CALLER}`].sort());
      assert.equal(caller.state, "connected");
      noErrors();
    });

    it("adds an ACS user with VoIP headers and no caller id", async () => {
      await red.load(answeredFlow(participantNode("add", "add", { participant: ACS_USER, voipHeaders: "msg.context", voipHeadersType: "msg" })));
      const call = await answeredCall();
      feed("add", { ...call.msg, context: { topic: "billing", priority: 2 } });
      const user = await ringing(ACS_USER);
      assert.deepEqual((await fullLeg(user.id)).customContext?.voipHeaders, { topic: "billing", priority: "2" });
      await red.control("POST", `/calls/${user.id}/answer`);
      const added = await red.next("add", 0);
      assert.deepEqual(added.msg.payload, { added: true, participant: ACS_USER });
      assert.ok((await fullLeg(call.leg)).participants.includes(ACS_USER));
      noErrors();
    });

    it("adds a Teams user named in the message (TypedInput), with a display name", async () => {
      await red.load(answeredFlow(participantNode("add", "add", { participant: "payload.who", participantType: "msg", displayName: "Contoso support" })));
      const call = await answeredCall();
      feed("add", { ...call.msg, payload: { who: TEAMS_USER } });
      const user = await ringing(TEAMS_USER);
      await red.control("POST", `/calls/${user.id}/answer`);
      const added = await red.next("add", 0);
      assert.equal(payloadOf(added).participant, TEAMS_USER);
      assert.ok((await fullLeg(call.leg)).participants.includes(TEAMS_USER));
      noErrors();
    });

    const failures: Array<[string, (id: string) => Promise<unknown>, string, number]> = [
      ["declines", (id) => red.control("POST", `/calls/${id}/reject`, { reason: "declined" }), "declined", 8538],
      ["is busy", (id) => red.control("POST", `/calls/${id}/reject`, { reason: "busy" }), "busy", 8539],
    ];
    for (const [what, act, reason, subCode] of failures) {
      it(`leaves from "failed" (${reason}) when the invitee ${what}; the caller stays with the application`, async () => {
        await red.load(answeredFlow(participantNode("add", "add", { participant: AGENT, callerId: CALLER_ID })));
        const call = await answeredCall();
        feed("add", call.msg);
        const agent = await ringing(AGENT);
        await act(agent.id);
        const failed = await red.next("add", 1);
        assert.equal(failed.msg.event?.type, "AddParticipantFailed");
        assert.equal(payloadOf(failed).reason, reason);
        assert.equal(payloadOf(failed).subCode, subCode);
        assert.equal(payloadOf(failed).participant, AGENT);
        assert.equal((failed.msg.invitation as { invitationId?: string }).invitationId, (red.from("add", 2)[0].msg.invitation as { invitationId?: string }).invitationId);
        const caller = await fullLeg(call.leg);
        assert.equal(caller.state, "connected");
        assert.deepEqual(caller.participants, [`4:${CALLER}`]);
        assert.equal(red.from("add", 0).length, 0);
        noErrors();
      });
    }

    it("the invitation timeout: nobody answers, \"failed\" with reason noAnswer, and the phone stops ringing", async () => {
      await red.load(answeredFlow(participantNode("add", "add", { participant: AGENT, callerId: CALLER_ID, invitationTimeout: "5" })));
      const call = await answeredCall();
      feed("add", call.msg);
      const agent = await ringing(AGENT);
      const failed = await red.next("add", 1);
      assert.equal(payloadOf(failed).reason, "noAnswer");
      assert.equal(payloadOf(failed).subCode, 8541);
      assert.equal((await red.leg(agent.id)).state, "ended");
      assert.equal((await red.leg(call.leg)).state, "connected");
      noErrors();
    });

    it("the caller hanging up while the invitee rings: the invitee stops ringing, the add node sends nothing", async () => {
      await red.load(answeredFlow(participantNode("add", "add", { participant: AGENT, callerId: CALLER_ID })));
      const call = await answeredCall();
      feed("add", call.msg);
      const agent = await ringing(AGENT);
      await red.hangup(call.leg);
      await red.next("answer", 2);
      await red.waitForLegState(agent.id, "ended");
      await sleep(100);
      assert.equal(red.from("add", 0).length + red.from("add", 1).length, 0);
      noErrors();
    });
  });

  describe("cancel a pending add", () => {
    /** add's "invited" port wired to a cancelAdd node (its invitation id from msg.invitation). */
    const cancelFlow = () =>
      answeredFlow(participantNode("add", "add", { participant: AGENT, callerId: CALLER_ID }, [[], [], ["cancel"]]), participantNode("cancel", "cancelAdd"));

    it("cancels the invitation while the phone rings: cancel's \"canceled\", the add's \"failed\" with reason canceled, the call goes on", async () => {
      await red.load(cancelFlow());
      const call = await answeredCall();
      feed("add", call.msg);
      const invited = await red.next("add", 2);
      const { invitationId } = invited.msg.invitation as { invitationId: string };

      const canceled = await red.next("cancel", 0);
      assert.deepEqual(canceled.msg.payload, { canceled: true, invitationId });
      assert.equal(canceled.msg.event?.type, "CancelAddParticipantSucceeded");

      const failed = await red.next("add", 1);
      assert.deepEqual(failed.msg.payload, { reason: "canceled", participant: AGENT });
      assert.equal(failed.msg.event?.type, "CancelAddParticipantSucceeded");
      assert.equal(failed.msg.event?.invitationId, invitationId);

      const agent = await red.waitForLeg((l) => l.to === `4:${AGENT}` && l.serverCallId === call.msg.call?.serverCallId, "the agent's leg");
      const ended = await red.waitForLegState(agent.id, "ended");
      assert.equal(ended.endReason, "canceled");
      assert.equal((await red.leg(call.leg)).state, "connected");
      assert.equal(red.from("add", 0).length, 0);
      noErrors();
    });

    it("a cancel that comes too late (the invitee already answered) leaves from \"failed\" with reason notPending, and the participant stays", async () => {
      await red.load(answeredFlow(participantNode("add", "add", { participant: AGENT, callerId: CALLER_ID }), participantNode("cancel", "cancelAdd")));
      const call = await answeredCall();
      await addAndAnswer(call, AGENT);
      const { invitationId } = red.from("add", 2)[0].msg.invitation as { invitationId: string };
      feed("cancel", { ...call.msg, invitation: { invitationId } });
      const failed = await red.next("cancel", 1);
      assert.equal(payloadOf(failed).reason, "notPending");
      assert.equal(payloadOf(failed).invitationId, invitationId);
      assert.match(String(payloadOf(failed).message), /cancel add participant failed/);
      assert.ok((await fullLeg(call.leg)).participants.includes(`4:${AGENT}`));
      noErrors();
    });

    it("reads the invitation id from where it is told to; a message without one is a clear error", async () => {
      await red.load(answeredFlow(participantNode("add", "add", { participant: AGENT, callerId: CALLER_ID }), participantNode("cancel", "cancelAdd", { invitationId: "pending", invitationIdType: "flow" })));
      const call = await answeredCall();
      feed("cancel", call.msg);
      const caught = await red.next("catch", 0);
      assert.equal(errorOf(caught).source?.id, "cancel");
      assert.match(errorOf(caught).message, /^FlowError: No invitation id: msg\.invitation\.invitationId is empty\./);

      feed("add", call.msg);
      const invited = await red.next("add", 2);
      red.node<{ context(): { flow: { set(k: string, v: unknown): void } } }>("cancel").context().flow.set("pending", (invited.msg.invitation as { invitationId: string }).invitationId);
      feed("cancel", call.msg);
      await red.next("cancel", 0);
      assert.equal(payloadOf(await red.next("add", 1)).reason, "canceled");
      assert.equal(red.from("catch").length, 1);
    });
  });

  describe("remove, mute, get, list", () => {
    it("removes a participant: \"removed\", their call ends, the caller stays", async () => {
      await red.load(answeredFlow(participantNode("add", "add", { participant: ACS_USER }), participantNode("remove", "remove", { participant: ACS_USER })));
      const call = await answeredCall();
      const user = await addAndAnswer(call, ACS_USER);
      feed("remove", call.msg);
      const removed = await red.next("remove", 0);
      assert.deepEqual(removed.msg.payload, { removed: true, participant: ACS_USER });
      assert.equal(removed.msg.event?.type, "RemoveParticipantSucceeded");
      const gone = await red.waitForLegState(user, "ended");
      assert.equal(gone.endReason, "removed by the application");
      const caller = await fullLeg(call.leg);
      assert.equal(caller.state, "connected");
      assert.deepEqual(caller.participants, [`4:${CALLER}`]);
      noErrors();
    });

    it("mutes an ACS user: \"done\", the far end shows muted, and get reads isMuted", async () => {
      await red.load(
        answeredFlow(
          participantNode("add", "add", { participant: ACS_USER }),
          participantNode("mute", "mute", { participant: ACS_USER }),
          participantNode("get", "get", { participant: ACS_USER }),
        ),
      );
      const call = await answeredCall();
      const user = await addAndAnswer(call, ACS_USER);
      assert.equal((await fullLeg(user)).isMuted, false);
      feed("mute", call.msg);
      const done = await red.next("mute", 0);
      assert.deepEqual(done.msg.payload, { muted: true, participant: ACS_USER });
      assert.equal((await fullLeg(user)).isMuted, true);
      feed("get", call.msg);
      const got = await red.next("get", 0);
      assert.deepEqual(got.msg.payload, { participant: ACS_USER, rawId: ACS_USER, kind: "communicationUser", isMuted: true, isOnHold: false });
      noErrors();
    });

    it("muting a phone participant is refused by ACS: a clear error, and the call goes on", async () => {
      await red.load(answeredFlow(participantNode("mute", "mute", { participant: CALLER })));
      const call = await answeredCall();
      feed("mute", call.msg);
      const caught = await red.next("catch", 0);
      assert.match(errorOf(caught).message, /mute participant failed: ACS answered 400 \(8523\): Only Azure Communication Services users can be muted/);
      assert.equal((await red.leg(call.leg)).state, "connected");
    });

    it("gets one participant and lists them all", async () => {
      await red.load(
        answeredFlow(
          participantNode("add", "add", { participant: AGENT, callerId: CALLER_ID }),
          participantNode("get", "get", { participant: "call.from", participantType: "msg" }),
          participantNode("list", "list"),
        ),
      );
      const call = await answeredCall();
      feed("get", call.msg);
      const got = await red.next("get", 0);
      assert.deepEqual(got.msg.payload, { participant: CALLER, rawId: `4:${CALLER}`, kind: "phoneNumber", isMuted: false, isOnHold: false });
      assert.equal(got.msg.call?.callConnectionId, call.msg.call?.callConnectionId);

      await addAndAnswer(call, AGENT);
      feed("list", call.msg);
      const listed = await red.next("list", 0);
      const people = listed.msg.payload as Array<{ participant: string; kind: string }>;
      assert.deepEqual(people.map((p) => p.participant).sort(), [AGENT, CALLER].sort());
      assert.ok(people.every((p) => p.kind === "phoneNumber"));
      noErrors();
    });
  });

  describe("bad input", () => {
    it("a message without a call id is a clear error for every action", async () => {
      await red.load(
        answeredFlow(
          participantNode("add", "add", { participant: AGENT, callerId: CALLER_ID }),
          participantNode("cancel", "cancelAdd"),
          participantNode("remove", "remove", { participant: AGENT }),
          participantNode("mute", "mute", { participant: ACS_USER }),
          participantNode("get", "get", { participant: AGENT }),
          participantNode("list", "list"),
        ),
      );
      for (const id of ["add", "cancel", "remove", "mute", "get", "list"]) red.inject(id, { payload: "no call here" });
      const caught = await Promise.all(["add", "cancel", "remove", "mute", "get", "list"].map((id) => red.next("catch", 0, (m) => errorOf(m).source?.id === id)));
      for (const c of caught) assert.match(errorOf(c).message, /msg\.call\.callConnectionId/);
    });

    for (const action of ["get", "remove", "mute"]) {
      it(`${action} of someone who is not in the call: "… is not in the call", and this call and another one go on`, async () => {
        await red.load(answeredFlow(participantNode(action, action, { participant: "+14255550777" }), participantNode("list", "list")));
        const call = await answeredCall();
        const other = await answeredCall(OTHER_CALLER);
        feed(action, call.msg);
        const caught = await red.next("catch", 0);
        assert.equal(errorOf(caught).source?.id, action);
        assert.equal(errorOf(caught).message, "FlowError: +14255550777 is not in the call.");
        assert.equal(red.from(action).length, 0);
        assert.equal((await red.leg(call.leg)).state, "connected");
        feed("list", other.msg);
        const listed = await red.next("list", 0);
        assert.deepEqual((listed.msg.payload as Array<{ participant: string }>).map((p) => p.participant), [OTHER_CALLER]);
        assert.equal((await red.leg(other.leg)).state, "connected");
        assert.equal(red.from("catch").length, 1);
      });
    }

    it("no participant, a participant that is no number or id, a bad invitation timeout: clear errors before any request", async () => {
      await red.load(
        answeredFlow(
          participantNode("empty", "get", { participant: "" }),
          participantNode("garbage", "remove", { participant: "the agent" }),
          participantNode("timeout", "add", { participant: AGENT, callerId: CALLER_ID, invitationTimeout: "500" }),
        ),
      );
      const call = await answeredCall();
      for (const id of ["empty", "garbage", "timeout"]) feed(id, call.msg);
      const message = async (id: string) => errorOf(await red.next("catch", 0, (m) => errorOf(m).source?.id === id)).message;
      assert.match(await message("empty"), /^FlowError: No participant: set who this node acts on/);
      assert.match(await message("garbage"), /^FlowError: "the agent" is not a participant: use a phone number in E\.164 form/);
      assert.match(await message("timeout"), /invitation timeout .* 1 to 180/);
      assert.deepEqual((await fullLeg(call.leg)).participants, [`4:${CALLER}`]);
      assert.equal((await red.legs()).filter((l) => l.direction === "outbound" && l.serverCallId === call.msg.call?.serverCallId).length, 0, "nobody was invited");
    });

    it("a caller id that is not a phone number, or not a number of the resource: clear errors, and nobody rings", async () => {
      await red.load(
        answeredFlow(
          participantNode("text", "add", { participant: AGENT, callerId: "Contoso" }),
          participantNode("foreign", "add", { participant: AGENT, callerId: "+14255550000" }),
        ),
      );
      const call = await answeredCall();
      feed("text", call.msg);
      assert.match(errorOf(await red.next("catch", 0, (m) => errorOf(m).source?.id === "text")).message, /^FlowError: The caller id "Contoso" is not a phone number in E\.164 form/);
      feed("foreign", call.msg);
      const refused = errorOf(await red.next("catch", 0, (m) => errorOf(m).source?.id === "foreign")).message;
      assert.match(refused, /add participant failed: ACS answered 403 \(7507\)/);
      assert.equal((await red.legs()).filter((l) => l.direction === "outbound" && l.serverCallId === call.msg.call?.serverCallId).length, 0, "nobody rang");
      assert.equal((await red.leg(call.leg)).state, "connected");
    });

    it("every action on a call that has ended is a clear error; another call goes on", async () => {
      await red.load(
        answeredFlow(
          participantNode("add", "add", { participant: AGENT, callerId: CALLER_ID }),
          participantNode("cancel", "cancelAdd"),
          participantNode("remove", "remove", { participant: CALLER }),
          participantNode("mute", "mute", { participant: CALLER }),
          participantNode("get", "get", { participant: CALLER }),
          participantNode("list", "list"),
        ),
      );
      const call = await answeredCall();
      const other = await answeredCall(OTHER_CALLER);
      await red.hangup(call.leg);
      await red.next("answer", 2);
      const ids = ["add", "cancel", "remove", "mute", "get", "list"];
      for (const id of ids) feed(id, { ...call.msg, invitation: { invitationId: "b6a7b2a4-0000-4000-8000-000000000001" } });
      for (const id of ids) {
        const caught = await red.next("catch", 0, (m) => errorOf(m).source?.id === id);
        assert.match(errorOf(caught).message, /failed: the call has already ended/);
      }
      assert.equal(red.from("catch").length, ids.length);
      feed("get", { ...other.msg, call: { ...other.msg.call } });
      // "get" looks up CALLER, who is not in the other call.
      await red.next("catch", 0, (m) => / is not in the call\.$/.test(errorOf(m).message));
      feed("list", other.msg);
      const listed = await red.next("list", 0);
      assert.deepEqual((listed.msg.payload as Array<{ participant: string }>).map((p) => p.participant), [OTHER_CALLER]);
      assert.equal((await red.leg(other.leg)).state, "connected");
    });
  });

  describe("blind transfer of one participant of a group call (transfer node)", () => {
    /**
     * create-call to +14255550181 and +14255550182 (both answer), and a transfer node that moves
     * `transferee` to an ACS user: the two legs and the connected message.
     */
    async function groupCallWithTransfer(transferee: string) {
      const cr = RedHarness.outputs("create", 3);
      const tr = RedHarness.outputs("transfer", 2);
      await red.load([
        red.configNode(),
        { id: "create", type: "acs-create-call", acs: "acs", targets: "+14255550181, +14255550182", targetsType: "str", callerId: LINE, callerIdType: "str", wires: cr.wires },
        { id: "transfer", type: "acs-transfer", acs: "acs", target: ACS_USER, targetType: "str", transferee, transfereeType: "str", callerId: "", callerIdType: "str", sipHeaders: "", sipHeadersType: "json", voipHeaders: "", voipHeadersType: "json", wires: tr.wires },
        ...cr.nodes,
        ...tr.nodes,
        ...RedHarness.catcher(),
      ]);
      red.inject("create", {});
      const a = await ringing("+14255550181");
      const b = await ringing("+14255550182");
      await red.control("POST", `/calls/${a.id}/answer`);
      await red.control("POST", `/calls/${b.id}/answer`);
      const connected = await red.next("create", 0);
      return { a, b, connected };
    }

    it("create-call to two numbers, then transfer one of them to an ACS user: accepted; the transferee leaves, the other party and the app stay", async () => {
      const { a, b, connected } = await groupCallWithTransfer("+14255550182");
      await red.waitForLegState(b.id, "connected");

      feed("transfer", connected.msg);
      const target = await ringing(ACS_USER);
      assert.equal(target.serverCallId, connected.msg.call?.serverCallId);
      await red.control("POST", `/calls/${target.id}/answer`);
      const accepted = await red.next("transfer", 0);
      assert.deepEqual(accepted.msg.payload, { accepted: true, target: ACS_USER });
      assert.equal((accepted.msg.event?.transferee as { rawId?: string } | undefined)?.rawId, "4:+14255550182");

      const transferee = await red.waitForLegState(b.id, "ended");
      assert.equal(transferee.endReason, "transferred");
      const stays = await fullLeg(a.id);
      assert.equal(stays.state, "connected");
      assert.deepEqual([...stays.participants].sort(), ["4:+14255550181", ACS_USER].sort());
      assert.deepEqual(stays.callConnectionIds, [connected.msg.call?.callConnectionId], "the application stays in the group call");
      assert.equal(red.from("create", 2).length, 0);
      noErrors();
    });

    it("a transferee who is not in the call is a clear error (not \"the call has ended\"), and the group call goes on", async () => {
      const { a, b, connected } = await groupCallWithTransfer("+14255550777");
      feed("transfer", connected.msg);
      const caught = await red.next("catch", 0);
      assert.equal(errorOf(caught).source?.id, "transfer");
      assert.match(errorOf(caught).message, /^FlowError: Cannot transfer \+14255550777: they are not in the call\.$/);
      assert.equal(red.from("transfer").length, 0);
      for (const id of [a.id, b.id]) assert.equal((await red.leg(id)).state, "connected");
      assert.deepEqual((await red.leg(a.id)).callConnectionIds, [connected.msg.call?.callConnectionId]);
    });
  });
});
