import assert from "node:assert/strict";
import { participantOf } from "../../lib/participant-input";

describe("participantOf (the participant a media action targets)", () => {
  const msg = { call: { callConnectionId: "c1", remoteParty: "+14255550123" } };

  it("defaults to the far end of the call", () => {
    assert.deepEqual(participantOf(undefined, msg), { text: "+14255550123", rawId: "4:+14255550123" });
  });

  it("takes the node's setting over the far end: a phone number or a raw id", () => {
    assert.deepEqual(participantOf("+14255550188", msg), { text: "+14255550188", rawId: "4:+14255550188" });
    assert.deepEqual(participantOf("8:acs:user-1", msg), { text: "8:acs:user-1", rawId: "8:acs:user-1" });
  });

  it("no participant at all, or one that is not an identifier: no raw id, with the text kept for the error", () => {
    assert.deepEqual(participantOf(undefined, {}), { text: undefined, rawId: undefined });
    assert.deepEqual(participantOf(undefined, { call: "not an object" }), { text: undefined, rawId: undefined });
    assert.deepEqual(participantOf("bob", msg), { text: "bob", rawId: undefined });
  });
});
