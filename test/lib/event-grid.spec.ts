import assert from "node:assert/strict";
import { readEventGridRequest, validationResponse } from "../../lib/event-grid";

describe("Event Grid requests", () => {
  it("recognises the SubscriptionValidation handshake and answers with its code", () => {
    const r = readEventGridRequest([
      { id: "1", eventType: "Microsoft.EventGrid.SubscriptionValidationEvent", data: { validationCode: "abc", validationUrl: "https://x" } },
    ]);
    assert.deepEqual(r, { kind: "validation", validationCode: "abc" });
    assert.deepEqual(validationResponse("abc"), { validationResponse: "abc" });
  });

  it("reads Event Grid schema notifications", () => {
    const r = readEventGridRequest([
      { id: "e1", eventType: "Microsoft.Communication.IncomingCall", subject: "/caller/4:+1/recipient/4:+2", data: { serverCallId: "s" }, eventTime: "2026-01-01T00:00:00Z" },
      { id: "e2", eventType: "Microsoft.Communication.RecordingFileStatusUpdated", subject: "", data: {} },
    ]);
    assert.equal(r.kind, "events");
    assert.deepEqual(r.kind === "events" && r.events.map((e) => [e.id, e.eventType]), [
      ["e1", "Microsoft.Communication.IncomingCall"],
      ["e2", "Microsoft.Communication.RecordingFileStatusUpdated"],
    ]);
    assert.equal(r.kind === "events" && r.events[0].eventTime, "2026-01-01T00:00:00Z");
  });

  it("reads a single CloudEvents-schema object", () => {
    const r = readEventGridRequest({ id: "c1", type: "Microsoft.Communication.IncomingCall", specversion: "1.0", data: { a: 1 }, time: "t" });
    assert.equal(r.kind === "events" && r.events[0].eventType, "Microsoft.Communication.IncomingCall");
    assert.equal(r.kind === "events" && r.events[0].eventTime, "t");
  });

  it("calls bad bodies invalid with a reason", () => {
    for (const [body, reason] of [
      [null, /non-empty/],
      [[], /non-empty/],
      ["text", /non-empty/],
      [[1], /JSON object/],
      [[{ id: "x", data: {} }], /no eventType/],
      [[{ eventType: "Microsoft.EventGrid.SubscriptionValidationEvent", data: {} }], /validationCode/],
      [[{ eventType: "Microsoft.Communication.IncomingCall", data: {} }], /no id or data/],
      [[{ id: "x", eventType: "Microsoft.Communication.IncomingCall", data: "s" }], /no id or data/],
    ] as const) {
      const r = readEventGridRequest(body);
      assert.equal(r.kind, "invalid", JSON.stringify(body));
      assert.match(r.kind === "invalid" ? r.reason : "", reason);
    }
  });
});
