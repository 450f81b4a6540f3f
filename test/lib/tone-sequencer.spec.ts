import assert from "node:assert/strict";
import { ToneSequencer } from "../../lib/tone-sequencer";

/** Push (sequenceId, key) pairs; the keys released, in release order. */
function feed(seq: ToneSequencer<string>, pairs: Array<[number | undefined, string]>): string[] {
  return pairs.flatMap(([id, key]) => seq.push(id, key));
}

describe("ToneSequencer", () => {
  it("releases tones that arrive in order at once, starting from 1", () => {
    const seq = new ToneSequencer<string>();
    assert.deepEqual(seq.push(1, "1"), ["1"]);
    assert.deepEqual(seq.push(2, "2"), ["2"]);
    assert.deepEqual(seq.push(3, "#"), ["#"]);
    assert.equal(seq.holding, false);
  });

  it("holds a tone that arrives ahead of a missing one and releases both in order when the gap fills", () => {
    const seq = new ToneSequencer<string>();
    assert.deepEqual(seq.push(1, "a"), ["a"]);
    assert.deepEqual(seq.push(3, "c"), []);
    assert.deepEqual(seq.push(4, "d"), []);
    assert.equal(seq.holding, true);
    assert.deepEqual(seq.push(2, "b"), ["b", "c", "d"]);
    assert.equal(seq.holding, false);
  });

  it("puts a fully shuffled stream back in order", () => {
    const seq = new ToneSequencer<string>();
    const out = feed(seq, [
      [4, "4"],
      [2, "2"],
      [6, "6"],
      [1, "1"],
      [5, "5"],
      [3, "3"],
    ]);
    assert.deepEqual(out, ["1", "2", "3", "4", "5", "6"]);
  });

  it("drops duplicates: a tone already released, and a tone already held", () => {
    const seq = new ToneSequencer<string>();
    const out = feed(seq, [
      [1, "1"],
      [1, "1 again"],
      [3, "3"],
      [3, "3 again"],
      [2, "2"],
      [2, "2 again"],
      [3, "3 a third time"],
    ]);
    assert.deepEqual(out, ["1", "2", "3"]);
  });

  it("gives up on a gap that never fills: skipGap releases from the lowest held tone, and a late tone is dropped", () => {
    const seq = new ToneSequencer<string>();
    assert.deepEqual(feed(seq, [[1, "1"], [3, "3"], [5, "5"]]), ["1"]);
    assert.deepEqual(seq.skipGap(), ["3"], "2 is given up; 5 still waits for 4");
    assert.equal(seq.holding, true);
    assert.deepEqual(seq.push(4, "4"), ["4", "5"]);
    assert.deepEqual(seq.push(2, "2 late"), [], "too late to be in order");
    assert.deepEqual(seq.skipGap(), [], "nothing held");
  });

  it("a first tone not numbered 1 waits (numbering may go on from an earlier recognition), then goes on from there", () => {
    const seq = new ToneSequencer<string>();
    assert.deepEqual(seq.push(8, "8"), []);
    assert.deepEqual(seq.push(7, "7"), [], "still not known where the numbering starts");
    assert.deepEqual(seq.skipGap(), ["7", "8"]);
    assert.deepEqual(seq.push(9, "9"), ["9"]);
  });

  it("a first tone numbered 1 arriving after a later one releases both", () => {
    const seq = new ToneSequencer<string>();
    assert.deepEqual(seq.push(2, "2"), []);
    assert.deepEqual(seq.push(1, "1"), ["1", "2"]);
  });

  it("drain releases everything held, in order, across gaps", () => {
    const seq = new ToneSequencer<string>();
    feed(seq, [[1, "1"], [6, "6"], [3, "3"], [4, "4"]]);
    assert.deepEqual(seq.drain(), ["3", "4", "6"]);
    assert.equal(seq.holding, false);
    assert.deepEqual(seq.push(5, "5"), [], "after draining, older tones are late");
    assert.deepEqual(seq.push(7, "7"), ["7"]);
  });

  it("a tone without a usable sequenceId goes out as it comes", () => {
    const seq = new ToneSequencer<string>();
    assert.deepEqual(seq.push(undefined, "x"), ["x"]);
    assert.deepEqual(seq.push(Number.NaN, "y"), ["y"]);
    assert.deepEqual(seq.push(1.5, "z"), ["z"]);
  });

  it("does not hold more than a bounded number of tones behind one lost tone", () => {
    const seq = new ToneSequencer<string>();
    seq.push(1, "1");
    const released: string[] = [];
    for (let id = 3; id <= 70; id++) released.push(...seq.push(id, String(id)));
    assert.ok(released.length > 0, "the lost tone 2 was given up once too many tones waited");
    assert.equal(released[0], "3");
    const ids = released.map(Number);
    for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1] + 1, "still in order");
  });
});
