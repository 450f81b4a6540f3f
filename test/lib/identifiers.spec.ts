/**
 * lib/identifiers.ts, checked against @azure/communication-common's own identifier serializer
 * (the SDK's view of raw ids) wherever the two describe the same thing.
 */
import assert from "node:assert/strict";
import {
  createIdentifierFromRawId,
  getIdentifierRawId,
  serializeCommunicationIdentifier,
  type CommunicationIdentifier,
} from "@azure/communication-common";
import { isE164, kindOfRawId, modelFromRawId, rawIdFromText, rawIdOf, type IdentifierModel } from "../../lib/identifiers";

const ACS_USER = "8:acs:11111111-2222-3333-4444-555555555555_00000000-0000-0000-0000-000000000001";
const TEAMS_ID = "b9f1c5a4-0000-4a4a-9c9c-123456789abc";

/** The SDK's wire model of an identifier, without its rawId. */
function sdkModelWithoutRawId(id: CommunicationIdentifier): IdentifierModel {
  const model = serializeCommunicationIdentifier(id) as IdentifierModel;
  delete model.rawId;
  return model;
}

describe("lib/identifiers", () => {
  describe("rawIdOf", () => {
    it("prefers rawId when the model has one", () => {
      assert.equal(rawIdOf({ rawId: "4:+14255550123" }), "4:+14255550123");
      assert.equal(rawIdOf({ kind: "phoneNumber", rawId: "4:+14255550123", phoneNumber: { value: "+19999999999" } }), "4:+14255550123");
      assert.equal(rawIdOf({ rawId: ACS_USER, communicationUser: { id: "8:acs:other" } }), ACS_USER);
      // An empty rawId does not count: the sub-object decides.
      assert.equal(rawIdOf({ rawId: "", phoneNumber: { value: "+14255550123" } }), "4:+14255550123");
    });

    it("builds the raw id of each kind from its sub-object, as the SDK does", () => {
      const ids: CommunicationIdentifier[] = [
        { communicationUserId: ACS_USER },
        { phoneNumber: "+14255550123" },
        { microsoftTeamsUserId: TEAMS_ID },
        { microsoftTeamsUserId: TEAMS_ID, cloud: "public" },
        { microsoftTeamsUserId: TEAMS_ID, cloud: "dod" },
        { microsoftTeamsUserId: TEAMS_ID, cloud: "gcch" },
        { microsoftTeamsUserId: TEAMS_ID, isAnonymous: true },
        { teamsAppId: TEAMS_ID },
        { teamsAppId: TEAMS_ID, cloud: "dod" },
        { teamsAppId: TEAMS_ID, cloud: "gcch" },
        { userId: "user-1", tenantId: "tenant-1", resourceId: "resource-1" },
        { userId: "user-1", tenantId: "tenant-1", resourceId: "resource-1", cloud: "dod" },
        { userId: "user-1", tenantId: "tenant-1", resourceId: "resource-1", cloud: "gcch" },
      ];
      for (const id of ids) {
        const model = sdkModelWithoutRawId(id);
        assert.equal(rawIdOf(model), getIdentifierRawId(id), JSON.stringify(id));
      }
    });

    it("works without kind, as media operations send identifiers", () => {
      assert.equal(rawIdOf({ phoneNumber: { value: "+14255550123" } }), "4:+14255550123");
      assert.equal(rawIdOf({ communicationUser: { id: ACS_USER } }), ACS_USER);
      assert.equal(rawIdOf({ microsoftTeamsUser: { userId: TEAMS_ID } }), `8:orgid:${TEAMS_ID}`);
      assert.equal(rawIdOf({ microsoftTeamsApp: { appId: TEAMS_ID } }), `28:orgid:${TEAMS_ID}`);
      assert.equal(rawIdOf({ teamsExtensionUser: { userId: "u", tenantId: "t", resourceId: "r" } }), "8:acs:r_t_u");
    });

    it("uses the public prefix for an unknown cloud, never an inherited property", () => {
      assert.equal(rawIdOf({ microsoftTeamsUser: { userId: TEAMS_ID, cloud: "mars" } }), `8:orgid:${TEAMS_ID}`);
      assert.equal(rawIdOf({ microsoftTeamsUser: { userId: TEAMS_ID, cloud: "toString" } }), `8:orgid:${TEAMS_ID}`);
      assert.equal(rawIdOf({ microsoftTeamsApp: { appId: TEAMS_ID, cloud: "__proto__" } }), `28:orgid:${TEAMS_ID}`);
      assert.equal(rawIdOf({ microsoftTeamsUser: { userId: TEAMS_ID, cloud: 5 as unknown as string } }), `8:orgid:${TEAMS_ID}`);
    });

    it("returns undefined for models that name nobody", () => {
      const nobody: unknown[] = [
        undefined,
        null,
        "4:+14255550123",
        42,
        {},
        { kind: "phoneNumber" },
        { rawId: 5 },
        { phoneNumber: { value: 5 } },
        { phoneNumber: "+14255550123" },
        { communicationUser: {} },
        { microsoftTeamsUser: { cloud: "public" } },
        { microsoftTeamsApp: { appId: null } },
        { teamsExtensionUser: { tenantId: "t" } },
      ];
      for (const model of nobody) assert.equal(rawIdOf(model as IdentifierModel), undefined, JSON.stringify(model));
    });
  });

  describe("kindOfRawId", () => {
    const kinds: Array<[string, string]> = [
      ["4:+14255550123", "phoneNumber"],
      ["4:anonymous", "phoneNumber"],
      [ACS_USER, "communicationUser"],
      ["8:spool:x", "communicationUser"],
      ["8:dod-acs:x", "communicationUser"],
      ["8:gcch-acs:x", "communicationUser"],
      [`8:orgid:${TEAMS_ID}`, "microsoftTeamsUser"],
      [`8:dod:${TEAMS_ID}`, "microsoftTeamsUser"],
      [`8:gcch:${TEAMS_ID}`, "microsoftTeamsUser"],
      [`8:teamsvisitor:${TEAMS_ID}`, "microsoftTeamsUser"],
      [`28:orgid:${TEAMS_ID}`, "microsoftTeamsApp"],
      [`28:dod:${TEAMS_ID}`, "microsoftTeamsApp"],
      [`28:gcch:${TEAMS_ID}`, "microsoftTeamsApp"],
      ["99:zz", "unknown"],
      ["8:somethingelse:x", "unknown"],
      ["", "unknown"],
      ["+14255550123", "unknown"],
    ];
    for (const [rawId, kind] of kinds) {
      it(`${rawId || "(empty)"} is ${kind}`, () => assert.equal(kindOfRawId(rawId), kind));
    }
  });

  describe("modelFromRawId", () => {
    const rawIds = [
      "4:+14255550123",
      ACS_USER,
      "8:spool:x",
      `8:orgid:${TEAMS_ID}`,
      `8:dod:${TEAMS_ID}`,
      `8:gcch:${TEAMS_ID}`,
      `8:teamsvisitor:${TEAMS_ID}`,
      `28:orgid:${TEAMS_ID}`,
      `28:dod:${TEAMS_ID}`,
      `28:gcch:${TEAMS_ID}`,
      "99:zz",
    ];

    it("round-trips through rawIdOf, with and without the rawId", () => {
      for (const rawId of rawIds) {
        const model = modelFromRawId(rawId);
        assert.equal(model.rawId, rawId);
        assert.equal(model.kind, kindOfRawId(rawId));
        assert.equal(rawIdOf(model), rawId);
        if (model.kind !== "unknown") {
          const { rawId: _dropped, ...withoutRawId } = model;
          assert.equal(rawIdOf(withoutRawId), rawId, `${rawId} from its sub-object`);
        }
      }
    });

    it("matches the SDK's model of the same raw id (apart from kind and isAnonymous defaults)", () => {
      for (const rawId of rawIds) {
        const ours = modelFromRawId(rawId) as Record<string, unknown>;
        // (JSON drops the SDK's undefined fields, as the wire does.)
        const sdk = JSON.parse(JSON.stringify(serializeCommunicationIdentifier(createIdentifierFromRawId(rawId)))) as Record<string, unknown>;
        const { kind, ...rest } = ours;
        assert.equal(typeof kind, "string");
        if (rawId.startsWith("4:")) {
          assert.deepEqual(rest, { rawId, phoneNumber: { value: "+14255550123" } });
          assert.deepEqual(sdk, { rawId, phoneNumber: { value: "+14255550123", isAnonymous: false } });
        } else {
          assert.deepEqual(rest, sdk, rawId);
        }
      }
    });
  });

  describe("rawIdFromText", () => {
    it("reads E.164 numbers and prefixed raw ids", () => {
      assert.equal(rawIdFromText("+14255550123"), "4:+14255550123");
      assert.equal(rawIdFromText("  +14255550123 \n"), "4:+14255550123");
      assert.equal(rawIdFromText("+447700900123"), "4:+447700900123");
      assert.equal(rawIdFromText("4:+14255550123"), "4:+14255550123");
      assert.equal(rawIdFromText(ACS_USER), ACS_USER);
      assert.equal(rawIdFromText(` ${ACS_USER} `), ACS_USER);
      assert.equal(rawIdFromText(`8:orgid:${TEAMS_ID}`), `8:orgid:${TEAMS_ID}`);
      assert.equal(rawIdFromText(`28:orgid:${TEAMS_ID}`), `28:orgid:${TEAMS_ID}`);
    });

    it("refuses what it cannot read", () => {
      const unreadable = [
        "",
        "   ",
        "hello",
        "14255550123",
        "+0123456",
        "+1",
        "+1234567890123456",
        "+1 425 555 0123",
        "4:",
        "4:abc",
        "4:14255550123",
        "8:",
        "8:acs:",
        "8: x",
        "1234:x",
        "acs:x",
      ];
      for (const text of unreadable) assert.equal(rawIdFromText(text), undefined, JSON.stringify(text));
    });
  });

  describe("isE164", () => {
    it("accepts + and 2 to 15 digits not starting with 0", () => {
      for (const ok of ["+12", "+14255550123", "+123456789012345"]) assert.ok(isE164(ok), ok);
      for (const bad of ["+1", "+0123", "14255550123", "+1234567890123456", "+1-425", "", "+"]) assert.ok(!isE164(bad), bad);
    });
  });
});
