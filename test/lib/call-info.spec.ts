import assert from "node:assert/strict";
import { callPropertiesOf, participantInfoOf, participantsOf, rawIdOfSdkIdentifier, textOfSdkIdentifier } from "../../lib/call-info";

describe("call-info", () => {
  it("reads the raw id of every identifier shape the SDK gives", () => {
    assert.equal(rawIdOfSdkIdentifier({ phoneNumber: "+14255550123" }), "4:+14255550123");
    assert.equal(rawIdOfSdkIdentifier({ phoneNumber: "+14255550123", rawId: "4:+14255550123" }), "4:+14255550123");
    assert.equal(rawIdOfSdkIdentifier({ communicationUserId: "8:acs:r_u1" }), "8:acs:r_u1");
    assert.equal(rawIdOfSdkIdentifier({ microsoftTeamsUserId: "abc", cloud: "public" }), "8:orgid:abc");
    assert.equal(rawIdOfSdkIdentifier({ rawId: "8:orgid:abc", microsoftTeamsUserId: "abc" }), "8:orgid:abc");
    for (const nothing of [undefined, null, "4:+1", 42, [], {}]) assert.equal(rawIdOfSdkIdentifier(nothing), undefined, JSON.stringify(nothing));
    assert.equal(textOfSdkIdentifier({ phoneNumber: "+14255550123" }), "+14255550123");
    assert.equal(textOfSdkIdentifier({ communicationUserId: "8:acs:r_u1" }), "8:acs:r_u1");
  });

  it("gives a participant as text, raw id, kind, muted and on-hold", () => {
    assert.deepEqual(participantInfoOf({ identifier: { phoneNumber: "+14255550123", rawId: "4:+14255550123" }, isMuted: false, isOnHold: true }), {
      participant: "+14255550123",
      rawId: "4:+14255550123",
      kind: "phoneNumber",
      isMuted: false,
      isOnHold: true,
    });
    assert.deepEqual(participantInfoOf({ identifier: { communicationUserId: "8:acs:r_u1" }, isMuted: true }), {
      participant: "8:acs:r_u1",
      rawId: "8:acs:r_u1",
      kind: "communicationUser",
      isMuted: true,
    });
    assert.equal(participantInfoOf({ identifier: { rawId: "8:orgid:abc" } })?.kind, "microsoftTeamsUser");
    assert.equal(participantInfoOf({ isMuted: true }), undefined, "no identifier: nobody");
    assert.equal(participantInfoOf("4:+14255550123"), undefined);
  });

  it("lists participants in order, leaving out entries that name nobody", () => {
    const list = participantsOf([{ identifier: { phoneNumber: "+14255550123" } }, { identifier: {} }, null, { identifier: { communicationUserId: "8:acs:x" } }]);
    assert.deepEqual(
      list.map((p) => p.participant),
      ["+14255550123", "8:acs:x"],
    );
    assert.deepEqual(participantsOf(undefined), []);
    assert.deepEqual(participantsOf({ values: [] }), []);
  });

  it("gives the call's properties as text, without the callback URL (it holds the webhook secret)", () => {
    const props = callPropertiesOf({
      callConnectionId: "cc-1",
      serverCallId: "sc-1",
      correlationId: "co-1",
      callConnectionState: "connected",
      callbackUri: "https://example.org/acs/callbacks/cfg/SECRET",
      callbackUrl: "https://example.org/acs/callbacks/cfg/SECRET",
      source: { phoneNumber: "+18005550100" },
      sourceCallerIdNumber: { phoneNumber: "+18005550101" },
      sourceDisplayName: "Contoso",
      targetParticipants: [{ phoneNumber: "+14255550123", rawId: "4:+14255550123" }, { communicationUserId: "8:acs:r_u1" }, {}],
      answeredby: { communicationUserId: "8:acs:bot" },
      answeredFor: { phoneNumber: "+18005550100" },
      mediaStreamingSubscription: { id: "m1", state: "disabled", subscribedContentTypes: [] },
      transcriptionSubscription: { id: "t1", state: "active", subscribedResultTypes: ["final"], locale: "en-US" },
    });
    assert.deepEqual(props, {
      callConnectionId: "cc-1",
      serverCallId: "sc-1",
      correlationId: "co-1",
      state: "connected",
      source: "+18005550100",
      sourceCallerIdNumber: "+18005550101",
      sourceDisplayName: "Contoso",
      targets: ["+14255550123", "8:acs:r_u1"],
      answeredBy: "8:acs:bot",
      answeredFor: "+18005550100",
      mediaStreaming: { id: "m1", state: "disabled", subscribedContentTypes: [] },
      transcription: { id: "t1", state: "active", subscribedResultTypes: ["final"], locale: "en-US" },
    });
    assert.doesNotMatch(JSON.stringify(props), /SECRET|callback/i);
  });

  it("reads answeredBy in either spelling, REST targets, and leaves out what is missing", () => {
    assert.equal(callPropertiesOf({ answeredBy: { communicationUserId: "8:acs:bot" } }).answeredBy, "8:acs:bot");
    assert.deepEqual(callPropertiesOf({ targets: [{ rawId: "4:+14255550123", phoneNumber: { value: "+14255550123" } }] }).targets, ["+14255550123"]);
    assert.deepEqual(callPropertiesOf(undefined), { targets: [] });
    assert.deepEqual(callPropertiesOf({ callConnectionState: "", mediaStreamingSubscription: {}, transcriptionSubscription: "x" }), { targets: [] });
  });
});
