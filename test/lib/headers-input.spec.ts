import assert from "node:assert/strict";
import { readCustomHeaders, readTargets } from "../../lib/headers-input";

describe("custom headers and targets input", () => {
  describe("readCustomHeaders", () => {
    it("is undefined when neither SIP nor VoIP headers are given", () => {
      for (const empty of [undefined, null, "", {}, "{}"]) assert.equal(readCustomHeaders(empty, empty), undefined, JSON.stringify(empty));
    });

    it("takes objects, or JSON text (a TypedInput of type str or json)", () => {
      assert.deepEqual(readCustomHeaders({ Account: "42" }, '{"orderId":"A-17"}'), { sipHeaders: { Account: "42" }, voipHeaders: { orderId: "A-17" } });
      assert.deepEqual(readCustomHeaders('{"User-To-User":"3030"}', undefined), { sipHeaders: { "User-To-User": "3030" } });
      assert.deepEqual(readCustomHeaders(undefined, { orderId: "A-17" }), { voipHeaders: { orderId: "A-17" } });
    });

    it("turns numbers and booleans into text", () => {
      assert.deepEqual(readCustomHeaders({ n: 42, b: true, f: false, z: 0 }, undefined), { sipHeaders: { n: "42", b: "true", f: "false", z: "0" } });
    });

    it("refuses values that are not text, naming the header", () => {
      assert.throws(() => readCustomHeaders({ a: { nested: 1 } }, undefined), /^Error: SIP headers: the value of a must be text$/);
      assert.throws(() => readCustomHeaders(undefined, { b: null }), /VoIP headers: the value of b must be text/);
      assert.throws(() => readCustomHeaders(undefined, { c: ["x"] }), /VoIP headers: the value of c must be text/);
    });

    it("refuses what is not an object of headers", () => {
      assert.throws(() => readCustomHeaders("not json", undefined), /SIP headers must be a JSON object of header names to text values/);
      assert.throws(() => readCustomHeaders(undefined, "[1]"), /VoIP headers must be an object/);
      assert.throws(() => readCustomHeaders(["a"], undefined), /SIP headers must be an object/);
      assert.throws(() => readCustomHeaders(42, undefined), /SIP headers must be an object/);
      assert.throws(() => readCustomHeaders('"text"', undefined), /SIP headers must be an object/);
      assert.throws(() => readCustomHeaders("null", undefined), /SIP headers must be an object/);
    });

    it("allows at most 5 custom SIP headers, User-To-User not counted, and any number of VoIP headers", () => {
      const five = { a: "1", b: "2", c: "3", d: "4", e: "5" };
      assert.deepEqual(readCustomHeaders({ ...five, "user-to-user": "uui" }, undefined)?.sipHeaders, { ...five, "user-to-user": "uui" });
      assert.throws(() => readCustomHeaders({ ...five, f: "6" }, undefined), /at most 5 custom SIP headers/);
      const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, String(i)]));
      assert.equal(Object.keys(readCustomHeaders(undefined, many)?.voipHeaders ?? {}).length, 20);
    });
  });

  describe("readTargets", () => {
    it("splits text on commas, semicolons and new lines, dropping blanks", () => {
      assert.deepEqual(readTargets("+14255550123, 8:acs:abc;+14255550124\n\n ,"), ["+14255550123", "8:acs:abc", "+14255550124"]);
    });

    it("takes an array (of text or numbers) and a single number", () => {
      assert.deepEqual(readTargets([" +14255550123 ", 14255550124, ""]), ["+14255550123", "14255550124"]);
      assert.deepEqual(readTargets(14255550123), ["14255550123"]);
    });

    it("gives nothing for anything else", () => {
      for (const v of [undefined, null, {}, true, ""]) assert.deepEqual(readTargets(v), [], JSON.stringify(v));
    });
  });
});
