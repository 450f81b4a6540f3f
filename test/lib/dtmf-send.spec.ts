import assert from "node:assert/strict";
import { MAX_TONES_TO_SEND, tonesToSend } from "../../lib/dtmf";

describe("DTMF keys to send (tonesToSend)", () => {
  it("turns every key into its tone name, in order", () => {
    assert.deepEqual(tonesToSend("0123456789*#ABCD"), [
      "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "asterisk", "pound", "a", "b", "c", "d",
    ]);
  });

  it("ignores spaces and takes a-d in lower case", () => {
    assert.deepEqual(tonesToSend(" 1 2\t#  a"), ["one", "two", "pound", "a"]);
  });

  it("refuses anything that is not a key, naming it", () => {
    assert.throws(() => tonesToSend("12E"), /"E" is not a DTMF key \(use 0-9, \*, # or A-D\)/);
    assert.throws(() => tonesToSend("1,2"), /"," is not a DTMF key/);
    assert.throws(() => tonesToSend("one"), /"o" is not a DTMF key/);
    assert.throws(() => tonesToSend("١"), /is not a DTMF key/, "only ASCII digits");
  });

  it("refuses nothing to send, and more than ACS sends at once", () => {
    assert.throws(() => tonesToSend(""), /no keys to send/);
    assert.throws(() => tonesToSend("   "), /no keys to send/);
    assert.equal(tonesToSend("1".repeat(MAX_TONES_TO_SEND)).length, 18);
    assert.throws(() => tonesToSend("1".repeat(MAX_TONES_TO_SEND + 1)), /at most 18 keys can be sent at once, not 19/);
  });
});
