/**
 * What a flow gets from call queries (the participant node's get / list, the call-info node): a
 * participant and the call's properties as plain JSON, every identifier as text ("+14255550123"
 * for a phone, the raw id "8:acs:…" / "8:orgid:…" for everyone else), so a Switch node can test
 * them. The SDK's own shapes differ per identifier kind, and its call properties carry the
 * callback URL, which holds this connection's webhook secret: only the fields named here are copied.
 */
import { getIdentifierRawId, type CommunicationIdentifier } from "@azure/communication-common";
import { kindOfRawId, textFromRawId, type IdentifierKind } from "./identifiers";

export interface ParticipantInfo {
  /** The participant as a flow writes it: "+14255550123", "8:acs:…", "8:orgid:…". */
  participant: string;
  rawId: string;
  kind: IdentifierKind;
  isMuted: boolean;
  isOnHold?: boolean;
}

export interface SubscriptionInfo {
  id?: string;
  /** disabled, inactive or active. */
  state?: string;
}

export interface CallProperties {
  callConnectionId?: string;
  serverCallId?: string;
  correlationId?: string;
  /** connecting, connected, transferring, transferAccepted, disconnecting, disconnected or unknown. */
  state?: string;
  /** Who the call is from, as ACS sees this app's side: the number called (inbound) or the app's identity. */
  source?: string;
  /** The caller id shown to phone targets. */
  sourceCallerIdNumber?: string;
  sourceDisplayName?: string;
  /** Who was called: the caller of an inbound call, the callees of an outbound one. */
  targets: string[];
  answeredBy?: string;
  /** The phone number an incoming call was first sent to. */
  answeredFor?: string;
  mediaStreaming?: SubscriptionInfo & { subscribedContentTypes?: string[] };
  transcription?: SubscriptionInfo & { subscribedResultTypes?: string[]; locale?: string };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined);

/** The raw id of an identifier in the SDK's shape ({phoneNumber}, {communicationUserId}, …), or undefined. */
export function rawIdOfSdkIdentifier(identifier: unknown): string | undefined {
  if (!isObject(identifier)) return undefined;
  if (str(identifier.rawId)) return identifier.rawId as string;
  try {
    return str(getIdentifierRawId(identifier as unknown as CommunicationIdentifier));
  } catch {
    return undefined;
  }
}

/** An identifier in the SDK's shape as text ("+14255550123", "8:acs:…"). */
export function textOfSdkIdentifier(identifier: unknown): string | undefined {
  const raw = rawIdOfSdkIdentifier(identifier);
  return raw ? textFromRawId(raw) : undefined;
}

/** One CallParticipant of the SDK (getParticipant, listParticipants) as a flow sees it. */
export function participantInfoOf(participant: unknown): ParticipantInfo | undefined {
  if (!isObject(participant)) return undefined;
  const rawId = rawIdOfSdkIdentifier(participant.identifier);
  if (!rawId) return undefined;
  return {
    participant: textFromRawId(rawId),
    rawId,
    kind: kindOfRawId(rawId),
    isMuted: participant.isMuted === true,
    ...(typeof participant.isOnHold === "boolean" ? { isOnHold: participant.isOnHold } : {}),
  };
}

/** Every participant of a list the SDK gave, in its order (entries without an identifier are left out). */
export function participantsOf(list: unknown): ParticipantInfo[] {
  if (!Array.isArray(list)) return [];
  return list.map(participantInfoOf).filter((p): p is ParticipantInfo => p !== undefined);
}

function subscriptionOf(v: unknown, listKey: "subscribedContentTypes" | "subscribedResultTypes"): Record<string, unknown> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, unknown> = {};
  if (str(v.id)) out.id = v.id;
  if (str(v.state)) out.state = v.state;
  const list = strings(v[listKey]);
  if (list) out[listKey] = list;
  if (listKey === "subscribedResultTypes" && str(v.locale)) out.locale = v.locale;
  return Object.keys(out).length ? out : undefined;
}

/**
 * The SDK's CallConnectionProperties (getCallConnectionProperties) as a flow sees them. The
 * callback URL is left out on purpose (it holds the webhook secret). SDK 1.6 spells the answering
 * identity `answeredby`; both spellings are read.
 */
export function callPropertiesOf(props: unknown): CallProperties {
  const p = isObject(props) ? props : {};
  const out: CallProperties = { targets: [] };
  if (str(p.callConnectionId)) out.callConnectionId = p.callConnectionId as string;
  if (str(p.serverCallId)) out.serverCallId = p.serverCallId as string;
  if (str(p.correlationId)) out.correlationId = p.correlationId as string;
  if (str(p.callConnectionState)) out.state = p.callConnectionState as string;
  const source = textOfSdkIdentifier(p.source);
  if (source) out.source = source;
  const callerId = textOfSdkIdentifier(p.sourceCallerIdNumber);
  if (callerId) out.sourceCallerIdNumber = callerId;
  if (str(p.sourceDisplayName)) out.sourceDisplayName = p.sourceDisplayName as string;
  const targets = Array.isArray(p.targetParticipants) ? p.targetParticipants : Array.isArray(p.targets) ? p.targets : [];
  out.targets = targets.map(textOfSdkIdentifier).filter((t): t is string => t !== undefined);
  const answeredBy = textOfSdkIdentifier(p.answeredBy ?? p.answeredby);
  if (answeredBy) out.answeredBy = answeredBy;
  const answeredFor = textOfSdkIdentifier(p.answeredFor);
  if (answeredFor) out.answeredFor = answeredFor;
  const media = subscriptionOf(p.mediaStreamingSubscription, "subscribedContentTypes");
  if (media) out.mediaStreaming = media;
  const transcription = subscriptionOf(p.transcriptionSubscription, "subscribedResultTypes");
  if (transcription) out.transcription = transcription;
  return out;
}
