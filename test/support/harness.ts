/**
 * Test harness: a simulator, the real SDK client pointed at it, a callback receiver that verifies
 * each delivery's JWT against the simulator's published keys and parses each event with the
 * SDK's own `parseCallAutomationEvent`, an Event Grid receiver that answers the validation
 * handshake, and a small client for the control API.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CallAutomationClient, parseCallAutomationEvent, type CallAutomationEvent } from "@azure/communication-call-automation";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { simulatorClientOptions } from "../../lib/simulator-client";
import { AcsSimulator, startSimulator, type SimulatorOptions } from "../../simulator";

export interface ReceivedCallback {
  /** The raw CloudEvent as delivered. */
  raw: Record<string, unknown>;
  /** The SDK's parse of it. */
  event: CallAutomationEvent;
  type: string;
  url: string;
  authorization?: string;
  contentType?: string;
}

export interface ReceivedEventGrid {
  raw: Record<string, unknown>;
  eventType: string;
  data: Record<string, unknown>;
  headers: IncomingMessage["headers"];
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; base: string }> {
  return new Promise((resolve) => {
    const server = createServer(handler);
    server.listen(0, "127.0.0.1", () => {
      resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    });
  });
}

/** Wait until `check` returns a value, or fail after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Harness {
  readonly callbacks: ReceivedCallback[] = [];
  readonly rejectedCallbacks: Array<{ reason: string }> = [];
  readonly eventGrid: ReceivedEventGrid[] = [];
  /** Callback requests to answer with an error status before accepting (tests retries). */
  failNextCallbacks = 0;
  failNextEventGrid = 0;

  private constructor(
    readonly sim: AcsSimulator,
    readonly client: CallAutomationClient,
    private readonly callbackServer: Server,
    readonly callbackBase: string,
    private readonly eventGridServer: Server,
    readonly eventGridUrl: string,
  ) {}

  static async start(options: SimulatorOptions = {}, subscribe = true): Promise<Harness> {
    const sim = await startSimulator({ speed: 20, deliveryRetryDelaysMs: [100, 100, 100], ...options });
    const jwks = createRemoteJWKSet(new URL(`${sim.issuer}/calling/keys`));
    let harness!: Harness;
    const callbacks = await listen((req, res) => {
      void (async () => {
        const body = await readAll(req);
        if (harness.failNextCallbacks > 0) {
          harness.failNextCallbacks -= 1;
          res.writeHead(503).end();
          return;
        }
        const authorization = req.headers.authorization;
        try {
          await jwtVerify((authorization ?? "").replace(/^Bearer /, ""), jwks, {
            issuer: sim.issuer,
            audience: sim.resourceId,
            algorithms: ["RS256"],
          });
        } catch (err) {
          harness.rejectedCallbacks.push({ reason: (err as Error).message });
          res.writeHead(401).end();
          return;
        }
        const events = JSON.parse(body) as Array<Record<string, unknown>>;
        for (const raw of events) {
          harness.callbacks.push({
            raw,
            event: parseCallAutomationEvent(JSON.stringify([raw])),
            type: String(raw.type).replace("Microsoft.Communication.", ""),
            url: req.url ?? "",
            authorization,
            contentType: req.headers["content-type"],
          });
        }
        res.writeHead(200).end();
      })();
    });
    const eventGrid = await listen((req, res) => {
      void (async () => {
        const events = JSON.parse(await readAll(req)) as Array<Record<string, unknown>>;
        if (req.headers["aeg-event-type"] === "SubscriptionValidation") {
          const code = (events[0].data as { validationCode: string }).validationCode;
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ validationResponse: code }));
          return;
        }
        if (harness.failNextEventGrid > 0) {
          harness.failNextEventGrid -= 1;
          res.writeHead(500).end();
          return;
        }
        for (const raw of events) {
          harness.eventGrid.push({ raw, eventType: String(raw.eventType), data: raw.data as Record<string, unknown>, headers: req.headers });
        }
        res.writeHead(200).end();
      })();
    });
    const client = new CallAutomationClient(sim.connectionString, {
      ...simulatorClientOptions(sim.endpoint),
      retryOptions: { maxRetries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
    });
    harness = new Harness(sim, client, callbacks.server, callbacks.base, eventGrid.server, `${eventGrid.base}/eventgrid`);
    if (subscribe) await harness.control("POST", "/subscriptions", { url: harness.eventGridUrl });
    return harness;
  }

  async stop(): Promise<void> {
    await this.sim.stop();
    await Promise.all([this.callbackServer, this.eventGridServer].map((s) => new Promise((r) => {
      s.close(r);
      s.closeAllConnections();
    })));
  }

  /** A callback URL with a query string (which must come back verbatim). */
  callbackUrl(tag = "main"): string {
    return `${this.callbackBase}/callbacks/${tag}?token=secret-${tag}`;
  }

  /** Call the control API; resolves to status and parsed body. */
  async control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.sim.controlBase}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Callback events of one call connection, in arrival order. */
  eventsOf(callConnectionId: string): ReceivedCallback[] {
    return this.callbacks.filter((c) => (c.raw.data as { callConnectionId?: string }).callConnectionId === callConnectionId);
  }

  waitForCallback(callConnectionId: string, type: string, timeoutMs = 5000, nth = 1): Promise<ReceivedCallback> {
    return waitFor(() => this.eventsOf(callConnectionId).filter((c) => c.type === type)[nth - 1], `${type} for ${callConnectionId}`, timeoutMs);
  }

  waitForEventGrid(predicate: (e: ReceivedEventGrid) => boolean, what: string, timeoutMs = 5000): Promise<ReceivedEventGrid> {
    return waitFor(() => this.eventGrid.find(predicate), what, timeoutMs);
  }

  /** Dial in from `from` to `to`, wait for IncomingCall, answer it. Returns the leg id and connection. */
  async dialInAndAnswer(from = "+14255550100", to = "+18005550100", answerOptions: Record<string, unknown> = {}) {
    const leg = await this.control<{ id: string; serverCallId: string }>("POST", "/calls", { from, to });
    const incoming = await this.waitForEventGrid(
      (e) => e.eventType === "Microsoft.Communication.IncomingCall" && e.data.serverCallId === leg.body.serverCallId,
      "IncomingCall",
    );
    const answered = await this.client.answerCall(String(incoming.data.incomingCallContext), this.callbackUrl(), {
      callIntelligenceOptions: { cognitiveServicesEndpoint: "https://cognitive.example.invalid/" },
      ...answerOptions,
    });
    const id = answered.callConnectionProperties.callConnectionId as string;
    await this.waitForCallback(id, "CallConnected");
    return { legId: leg.body.id, callConnectionId: id, connection: answered.callConnection, incoming, answered };
  }

  /** Poll an async condition. */
  async waitFor(check: () => Promise<boolean>, what = "condition", timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await sleep(10);
    }
  }

  async leg(id: string): Promise<LegView> {
    return (await this.control<LegView>("GET", `/calls/${id}`)).body;
  }
}

/** A far-end call as `GET /calls` and the other control endpoints summarise it. */
export interface LegSummary {
  id: string;
  direction: string;
  from: string;
  to: string;
  state: string;
  endReason?: string;
  serverCallId: string;
  correlationId?: string;
  callConnectionIds: string[];
}

export type EventData = Record<string, unknown>;
export type ResultInfo = { code?: number; subCode?: number; message?: string };
export type ParticipantModel = { identifier: { kind?: string; rawId?: string }; isMuted?: boolean; isOnHold?: boolean };

/** The data of a delivered callback event, as sent. */
export const dataOf = (cb: ReceivedCallback): EventData => cb.raw.data as EventData;
/** Its resultInformation. */
export const resultOf = (cb: ReceivedCallback): ResultInfo => dataOf(cb).resultInformation as ResultInfo;
/** The participants of a ParticipantsUpdated event. */
export const participantsOf = (cb: ReceivedCallback): ParticipantModel[] => (dataOf(cb).participants as ParticipantModel[]) ?? [];
/** Their raw ids. */
export const rawIdsOf = (cb: ReceivedCallback): string[] => participantsOf(cb).map((p) => p.identifier.rawId ?? "");

export interface LegView {
  id: string;
  state: string;
  endReason?: string;
  direction: string;
  from: string;
  to: string;
  heard: Array<{ kind: string; content: string; via: string; voiceName?: string; locale?: string }>;
  tonesReceived: string[];
  participants: string[];
  isMuted: boolean;
  isOnHold: boolean;
  customContext?: { sipHeaders?: Record<string, string>; voipHeaders?: Record<string, string> };
  events: Array<{ type: string; data: Record<string, unknown> }>;
  timeline: Array<{ what: string; detail?: Record<string, unknown> }>;
  callConnectionIds: string[];
  serverCallId: string;
  media: Array<{ callConnectionId: string; operations: Array<{ kind: string; phase: string; operationContext?: string }> }>;
}

/**
 * A fresh simulator (Harness) for each test of the calling `describe`: the next one starts (key
 * generation included) while the current test runs. `current` is this test's; `restart(options)`
 * stops it and starts one with other options over `base`, which the test then uses.
 */
export function harnessPerTest(base: SimulatorOptions): { readonly current: Harness; restart(options: SimulatorOptions): Promise<Harness> } {
  let current: Harness | undefined;
  let next: Promise<Harness> | undefined;
  beforeEach(async () => {
    current = await (next ?? Harness.start(base));
    next = Harness.start(base);
  });
  afterEach(async () => {
    await current?.stop();
  });
  after(async () => {
    await (await next)?.stop();
  });
  return {
    get current(): Harness {
      if (!current) throw new Error("no harness outside a test");
      return current;
    },
    async restart(options: SimulatorOptions): Promise<Harness> {
      await current?.stop();
      current = await Harness.start({ ...base, ...options });
      return current;
    },
  };
}
