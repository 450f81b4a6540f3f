import assert from "node:assert/strict";
import { readCallbackBody } from "../../lib/call-events";
import { compilePattern, judgeAttempt, readRecognizeCompleted, shouldAskAgain, type AttemptResult } from "../../lib/recognize-policy";

/** A callback event as ACS sends it, read the way the service reads it (through the SDK's parser). */
function event(type: string, data: Record<string, unknown>): { type: string; data: Record<string, unknown> } {
  const read = readCallbackBody([
    {
      id: `e-${Math.random()}`,
      source: "calling/callConnections/c1",
      type: `Microsoft.Communication.${type}`,
      data: { callConnectionId: "c1", operationContext: "op", ...data },
      time: "2026-01-01T00:00:00Z",
      specversion: "1.0",
      datacontenttype: "application/json",
      subject: "calling/callConnections/c1",
    },
  ]);
  assert.equal(read.kind, "events");
  return read.kind === "events" ? read.events[0] : { type, data };
}

const completed = (data: Record<string, unknown>) => event("RecognizeCompleted", { resultInformation: { code: 200, subCode: 8531, message: "ok" }, ...data });
const failed = (subCode: number) => event("RecognizeFailed", { resultInformation: { code: 400, subCode, message: "failed" } });

describe("recognize policy", () => {
  describe("readRecognizeCompleted", () => {
    it("reads DTMF as keys", () => {
      assert.deepEqual(readRecognizeCompleted(completed({ recognitionType: "dtmf", dtmfResult: { tones: ["one", "two", "pound"] } }).data), {
        value: "12#",
        kind: "dtmf",
        tones: ["one", "two", "pound"],
      });
    });

    it("reads a choice with its phrase and confidence", () => {
      assert.deepEqual(readRecognizeCompleted(completed({ recognitionType: "choices", choiceResult: { label: "agent", recognizedPhrase: "a person", confidence: 0.9 } }).data), {
        value: "agent",
        kind: "choice",
        label: "agent",
        phrase: "a person",
        confidence: 0.9,
      });
      // A choice made by key has no phrase or confidence.
      assert.deepEqual(readRecognizeCompleted(completed({ recognitionType: "choices", choiceResult: { label: "hours" } }).data), { value: "hours", kind: "choice", label: "hours" });
    });

    it("reads speech", () => {
      assert.deepEqual(readRecognizeCompleted(completed({ recognitionType: "speech", speechResult: { speech: "my account", confidence: 0.8 } }).data), {
        value: "my account",
        kind: "speech",
        confidence: 0.8,
      });
    });

    it("ignores tones that are not text, and gives nothing for an event without a result", () => {
      assert.equal(readRecognizeCompleted({ dtmfResult: { tones: ["one", 5, null, "two"] } })?.value, "12");
      assert.equal(readRecognizeCompleted(completed({ recognitionType: "dtmf" }).data), undefined);
      assert.equal(readRecognizeCompleted({ dtmfResult: { tones: "one" }, choiceResult: { label: 3 }, speechResult: { speech: null } }), undefined);
    });
  });

  describe("judgeAttempt", () => {
    it("calls recognized input input", () => {
      const r = judgeAttempt(completed({ dtmfResult: { tones: ["four", "two"] } }), {});
      assert.equal(r.kind, "input");
      assert.equal(r.kind === "input" && r.recognized.value, "42");
    });

    it("calls an empty result no input", () => {
      assert.deepEqual(judgeAttempt(completed({ dtmfResult: { tones: [] } }), {}), { kind: "noInput" });
      assert.deepEqual(judgeAttempt(completed({}), {}), { kind: "noInput" });
    });

    it("calls a choice that is not configured no match, with what was heard", () => {
      assert.deepEqual(judgeAttempt(completed({ choiceResult: { label: "sales" } }), { choiceLabels: ["hours", "agent"] }), { kind: "noMatch", heard: "sales" });
      assert.equal(judgeAttempt(completed({ choiceResult: { label: "agent" } }), { choiceLabels: ["hours", "agent"] }).kind, "input");
    });

    it("checks input against the pattern (as written, not anchored), but never a choice", () => {
      const pattern = compilePattern("^[0-9]{4}$");
      assert.deepEqual(judgeAttempt(completed({ dtmfResult: { tones: ["one", "two"] } }), { pattern }), { kind: "noMatch", heard: "12" });
      assert.equal(judgeAttempt(completed({ dtmfResult: { tones: ["one", "two", "three", "four"] } }), { pattern }).kind, "input");
      assert.equal(judgeAttempt(completed({ speechResult: { speech: "1234" } }), { pattern }).kind, "input");
      assert.equal(judgeAttempt(completed({ choiceResult: { label: "agent" } }), { pattern, choiceLabels: ["agent"] }).kind, "input");
      assert.equal(judgeAttempt(completed({ dtmfResult: { tones: ["nine", "one", "two"] } }), { pattern: compilePattern("12") }).kind, "input");
    });

    it("reads RecognizeFailed by its sub-code: no input, no match, or a failure", () => {
      for (const sub of [8510, 8532, 8570]) assert.deepEqual(judgeAttempt(failed(sub), {}), { kind: "noInput" }, String(sub));
      for (const sub of [8547, 8534, 8563]) assert.deepEqual(judgeAttempt(failed(sub), {}), { kind: "noMatch" }, String(sub));
      for (const sub of [8511, 8512, 8535, 9999]) assert.deepEqual(judgeAttempt(failed(sub), {}), { kind: "failed" }, String(sub));
      assert.deepEqual(judgeAttempt({ type: "RecognizeFailed", data: {} }, {}), { kind: "failed" });
      assert.deepEqual(judgeAttempt({ type: "RecognizeFailed", data: { resultInformation: { subCode: "8510" } } }, {}), { kind: "failed" });
    });

    it("calls any other event a failure", () => {
      assert.deepEqual(judgeAttempt(event("RecognizeCanceled", {}), {}), { kind: "failed" });
      assert.deepEqual(judgeAttempt(event("PlayCompleted", {}), {}), { kind: "failed" });
    });
  });

  describe("shouldAskAgain", () => {
    const noInput: AttemptResult = { kind: "noInput" };
    const noMatch: AttemptResult = { kind: "noMatch", heard: "9" };

    it("asks again up to `retries` times after no input or no match", () => {
      const asked = (result: AttemptResult, retries: number) => {
        let attempts = 1;
        while (shouldAskAgain(result, attempts, { retries })) attempts++;
        return attempts;
      };
      assert.equal(asked(noInput, 0), 1);
      assert.equal(asked(noInput, 2), 3);
      assert.equal(asked(noMatch, 1), 2);
    });

    it("never asks again after input or a failure", () => {
      assert.equal(shouldAskAgain({ kind: "input", recognized: { value: "1", kind: "dtmf" } }, 1, { retries: 5 }), false);
      assert.equal(shouldAskAgain({ kind: "failed" }, 1, { retries: 5 }), false);
    });
  });

  describe("compilePattern", () => {
    it("is undefined when empty", () => {
      for (const p of [undefined, "", "   "]) assert.equal(compilePattern(p), undefined);
    });

    it("compiles, and says clearly when the text is not a regular expression", () => {
      assert.ok(compilePattern("^\\d+$")?.test("123"));
      assert.throws(() => compilePattern("[0-9"), /^Error: the input pattern is not a valid regular expression: /);
    });
  });
});
