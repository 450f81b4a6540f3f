/**
 * Call control through the real SDK against the simulator: incoming calls (Event Grid), answer,
 * reject, redirect, outbound calls (1:1, group, failures), connect, call properties, hang-up and
 * transfer. Each test checks what the SDK returns, the callback events (JWT-verified and parsed by
 * the SDK's parseCallAutomationEvent in the harness) and the far end's view through the control API.
 */
import assert from "node:assert/strict";
import type { CallConnection, CallInvite } from "@azure/communication-call-automation";
import { parseClientArguments, createCommunicationAuthPolicy } from "@azure/communication-common";
import {
  createEmptyPipeline,
  createHttpHeaders,
  createPipelineRequest,
} from "@azure/core-rest-pipeline";
import { simulatorHttpClient } from "../../lib/simulator-client";
import type { SimulatorOptions } from "../../simulator";
import { Harness, harnessPerTest, sleep, type LegView, type ReceivedCallback, type ReceivedEventGrid, type LegSummary, type EventData, dataOf, resultOf, rawIdsOf } from "../support/harness";
import { expectRestError } from "../support/rest-error";

const CALLER = "+14255550100";
const OWNED = "+18005550100";
const OTHER_OWNED = "+18005550199";
const EXTERNAL = "+12065550111";
const ACS_USER = "8:acs:11111111-2222-3333-4444-555555555555_00000000-0000-0000-0000-000000000001";
const TEAMS_USER = "b9f1c5a4-0000-4a4a-9c9c-123456789abc";
/** A callback URL whose query string must come back byte for byte. */
const TRICKY_QUERY = "?token=a%2Fb%2Bc%3D%3D&empty=&x=1&x=2";

const BASE_OPTIONS: SimulatorOptions = { speed: 50, ringTimeoutSeconds: 120, ownedNumbers: [OWNED, OTHER_OWNED] };

type Data = EventData;
type Cim = { kind?: string; rawId?: string; phoneNumber?: { value: string }; communicationUser?: { id: string }; microsoftTeamsUser?: { userId: string } };


describe("simulator: call control through the SDK", function () {
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

  const types = (callConnectionId: string): string[] => h.eventsOf(callConnectionId).map((c) => c.type);

  async function dialIn(body: Data = {}): Promise<{ leg: LegSummary; incoming: ReceivedEventGrid }> {
    const res = await h.control<LegSummary>("POST", "/calls", { from: CALLER, to: OWNED, ...body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const leg = res.body;
    const incoming = await h.waitForEventGrid(
      (e) => e.eventType === "Microsoft.Communication.IncomingCall" && e.data.serverCallId === leg.serverCallId,
      "IncomingCall",
    );
    return { leg, incoming };
  }

  const contextOf = (e: ReceivedEventGrid): string => String(e.data.incomingCallContext);

  async function legs(state?: string): Promise<LegSummary[]> {
    const res = await h.control<LegSummary[]>("GET", state ? `/calls?state=${state}` : "/calls");
    assert.equal(res.status, 200);
    return res.body;
  }

  /** The far-end leg ringing for `to` (a raw id), once it rings. */
  async function ringing(to: string): Promise<LegSummary> {
    let found: LegSummary | undefined;
    await h.waitFor(async () => {
      found = (await legs("ringing")).find((l) => l.to === to && l.direction === "outbound");
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

  const answerLeg = async (id: string): Promise<void> => {
    const res = await h.control("POST", `/calls/${id}/answer`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };

  /** A 1:1 outbound PSTN call the far end has answered. */
  async function outboundCall(target = EXTERNAL, tag = "out"): Promise<{ id: string; connection: CallConnection; legId: string }> {
    const created = await h.client.createCall(
      { targetParticipant: { phoneNumber: target }, sourceCallIdNumber: { phoneNumber: OWNED } },
      h.callbackUrl(tag),
    );
    const id = created.callConnectionProperties.callConnectionId as string;
    const leg = await ringing(`4:${target}`);
    await answerLeg(leg.id);
    await h.waitForCallback(id, "ParticipantsUpdated");
    return { id, connection: created.callConnection, legId: leg.id };
  }

  /** A group call with the given PSTN targets, all answered. */
  async function groupCall(targets: string[]): Promise<{ id: string; connection: CallConnection; legIds: string[] }> {
    const created = await h.client.createGroupCall(
      targets.map((phoneNumber) => ({ phoneNumber })),
      h.callbackUrl("group"),
      { sourceCallIdNumber: { phoneNumber: OWNED } },
    );
    const id = created.callConnectionProperties.callConnectionId as string;
    const legIds: string[] = [];
    for (const t of targets) {
      const leg = await ringing(`4:${t}`);
      await answerLeg(leg.id);
      legIds.push(leg.id);
    }
    await h.waitFor(async () => {
      const updates = h.eventsOf(id).filter((c) => c.type === "ParticipantsUpdated");
      return updates.length > 0 && rawIdsOf(updates[updates.length - 1]).length === targets.length;
    }, "every group member in ParticipantsUpdated");
    return { id, connection: created.callConnection, legIds };
  }

  // ------------------------------------------------------------------ IncomingCall

  describe("IncomingCall (Event Grid)", () => {
    it("delivers from, to, serverCallId, correlationId and a signed incomingCallContext", async () => {
      const { leg, incoming } = await dialIn();
      assert.equal(incoming.headers["aeg-event-type"], "Notification");
      assert.equal(incoming.raw.subject, `/caller/4:${CALLER}/recipient/4:${OWNED}`);
      assert.deepEqual(incoming.data.from, { kind: "phoneNumber", rawId: `4:${CALLER}`, phoneNumber: { value: CALLER } });
      assert.deepEqual(incoming.data.to, { kind: "phoneNumber", rawId: `4:${OWNED}`, phoneNumber: { value: OWNED } });
      assert.equal(incoming.data.serverCallId, leg.serverCallId);
      assert.equal(incoming.data.correlationId, leg.correlationId);
      assert.match(contextOf(incoming), /^[\w-]+\.[\w-]+\.[\w-]+$/, "incomingCallContext looks like a JWT");
      assert.deepEqual(incoming.data.customContext, { sipHeaders: {}, voipHeaders: {} });
      assert.equal(leg.state, "ringing");
      assert.equal(leg.direction, "inbound");
      assert.equal(h.eventGrid.length, 1);
    });

    it("carries the caller's custom SIP and VoIP headers in customContext", async () => {
      const sipHeaders = { "User-To-User": "3030303030;encoding=hex", "X-MS-Custom-Account": "42" };
      const voipHeaders = { orderId: "A-17", tier: "gold" };
      const { leg, incoming } = await dialIn({ to: ACS_USER, sipHeaders, voipHeaders });
      assert.deepEqual(incoming.data.customContext, { sipHeaders, voipHeaders });
      assert.equal((incoming.data.to as Cim).rawId, ACS_USER);
      assert.deepEqual((incoming.data.to as Cim).communicationUser, { id: ACS_USER });
      assert.deepEqual((await h.leg(leg.id)).customContext, { sipHeaders, voipHeaders });
    });
  });

  // ------------------------------------------------------------------ answer

  describe("answerCall", () => {
    it("returns connected call properties, then sends CallConnected and ParticipantsUpdated with the caller", async () => {
      const { leg, incoming } = await dialIn();
      const callbackUrl = `${h.callbackBase}/cb/answer${TRICKY_QUERY}`;
      const answered = await h.client.answerCall(contextOf(incoming), callbackUrl, { operationContext: "answer-1" });
      const props = answered.callConnectionProperties;
      const id = props.callConnectionId as string;
      assert.ok(id);
      assert.equal(props.callConnectionState, "connected");
      assert.equal(props.serverCallId, leg.serverCallId);
      assert.equal(props.correlationId, leg.correlationId);
      // The SDK's type says callbackUrl; the wire name it passes through is callbackUri.
      assert.equal((props as unknown as { callbackUri?: string }).callbackUri, callbackUrl);
      assert.deepEqual(props.targetParticipants, [{ phoneNumber: CALLER, rawId: `4:${CALLER}` }]);

      const updated = await h.waitForCallback(id, "ParticipantsUpdated");
      assert.deepEqual(types(id).slice(0, 2), ["CallConnected", "ParticipantsUpdated"]);
      const connected = h.eventsOf(id)[0];
      assert.equal(connected.event.kind, "CallConnected");
      assert.equal(dataOf(connected).operationContext, "answer-1");
      assert.equal(dataOf(connected).serverCallId, leg.serverCallId);
      assert.equal(dataOf(connected).correlationId, leg.correlationId);
      assert.equal(updated.event.kind, "ParticipantsUpdated");
      assert.deepEqual(rawIdsOf(updated), [`4:${CALLER}`]);
      if (updated.event.kind === "ParticipantsUpdated") {
        assert.deepEqual(updated.event.participants[0].identifier, { phoneNumber: CALLER, rawId: `4:${CALLER}` });
        assert.equal(updated.event.participants[0].isMuted, false);
      }
      for (const cb of h.eventsOf(id)) {
        assert.equal(cb.url, `/cb/answer${TRICKY_QUERY}`, "callback URL kept verbatim, query included");
        assert.match(cb.authorization ?? "", /^Bearer /);
      }
      assert.equal(h.rejectedCallbacks.length, 0);

      const view = await h.leg(leg.id);
      assert.equal(view.state, "connected");
      assert.deepEqual(view.callConnectionIds, [id]);
      assert.deepEqual(view.participants, [`4:${CALLER}`]);
      assert.ok(view.timeline.some((t) => t.what === "answered by the application"));
    });

    it("refuses a second answer of the same call with 400", async () => {
      const { incoming } = await dialIn();
      const first = await h.client.answerCall(contextOf(incoming), h.callbackUrl());
      const err = await expectRestError(h.client.answerCall(contextOf(incoming), h.callbackUrl("second")));
      assert.equal(err.statusCode, 400);
      await h.waitForCallback(first.callConnectionProperties.callConnectionId as string, "ParticipantsUpdated");
      await sleep(50);
      assert.ok(h.callbacks.every((c) => c.url.startsWith("/callbacks/main")), "no events for the refused answer");
    });

    it("refuses to answer a call whose caller has hung up (400)", async () => {
      const { leg, incoming } = await dialIn();
      const hung = await h.control("POST", `/calls/${leg.id}/hangup`);
      assert.equal(hung.status, 200);
      const view = await h.leg(leg.id);
      assert.equal(view.state, "ended");
      assert.equal(view.endReason, "caller hung up");
      const err = await expectRestError(h.client.answerCall(contextOf(incoming), h.callbackUrl()));
      assert.equal(err.statusCode, 400);
      await sleep(50);
      assert.equal(h.callbacks.length, 0);
    });

    it("lets the caller give up after the ring timeout, after which answer fails", async () => {
      await restart({ ringTimeoutSeconds: 3 });
      const { leg, incoming } = await dialIn();
      const view = await legWhen(leg.id, (l) => l.state === "ended", "the caller to give up");
      assert.equal(view.endReason, "not answered");
      const err = await expectRestError(h.client.answerCall(contextOf(incoming), h.callbackUrl()));
      assert.equal(err.statusCode, 400);
      assert.equal(h.callbacks.length, 0);
    });
  });

  // ------------------------------------------------------------------ reject

  describe("rejectCall", () => {
    for (const reason of ["none", "busy", "forbidden"] as const) {
      it(`rejects with reason ${reason}: the caller's leg ends and no callback is sent`, async () => {
        const { leg, incoming } = await dialIn();
        await h.client.rejectCall(contextOf(incoming), { callRejectReason: reason });
        const view = await h.leg(leg.id);
        assert.equal(view.state, "ended");
        assert.match(view.endReason ?? "", new RegExp(reason));
        const again = await expectRestError(h.client.answerCall(contextOf(incoming), h.callbackUrl()));
        assert.equal(again.statusCode, 400);
        await sleep(60);
        assert.equal(h.callbacks.length, 0);
        assert.equal(h.rejectedCallbacks.length, 0);
      });
    }

    it("rejects with no reason (the SDK default)", async () => {
      const { leg, incoming } = await dialIn();
      await h.client.rejectCall(contextOf(incoming));
      assert.equal((await h.leg(leg.id)).state, "ended");
    });
  });

  // ------------------------------------------------------------------ redirect

  describe("redirectCall", () => {
    it("to an external number: a new call rings at the far end and answering it connects the caller", async () => {
      const { leg, incoming } = await dialIn();
      await h.client.redirectCall(contextOf(incoming), { targetParticipant: { phoneNumber: EXTERNAL } });
      const target = await ringing(`4:${EXTERNAL}`);
      assert.equal(target.from, `4:${CALLER}`, "the redirected call shows the original caller");
      assert.equal(target.serverCallId, leg.serverCallId);
      assert.equal((await h.leg(leg.id)).state, "ringing", "the caller still hears ringing");
      await answerLeg(target.id);
      const caller = await h.leg(leg.id);
      assert.equal(caller.state, "connected");
      assert.deepEqual([...caller.participants].sort(), [`4:${CALLER}`, `4:${EXTERNAL}`].sort());
      assert.equal((await h.leg(target.id)).state, "connected");
      await sleep(50);
      assert.equal(h.callbacks.length, 0, "redirect sends no callback events");
      assert.equal(h.eventGrid.length, 1, "an external target gets no IncomingCall");
    });

    it("to an external number that declines: the caller's call ends", async () => {
      const { leg, incoming } = await dialIn();
      await h.client.redirectCall(contextOf(incoming), { targetParticipant: { phoneNumber: EXTERNAL } });
      const target = await ringing(`4:${EXTERNAL}`);
      assert.equal((await h.control("POST", `/calls/${target.id}/reject`, { reason: "busy" })).status, 200);
      const caller = await legWhen(leg.id, (l) => l.state === "ended", "the caller's call to end");
      assert.match(caller.endReason ?? "", /busy/);
      // The server call is over: connecting to it fails.
      const late = await h.client.connectCall({ kind: "serverCallLocator", id: leg.serverCallId as string }, h.callbackUrl("late"));
      await h.waitForCallback(late.callConnectionProperties.callConnectionId as string, "ConnectFailed");
    });

    it("to a number the resource owns: a new IncomingCall arrives with to = the target", async () => {
      const { leg, incoming } = await dialIn();
      await h.client.redirectCall(contextOf(incoming), { targetParticipant: { phoneNumber: OTHER_OWNED } });
      const second = await h.waitForEventGrid((e) => e !== incoming && e.eventType === "Microsoft.Communication.IncomingCall", "the second IncomingCall");
      assert.equal((second.data.to as Cim).rawId, `4:${OTHER_OWNED}`);
      assert.equal((second.data.from as Cim).rawId, `4:${CALLER}`);
      assert.equal(second.data.serverCallId, leg.serverCallId);
      assert.notEqual(contextOf(second), contextOf(incoming));
      assert.equal((second.data.onBehalfOfCallee as Cim | undefined)?.rawId, `4:${OWNED}`);
      // The old context is spent; the new one answers.
      assert.equal((await expectRestError(h.client.answerCall(contextOf(incoming), h.callbackUrl()))).statusCode, 400);
      const answered = await h.client.answerCall(contextOf(second), h.callbackUrl());
      await h.waitForCallback(answered.callConnectionProperties.callConnectionId as string, "CallConnected");
      assert.equal((await h.leg(leg.id)).state, "connected");
      assert.equal((await legs("ringing")).length, 0, "no far-end leg rings for an owned number");
    });

    it("to the default owned number when the simulator is started without ownedNumbers", async () => {
      await restart({ ownedNumbers: undefined });
      const { incoming } = await dialIn({ to: ACS_USER });
      await h.client.redirectCall(contextOf(incoming), { targetParticipant: { phoneNumber: OWNED } });
      const second = await h.waitForEventGrid((e) => e !== incoming && e.eventType === "Microsoft.Communication.IncomingCall", "the second IncomingCall");
      assert.equal((second.data.to as Cim).rawId, `4:${OWNED}`);
      // Only the default number is owned now.
      const err = await expectRestError(
        h.client.createCall({ targetParticipant: { phoneNumber: EXTERNAL }, sourceCallIdNumber: { phoneNumber: OTHER_OWNED } }, h.callbackUrl()),
      );
      assert.equal(err.statusCode, 403);
    });

    it("to an ACS user: a new IncomingCall arrives with to = the user", async () => {
      const { leg, incoming } = await dialIn();
      await h.client.redirectCall(contextOf(incoming), { targetParticipant: { communicationUserId: ACS_USER } });
      const second = await h.waitForEventGrid((e) => e !== incoming && e.eventType === "Microsoft.Communication.IncomingCall", "the second IncomingCall");
      assert.deepEqual(second.data.to, { kind: "communicationUser", rawId: ACS_USER, communicationUser: { id: ACS_USER } });
      assert.equal(second.data.serverCallId, leg.serverCallId);
      assert.equal(second.raw.subject, `/caller/4:${CALLER}/recipient/${ACS_USER}`);
    });
  });

  // ------------------------------------------------------------------ createCall

  describe("createCall", () => {
    it("calls a phone number with a caller id: it rings at the far end, answering connects", async () => {
      const created = await h.client.createCall(
        { targetParticipant: { phoneNumber: EXTERNAL }, sourceCallIdNumber: { phoneNumber: OWNED }, sourceDisplayName: "Contoso" },
        `${h.callbackBase}/cb/create${TRICKY_QUERY}`,
        { operationContext: "outbound-1" },
      );
      const props = created.callConnectionProperties;
      const id = props.callConnectionId as string;
      assert.equal(props.callConnectionState, "connecting");
      assert.deepEqual(props.sourceCallerIdNumber, { phoneNumber: OWNED });
      assert.equal(props.sourceDisplayName, "Contoso");
      assert.deepEqual(props.targetParticipants, [{ phoneNumber: EXTERNAL, rawId: `4:${EXTERNAL}` }]);
      assert.ok(props.serverCallId);

      const leg = await ringing(`4:${EXTERNAL}`);
      assert.equal(leg.from, `4:${OWNED}`, "the far end sees the caller id");
      assert.equal(leg.serverCallId, props.serverCallId);
      assert.equal(h.eventsOf(id).length, 0, "nothing happens before the answer");
      assert.equal((await created.callConnection.getCallConnectionProperties()).callConnectionState, "connecting");

      await answerLeg(leg.id);
      const updated = await h.waitForCallback(id, "ParticipantsUpdated");
      assert.deepEqual(types(id), ["CallConnected", "ParticipantsUpdated"]);
      assert.equal(dataOf(h.eventsOf(id)[0]).operationContext, "outbound-1");
      assert.deepEqual(rawIdsOf(updated), [`4:${EXTERNAL}`]);
      assert.ok(h.eventsOf(id).every((c) => c.url === `/cb/create${TRICKY_QUERY}`));
      assert.equal((await created.callConnection.getCallConnectionProperties()).callConnectionState, "connected");
      const view = await h.leg(leg.id);
      assert.equal(view.state, "connected");
      assert.equal(view.direction, "outbound");
      assert.deepEqual(view.callConnectionIds, [id]);
    });

    it("calls an ACS user (no caller id needed)", async () => {
      const created = await h.client.createCall({ targetParticipant: { communicationUserId: ACS_USER } }, h.callbackUrl());
      const id = created.callConnectionProperties.callConnectionId as string;
      assert.deepEqual(created.callConnectionProperties.targetParticipants, [{ communicationUserId: ACS_USER }]);
      const leg = await ringing(ACS_USER);
      await answerLeg(leg.id);
      const updated = await h.waitForCallback(id, "ParticipantsUpdated");
      assert.deepEqual(types(id), ["CallConnected", "ParticipantsUpdated"]);
      assert.deepEqual(rawIdsOf(updated), [ACS_USER]);
    });

    it("calls a Teams user by microsoftTeamsUserId", async () => {
      const created = await h.client.createCall({ targetParticipant: { microsoftTeamsUserId: TEAMS_USER } }, h.callbackUrl());
      const id = created.callConnectionProperties.callConnectionId as string;
      const leg = await ringing(`8:orgid:${TEAMS_USER}`);
      await answerLeg(leg.id);
      const updated = await h.waitForCallback(id, "ParticipantsUpdated");
      const participant = (dataOf(updated).participants as Array<{ identifier: Cim }>)[0].identifier;
      assert.equal(participant.kind, "microsoftTeamsUser");
      assert.equal(participant.microsoftTeamsUser?.userId, TEAMS_USER);
      if (updated.event.kind === "ParticipantsUpdated") {
        assert.deepEqual(updated.event.participants[0].identifier, {
          microsoftTeamsUserId: TEAMS_USER,
          isAnonymous: false,
          cloud: "public",
          rawId: `8:orgid:${TEAMS_USER}`,
        });
      }
    });

    it("createGroupCall rings every target; the first answer connects, later answers update the roster", async () => {
      const created = await h.client.createGroupCall(
        [{ phoneNumber: EXTERNAL }, { communicationUserId: ACS_USER }, { microsoftTeamsUserId: TEAMS_USER }],
        h.callbackUrl(),
        { sourceCallIdNumber: { phoneNumber: OWNED } },
      );
      const id = created.callConnectionProperties.callConnectionId as string;
      assert.equal(created.callConnectionProperties.targetParticipants?.length, 3);
      const [pstn, acs, teams] = await Promise.all([ringing(`4:${EXTERNAL}`), ringing(ACS_USER), ringing(`8:orgid:${TEAMS_USER}`)]);
      assert.equal(new Set([pstn.serverCallId, acs.serverCallId, teams.serverCallId]).size, 1, "one server call");

      await answerLeg(acs.id);
      const first = await h.waitForCallback(id, "ParticipantsUpdated");
      assert.deepEqual(types(id), ["CallConnected", "ParticipantsUpdated"]);
      assert.deepEqual(rawIdsOf(first), [ACS_USER]);
      await answerLeg(pstn.id);
      const second = await h.waitForCallback(id, "ParticipantsUpdated", 5000, 2);
      assert.deepEqual(rawIdsOf(second).sort(), [ACS_USER, `4:${EXTERNAL}`].sort());
      assert.ok((dataOf(second).sequenceNumber as number) > (dataOf(first).sequenceNumber as number));
      assert.equal(types(id).filter((t) => t === "CallConnected").length, 1);
      // The Teams user declines: the call carries on.
      await h.control("POST", `/calls/${teams.id}/reject`, { reason: "declined" });
      await sleep(50);
      assert.ok(!types(id).includes("CreateCallFailed"));
      assert.equal((await created.callConnection.getCallConnectionProperties()).callConnectionState, "connected");
    });

    it("createGroupCall fails once, with CreateCallFailed, when every target declines or is busy", async () => {
      const created = await h.client.createGroupCall([{ phoneNumber: EXTERNAL }, { communicationUserId: ACS_USER }], h.callbackUrl(), {
        sourceCallIdNumber: { phoneNumber: OWNED },
      });
      const id = created.callConnectionProperties.callConnectionId as string;
      const [pstn, acs] = await Promise.all([ringing(`4:${EXTERNAL}`), ringing(ACS_USER)]);
      await h.control("POST", `/calls/${pstn.id}/reject`, { reason: "busy" });
      await sleep(30);
      assert.deepEqual(types(id), [], "one target is still ringing");
      await h.control("POST", `/calls/${acs.id}/reject`, { reason: "declined" });
      await h.waitForCallback(id, "CreateCallFailed");
      await sleep(50);
      assert.deepEqual(types(id), ["CreateCallFailed"]);
    });

    it("refuses a phone number target without a caller id (400)", async () => {
      const err = await expectRestError(h.client.createCall({ targetParticipant: { phoneNumber: EXTERNAL } }, h.callbackUrl()));
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, "8523");
      assert.equal((await legs()).length, 0, "nothing rang");
    });

    it("refuses a caller id the resource does not own (403, 7507)", async () => {
      const err = await expectRestError(
        h.client.createCall({ targetParticipant: { phoneNumber: EXTERNAL }, sourceCallIdNumber: { phoneNumber: "+19995550000" } }, h.callbackUrl()),
      );
      assert.equal(err.statusCode, 403);
      assert.equal(err.code, "7507");
      assert.equal((await legs()).length, 0, "nothing rang");
    });

    const failures: Array<{ name: string; end: (legId: string) => Promise<unknown>; code: number; subCode: number; reason: string }> = [
      { name: "declined", end: (id) => h.control("POST", `/calls/${id}/reject`, { reason: "declined" }), code: 603, subCode: 8538, reason: "declined" },
      { name: "declined by hanging up while ringing", end: (id) => h.control("POST", `/calls/${id}/hangup`), code: 603, subCode: 8538, reason: "declined" },
      { name: "declined (the control API's default reason)", end: (id) => h.control("POST", `/calls/${id}/reject`), code: 603, subCode: 8538, reason: "declined" },
      { name: "busy", end: (id) => h.control("POST", `/calls/${id}/reject`, { reason: "busy" }), code: 486, subCode: 8539, reason: "busy" },
    ];
    for (const f of failures) {
      it(`reports CreateCallFailed ${f.code}/${f.subCode} when the callee is ${f.name}`, async () => {
        const created = await h.client.createCall(
          { targetParticipant: { phoneNumber: EXTERNAL }, sourceCallIdNumber: { phoneNumber: OWNED } },
          h.callbackUrl(),
          { operationContext: "dial" },
        );
        const id = created.callConnectionProperties.callConnectionId as string;
        const leg = await ringing(`4:${EXTERNAL}`);
        await f.end(leg.id);
        const failed = await h.waitForCallback(id, "CreateCallFailed");
        assert.equal(failed.event.kind, "CreateCallFailed");
        assert.deepEqual({ code: resultOf(failed).code, subCode: resultOf(failed).subCode }, { code: f.code, subCode: f.subCode });
        assert.equal(dataOf(failed).operationContext, "dial");
        const view = await h.leg(leg.id);
        assert.equal(view.state, "ended");
        assert.equal(view.endReason, f.reason);
        await sleep(50);
        assert.deepEqual(types(id), ["CreateCallFailed"], "no CallConnected, no CallDisconnected");
        const gone = await expectRestError(created.callConnection.getCallConnectionProperties());
        assert.equal(gone.statusCode, 404);
      });
    }

    it("reports CreateCallFailed 408/8541 when nobody answers before the ring timeout", async () => {
      await restart({ ringTimeoutSeconds: 3 });
      const created = await h.client.createCall(
        { targetParticipant: { phoneNumber: EXTERNAL }, sourceCallIdNumber: { phoneNumber: OWNED } },
        h.callbackUrl(),
      );
      const id = created.callConnectionProperties.callConnectionId as string;
      const failed = await h.waitForCallback(id, "CreateCallFailed");
      assert.deepEqual({ code: resultOf(failed).code, subCode: resultOf(failed).subCode }, { code: 408, subCode: 8541 });
      const leg = (await legs()).find((l) => l.to === `4:${EXTERNAL}`);
      assert.equal(leg?.state, "ended");
      assert.equal(leg?.endReason, "not answered");
    });

    it("custom SIP/VoIP headers reach the far end (the SDK's createCall drops them; the REST field carries them)", async () => {
      const invite: CallInvite = {
        targetParticipant: { phoneNumber: EXTERNAL },
        sourceCallIdNumber: { phoneNumber: OWNED },
        customCallingContext: [
          { kind: "sipuui", key: "", value: "3030303030" },
          { kind: "sipx", key: "Account", value: "42" },
          { kind: "sipx", key: "Legacy", value: "yes", sipHeaderPrefix: "X-" },
          { kind: "voip", key: "orderId", value: "A-17" },
        ],
      };
      // SDK 1.6.0's CreateCallRequest model has no customCallingContext: the SDK sends none.
      await h.client.createCall(invite, h.callbackUrl("sdk"));
      const viaSdk = await ringing(`4:${EXTERNAL}`);
      assert.equal((await h.leg(viaSdk.id)).customContext, undefined);
      await h.control("POST", `/calls/${viaSdk.id}/reject`);

      // The REST field, as other SDKs send it (signed by the SDK's own HMAC policy).
      const status = await signedPost(h, "/calling/callConnections", {
        targets: [{ phoneNumber: { value: "+12065550113" } }],
        sourceCallerIdNumber: { value: OWNED },
        callbackUri: h.callbackUrl("raw"),
        customCallingContext: {
          sipHeaders: { "User-To-User": "3030303030", "X-MS-Custom-Account": "42" },
          voipHeaders: { orderId: "A-17" },
        },
      });
      assert.equal(status, 201);
      const raw = await ringing("4:+12065550113");
      assert.deepEqual((await h.leg(raw.id)).customContext, {
        sipHeaders: { "User-To-User": "3030303030", "X-MS-Custom-Account": "42" },
        voipHeaders: { orderId: "A-17" },
      });
    });
  });

  // ------------------------------------------------------------------ connect

  describe("connectCall", () => {
    it("connects to an existing server call: the new connection gets CallConnected", async () => {
      const { legId, callConnectionId: first, answered } = await h.dialInAndAnswer(CALLER, OWNED);
      const serverCallId = answered.callConnectionProperties.serverCallId as string;
      const connected = await h.client.connectCall({ kind: "serverCallLocator", id: serverCallId }, h.callbackUrl("connect"), { operationContext: "join" });
      const id = connected.callConnectionProperties.callConnectionId as string;
      assert.notEqual(id, first);
      assert.equal(connected.callConnectionProperties.callConnectionState, "connecting");
      assert.equal(connected.callConnectionProperties.serverCallId, serverCallId);
      const cc = await h.waitForCallback(id, "CallConnected");
      assert.equal(dataOf(cc).operationContext, "join");
      assert.equal(cc.url, "/callbacks/connect?token=secret-connect");
      const updated = await h.waitForCallback(id, "ParticipantsUpdated");
      assert.deepEqual(rawIdsOf(updated), [`4:${CALLER}`]);
      assert.equal((await connected.callConnection.getCallConnectionProperties()).callConnectionState, "connected");
      assert.deepEqual((await h.leg(legId)).callConnectionIds.sort(), [first, id].sort());
    });

    it("connects to a group call id that a far-end party then joins", async () => {
      const connected = await h.client.connectCall({ kind: "groupCallLocator", id: "team-standup" }, h.callbackUrl());
      const id = connected.callConnectionProperties.callConnectionId as string;
      await h.waitForCallback(id, "CallConnected");
      const joined = await h.control<LegSummary>("POST", "/calls", { from: ACS_USER, groupCallId: "team-standup" });
      assert.equal(joined.status, 201);
      assert.equal(joined.body.state, "connected");
      assert.equal(joined.body.serverCallId, connected.callConnectionProperties.serverCallId);
      await h.waitFor(async () => h.eventsOf(id).some((c) => c.type === "ParticipantsUpdated" && rawIdsOf(c).includes(ACS_USER)), "ParticipantsUpdated with the joiner");
      assert.deepEqual((await h.leg(joined.body.id)).callConnectionIds, [id]);
    });

    it("connects to a room that a far-end party has already joined", async () => {
      const joined = await h.control<LegSummary>("POST", "/calls", { from: CALLER, roomId: "room-42" });
      assert.equal(joined.status, 201);
      const connected = await h.client.connectCall({ kind: "roomCallLocator", id: "room-42" }, h.callbackUrl());
      const id = connected.callConnectionProperties.callConnectionId as string;
      assert.equal(connected.callConnectionProperties.serverCallId, joined.body.serverCallId);
      const updated = await h.waitForCallback(id, "ParticipantsUpdated");
      assert.deepEqual(types(id).slice(0, 2), ["CallConnected", "ParticipantsUpdated"]);
      assert.deepEqual(rawIdsOf(updated), [`4:${CALLER}`]);
      // A second room is a different call.
      const other = await h.client.connectCall({ kind: "roomCallLocator", id: "room-43" }, h.callbackUrl("other"));
      assert.notEqual(other.callConnectionProperties.serverCallId, joined.body.serverCallId);
    });

    it("reports ConnectFailed for an unknown server call", async () => {
      const connected = await h.client.connectCall({ kind: "serverCallLocator", id: "aHR0cHM6Ly9ub3doZXJl" }, h.callbackUrl(), { operationContext: "nope" });
      const id = connected.callConnectionProperties.callConnectionId as string;
      const failed = await h.waitForCallback(id, "ConnectFailed");
      assert.equal(failed.event.kind, "ConnectFailed");
      assert.equal(dataOf(failed).operationContext, "nope");
      assert.ok((resultOf(failed).code ?? 0) >= 400);
      await sleep(50);
      assert.deepEqual(types(id), ["ConnectFailed"]);
      assert.equal((await expectRestError(connected.callConnection.getCallConnectionProperties())).statusCode, 404);
    });

    it("reports ConnectFailed for a call whose caller hung up before anyone answered", async () => {
      const { leg } = await dialIn();
      await h.control("POST", `/calls/${leg.id}/hangup`);
      const connected = await h.client.connectCall({ kind: "serverCallLocator", id: leg.serverCallId as string }, h.callbackUrl("late"));
      const id = connected.callConnectionProperties.callConnectionId as string;
      await h.waitForCallback(id, "ConnectFailed");
      await sleep(30);
      assert.deepEqual(types(id), ["ConnectFailed"]);
    });

    it("reports ConnectFailed for a call that rang out unanswered", async () => {
      await restart({ ringTimeoutSeconds: 2 });
      const { leg } = await dialIn();
      await legWhen(leg.id, (l) => l.state === "ended", "the caller to give up");
      const connected = await h.client.connectCall({ kind: "serverCallLocator", id: leg.serverCallId as string }, h.callbackUrl("late"));
      const id = connected.callConnectionProperties.callConnectionId as string;
      await h.waitForCallback(id, "ConnectFailed");
      await sleep(30);
      assert.deepEqual(types(id), ["ConnectFailed"]);
    });

    it("reports ConnectFailed for a server call that has ended", async () => {
      const { connection, callConnectionId, answered } = await h.dialInAndAnswer(CALLER, OWNED);
      await connection.hangUp(true);
      await h.waitForCallback(callConnectionId, "CallDisconnected");
      const connected = await h.client.connectCall({ kind: "serverCallLocator", id: answered.callConnectionProperties.serverCallId as string }, h.callbackUrl("late"));
      await h.waitForCallback(connected.callConnectionProperties.callConnectionId as string, "ConnectFailed");
    });
  });

  // ------------------------------------------------------------------ properties

  describe("getCallConnectionProperties", () => {
    it("reads a live call, then 404 (8522) once it has ended", async () => {
      const { connection, callConnectionId, answered } = await h.dialInAndAnswer(CALLER, OWNED);
      const props = await connection.getCallConnectionProperties();
      assert.equal(props.callConnectionId, callConnectionId);
      assert.equal(props.callConnectionState, "connected");
      assert.equal(props.serverCallId, answered.callConnectionProperties.serverCallId);
      assert.equal(props.correlationId, answered.callConnectionProperties.correlationId);
      assert.deepEqual(props.targetParticipants, [{ phoneNumber: CALLER, rawId: `4:${CALLER}` }]);
      await connection.hangUp(false);
      const err = await expectRestError(connection.getCallConnectionProperties());
      assert.equal(err.statusCode, 404);
      assert.equal(err.code, "8522");
    });

    it("answers 404 for an unknown call connection id", async () => {
      const err = await expectRestError(h.client.getCallConnection("00000000-0000-0000-0000-000000000000").getCallConnectionProperties());
      assert.equal(err.statusCode, 404);
      assert.equal(err.code, "8522");
    });
  });

  // ------------------------------------------------------------------ hang up

  describe("hangUp", () => {
    it("hangUp(false) in a 1:1 call ends it for everyone", async () => {
      const { connection, callConnectionId, legId } = await h.dialInAndAnswer(CALLER, OWNED);
      await connection.hangUp(false);
      const disconnected = await h.waitForCallback(callConnectionId, "CallDisconnected");
      assert.equal(disconnected.event.kind, "CallDisconnected");
      assert.equal(resultOf(disconnected).code, 200);
      const view = await h.leg(legId);
      assert.equal(view.state, "ended");
      assert.equal(view.endReason, "ended by the application");
    });

    it("hangUp(false) in a group call: only the application leaves", async () => {
      const { id, connection, legIds } = await groupCall([EXTERNAL, "+12065550112"]);
      await connection.hangUp(false);
      await h.waitForCallback(id, "CallDisconnected");
      for (const legId of legIds) {
        const view = await h.leg(legId);
        assert.equal(view.state, "connected");
        assert.deepEqual(view.callConnectionIds, []);
        assert.equal(view.participants.length, 2);
      }
      assert.equal((await expectRestError(connection.getCallConnectionProperties())).statusCode, 404);
    });

    it("hangUp(true) in a group call terminates it for everyone", async () => {
      const { id, connection, legIds } = await groupCall([EXTERNAL, "+12065550112"]);
      await connection.hangUp(true);
      await h.waitForCallback(id, "CallDisconnected");
      for (const legId of legIds) {
        const view = await h.leg(legId);
        assert.equal(view.state, "ended");
        assert.equal(view.endReason, "ended by the application");
      }
    });

    it("the far end hanging up sends CallDisconnected, and nothing follows it", async () => {
      const { id, connection, legId } = await outboundCall();
      // A looping prompt is still playing when the far end hangs up.
      await connection.getCallMedia().playToAll([{ kind: "fileSource", url: "https://media.example.invalid/hold.wav" }], { loop: true, operationContext: "music" });
      await h.waitForCallback(id, "PlayStarted");
      assert.equal((await h.control("POST", `/calls/${legId}/hangup`)).status, 200);
      const disconnected = await h.waitForCallback(id, "CallDisconnected");
      assert.equal(resultOf(disconnected).code, 200);
      assert.equal((await h.leg(legId)).endReason, "hung up");
      const count = h.eventsOf(id).length;
      // Actions on the ended connection fail and produce no events.
      await expectRestError(connection.getCallMedia().playToAll([{ kind: "textSource", text: "Hello?" }]));
      await expectRestError(connection.hangUp(false));
      await expectRestError(connection.hangUp(true));
      await expectRestError(connection.addParticipant({ targetParticipant: { communicationUserId: ACS_USER } }));
      await sleep(100);
      assert.equal(h.eventsOf(id).length, count);
      assert.equal(h.eventsOf(id)[count - 1].type, "CallDisconnected");
      assert.equal(types(id).filter((t) => t === "CallDisconnected").length, 1);
    });

    it("the caller hanging up a group call the app left alone does not reach the departed app", async () => {
      const { id, connection, legIds } = await groupCall([EXTERNAL, "+12065550112"]);
      await connection.hangUp(false);
      await h.waitForCallback(id, "CallDisconnected");
      const count = h.eventsOf(id).length;
      await h.control("POST", `/calls/${legIds[0]}/hangup`);
      await h.control("POST", `/calls/${legIds[1]}/hangup`);
      await sleep(80);
      assert.equal(h.eventsOf(id).length, count);
    });
  });

  // ------------------------------------------------------------------ transfer

  describe("transferCallToParticipant", () => {
    it("1:1: the target rings; on answer CallTransferAccepted then CallDisconnected, caller and target stay connected", async () => {
      const { connection, callConnectionId: id, legId } = await h.dialInAndAnswer(CALLER, OWNED);
      const result = await connection.transferCallToParticipant({ phoneNumber: EXTERNAL }, { operationContext: "xfer" });
      assert.equal(result.operationContext, "xfer");
      const target = await ringing(`4:${EXTERNAL}`);
      assert.equal(target.from, `4:${CALLER}`, "without a caller id, the target sees the transferee");
      assert.equal((await connection.getCallConnectionProperties()).callConnectionState, "transferring");
      await answerLeg(target.id);
      const accepted = await h.waitForCallback(id, "CallTransferAccepted");
      const disconnected = await h.waitForCallback(id, "CallDisconnected");
      assert.equal(accepted.event.kind, "CallTransferAccepted");
      assert.equal(dataOf(accepted).operationContext, "xfer");
      assert.equal((dataOf(accepted).transferTarget as Cim).rawId, `4:${EXTERNAL}`);
      assert.equal((dataOf(accepted).transferee as Cim).rawId, `4:${CALLER}`);
      assert.equal(resultOf(accepted).code, 200);
      const order = types(id);
      assert.ok(order.indexOf("CallTransferAccepted") < order.indexOf("CallDisconnected"));
      assert.equal(order[order.length - 1], "CallDisconnected");
      assert.equal(resultOf(disconnected).code, 200);
      for (const legIdToCheck of [legId, target.id]) {
        const view = await h.leg(legIdToCheck);
        assert.equal(view.state, "connected");
        assert.deepEqual([...view.participants].sort(), [`4:${CALLER}`, `4:${EXTERNAL}`].sort());
        assert.deepEqual(view.callConnectionIds, []);
      }
      assert.equal((await expectRestError(connection.getCallConnectionProperties())).statusCode, 404);
      // The two people are still in a 1:1 call: when one hangs up, the other is released.
      await h.control("POST", `/calls/${target.id}/hangup`);
      assert.equal((await h.leg(legId)).state, "ended");
    });

    it("1:1: a declined transfer reports CallTransferFailed and the call continues", async () => {
      const { connection, callConnectionId: id, legId } = await h.dialInAndAnswer(CALLER, OWNED);
      await connection.transferCallToParticipant({ phoneNumber: EXTERNAL }, { operationContext: "xfer-2" });
      const target = await ringing(`4:${EXTERNAL}`);
      await h.control("POST", `/calls/${target.id}/reject`, { reason: "declined" });
      const failed = await h.waitForCallback(id, "CallTransferFailed");
      assert.equal(failed.event.kind, "CallTransferFailed");
      assert.equal(dataOf(failed).operationContext, "xfer-2");
      assert.deepEqual({ code: resultOf(failed).code, subCode: resultOf(failed).subCode }, { code: 603, subCode: 8538 });
      assert.equal((await connection.getCallConnectionProperties()).callConnectionState, "connected");
      assert.equal((await h.leg(legId)).state, "connected");
      assert.equal((await h.leg(target.id)).state, "ended");
      assert.ok(!types(id).includes("CallDisconnected"));
      // The call is usable again: a second transfer can start.
      await connection.transferCallToParticipant({ phoneNumber: "+12065550112" });
      await ringing("4:+12065550112");
    });

    it("in a group call with a transferee: the transferee is replaced by the target and the app stays", async () => {
      const second = "+12065550112";
      const { id, connection, legIds } = await groupCall([EXTERNAL, second]);
      const before = types(id).length;
      await connection.transferCallToParticipant({ communicationUserId: ACS_USER }, { transferee: { phoneNumber: second }, operationContext: "swap" });
      const target = await ringing(ACS_USER);
      await answerLeg(target.id);
      const accepted = await h.waitForCallback(id, "CallTransferAccepted");
      assert.equal((dataOf(accepted).transferee as Cim).rawId, `4:${second}`);
      assert.equal((dataOf(accepted).transferTarget as Cim).rawId, ACS_USER);
      await h.waitFor(async () => types(id).slice(before).includes("ParticipantsUpdated"), "the roster update");
      const update = h.eventsOf(id).filter((c) => c.type === "ParticipantsUpdated").pop() as ReceivedCallback;
      assert.deepEqual(rawIdsOf(update).sort(), [`4:${EXTERNAL}`, ACS_USER].sort());
      assert.ok(!types(id).includes("CallDisconnected"));
      assert.equal((await connection.getCallConnectionProperties()).callConnectionState, "connected");
      const transferee = await h.leg(legIds[1]);
      assert.equal(transferee.state, "ended");
      assert.equal(transferee.endReason, "transferred");
      assert.equal((await h.leg(legIds[0])).state, "connected");
      assert.equal((await h.leg(target.id)).state, "connected");
    });

    it("1:1: when the caller hangs up while the target rings, the target stops ringing", async () => {
      const { connection, callConnectionId: id, legId } = await h.dialInAndAnswer(CALLER, OWNED);
      await connection.transferCallToParticipant({ phoneNumber: EXTERNAL });
      const target = await ringing(`4:${EXTERNAL}`);
      await h.control("POST", `/calls/${legId}/hangup`);
      await h.waitForCallback(id, "CallDisconnected");
      const view = await h.leg(target.id);
      assert.equal(view.state, "ended", "nobody is left to transfer: the target's phone stops ringing");
      assert.equal((await h.control("POST", `/calls/${target.id}/answer`)).status, 409);
      await sleep(50);
      assert.equal(types(id)[types(id).length - 1], "CallDisconnected");
    });

    it("in a group call: when the transferee leaves before the target answers, the transfer fails and the call goes on", async () => {
      const second = "+12065550112";
      const { id, connection, legIds } = await groupCall([EXTERNAL, second]);
      await connection.transferCallToParticipant({ communicationUserId: ACS_USER }, { transferee: { phoneNumber: second }, operationContext: "swap" });
      const target = await ringing(ACS_USER);
      await h.control("POST", `/calls/${legIds[1]}/hangup`);
      await h.control("POST", `/calls/${target.id}/answer`);
      const failed = await h.waitForCallback(id, "CallTransferFailed");
      assert.equal(dataOf(failed).operationContext, "swap");
      assert.ok(!types(id).includes("CallTransferAccepted"));
      assert.equal((await h.leg(target.id)).state, "ended");
      assert.equal((await connection.getCallConnectionProperties()).callConnectionState, "connected");
      // Not stuck in "transferring": another transfer can start.
      await connection.transferCallToParticipant({ communicationUserId: ACS_USER }, { transferee: { phoneNumber: EXTERNAL } });
    });

    it("passes custom SIP and VoIP headers to the transfer target", async () => {
      const { connection } = await h.dialInAndAnswer(CALLER, OWNED);
      await connection.transferCallToParticipant(
        { phoneNumber: EXTERNAL },
        {
          customCallingContext: [
            { kind: "sipuui", key: "", value: "3030303030" },
            { kind: "sipx", key: "Ticket", value: "T-9" },
            { kind: "sipx", key: "Legacy", value: "yes", sipHeaderPrefix: "X-" },
            { kind: "voip", key: "queue", value: "billing" },
          ],
        },
      );
      const target = await ringing(`4:${EXTERNAL}`);
      assert.deepEqual((await h.leg(target.id)).customContext, {
        sipHeaders: { "User-To-User": "3030303030", "X-MS-Custom-Ticket": "T-9", "X-Legacy": "yes" },
        voipHeaders: { queue: "billing" },
      });
    });

    it("refuses a transfer in a call with several participants when no transferee is named (400)", async () => {
      const { connection } = await groupCall([EXTERNAL, "+12065550112"]);
      const err = await expectRestError(connection.transferCallToParticipant({ communicationUserId: ACS_USER }));
      assert.equal(err.statusCode, 400);
      assert.equal((await legs("ringing")).length, 0);
    });
  });
});

/** POST a JSON body to the simulator's REST API, signed by the SDK's own HMAC policy; returns the status. */
async function signedPost(h: Harness, path: string, body: unknown): Promise<number> {
  const { url, credential } = parseClientArguments(h.sim.connectionString);
  const pipeline = createEmptyPipeline();
  pipeline.addPolicy(createCommunicationAuthPolicy(credential));
  const request = createPipelineRequest({
    url: `${url.replace(/\/$/, "")}${path}?api-version=2026-03-12`,
    method: "POST",
    headers: createHttpHeaders({ "content-type": "application/json" }),
    body: JSON.stringify(body),
    allowInsecureConnection: true,
  });
  const client = simulatorHttpClient(h.sim.endpoint);
  const response = await pipeline.sendRequest(client, request);
  return response.status;
}
