/**
 * Communication identifiers as they travel on the wire (the CommunicationIdentifierModel of the
 * Call Automation REST API). The SDK sends them sometimes with `kind` and sometimes without it
 * (media operations leave it out), so everything here works from whichever sub-object or `rawId`
 * is present. The raw id is the one stable key: `4:+15551234567`, `8:acs:...`, `8:orgid:...`.
 */

export type IdentifierKind =
  | "communicationUser"
  | "phoneNumber"
  | "microsoftTeamsUser"
  | "microsoftTeamsApp"
  | "teamsExtensionUser"
  | "unknown";

export interface IdentifierModel {
  kind?: string;
  rawId?: string;
  communicationUser?: { id: string };
  phoneNumber?: { value: string; isAnonymous?: boolean; assertedId?: string };
  microsoftTeamsUser?: { userId: string; isAnonymous?: boolean; cloud?: string };
  microsoftTeamsApp?: { appId: string; cloud?: string };
  teamsExtensionUser?: { userId: string; tenantId: string; resourceId: string; cloud?: string };
}

const TEAMS_USER_PREFIX: Record<string, string> = { public: "8:orgid:", dod: "8:dod:", gcch: "8:gcch:" };
const TEAMS_APP_PREFIX: Record<string, string> = { public: "28:orgid:", dod: "28:dod:", gcch: "28:gcch:" };
const TEAMS_EXTENSION_PREFIX: Record<string, string> = { public: "8:acs:", dod: "8:dod-acs:", gcch: "8:gcch-acs:" };

/** The raw id prefix of a cloud; own keys only, so a cloud such as "toString" gets the default. */
function prefixFor(table: Record<string, string>, cloud: unknown, fallback: string): string {
  return typeof cloud === "string" && Object.hasOwn(table, cloud) ? table[cloud] : fallback;
}

/** The raw id of an identifier model, or undefined when the model names nobody. */
export function rawIdOf(model: IdentifierModel | undefined | null): string | undefined {
  if (!model || typeof model !== "object") return undefined;
  if (typeof model.rawId === "string" && model.rawId.length > 0) return model.rawId;
  if (model.communicationUser && typeof model.communicationUser.id === "string") return model.communicationUser.id;
  if (model.phoneNumber && typeof model.phoneNumber.value === "string") return `4:${model.phoneNumber.value}`;
  if (model.microsoftTeamsUser && typeof model.microsoftTeamsUser.userId === "string") {
    const t = model.microsoftTeamsUser;
    if (t.isAnonymous) return `8:teamsvisitor:${t.userId}`;
    return `${prefixFor(TEAMS_USER_PREFIX, t.cloud, "8:orgid:")}${t.userId}`;
  }
  if (model.microsoftTeamsApp && typeof model.microsoftTeamsApp.appId === "string") {
    const a = model.microsoftTeamsApp;
    return `${prefixFor(TEAMS_APP_PREFIX, a.cloud, "28:orgid:")}${a.appId}`;
  }
  if (model.teamsExtensionUser && typeof model.teamsExtensionUser.userId === "string") {
    const x = model.teamsExtensionUser;
    return `${prefixFor(TEAMS_EXTENSION_PREFIX, x.cloud, "8:acs:")}${x.resourceId}_${x.tenantId}_${x.userId}`;
  }
  return undefined;
}

/** The kind of a raw id, from its prefix. */
export function kindOfRawId(rawId: string): IdentifierKind {
  if (rawId.startsWith("4:")) return "phoneNumber";
  if (/^8:(acs|spool|dod-acs|gcch-acs):/.test(rawId)) return "communicationUser";
  if (/^8:(orgid|dod|gcch|teamsvisitor):/.test(rawId)) return "microsoftTeamsUser";
  if (/^28:(orgid|dod|gcch):/.test(rawId)) return "microsoftTeamsApp";
  return "unknown";
}

/** A complete identifier model (with kind and rawId) for a raw id, as ACS sends it in events. */
export function modelFromRawId(rawId: string): IdentifierModel {
  const kind = kindOfRawId(rawId);
  switch (kind) {
    case "phoneNumber":
      return { kind, rawId, phoneNumber: { value: rawId.slice(2) } };
    case "communicationUser":
      return { kind, rawId, communicationUser: { id: rawId } };
    case "microsoftTeamsUser": {
      const [, scheme, userId] = /^8:([^:]+):(.*)$/.exec(rawId) ?? [];
      const isAnonymous = scheme === "teamsvisitor";
      const cloud = scheme === "dod" ? "dod" : scheme === "gcch" ? "gcch" : "public";
      return { kind, rawId, microsoftTeamsUser: { userId, isAnonymous, cloud } };
    }
    case "microsoftTeamsApp": {
      const [, scheme, appId] = /^28:([^:]+):(.*)$/.exec(rawId) ?? [];
      return { kind, rawId, microsoftTeamsApp: { appId, cloud: scheme === "orgid" ? "public" : scheme } };
    }
    default:
      return { kind: "unknown", rawId };
  }
}

/** Is this a syntactically plausible E.164 phone number? */
export function isE164(value: string): boolean {
  return /^\+[1-9]\d{1,14}$/.test(value);
}

/**
 * Turn what a person types into a raw id: "+15551234567" is a phone number, "8:acs:..." and other
 * prefixed ids pass through. Returns undefined for anything it cannot read.
 */
export function rawIdFromText(text: string): string | undefined {
  const value = text.trim();
  if (isE164(value)) return `4:${value}`;
  // A phone raw id must hold an E.164 number; other raw ids need an id after the prefix.
  if (value.startsWith("4:")) return isE164(value.slice(2)) ? value : undefined;
  if (/^\d{1,3}:\S*[^\s:]$/.test(value)) return value;
  return undefined;
}

/** How a flow shows a party: the E.164 number for phones, the raw id for everyone else. */
export function textFromRawId(rawId: string): string {
  return rawId.startsWith("4:") ? rawId.slice(2) : rawId;
}
