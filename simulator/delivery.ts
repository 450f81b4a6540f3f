/**
 * Delivery of events to the application, the way ACS and Event Grid do it:
 * - Call Automation callbacks: a POST of a one-element JSON array of CloudEvents 1.0 to the
 *   callback URI exactly as given (query string kept), with `Authorization: Bearer <RS256 JWT>`.
 *   Events of one call connection are delivered in order, one after another.
 * - Event Grid: each subscription is validated with the SubscriptionValidation handshake before it
 *   receives anything; then each event is POSTed as a one-element array in the Event Grid schema.
 * Both retry a failed delivery (non-2xx, network error or time-out) a few times, then give up.
 */
import { randomUUID } from "node:crypto";
import type { SimClock } from "./clock";
import type { SimulatorKeys } from "./keys";

export interface CloudEvent {
  id: string;
  source: string;
  type: string;
  data: Record<string, unknown>;
  time: string;
  specversion: "1.0";
  datacontenttype: "application/json";
  subject: string;
}

export interface EventGridEvent {
  id: string;
  topic: string;
  subject: string;
  data: Record<string, unknown>;
  eventType: string;
  dataVersion: string;
  metadataVersion: "1";
  eventTime: string;
}

export interface DeliveryRecord {
  at: string;
  url: string;
  eventType: string;
  eventId: string;
  attempts: number;
  delivered: boolean;
  status?: number;
  error?: string;
}

export interface DeliverySettings {
  clock: SimClock;
  keys: SimulatorKeys;
  /** JWT issuer: the simulator's own base URL. */
  issuer: () => string;
  /** JWT audience: the simulated ACS resource id. */
  audience: string;
  /** Simulated delays before each retry; its length + 1 is the number of attempts. */
  retryDelaysMs: number[];
  /** Real-time limit for one HTTP attempt. */
  requestTimeoutMs: number;
  /** A delivery fault set through the control API for the next callback of this type, if any. */
  takeFault?(eventType: string): DeliveryFault | undefined;
}

/**
 * How a callback is mistreated on its way, as real networks and ACS's at-least-once delivery may:
 * "late" holds it back until the next event of its call connection has been delivered (out of
 * order), "twice" delivers it a second time (the same CloudEvent id).
 */
export type DeliveryFault = "late" | "twice";

/** A late event with nothing after it goes out after this much simulated time. */
const LATE_LIMIT_MS = 1000;

const MAX_RECORDS = 500;

/** Strip credentials and query strings from a URL before it is shown anywhere. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return "(invalid url)";
  }
}

type Attempt = { ok: true; status: number } | { ok: false; status?: number; error: string };

export class Deliveries {
  private readonly queues = new Map<string, Promise<void>>();
  /** Callbacks held back by a "late" fault, by order key. */
  private readonly held = new Map<string, Array<{ url: string; event: CloudEvent }>>();
  readonly records: DeliveryRecord[] = [];
  private stopped = false;

  constructor(private readonly settings: DeliverySettings) {}

  stop(): void {
    this.stopped = true;
  }

  /** Queue a callback event for `url`, in order behind earlier events with the same `orderKey`. */
  sendCallback(orderKey: string, url: string, event: CloudEvent): Promise<boolean> {
    const fault = this.settings.takeFault?.(event.type);
    if (fault === "late") {
      const held = this.held.get(orderKey) ?? [];
      held.push({ url, event });
      this.held.set(orderKey, held);
      this.settings.clock.after(LATE_LIMIT_MS, () => this.releaseHeld(orderKey));
      return Promise.resolve(true);
    }
    return this.enqueue(orderKey, url, event, fault === "twice" ? 2 : 1);
  }

  /** Send what a "late" fault held back for `orderKey`, behind whatever is queued now. */
  private releaseHeld(orderKey: string): void {
    const held = this.held.get(orderKey);
    if (!held) return;
    this.held.delete(orderKey);
    for (const { url, event } of held) void this.enqueue(orderKey, url, event, 1);
  }

  private enqueue(orderKey: string, url: string, event: CloudEvent, times: number): Promise<boolean> {
    const previous = this.queues.get(orderKey) ?? Promise.resolve();
    let result!: Promise<boolean>;
    const next = previous.then(async () => {
      for (let i = 0; i < times; i++) {
        result = this.deliver(url, event.type, event.id, async () => {
          const token = await this.settings.keys.signCallbackToken(this.settings.issuer(), this.settings.audience);
          return {
            headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
            body: JSON.stringify([event]),
          };
        });
        await result;
      }
      this.releaseHeld(orderKey);
    });
    this.queues.set(orderKey, next);
    void next.then(() => {
      if (this.queues.get(orderKey) === next) this.queues.delete(orderKey);
    });
    return next.then(() => result);
  }

  /** Deliver one Event Grid event to one subscriber URL. */
  sendEventGrid(url: string, subscriptionName: string, event: EventGridEvent): Promise<boolean> {
    let attempt = 0;
    return this.deliver(url, event.eventType, event.id, async () => {
      attempt += 1;
      return {
        headers: {
          "content-type": "application/json; charset=utf-8",
          "aeg-event-type": "Notification",
          "aeg-subscription-name": subscriptionName,
          "aeg-delivery-count": String(attempt - 1),
          "aeg-metadata-version": "1",
          "aeg-data-version": event.dataVersion,
        },
        body: JSON.stringify([event]),
      };
    });
  }

  /** The Event Grid SubscriptionValidation handshake; resolves true when the endpoint echoed the code. */
  async validateSubscription(url: string, topic: string, subscriptionName: string): Promise<{ ok: boolean; reason?: string }> {
    const validationCode = randomUUID();
    const body = JSON.stringify([
      {
        id: randomUUID(),
        topic,
        subject: "",
        data: { validationCode, validationUrl: `${this.settings.issuer()}/eventgrid/validate?code=${validationCode}` },
        eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
        eventTime: new Date().toISOString(),
        metadataVersion: "1",
        dataVersion: "1",
      },
    ]);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "aeg-event-type": "SubscriptionValidation",
          "aeg-subscription-name": subscriptionName,
          "aeg-delivery-count": "0",
          "aeg-metadata-version": "1",
          "aeg-data-version": "1",
        },
        body,
        signal: AbortSignal.timeout(this.settings.requestTimeoutMs),
      });
      const text = await res.text();
      if (res.status !== 200) return { ok: false, reason: `the endpoint answered ${res.status}, not 200` };
      let answer: unknown;
      try {
        answer = JSON.parse(text);
      } catch {
        return { ok: false, reason: "the endpoint's answer is not JSON" };
      }
      const echoed = (answer as { validationResponse?: unknown })?.validationResponse;
      if (echoed !== validationCode) return { ok: false, reason: "the endpoint did not echo the validationCode" };
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: `the endpoint could not be reached (${(err as Error).name})` };
    }
  }

  private async deliver(
    url: string,
    eventType: string,
    eventId: string,
    build: () => Promise<{ headers: Record<string, string>; body: string }>,
  ): Promise<boolean> {
    const record: DeliveryRecord = {
      at: new Date().toISOString(),
      url: redactUrl(url),
      eventType,
      eventId,
      attempts: 0,
      delivered: false,
    };
    this.remember(record);
    const maxAttempts = this.settings.retryDelaysMs.length + 1;
    while (!this.stopped && record.attempts < maxAttempts) {
      if (record.attempts > 0) await this.settings.clock.sleep(this.settings.retryDelaysMs[record.attempts - 1]);
      if (this.stopped) break;
      record.attempts += 1;
      const { headers, body } = await build();
      const outcome = await this.post(url, headers, body);
      record.status = outcome.status;
      if (outcome.ok) {
        record.delivered = true;
        delete record.error;
        return true;
      }
      record.error = outcome.error;
    }
    return false;
  }

  private async post(url: string, headers: Record<string, string>, body: string): Promise<Attempt> {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(this.settings.requestTimeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status <= 204) return { ok: true, status: res.status };
      return { ok: false, status: res.status, error: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, error: (err as Error).name === "TimeoutError" ? "timeout" : "network error" };
    }
  }

  private remember(record: DeliveryRecord): void {
    this.records.push(record);
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
  }
}
