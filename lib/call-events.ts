/**
 * Reading the CloudEvents that ACS posts to a callback URL. Each event is parsed by the SDK's own
 * `parseCallAutomationEvent` (so flows see exactly the SDK's shapes), and the fields the router
 * needs are lifted out. Bad input is a verdict, never an exception.
 */
import { parseCallAutomationEvent } from "@azure/communication-call-automation";
import type { RoutableEvent } from "./event-router";

const PREFIX = "Microsoft.Communication.";
/** How the SDK's parser says it does not know an event type. */
const UNKNOWN_TYPE = /unknown call automation event type/i;

/** One callback event, as nodes and the router see it. */
export interface CallEvent extends RoutableEvent {
  /** Short type, e.g. "PlayCompleted". */
  type: string;
  /** When ACS says the event happened (ISO 8601), if it said. */
  time?: string;
  serverCallId?: string;
  correlationId?: string;
  /** The event's data as the SDK parses it (with `kind`). */
  data: Record<string, unknown>;
}

export type CallbackBody = { kind: "events"; events: CallEvent[] } | { kind: "invalid"; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

export function shortType(type: string): string {
  return type.startsWith(PREFIX) ? type.slice(PREFIX.length) : type;
}

/** Classify a callback request body (already parsed from JSON): a CloudEvent or an array of them. */
export function readCallbackBody(body: unknown): CallbackBody {
  const items = Array.isArray(body) ? body : isObject(body) ? [body] : undefined;
  if (!items || items.length === 0) return { kind: "invalid", reason: "body must be a CloudEvent or a non-empty array of them" };
  if (items.length > 1000) return { kind: "invalid", reason: "too many events in one request" };
  const events: CallEvent[] = [];
  for (const item of items) {
    if (!isObject(item)) return { kind: "invalid", reason: "every event must be a JSON object" };
    const id = str(item.id);
    const type = str(item.type);
    if (!id || !type || !isObject(item.data)) return { kind: "invalid", reason: "every event needs an id, a type and data" };
    const raw = item.data;
    let parsed: Record<string, unknown>;
    try {
      parsed = parseCallAutomationEvent(item) as unknown as Record<string, unknown>;
    } catch (err) {
      // SDK 1.6.0 throws on types it does not know (Teams recording events, newer events):
      // ACS still sends them, so they keep their data as sent and still reach event-in nodes.
      if (!UNKNOWN_TYPE.test((err as Error)?.message ?? "")) return { kind: "invalid", reason: "an event could not be parsed" };
      parsed = { ...raw, kind: shortType(type) };
    }
    events.push({
      id,
      type: shortType(type),
      time: str(item.time),
      callConnectionId: str(raw.callConnectionId),
      serverCallId: str(raw.serverCallId),
      correlationId: str(raw.correlationId),
      operationContext: str(raw.operationContext),
      data: { ...parsed },
    });
  }
  return { kind: "events", events };
}

/** What a flow gets in `msg.event`: the type, id and time beside the SDK-parsed data. */
export function eventForMessage(event: CallEvent): Record<string, unknown> {
  return { type: event.type, id: event.id, ...(event.time ? { time: event.time } : {}), ...event.data };
}

export interface ResultInformation {
  code?: number;
  subCode?: number;
  message?: string;
}

export function resultInformationOf(event: CallEvent | undefined): ResultInformation {
  const info = event?.data.resultInformation;
  return isObject(info) ? (info as ResultInformation) : {};
}
