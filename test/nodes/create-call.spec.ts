/**
 * The create-call node: outbound calls (one target, a group, phone numbers and ACS users, caller
 * id, custom headers), the outcomes the far end decides (answer, decline, busy, no answer, hang-up)
 * and connecting to an existing call or group call. Node-RED through node-red-node-test-helper,
 * the real SDK against the embedded simulator, the far end played through its control API.
 */
import assert from "node:assert/strict";
import { sleep } from "../support/harness";
import { errorOf, RedHarness, type FlowNode, type ReceivedMessage } from "../support/red";

/** The simulator's own number: the only caller id it accepts. */
const CALLER_ID = "+18005550100";
const CUSTOMER = "+14255550188";

type Payload = { reason?: string; code?: number; subCode?: number; message?: string; connected?: boolean; callConnectionId?: string };
const payloadOf = (m: ReceivedMessage): Payload => m.msg.payload as Payload;

describe("create-call node", function () {
  const red = RedHarness.forSuite();


  /** A create-call node "create" (ports connected, failed, ended), extra nodes, and a Catch node. */
  function flow(create: Record<string, unknown>, ...extra: FlowNode[]): FlowNode[] {
    const out = RedHarness.outputs("create", 3);
    return [red.configNode(), { id: "create", type: "acs-create-call", acs: "acs", wires: out.wires, ...create }, ...out.nodes, ...extra, ...RedHarness.catcher()];
  }

  const pstn = (targets: string, extra: Record<string, unknown> = {}) => ({ targets, targetsType: "str", callerId: CALLER_ID, callerIdType: "str", ...extra });

  /** The far end's leg ringing for a call to `number` (raw id "4:+1..." or "8:acs:..."). */
  const ringing = (target: string) =>
    red.waitForLeg((l) => l.to === (target.startsWith("+") ? `4:${target}` : target) && l.state === "ringing" && l.direction === "outbound", `${target} ringing`);

  /** No error may reach the Catch node in a test about outcomes. */
  const noErrors = () => assert.deepEqual(red.from("catch").map((m) => errorOf(m).message), []);

  describe("outbound calls and their outcomes", () => {
    it("calls a phone number with a caller id: connected when the far end answers, ended when it hangs up", async () => {
      await red.load(flow(pstn(CUSTOMER)));
      red.inject("create", { payload: "call the customer" });
      const leg = await ringing(CUSTOMER);
      assert.equal(leg.from, `4:${CALLER_ID}`, "the far end sees the caller id");
      assert.equal(red.from("create").length, 0, "nothing leaves while the phone rings");

      await red.control("POST", `/calls/${leg.id}/answer`);
      const connected = await red.next("create", 0);
      const call = connected.msg.call ?? {};
      assert.equal(typeof call.callConnectionId, "string");
      assert.equal(call.from, CALLER_ID);
      assert.equal(call.to, CUSTOMER);
      assert.equal(call.remoteParty, CUSTOMER);
      assert.equal(call.direction, "outbound");
      assert.equal(call.serverCallId, leg.serverCallId);
      assert.equal(call.correlationId, leg.correlationId);
      assert.deepEqual(connected.msg.payload, { connected: true, callConnectionId: call.callConnectionId });
      assert.equal(connected.msg.event?.type, "CallConnected");
      assert.deepEqual((await red.leg(leg.id)).callConnectionIds, [call.callConnectionId]);

      await red.hangup(leg.id);
      const ended = await red.next("create", 2);
      assert.equal(ended.msg.call?.callConnectionId, call.callConnectionId);
      assert.equal(ended.msg.event?.type, "CallDisconnected");
      assert.equal(payloadOf(ended).reason, "ended");
      assert.equal(red.from("create", 1).length, 0);
      noErrors();
    });

    const outcomes: Array<[string, (legId: string) => Promise<unknown>, string, number, number]> = [
      ["declines", (id) => red.control("POST", `/calls/${id}/reject`, { reason: "declined" }), "declined", 603, 8538],
      ["is busy", (id) => red.control("POST", `/calls/${id}/reject`, { reason: "busy" }), "busy", 486, 8539],
      ["does not answer (ring time-out)", async () => undefined, "noAnswer", 408, 8541],
    ];
    for (const [what, act, reason, code, subCode] of outcomes) {
      it(`leaves from "failed" with reason ${reason} when the far end ${what}`, async () => {
        await red.load(flow(pstn(CUSTOMER)));
        red.inject("create", { payload: "call" });
        const leg = await ringing(CUSTOMER);
        await act(leg.id);
        const failed = await red.next("create", 1);
        assert.equal(payloadOf(failed).reason, reason);
        assert.equal(payloadOf(failed).code, code);
        assert.equal(payloadOf(failed).subCode, subCode);
        assert.equal(failed.msg.event?.type, "CreateCallFailed");
        assert.equal(failed.msg.call?.to, CUSTOMER);
        assert.equal(failed.msg.call?.direction, "outbound");
        assert.equal((await red.leg(leg.id)).state, "ended");
        await sleep(100);
        assert.equal(red.from("create", 0).length, 0);
        assert.equal(red.from("create", 2).length, 0, "a call that never connected has no ended message");
        noErrors();
      });
    }

    it("calls a group of two: connected when the first answers; both ring and both can join", async () => {
      const a = "+14255550181";
      const b = "+14255550182";
      await red.load(flow(pstn(`${a}, ${b}`)));
      red.inject("create", {});
      const legA = await ringing(a);
      const legB = await ringing(b);
      assert.equal(legA.serverCallId, legB.serverCallId, "one call rings both");

      await red.control("POST", `/calls/${legB.id}/answer`);
      const connected = await red.next("create", 0);
      assert.equal(connected.msg.call?.to, `${a},${b}`);
      assert.equal(connected.msg.call?.remoteParty, undefined, "a group has no single remote party");
      await red.control("POST", `/calls/${legA.id}/answer`);
      await red.waitForLegState(legA.id, "connected");
      assert.equal((await red.leg(legB.id)).state, "connected");
      assert.equal(red.from("create", 0).length, 1, "connected once for the group");

      // One member leaving does not end a group call.
      await red.hangup(legA.id);
      await sleep(150);
      assert.equal(red.from("create", 2).length, 0);
      await red.hangup(legB.id);
      await red.next("create", 2);
      noErrors();
    });

    it("calls a Teams user (8:orgid:…) without a caller id: connected when they answer", async () => {
      const teamsUser = "8:orgid:3f2a8e4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b";
      await red.load(flow({ targets: teamsUser, targetsType: "str" }));
      red.inject("create", {});
      const leg = await ringing(teamsUser);
      await red.control("POST", `/calls/${leg.id}/answer`);
      const connected = await red.next("create", 0);
      assert.equal(connected.msg.call?.to, teamsUser);
      assert.equal(connected.msg.call?.remoteParty, teamsUser);
      noErrors();
    });

    it("takes its targets from msg.payload as an array", async () => {
      const targets = ["+14255550191", "+14255550192"];
      await red.load(flow({ targets: "payload", targetsType: "msg", callerId: CALLER_ID, callerIdType: "str" }));
      red.inject("create", { payload: targets });
      const legs = await Promise.all(targets.map(ringing));
      assert.equal(legs[0].serverCallId, legs[1].serverCallId);
      await red.control("POST", `/calls/${legs[0].id}/answer`);
      const connected = await red.next("create", 0);
      assert.equal(connected.msg.call?.to, targets.join(","));
      noErrors();
    });

    it("calls an ACS user with custom SIP and VoIP headers: the far end's leg carries them", async () => {
      const user = "8:acs:user-42";
      await red.load(
        flow({
          targets: user,
          targetsType: "str",
          sipHeaders: JSON.stringify({ Case: "1234", "User-To-User": "uui-data", "X-Region": "emea" }),
          sipHeadersType: "json",
          voipHeaders: "call.context",
          voipHeadersType: "msg",
        }),
      );
      red.inject("create", { call: { context: { ticket: "T-9", priority: 2 } } });
      const leg = await ringing(user);
      const detail = await red.leg(leg.id);
      assert.deepEqual(detail.customContext?.sipHeaders, { "X-MS-Custom-Case": "1234", "User-To-User": "uui-data", "X-Region": "emea" });
      assert.deepEqual(detail.customContext?.voipHeaders, { ticket: "T-9", priority: "2" });
      assert.equal(leg.from, "8:acs:simulator-application", "no caller id: the call comes from the application");

      await red.control("POST", `/calls/${leg.id}/answer`);
      const connected = await red.next("create", 0);
      assert.equal(connected.msg.call?.to, user);
      assert.equal(connected.msg.call?.remoteParty, user);
      assert.equal(connected.msg.call?.from, undefined, "no caller id was given");
      noErrors();
    });

    it("sends no custom context when the header fields are left empty (the editor's defaults)", async () => {
      await red.load(flow(pstn(CUSTOMER, { sipHeaders: "", sipHeadersType: "json", voipHeaders: "", voipHeadersType: "json", displayName: "" })));
      red.inject("create", {});
      const leg = await ringing(CUSTOMER);
      assert.equal((await red.leg(leg.id)).customContext, undefined);
    });
  });

  describe("connect to an existing call", () => {
    it("connects to a call by its serverCallId from msg.call", async () => {
      const conn = RedHarness.outputs("connect", 3);
      await red.load(
        flow(
          { ...pstn(CUSTOMER), wires: [["connect", "create:0"], ["create:1"], ["create:2"]] },
          { id: "connect", type: "acs-create-call", acs: "acs", mode: "connect", locatorKind: "serverCall", locator: "call.serverCallId", locatorType: "msg", wires: conn.wires },
          ...conn.nodes,
        ),
      );
      red.inject("create", {});
      const leg = await ringing(CUSTOMER);
      await red.control("POST", `/calls/${leg.id}/answer`);
      const created = await red.next("create", 0);
      const connected = await red.next("connect", 0);
      assert.equal(connected.msg.event?.type, "CallConnected");
      assert.equal(connected.msg.call?.serverCallId, created.msg.call?.serverCallId);
      assert.notEqual(connected.msg.call?.callConnectionId, created.msg.call?.callConnectionId, "a second connection to the same call");
      assert.equal(connected.msg.call?.direction, "connect");
      const detail = await red.leg(leg.id);
      assert.deepEqual(new Set(detail.callConnectionIds), new Set([created.msg.call?.callConnectionId, connected.msg.call?.callConnectionId]));

      // The far end hangs up: both connections see the call end.
      await red.hangup(leg.id);
      await red.next("create", 2);
      const ended = await red.next("connect", 2);
      assert.equal(ended.msg.call?.callConnectionId, connected.msg.call?.callConnectionId);
      noErrors();
    });

    it("connects to a group call by its id", async () => {
      const groupCallId = "c0ffee00-1111-4222-8333-444455556666";
      const joined = await red.control<{ id: string; serverCallId: string }>("POST", "/calls", { from: "+14255550150", groupCallId });
      assert.equal(joined.status, 201);
      await red.load(flow({ mode: "connect", locatorKind: "group", locator: groupCallId, locatorType: "str" }));
      red.inject("create", {});
      const connected = await red.next("create", 0);
      assert.equal(connected.msg.call?.serverCallId, joined.body.serverCallId);
      assert.equal(connected.msg.call?.direction, "connect");
      assert.deepEqual((await red.leg(joined.body.id)).callConnectionIds, [connected.msg.call?.callConnectionId]);
      noErrors();
    });

    it("connects to a room by its id", async () => {
      const roomId = "99441234567891234";
      const joined = await red.control<{ id: string; serverCallId: string }>("POST", "/calls", { from: "8:acs:room-member-1", roomId });
      assert.equal(joined.status, 201);
      await red.load(flow({ mode: "connect", locatorKind: "room", locator: roomId, locatorType: "str" }));
      red.inject("create", {});
      const connected = await red.next("create", 0);
      assert.equal(connected.msg.call?.serverCallId, joined.body.serverCallId);
      assert.deepEqual((await red.leg(joined.body.id)).callConnectionIds, [connected.msg.call?.callConnectionId]);
      noErrors();
    });

    it("a server call that does not exist leaves from \"failed\" (ConnectFailed), not as an error", async () => {
      await red.load(flow({ mode: "connect", locatorKind: "serverCall", locator: "bm8tc3VjaC1jYWxs", locatorType: "str" }));
      red.inject("create", {});
      const failed = await red.next("create", 1);
      assert.equal(failed.msg.event?.type, "ConnectFailed");
      assert.equal(payloadOf(failed).subCode, 8522);
      assert.equal(typeof payloadOf(failed).reason, "string");
      noErrors();
    });

    it("an empty locator is an error", async () => {
      await red.load(flow({ mode: "connect", locatorKind: "serverCall", locator: "call.serverCallId", locatorType: "msg" }));
      red.inject("create", { call: {} });
      const caught = await red.next("catch", 0);
      assert.equal(errorOf(caught).source?.id, "create");
      assert.equal(errorOf(caught).message, "FlowError: Nothing to connect to: the server call, group or room id is empty.");
    });
  });

  describe("errors the flow author must fix", () => {
    it("a phone number target without a caller id is an error for Catch; nothing rings", async () => {
      await red.load(flow({ targets: CUSTOMER, targetsType: "str" }));
      const before = (await red.legs()).length;
      red.inject("create", {});
      const caught = await red.next("catch", 0);
      assert.equal(errorOf(caught).source?.id, "create");
      assert.match(errorOf(caught).message, /caller ?id/i);
      await sleep(100);
      assert.equal((await red.legs()).length, before, "no call was placed");
      assert.equal(red.from("create").length, 0);
    });

    for (const bad of ["sales desk", "+1 425 555", "4:12345"]) {
      it(`a target that is neither a number nor an identifier ("${bad}") is an error`, async () => {
        await red.load(flow(pstn(`${CUSTOMER}, ${bad}`)));
        const before = (await red.legs()).length;
        red.inject("create", {});
        const caught = await red.next("catch", 0);
        assert.equal(errorOf(caught).message, `FlowError: Cannot call "${bad}": use a phone number in E.164 form (+14255550123) or an id such as 8:acs:…`);
        await sleep(100);
        assert.equal((await red.legs()).length, before, "no call was placed, not even to the good target");
      });
    }

    it("no targets at all is an error", async () => {
      await red.load(flow({ targets: "payload", targetsType: "msg", callerId: CALLER_ID, callerIdType: "str" }));
      red.inject("create", { payload: [] });
      const caught = await red.next("catch", 0);
      assert.match(errorOf(caught).message, /^FlowError: Nobody to call: the targets are empty\./);
    });

    it("a caller id the resource does not own is refused by ACS: the error says why, without secrets", async () => {
      await red.load(flow(pstn(CUSTOMER, { callerId: "+14255550000" })));
      red.inject("create", {});
      const caught = await red.next("catch", 0);
      const message = errorOf(caught).message;
      assert.match(message, /create call failed: ACS answered 403 \(7507\)/);
      assert.doesNotMatch(message, /accesskey|Bearer|secret/i);
      assert.equal(red.from("create").length, 0);
    });

    it("bad custom headers are an error before anything is sent", async () => {
      await red.load(flow({ targets: "8:acs:user-1", targetsType: "str", sipHeaders: "[1,2]", sipHeadersType: "json" }));
      red.inject("create", {});
      const caught = await red.next("catch", 0);
      assert.match(errorOf(caught).message, /SIP headers/);
    });
  });
});
