/**
 * Participant management through the real SDK against the simulator: add (answer, decline, busy,
 * invitation timeout, cancel), remove, mute, list (with nextLink paging), get, and move. Each test
 * checks the SDK's result, the callback events and the far end's view through the control API.
 */
import assert from "node:assert/strict";
import { CallAutomationClient, type CallConnection } from "@azure/communication-call-automation";
import { getIdentifierRawId, type CommunicationIdentifier } from "@azure/communication-common";
import { simulatorHttpClient } from "../../lib/simulator-client";
import type { SimulatorOptions } from "../../simulator";
import { Harness, harnessPerTest, sleep, type LegView, type ReceivedCallback, type LegSummary, type EventData, dataOf, resultOf, rawIdsOf, participantsOf } from "../support/harness";
import { expectRestError } from "../support/rest-error";

const CALLER = "+14255550100";
const CALLER_2 = "+14255550101";
const OWNED = "+18005550100";
const AGENT = "+12065550111";
const SUPERVISOR = "+12065550112";
const ACS_USER = "8:acs:11111111-2222-3333-4444-555555555555_00000000-0000-0000-0000-0000000000aa";
const ACS_USER_2 = "8:acs:11111111-2222-3333-4444-555555555555_00000000-0000-0000-0000-0000000000bb";

const BASE_OPTIONS: SimulatorOptions = { speed: 50, ringTimeoutSeconds: 120 };

type Data = EventData;

const sorted = (ids: string[]): string[] => [...ids].sort();
/** The raw id of an identifier as the SDK hands it back (ACS users come back without rawId). */
const rawOf = (identifier: CommunicationIdentifier | undefined): string => (identifier ? getIdentifierRawId(identifier) : "");

describe("simulator: participants through the SDK", function () {
  let h: Harness;

  // Each test gets its own simulator.
  const harnesses = harnessPerTest(BASE_OPTIONS);
  beforeEach(() => {
    h = harnesses.current;
  });

  /** Replace the harness for this test with one started with other options. */
  async function restart(options: SimulatorOptions): Promise<void> {
    h = await harnesses.restart(options);
  }

  // ------------------------------------------------------------------ helpers

  const types = (id: string): string[] => h.eventsOf(id).map((c) => c.type);
  const countOf = (id: string, type: string): number => h.eventsOf(id).filter((c) => c.type === type).length;

  async function ringing(to: string): Promise<LegSummary> {
    let found: LegSummary | undefined;
    await h.waitFor(async () => {
      found = (await h.control<LegSummary[]>("GET", "/calls?state=ringing")).body.find((l) => l.to === to && l.direction === "outbound");
      return !!found;
    }, `a ringing call to ${to}`);
    return found as LegSummary;
  }

  async function legWhen(id: string, check: (leg: LegView) => boolean, what: string): Promise<LegView> {
    let view: LegView | undefined;
    await h.waitFor(async () => {
      view = await h.leg(id);
      return check(view);
    }, what);
    return view as LegView;
  }

  const far = async (legId: string, action: "answer" | "hangup" | "reject", body?: Data): Promise<void> => {
    const res = await h.control("POST", `/calls/${legId}/${action}`, body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };

  /** Wait for the n-th ParticipantsUpdated of a connection. */
  const nthUpdate = (id: string, n: number): Promise<ReceivedCallback> => h.waitForCallback(id, "ParticipantsUpdated", 5000, n);

  /** An answered inbound call from `from`. */
  async function call(from = CALLER): Promise<{ id: string; connection: CallConnection; legId: string; serverCallId: string }> {
    const r = await h.dialInAndAnswer(from, OWNED);
    await nthUpdate(r.callConnectionId, 1);
    return { id: r.callConnectionId, connection: r.connection, legId: r.legId, serverCallId: r.answered.callConnectionProperties.serverCallId as string };
  }

  /** Add `target` (a phone number or ACS user raw id) and have the far end answer. */
  async function addAndAnswer(connection: CallConnection, id: string, target: string): Promise<LegSummary> {
    const before = countOf(id, "AddParticipantSucceeded");
    await connection.addParticipant(
      target.startsWith("8:")
        ? { targetParticipant: { communicationUserId: target } }
        : { targetParticipant: { phoneNumber: target }, sourceCallIdNumber: { phoneNumber: OWNED } },
    );
    const leg = await ringing(target.startsWith("8:") ? target : `4:${target}`);
    await far(leg.id, "answer");
    await h.waitForCallback(id, "AddParticipantSucceeded", 5000, before + 1);
    return leg;
  }

  // ------------------------------------------------------------------ add

  describe("addParticipant", () => {
    it("invites a phone number: the response names the invitation, the target rings, answering adds them", async () => {
      const { id, connection, legId } = await call();
      const result = await connection.addParticipant(
        { targetParticipant: { phoneNumber: AGENT }, sourceCallIdNumber: { phoneNumber: OWNED } },
        { operationContext: "add-agent" },
      );
      assert.match(result.invitationId ?? "", /^[0-9a-f-]{36}$/);
      assert.equal(result.operationContext, "add-agent");
      assert.deepEqual(result.participant?.identifier, { phoneNumber: AGENT, rawId: `4:${AGENT}` });
      assert.equal(result.participant?.isMuted, false);

      const leg = await ringing(`4:${AGENT}`);
      assert.equal(leg.from, `4:${OWNED}`, "the invitee sees the caller id");
      assert.equal(leg.serverCallId, (await h.leg(legId)).serverCallId);
      assert.deepEqual((await connection.listParticipants()).values?.map((p) => p.identifier), [{ phoneNumber: CALLER, rawId: `4:${CALLER}` }], "not in the call while ringing");

      await far(leg.id, "answer");
      const succeeded = await h.waitForCallback(id, "AddParticipantSucceeded");
      const updated = await nthUpdate(id, 2);
      assert.equal(succeeded.event.kind, "AddParticipantSucceeded");
      if (succeeded.event.kind === "AddParticipantSucceeded") {
        assert.deepEqual(succeeded.event.participant, { phoneNumber: AGENT, rawId: `4:${AGENT}` });
      }
      assert.equal(dataOf(succeeded).operationContext, "add-agent");
      assert.equal(resultOf(succeeded).code, 200);
      const order = types(id);
      assert.ok(order.lastIndexOf("ParticipantsUpdated") > order.indexOf("AddParticipantSucceeded"), order.join());
      assert.deepEqual(sorted(rawIdsOf(updated)), sorted([`4:${CALLER}`, `4:${AGENT}`]));
      assert.ok((dataOf(updated).sequenceNumber as number) > (dataOf(h.eventsOf(id).find((c) => c.type === "ParticipantsUpdated") as ReceivedCallback).sequenceNumber as number));
      assert.ok(h.eventsOf(id).every((c) => c.url === "/callbacks/main?token=secret-main"));

      const agent = await h.leg(leg.id);
      assert.equal(agent.state, "connected");
      assert.deepEqual(sorted(agent.participants), sorted([`4:${CALLER}`, `4:${AGENT}`]));
      assert.deepEqual(agent.callConnectionIds, [id]);
    });

    it("invites an ACS user without a caller id, and sends the outcome to operationCallbackUrl", async () => {
      const { id, connection } = await call();
      const override = `${h.callbackBase}/cb/op?sig=x%2By&n=1`;
      await connection.addParticipant({ targetParticipant: { communicationUserId: ACS_USER } }, { operationCallbackUrl: override });
      const leg = await ringing(ACS_USER);
      await far(leg.id, "answer");
      const succeeded = await h.waitForCallback(id, "AddParticipantSucceeded");
      assert.equal(succeeded.url, "/cb/op?sig=x%2By&n=1", "the per-operation callback URL, query kept");
      const updated = await nthUpdate(id, 2);
      assert.equal(updated.url, "/callbacks/main?token=secret-main", "roster updates still go to the call's callback URL");
      assert.deepEqual(sorted(rawIdsOf(updated)), sorted([`4:${CALLER}`, ACS_USER]));
    });

    it("passes custom SIP and VoIP headers to the invitee", async () => {
      const { connection } = await call();
      await connection.addParticipant({
        targetParticipant: { phoneNumber: AGENT },
        sourceCallIdNumber: { phoneNumber: OWNED },
        customCallingContext: [
          { kind: "sipuui", key: "", value: "3030303030" },
          { kind: "sipx", key: "Case", value: "C-1" },
          { kind: "voip", key: "skill", value: "billing" },
        ],
      });
      const leg = await ringing(`4:${AGENT}`);
      assert.deepEqual((await h.leg(leg.id)).customContext, {
        sipHeaders: { "User-To-User": "3030303030", "X-MS-Custom-Case": "C-1" },
        voipHeaders: { skill: "billing" },
      });
    });

    it("refuses a phone number without a caller id (400), an unowned caller id (403) and someone already in the call (400)", async () => {
      const { connection } = await call();
      const noCallerId = await expectRestError(connection.addParticipant({ targetParticipant: { phoneNumber: AGENT } }));
      assert.equal(noCallerId.statusCode, 400);
      const unowned = await expectRestError(
        connection.addParticipant({ targetParticipant: { phoneNumber: AGENT }, sourceCallIdNumber: { phoneNumber: "+19995550000" } }),
      );
      assert.equal(unowned.statusCode, 403);
      assert.equal(unowned.code, "7507");
      const already = await expectRestError(connection.addParticipant({ targetParticipant: { phoneNumber: CALLER }, sourceCallIdNumber: { phoneNumber: OWNED } }));
      assert.equal(already.statusCode, 400);
      assert.equal((await h.control<LegSummary[]>("GET", "/calls?state=ringing")).body.length, 0);
    });

    const refusals = [
      { how: "declines", body: { reason: "declined" }, code: 603, subCode: 8538 },
      { how: "is busy", body: { reason: "busy" }, code: 486, subCode: 8539 },
    ];
    for (const r of refusals) {
      it(`reports AddParticipantFailed ${r.code}/${r.subCode} when the invitee ${r.how}`, async () => {
        const { id, connection, legId } = await call();
        await connection.addParticipant({ targetParticipant: { communicationUserId: ACS_USER } }, { operationContext: "invite" });
        const leg = await ringing(ACS_USER);
        await far(leg.id, "reject", r.body);
        const failed = await h.waitForCallback(id, "AddParticipantFailed");
        assert.equal(failed.event.kind, "AddParticipantFailed");
        if (failed.event.kind === "AddParticipantFailed") assert.deepEqual(failed.event.participant, { communicationUserId: ACS_USER });
        assert.equal(dataOf(failed).operationContext, "invite");
        assert.deepEqual({ code: resultOf(failed).code, subCode: resultOf(failed).subCode }, { code: r.code, subCode: r.subCode });
        await sleep(50);
        assert.equal(countOf(id, "ParticipantsUpdated"), 1, "no roster change");
        assert.equal((await h.leg(leg.id)).state, "ended");
        assert.equal((await h.leg(legId)).state, "connected");
      });
    }

    it("reports AddParticipantFailed 408/8541 when the invitation times out (invitationTimeoutInSeconds)", async () => {
      const { id, connection } = await call();
      const started = Date.now();
      await connection.addParticipant({ targetParticipant: { communicationUserId: ACS_USER } }, { invitationTimeoutInSeconds: 5 });
      const failed = await h.waitForCallback(id, "AddParticipantFailed");
      // 5 simulated seconds at speed 50 is 100 ms, well before the 120 s default ring timeout.
      assert.ok(Date.now() - started < 1000, "the invitation timeout, not the default ring timeout, applied");
      assert.deepEqual({ code: resultOf(failed).code, subCode: resultOf(failed).subCode }, { code: 408, subCode: 8541 });
      const leg = (await h.control<LegSummary[]>("GET", "/calls")).body.find((l) => l.to === ACS_USER) as LegSummary;
      assert.equal(leg.state, "ended");
      assert.equal(leg.endReason, "not answered");
    });

    it("stops the invitee's phone when the application leaves the call, with nothing after CallDisconnected", async () => {
      const { id, connection } = await call();
      await connection.addParticipant({ targetParticipant: { communicationUserId: ACS_USER } });
      const leg = await ringing(ACS_USER);
      await connection.hangUp(true);
      await h.waitForCallback(id, "CallDisconnected");
      assert.equal((await h.leg(leg.id)).state, "ended");
      await sleep(50);
      assert.equal(types(id)[types(id).length - 1], "CallDisconnected");
      assert.ok(!types(id).includes("AddParticipantFailed"));
    });
  });

  // ------------------------------------------------------------------ cancel add

  describe("cancelAddParticipantOperation", () => {
    it("cancels a ringing invitation: CancelAddParticipantSucceeded and the invitee's phone stops", async () => {
      const { id, connection } = await call();
      const added = await connection.addParticipant({ targetParticipant: { phoneNumber: AGENT }, sourceCallIdNumber: { phoneNumber: OWNED } });
      const leg = await ringing(`4:${AGENT}`);
      const result = await connection.cancelAddParticipantOperation(added.invitationId as string, { operationContext: "never-mind" });
      assert.equal(result.invitationId, added.invitationId);
      assert.equal(result.operationContext, "never-mind");
      const canceled = await h.waitForCallback(id, "CancelAddParticipantSucceeded");
      assert.equal(canceled.event.kind, "CancelAddParticipantSucceeded");
      assert.equal(dataOf(canceled).invitationId, added.invitationId);
      assert.equal(dataOf(canceled).operationContext, "never-mind");
      const view = await h.leg(leg.id);
      assert.equal(view.state, "ended");
      assert.equal(view.endReason, "canceled");
      assert.equal((await h.control("POST", `/calls/${leg.id}/answer`)).status, 409, "a canceled invitation cannot be answered");
      await sleep(50);
      assert.ok(!types(id).includes("AddParticipantSucceeded"));
      assert.equal(countOf(id, "ParticipantsUpdated"), 1);
    });

    it("refuses an unknown invitation id, and one that was already answered (404)", async () => {
      const { id, connection } = await call();
      const unknown = await expectRestError(connection.cancelAddParticipantOperation("00000000-0000-0000-0000-000000000000"));
      assert.equal(unknown.statusCode, 404);
      const added = await connection.addParticipant({ targetParticipant: { communicationUserId: ACS_USER } });
      await far((await ringing(ACS_USER)).id, "answer");
      await h.waitForCallback(id, "AddParticipantSucceeded");
      const late = await expectRestError(connection.cancelAddParticipantOperation(added.invitationId as string));
      assert.equal(late.statusCode, 404);
      await sleep(30);
      assert.ok(!types(id).includes("CancelAddParticipantSucceeded"));
    });
  });

  // ------------------------------------------------------------------ remove

  describe("removeParticipant", () => {
    it("removes a participant: RemoveParticipantSucceeded, then ParticipantsUpdated without them, and their leg ends", async () => {
      const { id, connection, legId } = await call();
      const agentLeg = await addAndAnswer(connection, id, AGENT);
      await nthUpdate(id, 2);
      const result = await connection.removeParticipant({ phoneNumber: AGENT }, { operationContext: "drop-agent" });
      assert.equal(result.operationContext, "drop-agent");
      const removed = await h.waitForCallback(id, "RemoveParticipantSucceeded");
      const updated = await nthUpdate(id, 3);
      assert.equal(removed.event.kind, "RemoveParticipantSucceeded");
      if (removed.event.kind === "RemoveParticipantSucceeded") assert.deepEqual(removed.event.participant, { phoneNumber: AGENT, rawId: `4:${AGENT}` });
      assert.equal(dataOf(removed).operationContext, "drop-agent");
      assert.ok(types(id).lastIndexOf("ParticipantsUpdated") > types(id).indexOf("RemoveParticipantSucceeded"));
      assert.deepEqual(rawIdsOf(updated), [`4:${CALLER}`]);
      const agent = await h.leg(agentLeg.id);
      assert.equal(agent.state, "ended");
      assert.equal(agent.endReason, "removed by the application");
      assert.equal((await h.leg(legId)).state, "connected");
      assert.deepEqual((await connection.listParticipants()).values?.map((p) => rawOf(p.identifier)), [`4:${CALLER}`]);
      assert.equal((await connection.getCallConnectionProperties()).callConnectionState, "connected");
    });

    it("removing the last person ends the call for the application", async () => {
      const { id, connection, legId } = await call();
      await connection.removeParticipant({ phoneNumber: CALLER });
      await h.waitForCallback(id, "RemoveParticipantSucceeded");
      await h.waitForCallback(id, "CallDisconnected");
      assert.equal((await h.leg(legId)).endReason, "removed by the application");
      assert.equal(types(id)[types(id).length - 1], "CallDisconnected");
    });

    it("refuses to remove someone who is not in the call (404)", async () => {
      const { id, connection } = await call();
      const err = await expectRestError(connection.removeParticipant({ communicationUserId: ACS_USER }));
      assert.equal(err.statusCode, 404);
      assert.equal(err.code, "8522");
      await sleep(30);
      assert.ok(!types(id).some((t) => t.startsWith("RemoveParticipant")));
    });
  });

  // ------------------------------------------------------------------ mute

  describe("muteParticipant", () => {
    it("mutes an ACS user: ParticipantsUpdated shows isMuted, and getParticipant agrees", async () => {
      const { id, connection } = await call();
      const userLeg = await addAndAnswer(connection, id, ACS_USER);
      await nthUpdate(id, 2);
      const result = await connection.muteParticipant({ communicationUserId: ACS_USER }, { operationContext: "hush" });
      assert.equal(result.operationContext, "hush");
      const updated = await nthUpdate(id, 3);
      const byId = new Map(participantsOf(updated).map((p) => [p.identifier.rawId, p]));
      assert.equal(byId.get(ACS_USER)?.isMuted, true);
      assert.equal(byId.get(`4:${CALLER}`)?.isMuted, false);
      if (updated.event.kind === "ParticipantsUpdated") {
        assert.equal(updated.event.participants.find((p) => rawOf(p.identifier) === ACS_USER)?.isMuted, true);
      }
      const participant = await connection.getParticipant({ communicationUserId: ACS_USER });
      assert.equal(participant.isMuted, true);
      assert.deepEqual(participant.identifier, { communicationUserId: ACS_USER });
      assert.equal((await connection.getParticipant({ phoneNumber: CALLER })).isMuted, false);
      assert.equal((await h.leg(userLeg.id)).isMuted, true);
    });

    it("refuses to mute a phone number (400) or someone not in the call (404)", async () => {
      const { id, connection } = await call();
      const pstn = await expectRestError(connection.muteParticipant({ phoneNumber: CALLER }));
      assert.equal(pstn.statusCode, 400);
      const absent = await expectRestError(connection.muteParticipant({ communicationUserId: ACS_USER_2 }));
      assert.equal(absent.statusCode, 404);
      await sleep(30);
      assert.equal(countOf(id, "ParticipantsUpdated"), 1, "no roster change");
    });
  });

  // ------------------------------------------------------------------ list and get

  describe("listParticipants and getParticipant", () => {
    it("follows nextLink through every page when the simulator pages by 2", async () => {
      await restart({ participantsPageSize: 2 });
      const { id, connection } = await call();
      await addAndAnswer(connection, id, AGENT);
      await addAndAnswer(connection, id, ACS_USER);
      await addAndAnswer(connection, id, SUPERVISOR);
      const expected = sorted([`4:${CALLER}`, `4:${AGENT}`, ACS_USER, `4:${SUPERVISOR}`]);
      // A client that records what it sends, to see the SDK follow nextLink.
      const sent: string[] = [];
      const inner = simulatorHttpClient(h.sim.endpoint);
      const client = new CallAutomationClient(h.sim.connectionString, {
        allowInsecureConnection: true,
        httpClient: { sendRequest: (req) => (sent.push(`${req.method} ${req.url}`), inner.sendRequest(req)) },
      });
      const list = await client.getCallConnection(id).listParticipants();
      const ids = (list.values ?? []).map((p) => rawOf(p.identifier));
      assert.deepEqual(sorted(ids), expected, "both pages were read");
      assert.ok((list.values ?? []).every((p) => p.isMuted === false && p.isOnHold === false));
      const gets = sent.filter((r) => r.startsWith("GET ") && r.includes(`/calling/callConnections/${id}/participants`));
      assert.equal(gets.length, 2, gets.join("\n"));
      assert.match(gets[1], /[?&]skip=2(&|$)/);
      // The same through the harness's client.
      assert.equal((await connection.listParticipants()).values?.length, 4);
    });

    it("lists everyone on one page with the default page size", async () => {
      const { id, connection } = await call();
      await addAndAnswer(connection, id, ACS_USER);
      await addAndAnswer(connection, id, AGENT);
      const list = await connection.listParticipants();
      assert.deepEqual(sorted((list.values ?? []).map((p) => rawOf(p.identifier))), sorted([`4:${CALLER}`, ACS_USER, `4:${AGENT}`]));
    });

    it("gets a phone number participant (the SDK URL-encodes the raw id in the path)", async () => {
      const { connection } = await call();
      const p = await connection.getParticipant({ phoneNumber: CALLER });
      assert.deepEqual(p.identifier, { phoneNumber: CALLER, rawId: `4:${CALLER}` });
      assert.equal(p.isMuted, false);
      assert.equal(p.isOnHold, false);
      const missing = await expectRestError(connection.getParticipant({ phoneNumber: AGENT }));
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.code, "8522");
    });

    it("gets an ACS user participant", async () => {
      const { id, connection } = await call();
      await addAndAnswer(connection, id, ACS_USER);
      const p = await connection.getParticipant({ communicationUserId: ACS_USER });
      assert.deepEqual(p.identifier, { communicationUserId: ACS_USER });
    });

    it("refuses to list the participants of an ended call (404)", async () => {
      const { id, connection, legId } = await call();
      await far(legId, "hangup");
      await h.waitForCallback(id, "CallDisconnected");
      const err = await expectRestError(connection.listParticipants());
      assert.equal(err.statusCode, 404);
    });
  });

  // ------------------------------------------------------------------ move

  describe("moveParticipants", () => {
    it("moves a participant from another call into this one: MoveParticipantSucceeded and an updated roster", async () => {
      const a = await call(CALLER);
      const b = await call(CALLER_2);
      assert.notEqual(a.serverCallId, b.serverCallId);
      const result = await b.connection.moveParticipants([{ phoneNumber: CALLER }], a.id, { operationContext: "merge" });
      assert.equal(result.fromCall, a.id);
      assert.equal(result.operationContext, "merge");
      assert.deepEqual(result.participants?.map((p) => rawOf(p.identifier)), [`4:${CALLER}`]);

      const moved = await h.waitForCallback(b.id, "MoveParticipantSucceeded");
      assert.equal(moved.event.kind, "MoveParticipantSucceeded");
      if (moved.event.kind === "MoveParticipantSucceeded") assert.deepEqual(moved.event.participant, { phoneNumber: CALLER, rawId: `4:${CALLER}` });
      assert.equal(dataOf(moved).fromCall, a.id);
      assert.equal(dataOf(moved).operationContext, "merge");
      assert.equal(resultOf(moved).code, 200);
      const updated = await nthUpdate(b.id, 2);
      assert.deepEqual(sorted(rawIdsOf(updated)), sorted([`4:${CALLER}`, `4:${CALLER_2}`]));

      const leg = await h.leg(a.legId);
      assert.equal(leg.state, "connected");
      assert.equal(leg.serverCallId, b.serverCallId);
      assert.deepEqual(leg.callConnectionIds, [b.id]);
      assert.ok(leg.timeline.some((t) => t.what === "moved"));
      // Call A lost its only person: it is over for its application.
      await h.waitForCallback(a.id, "CallDisconnected");
      assert.equal((await expectRestError(a.connection.getCallConnectionProperties())).statusCode, 404);
      assert.deepEqual(
        sorted(((await b.connection.listParticipants()).values ?? []).map((p) => rawOf(p.identifier))),
        sorted([`4:${CALLER}`, `4:${CALLER_2}`]),
      );
    });

    it("refuses to move someone who is not in the source call, or from an unknown call (404)", async () => {
      const a = await call(CALLER);
      const b = await call(CALLER_2);
      const absent = await expectRestError(b.connection.moveParticipants([{ phoneNumber: AGENT }], a.id));
      assert.equal(absent.statusCode, 404);
      const unknown = await expectRestError(b.connection.moveParticipants([{ phoneNumber: CALLER }], "00000000-0000-0000-0000-000000000000"));
      assert.equal(unknown.statusCode, 404);
      await sleep(30);
      assert.ok(!types(b.id).includes("MoveParticipantSucceeded"));
      assert.equal((await legWhen(a.legId, (l) => l.state === "connected", "caller A still connected")).serverCallId, a.serverCallId);
    });
  });
});
