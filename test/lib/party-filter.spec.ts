import assert from "node:assert/strict";
import { partyFilter } from "../../lib/party-filter";

describe("party filter", () => {
  it("matches everyone when empty", () => {
    for (const patterns of [undefined, "", "  ", " , ,\n"]) {
      const f = partyFilter(patterns);
      assert.equal(f("+14255550123"), true);
      assert.equal(f("8:acs:abc"), true);
      assert.equal(f(""), true);
    }
  });

  it("matches whole numbers exactly, not parts of them", () => {
    const f = partyFilter("+18005550100");
    assert.equal(f("+18005550100"), true);
    assert.equal(f("+180055501000"), false);
    assert.equal(f("18005550100"), false);
    assert.equal(f("+1800555010"), false);
  });

  it("takes a list separated by commas, spaces or new lines", () => {
    const f = partyFilter("+18005550100, +18005550101\n+18005550102  +18005550103");
    for (const n of ["+18005550100", "+18005550101", "+18005550102", "+18005550103"]) assert.equal(f(n), true, n);
    assert.equal(f("+18005550104"), false);
  });

  it("lets * stand for any characters, anywhere", () => {
    const f = partyFilter("+1425*");
    assert.equal(f("+14255550123"), true);
    assert.equal(f("+1425"), true);
    assert.equal(f("+14265550123"), false);
    const acs = partyFilter("8:acs:*");
    assert.equal(acs("8:acs:1234-abcd"), true);
    assert.equal(acs("4:+14255550123"), false);
    const middle = partyFilter("+1*0100");
    assert.equal(middle("+18005550100"), true);
    assert.equal(middle("+18005550101"), false);
    assert.equal(partyFilter("*")("anything at all"), true);
  });

  it("treats every other character literally (no regular expressions)", () => {
    assert.equal(partyFilter("+1425")("1425"), false, "+ is not a quantifier");
    assert.equal(partyFilter("a.c")("abc"), false, ". is not a wildcard");
    assert.equal(partyFilter("a.c")("a.c"), true);
    assert.equal(partyFilter("(x)|y")("y"), false);
    assert.equal(partyFilter("(x)|y")("(x)|y"), true);
    assert.equal(partyFilter("[0-9]")("5"), false);
    assert.equal(partyFilter("a?")("a"), false);
    assert.equal(partyFilter("\\d")("\\d"), true);
    assert.equal(partyFilter("$^")("$^"), true);
  });

  it("ignores case (for ACS and Teams ids)", () => {
    assert.equal(partyFilter("8:ACS:ABC*")("8:acs:abcdef"), true);
  });

  it("does not backtrack for minutes on a pattern with many wildcards", function () {
    // A regular expression built from this pattern ran for more than 100 s on 120 characters.
    this.timeout(5000);
    const f = partyFilter("*a*a*a*a*a*a*b");
    assert.equal(f("a".repeat(5000)), false);
    assert.equal(f(`${"a".repeat(5000)}b`), true);
  });
});
