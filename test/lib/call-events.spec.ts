import assert from "node:assert/strict";
import { eventForMessage, readCallbackBody, resultInformationOf, shortType, type CallEvent } from "../../lib/call-events";

const cloudEvent = (type: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: `id-${type}-${Math.random()}`,
  source: "calling/callConnections/c1",
  type: `Microsoft.Communication.${type}`,
  data: { callConnectionId: "c1", serverCallId: "s1", correlationId: "r1", ...data },
  time: "2026-01-02T03:04:05Z",
  specversion: "1.0",
  datacontenttype: "application/json",
  subject: "calling/callConnections/c1",
  ...extra,
});

const eventsOf = (body: unknown): CallEvent[] => {
  const read = readCallbackBody(body);
  assert.equal(read.kind, "events", read.kind === "invalid" ? read.reason : "");
  return read.kind === "events" ? read.events : [];
};

describe("callback events", () => {
  it("shortens Call Automation types and leaves others alone", () => {
    assert.equal(shortType("Microsoft.Communication.PlayCompleted"), "PlayCompleted");
    assert.equal(shortType("PlayCompleted"), "PlayCompleted");
    assert.equal(shortType("Microsoft.EventGrid.SubscriptionValidationEvent"), "Microsoft.EventGrid.SubscriptionValidationEvent");
  });

  it("reads an array of CloudEvents, lifting the fields the router needs", () => {
    const play = cloudEvent("PlayCompleted", { operationContext: "op1", resultInformation: { code: 200, subCode: 0, message: "ok" } });
    const [event] = eventsOf([play]);
    assert.equal(event.id, play.id);
    assert.equal(event.type, "PlayCompleted");
    assert.equal(event.time, "2026-01-02T03:04:05Z");
    assert.equal(event.callConnectionId, "c1");
    assert.equal(event.serverCallId, "s1");
    assert.equal(event.correlationId, "r1");
    assert.equal(event.operationContext, "op1");
    // The data is the SDK's parse: it carries the SDK's `kind`.
    assert.equal(event.data.kind, "PlayCompleted");
    assert.deepEqual(event.data.resultInformation, { code: 200, subCode: 0, message: "ok" });
  });

  it("reads every event of a batch, not only the first (the SDK's parser reads only element 0)", () => {
    const batch = [cloudEvent("PlayStarted", { operationContext: "a" }), cloudEvent("PlayCompleted", { operationContext: "a" }), cloudEvent("CallDisconnected", {})];
    assert.deepEqual(
      eventsOf(batch).map((e) => e.type),
      ["PlayStarted", "PlayCompleted", "CallDisconnected"],
    );
  });

  it("reads a single CloudEvent object as a batch of one", () => {
    assert.deepEqual(
      eventsOf(cloudEvent("CallConnected", {})).map((e) => e.type),
      ["CallConnected"],
    );
  });

  it("gives the SDK's shapes: identifiers become CommunicationIdentifiers", () => {
    const [event] = eventsOf([
      cloudEvent("ParticipantsUpdated", {
        sequenceNumber: 3,
        participants: [{ identifier: { kind: "phoneNumber", rawId: "4:+14255550123", phoneNumber: { value: "+14255550123" } }, isMuted: false }],
      }),
    ]);
    const participants = event.data.participants as Array<{ identifier: Record<string, unknown> }>;
    assert.deepEqual(participants[0].identifier, { phoneNumber: "+14255550123", rawId: "4:+14255550123" });
    assert.equal(event.operationContext, undefined);
  });

  it("keeps an event of a type the SDK does not know, with its data as sent (it still goes to event-in)", () => {
    const teams = cloudEvent("TeamsComplianceRecordingStateChanged", { recordingId: "r", state: "active", operationContext: "x" });
    const [event] = eventsOf([cloudEvent("PlayStarted", {}), teams]);
    assert.equal(event.type, "PlayStarted");
    const read = eventsOf([teams]);
    assert.equal(read.length, 1);
    assert.equal(read[0].type, "TeamsComplianceRecordingStateChanged");
    assert.equal(read[0].operationContext, "x");
    assert.equal(read[0].data.recordingId, "r");
    assert.equal(read[0].data.state, "active");
    assert.equal(read[0].data.callConnectionId, "c1");
  });

  it("treats empty strings as absent", () => {
    const [event] = eventsOf([cloudEvent("PlayCompleted", { operationContext: "", callConnectionId: "" }, { time: "" })]);
    assert.equal(event.operationContext, undefined);
    assert.equal(event.callConnectionId, undefined);
    assert.equal(event.time, undefined);
  });

  it("refuses what is not a CloudEvent or a batch of them, with a reason", () => {
    const good = cloudEvent("CallConnected", {});
    const cases: unknown[] = [
      undefined,
      null,
      42,
      "text",
      [],
      [1],
      [null],
      [[good]],
      [good, "x"],
      [{ ...good, id: "" }],
      [{ ...good, id: 5 }],
      [{ ...good, type: "" }],
      [{ ...good, type: 7 }],
      [{ ...good, data: undefined }],
      [{ ...good, data: "text" }],
      [{ ...good, data: [1] }],
      Array.from({ length: 1001 }, () => good),
    ];
    for (const body of cases) {
      const read = readCallbackBody(body);
      assert.equal(read.kind, "invalid", JSON.stringify(body)?.slice(0, 60));
      assert.equal(typeof (read.kind === "invalid" && read.reason), "string");
    }
    // A batch of exactly 1000 is fine.
    assert.equal(eventsOf(Array.from({ length: 1000 }, () => good)).length, 1000);
  });

  it("refuses a known event whose data the SDK cannot read, without throwing", () => {
    for (const participants of ["x", [null]]) {
      const read = readCallbackBody([cloudEvent("ParticipantsUpdated", { participants })]);
      assert.deepEqual(read, { kind: "invalid", reason: "an event could not be parsed" });
    }
  });

  it("does not let a __proto__ key in an event's data pollute prototypes", () => {
    const data = JSON.parse('{"callConnectionId":"c1","operationContext":"op","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const [event] = eventsOf([{ ...cloudEvent("PlayCompleted", {}), data }]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(event.operationContext, "op");
  });

  it("makes msg.event: type, id and time beside the data", () => {
    const [event] = eventsOf([cloudEvent("PlayCompleted", { operationContext: "op1" })]);
    const m = eventForMessage(event);
    assert.equal(m.type, "PlayCompleted");
    assert.equal(m.id, event.id);
    assert.equal(m.time, "2026-01-02T03:04:05Z");
    assert.equal(m.operationContext, "op1");
    assert.equal(m.callConnectionId, "c1");
    const untimed = eventForMessage({ ...event, time: undefined });
    assert.equal("time" in untimed, false);
  });

  it("reads resultInformation, or nothing", () => {
    const [event] = eventsOf([cloudEvent("PlayFailed", { resultInformation: { code: 400, subCode: 8535, message: "bad file" } })]);
    assert.deepEqual(resultInformationOf(event), { code: 400, subCode: 8535, message: "bad file" });
    assert.deepEqual(resultInformationOf(undefined), {});
    assert.deepEqual(resultInformationOf({ ...event, data: { resultInformation: "x" } }), {});
  });
});
