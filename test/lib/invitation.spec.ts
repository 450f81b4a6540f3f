import assert from "node:assert/strict";
import { addParticipantWaitMs, cancelsInvitation, readInvitationTimeout } from "../../lib/invitation";

describe("invitation", () => {
  it("reads an invitation timeout of 1 to 180 whole seconds, or none", () => {
    assert.equal(readInvitationTimeout(30), 30);
    assert.equal(readInvitationTimeout(" 45 "), 45);
    assert.equal(readInvitationTimeout("1"), 1);
    assert.equal(readInvitationTimeout("180"), 180);
    for (const unset of [undefined, null, "", "  "]) assert.equal(readInvitationTimeout(unset), undefined);
  });

  it("refuses anything else with a message that says what is allowed", () => {
    for (const bad of [0, -5, 181, 2.5, "ten", "30s", "0", {}]) {
      assert.throws(() => readInvitationTimeout(bad), /whole number of seconds from 1 to 180/, String(bad));
    }
  });

  it("waits at least as long as ACS may ring, plus a minute", () => {
    assert.equal(addParticipantWaitMs(300_000, 30), 300_000);
    assert.equal(addParticipantWaitMs(10_000, 30), 90_000);
    assert.equal(addParticipantWaitMs(10_000, undefined), 240_000);
  });

  it("knows which CancelAddParticipantSucceeded cancels which invitation", () => {
    assert.equal(cancelsInvitation({ type: "CancelAddParticipantSucceeded", data: { invitationId: "i1" } }, "i1"), true);
    assert.equal(cancelsInvitation({ type: "CancelAddParticipantSucceeded", data: { invitationId: "i2" } }, "i1"), false);
    assert.equal(cancelsInvitation({ type: "CancelAddParticipantFailed", data: { invitationId: "i1" } }, "i1"), false);
    assert.equal(cancelsInvitation({ type: "CancelAddParticipantSucceeded", data: {} }, "i1"), false);
  });
});
