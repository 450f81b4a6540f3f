import assert from "node:assert/strict";
import { keyOfTone, keysOfTones, toneOfKey, tonesOfKeys } from "../../lib/dtmf";

const ALL_KEYS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "#", "*", "A", "B", "C", "D"];
const ALL_TONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "pound", "asterisk", "a", "b", "c", "d"];

describe("DTMF keys and tones", () => {
  it("maps every key to its ACS tone name and back", () => {
    ALL_KEYS.forEach((key, i) => {
      assert.equal(toneOfKey(key), ALL_TONES[i], key);
      assert.equal(keyOfTone(ALL_TONES[i]), key, ALL_TONES[i]);
    });
  });

  it("reads tone names in any case, and keys A-D in either case", () => {
    assert.equal(keyOfTone("Pound"), "#");
    assert.equal(keyOfTone("ASTERISK"), "*");
    assert.equal(toneOfKey("a"), "a");
    assert.equal(toneOfKey("d"), "d");
    assert.equal(toneOfKey("Pound"), "pound");
    assert.equal(toneOfKey(" 5 "), "five");
  });

  it("keeps an unknown tone name as it is, and says undefined for a key that is not one", () => {
    assert.equal(keyOfTone("flash"), "flash");
    for (const key of ["", "E", "10", "##", "x", "hash", "star"]) assert.equal(toneOfKey(key), undefined, key);
  });

  it("is not fooled by names that exist on every object", () => {
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"]) {
      assert.equal(toneOfKey(name), undefined, name);
      assert.equal(keyOfTone(name), name, name);
      assert.equal(typeof keysOfTones([name]), "string");
    }
  });

  it("turns ACS's tones into the keys a flow tests", () => {
    assert.equal(keysOfTones(["one", "two", "three", "pound"]), "123#");
    assert.equal(keysOfTones([]), "");
  });

  it("reads keys written together, with commas, or with spaces", () => {
    assert.deepEqual(tonesOfKeys("#*"), ["pound", "asterisk"]);
    assert.deepEqual(tonesOfKeys("#,*"), ["pound", "asterisk"]);
    assert.deepEqual(tonesOfKeys(" 1 2  3 "), ["one", "two", "three"]);
    assert.deepEqual(tonesOfKeys("pound, asterisk"), ["pound", "asterisk"]);
    assert.deepEqual(tonesOfKeys("1,,#,"), ["one", "pound"]);
    assert.deepEqual(tonesOfKeys(""), []);
  });

  it("refuses anything that is not a key, naming it", () => {
    assert.throws(() => tonesOfKeys("1x"), /"x" is not a DTMF key \(use 0-9, \*, # or A-D\)/);
    assert.throws(() => tonesOfKeys("1,hash"), /"hash" is not a DTMF key/);
    // Without commas, a tone name is read letter by letter.
    assert.throws(() => tonesOfKeys("pound"), /"p" is not a DTMF key/);
  });
});
