/**
 * `msg.call`: the call a message is about. Every in-call node reads `msg.call.callConnectionId`.
 * `remoteParty` is the far end the app talks to (the caller of an inbound call, the callee of an
 * outbound one): recognize listens to it by default.
 */
import { rawIdOf, textFromRawId, type IdentifierModel } from "./identifiers";

export interface CallInfo {
  callConnectionId?: string;
  serverCallId?: string;
  correlationId?: string;
  from?: string;
  to?: string;
  remoteParty?: string;
  direction?: "inbound" | "outbound" | "connect";
  incomingCallContext?: string;
  callerDisplayName?: string;
  sipHeaders?: Record<string, string>;
  voipHeaders?: Record<string, string>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The call on a message, or an empty one. */
export function callOf(msg: Record<string, unknown>): CallInfo {
  return isObject(msg.call) ? (msg.call as CallInfo) : {};
}

/** The SDK's CallConnectionProperties (answer/create/connect results) as call fields. */
export function callFromProperties(props: unknown): CallInfo {
  if (!isObject(props)) return {};
  const id = (v: unknown) => {
    const raw = rawIdOf(v as IdentifierModel);
    return raw ? textFromRawId(raw) : undefined;
  };
  const targets = Array.isArray(props.targetParticipants) ? props.targetParticipants.map(id).filter((x): x is string => !!x) : [];
  const out: CallInfo = {};
  if (typeof props.callConnectionId === "string") out.callConnectionId = props.callConnectionId;
  if (typeof props.serverCallId === "string") out.serverCallId = props.serverCallId;
  if (typeof props.correlationId === "string") out.correlationId = props.correlationId;
  const source = id(props.sourceCallerIdNumber) ?? id(props.source);
  if (source) out.from = source;
  if (targets.length) out.to = targets.join(",");
  return out;
}

/** Merge fields into a message's call without losing what earlier nodes put there. */
export function withCall(msg: Record<string, unknown>, fields: CallInfo): CallInfo {
  const merged: CallInfo = { ...callOf(msg) };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  msg.call = merged;
  return merged;
}
