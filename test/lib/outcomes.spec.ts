import assert from "node:assert/strict";
import type { CallEvent } from "../../lib/call-events";
import { callFailureReason, failurePayload, recognizeFailureKind } from "../../lib/outcomes";

const withResult = (resultInformation: unknown): CallEvent => ({ id: "e1", type: "CreateCallFailed", data: { resultInformation } });

describe("outcomes", () => {
  it("names why a call did not connect, by sub-code", () => {
    assert.equal(callFailureReason(8538), "declined");
    assert.equal(callFailureReason(8539), "busy");
    assert.equal(callFailureReason(8540), "busy");
    assert.equal(callFailureReason(8541), "noAnswer");
    assert.equal(callFailureReason(8542), "canceled");
    assert.equal(callFailureReason(8544), "unreachable");
    for (const other of [undefined, 0, 8522, 8528, 9999]) assert.equal(callFailureReason(other), "failed", String(other));
  });

  it("builds a failure payload with the event's code, sub-code and message", () => {
    assert.deepEqual(failurePayload("busy", withResult({ code: 486, subCode: 8539, message: "Busy here." })), { reason: "busy", code: 486, subCode: 8539, message: "Busy here." });
  });

  it("leaves out what the event does not say", () => {
    assert.deepEqual(failurePayload("ended"), { reason: "ended" });
    assert.deepEqual(failurePayload("failed", withResult(undefined)), { reason: "failed" });
    assert.deepEqual(failurePayload("failed", withResult("text")), { reason: "failed" });
    assert.deepEqual(failurePayload("failed", withResult({ code: 0, subCode: 0, message: "" })), { reason: "failed", code: 0, subCode: 0 });
  });

  it("reads RecognizeFailed sub-codes as no input, no match or failure", () => {
    assert.equal(recognizeFailureKind(8510), "noInput");
    assert.equal(recognizeFailureKind(8532), "noInput");
    assert.equal(recognizeFailureKind(8570), "noInput");
    assert.equal(recognizeFailureKind(8547), "noMatch");
    assert.equal(recognizeFailureKind(8534), "noMatch");
    assert.equal(recognizeFailureKind(8563), "noMatch");
    for (const other of [undefined, 8511, 8512, 8531, 8535]) assert.equal(recognizeFailureKind(other), "failed", String(other));
  });
});
