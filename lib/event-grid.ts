/**
 * Reading what Event Grid POSTs to a webhook: the SubscriptionValidation handshake (answer 200
 * with the validation code), and notifications in the Event Grid schema (an array) or the
 * CloudEvents schema (one object or an array). Bad input is a verdict, never an exception.
 */

export interface EventGridNotification {
  id: string;
  /** Full event type, e.g. "Microsoft.Communication.IncomingCall". */
  eventType: string;
  subject: string;
  data: Record<string, unknown>;
  eventTime?: string;
}

export type EventGridRequest =
  | { kind: "validation"; validationCode: string }
  | { kind: "events"; events: EventGridNotification[] }
  | { kind: "invalid"; reason: string };

const VALIDATION_EVENT = "Microsoft.EventGrid.SubscriptionValidationEvent";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Classify an Event Grid delivery body (already parsed from JSON). */
export function readEventGridRequest(body: unknown): EventGridRequest {
  const items = Array.isArray(body) ? body : isObject(body) ? [body] : undefined;
  if (!items || items.length === 0) return { kind: "invalid", reason: "body must be a non-empty JSON array of events" };
  const events: EventGridNotification[] = [];
  for (const item of items) {
    if (!isObject(item)) return { kind: "invalid", reason: "every event must be a JSON object" };
    // Event Grid schema uses eventType/eventTime; CloudEvents uses type/time.
    const eventType = typeof item.eventType === "string" ? item.eventType : typeof item.type === "string" ? item.type : undefined;
    if (!eventType) return { kind: "invalid", reason: "an event has no eventType" };
    if (eventType === VALIDATION_EVENT) {
      const code = isObject(item.data) ? item.data.validationCode : undefined;
      if (typeof code !== "string" || code === "") return { kind: "invalid", reason: "validation event without validationCode" };
      return { kind: "validation", validationCode: code };
    }
    if (typeof item.id !== "string" || !isObject(item.data)) return { kind: "invalid", reason: "an event has no id or data" };
    events.push({
      id: item.id,
      eventType,
      subject: typeof item.subject === "string" ? item.subject : "",
      data: item.data,
      eventTime: typeof item.eventTime === "string" ? item.eventTime : typeof item.time === "string" ? item.time : undefined,
    });
  }
  return { kind: "events", events };
}

/** The answer to a validation request (status 200). */
export function validationResponse(validationCode: string): { validationResponse: string } {
  return { validationResponse: validationCode };
}
