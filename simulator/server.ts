/**
 * The simulator as an HTTP server. One port serves:
 * - the Call Automation REST API under `/calling/...` (HMAC or bearer authentication,
 *   Repeatability-Request-ID, fault injection for tests);
 * - ACS's OpenID configuration and signing keys (`/calling/.well-known/acsopenidconfiguration`,
 *   `/calling/keys`);
 * - recording storage (`/v1/objects/...`, reached through `*.asm.skype.com` URLs);
 * - an Entra-style token endpoint (`/{tenant}/oauth2/v2.0/token`) for bearer authentication;
 * - the control API under `/simulator` (also mountable elsewhere through `handleControl`), with
 *   the phone page (`/simulator/phone`) that plays the far end of calls in a browser.
 * It speaks plain http on loopback by default, or https with a key and certificate (`tls`): then
 * every URL it gives out (endpoint, callback JWT issuer, JWKS, token endpoint) is https, and the
 * SDK and @azure/identity reach it with bearer tokens exactly as they reach Azure.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { modelFromRawId, rawIdFromText } from "../lib/identifiers";
import { SimClock } from "./clock";
import { createControlRouter, type FaultRule } from "./control-api";
import { Deliveries, type EventGridEvent } from "./delivery";
import { CallEngine, type IncomingOffer } from "./engine";
import { AcsError } from "./errors";
import { verifyHmacRequest } from "./hmac";
import { parseJsonObject, readBody, sendError, sendJson, splitUrl } from "./http";
import { SimulatorKeys } from "./keys";
import { RESULTS, type ResultInformation } from "./media";
import { servePhoneAsset } from "./phone-assets";
import { RecordingStore, SIMULATOR_STORAGE_HOST } from "./recordings";
import { createRestRouter, type RestReply } from "./rest-api";

export interface EntraClient {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

/** A TLS server key and certificate chain, PEM. */
export interface SimulatorTls {
  key: string | Buffer;
  cert: string | Buffer;
}

/** How the REST API and the token endpoint authenticated their callers so far (no secrets). */
export interface AuthenticationCounts {
  /** Access tokens the token endpoint issued (client-credentials grants). */
  tokensIssued: number;
  /** Token requests refused (unknown client, wrong secret, unsupported grant). */
  tokenRequestsRefused: number;
  /** REST requests accepted on a bearer token this simulator issued. */
  bearerRequests: number;
  /** REST requests accepted on an HMAC signature (access key). */
  hmacRequests: number;
  /** REST requests refused as unauthenticated (401). */
  requestsRefused: number;
}

export interface SimulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Serve https with this key and certificate instead of plain http. */
  tls?: SimulatorTls;
  /** Base64 access key of the simulated resource (default: random). */
  accessKey?: string;
  /** Simulated time runs this many times faster than real time (default 1). */
  speed?: number;
  /** Immutable resource id of the simulated ACS resource: the audience of callback JWTs. */
  resourceId?: string;
  /** Phone numbers the simulated resource owns (caller ids; redirect targets that ring as IncomingCall). */
  ownedNumbers?: string[];
  /** How long an unanswered call rings, in simulated seconds (default 30). */
  ringTimeoutSeconds?: number;
  /** How long an audio file prompt plays, in simulated milliseconds (default 3000). */
  fileDurationMs?: number;
  /** Simulated delays before each delivery retry (default [1000, 2000, 4000]: four attempts). */
  deliveryRetryDelaysMs?: number[];
  /** Real-time limit for one delivery attempt (default 5000 ms). */
  deliveryTimeoutMs?: number;
  /** Download play-source files and fail the play (8536/8535) when they cannot be fetched or are not audio. */
  validateMediaUrls?: boolean;
  /** Refuse text-to-speech and speech recognition on calls without a Cognitive Services endpoint, as ACS does (default true). */
  requireCognitiveServices?: boolean;
  /** Participants per page of listParticipants (default 100). */
  participantsPageSize?: number;
  /** Ended calls kept for the control API (default 500). */
  retainEnded?: number;
  /** Simulated delay from a recording's stop to its file-ready event (default 1000). */
  fileReadyDelayMs?: number;
  /** Applications allowed to get bearer tokens from the token endpoint (default: one random client). */
  entraClients?: EntraClient[];
  /** Largest request body accepted (default 1 MiB). */
  maxBodyBytes?: number;
  /** Most `GET /simulator/changes` long-polls waiting at once (default 100); more get 503. */
  maxWatchers?: number;
}

const DEFAULT_OWNED_NUMBER = "+18005550100";
const REPEATABILITY_TTL_MS = 10 * 60 * 1000;
const REPEATABILITY_MAX = 20000;
const ACCESS_TOKEN_SECONDS = 3600;

export class AcsSimulator {
  readonly clock: SimClock;
  readonly engine: CallEngine;
  readonly recordings: RecordingStore;
  readonly resourceId: string;
  readonly entraClients: EntraClient[];
  readonly ownedNumbers: string[];
  private readonly accessKey: Buffer;
  private readonly deliveries: Deliveries;
  private readonly restRouter;
  private readonly controlRouter;
  private readonly subs = new Map<string, { id: string; url: string; eventTypes?: string[] }>();
  private readonly repeats = new Map<string, { expires: number; reply: Promise<RestReply> }>();
  private readonly faults: FaultRule[] = [];
  private faultIds = 0;
  private server?: Server;
  private baseUrl = "";
  private readonly authCounts: AuthenticationCounts = { tokensIssued: 0, tokenRequestsRefused: 0, bearerRequests: 0, hmacRequests: 0, requestsRefused: 0 };
  private readonly maxBodyBytes: number;

  private constructor(
    private readonly options: SimulatorOptions,
    private readonly keys: SimulatorKeys,
  ) {
    this.clock = new SimClock(options.speed ?? 1);
    this.accessKey = Buffer.from(options.accessKey ?? randomBytes(32).toString("base64"), "base64");
    if (this.accessKey.length === 0) throw new Error("accessKey must be base64");
    this.resourceId = options.resourceId ?? randomUUID();
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.entraClients = options.entraClients ?? [
      { tenantId: randomUUID(), clientId: randomUUID(), clientSecret: randomBytes(24).toString("base64url") },
    ];
    this.ownedNumbers = (options.ownedNumbers ?? [DEFAULT_OWNED_NUMBER]).map((n) => {
      const rawId = rawIdFromText(n);
      if (!rawId || !rawId.startsWith("4:")) throw new Error(`ownedNumbers: ${n} is not an E.164 number`);
      return rawId.slice(2);
    });
    const ownedRawIds = new Set(this.ownedNumbers.map((n) => `4:${n}`));

    this.deliveries = new Deliveries({
      clock: this.clock,
      keys,
      issuer: () => this.baseUrl,
      audience: this.resourceId,
      retryDelaysMs: options.deliveryRetryDelaysMs ?? [1000, 2000, 4000],
      requestTimeoutMs: options.deliveryTimeoutMs ?? 5000,
      takeFault: (eventType) => this.takeDeliveryFault(eventType),
    });
    this.recordings = new RecordingStore({
      clock: this.clock,
      fileReadyDelayMs: options.fileReadyDelayMs ?? 1000,
      sendCallback: (key, url, event) => void this.deliveries.sendCallback(key, url, event),
      publishFileReady: (subject, data) => this.publish("Microsoft.Communication.RecordingFileStatusUpdated", subject, data),
      rememberEvent: (call, event) => this.engine.rememberEvent(call, event),
      takeStartFault: () => this.takeFault("POST", "/calling/recordings", "event"),
    });
    this.engine = new CallEngine({
      clock: this.clock,
      fileDurationMs: options.fileDurationMs ?? 3000,
      ringTimeoutMs: (options.ringTimeoutSeconds ?? 30) * 1000,
      ownedNumbers: ownedRawIds,
      retainEnded: options.retainEnded ?? 500,
      sendCallback: (key, url, event) => void this.deliveries.sendCallback(key, url, event),
      publishIncomingCall: (offer) => this.publishIncomingCall(offer),
      signContext: (claims) => keys.signContext(claims),
      checkFile: options.validateMediaUrls ? (url) => checkAudioFile(url) : undefined,
      onCallEnded: (call) => this.recordings.callEnded(call),
      maxWatchers: options.maxWatchers,
    });
    this.restRouter = createRestRouter(this.engine, this.recordings, {
      ownedNumbers: ownedRawIds,
      requireCognitiveServices: options.requireCognitiveServices ?? true,
      participantsPageSize: options.participantsPageSize ?? 100,
      verifyContext: (token) => keys.verifyContext(token),
    });
    this.controlRouter = createControlRouter({
      engine: this.engine,
      info: () => this.info(),
      subscribe: (url, eventTypes) => this.subscribe(url, eventTypes),
      subscriptions: () => [...this.subs.values()],
      unsubscribe: (id) => this.unsubscribe(id),
      deliveries: () => this.deliveries.records,
      faults: this.faults,
      nextFaultId: () => ++this.faultIds,
    });
  }

  /** Create a simulator and start its HTTP server. */
  static async start(options: SimulatorOptions = {}): Promise<AcsSimulator> {
    const sim = new AcsSimulator(options, await SimulatorKeys.create());
    await sim.listen(options.port ?? 0, options.host ?? "127.0.0.1");
    return sim;
  }

  private listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const listener = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
      const tls = this.options.tls;
      const server: Server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, listener) : createServer(listener);
      server.keepAliveTimeout = 5000;
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        const address = server.address() as AddressInfo;
        const shownHost = host.includes(":") ? `[${host}]` : host;
        this.baseUrl = `${tls ? "https" : "http"}://${shownHost}:${address.port}`;
        this.server = server;
        resolve();
      });
    });
  }

  /** Stop the server and every timer. Pending deliveries are dropped. */
  async stop(): Promise<void> {
    this.deliveries.stop();
    this.engine.shutdown();
    this.clock.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  get port(): number {
    return Number(new URL(this.baseUrl).port);
  }
  /** The REST endpoint for the SDK (with the trailing slash of an ACS endpoint). */
  get endpoint(): string {
    return `${this.baseUrl}/`;
  }
  /** The issuer of callback tokens, and the base of the OpenID configuration. */
  get issuer(): string {
    return this.baseUrl;
  }
  get connectionString(): string {
    return `endpoint=${this.endpoint};accesskey=${this.accessKey.toString("base64")}`;
  }
  get controlBase(): string {
    return `${this.baseUrl}/simulator`;
  }
  get openIdConfigurationUrl(): string {
    return `${this.baseUrl}/calling/.well-known/acsopenidconfiguration`;
  }
  /** The authority host to give an Entra credential (tokens from `/{tenant}/oauth2/v2.0/token`). */
  get authorityHost(): string {
    return this.baseUrl;
  }

  /** Whether the simulator serves https (with the key and certificate it was given). */
  get tls(): boolean {
    return this.baseUrl.startsWith("https:");
  }

  /** How callers authenticated so far: token grants and refusals, bearer and HMAC requests. */
  get authentication(): AuthenticationCounts {
    return { ...this.authCounts };
  }

  /** What the control API's root shows: everything but secrets. */
  info(): Record<string, unknown> {
    return {
      endpoint: this.endpoint,
      authorityHost: this.authorityHost,
      authentication: this.authentication,
      controlBase: this.controlBase,
      issuer: this.issuer,
      openIdConfiguration: this.openIdConfigurationUrl,
      resourceId: this.resourceId,
      speed: this.clock.speed,
      ownedNumbers: this.ownedNumbers,
      recordingStorageHost: SIMULATOR_STORAGE_HOST,
      watching: this.engine.changes.watching,
    };
  }

  // ---------------------------------------------------------------- Event Grid

  async subscribe(url: string, eventTypes?: string[]): Promise<{ id: string; url: string; eventTypes?: string[] }> {
    const id = randomUUID();
    const verdict = await this.deliveries.validateSubscription(url, this.topic, id);
    if (!verdict.ok) throw new AcsError(400, "SubscriptionValidationFailed", `Webhook validation handshake failed: ${verdict.reason}.`);
    const sub = { id, url, ...(eventTypes ? { eventTypes } : {}) };
    this.subs.set(id, sub);
    return sub;
  }

  /** Remove an Event Grid subscription; false when there was none with that id. */
  unsubscribe(id: string): boolean {
    return this.subs.delete(id);
  }

  private get topic(): string {
    return `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/acs-simulator/providers/microsoft.communication/communicationservices/acs-simulator`;
  }

  private publish(eventType: string, subject: string, data: Record<string, unknown>): void {
    for (const sub of this.subs.values()) {
      if (sub.eventTypes && !sub.eventTypes.includes(eventType)) continue;
      const event: EventGridEvent = {
        id: randomUUID(),
        topic: this.topic,
        subject,
        data,
        eventType,
        dataVersion: "1.0",
        metadataVersion: "1",
        eventTime: new Date().toISOString(),
      };
      void this.deliveries.sendEventGrid(sub.url, sub.id, event);
    }
  }

  private publishIncomingCall(offer: IncomingOffer): void {
    const leg = offer.leg;
    const custom = leg.customContext ?? {};
    this.publish("Microsoft.Communication.IncomingCall", `/caller/${offer.from}/recipient/${offer.to}`, {
      to: modelFromRawId(offer.to),
      from: modelFromRawId(offer.from),
      serverCallId: offer.call.serverCallId,
      callerDisplayName: "",
      incomingCallContext: offer.context,
      correlationId: offer.call.correlationId,
      customContext: { sipHeaders: custom.sipHeaders ?? {}, voipHeaders: custom.voipHeaders ?? {} },
      ...(offer.onBehalfOf ? { onBehalfOfCallee: modelFromRawId(offer.onBehalfOf) } : {}),
    });
  }

  // ---------------------------------------------------------------- HTTP

  /** The standalone request listener. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const { path } = splitUrl(req.url);
      if (path === "/simulator" || path.startsWith("/simulator/")) {
        req.url = (req.url ?? "/").slice("/simulator".length) || "/";
        await this.handleControl(req, res);
      } else if (path === "/calling/.well-known/acsopenidconfiguration" && req.method === "GET") {
        sendJson(res, 200, {
          issuer: this.issuer,
          jwks_uri: `${this.baseUrl}/calling/keys`,
          id_token_signing_alg_values_supported: ["RS256"],
          response_types_supported: ["id_token"],
          subject_types_supported: ["public"],
        });
      } else if (path === "/calling/keys" && req.method === "GET") {
        sendJson(res, 200, this.keys.jwks());
      } else if (path.startsWith("/calling/")) {
        await this.handleRest(req, res);
      } else if (path.startsWith("/v1/objects/")) {
        await this.handleStorage(req, res).catch((err: unknown) => sendStorageError(res, err));
      } else if (/^\/[^/]+\/(oauth2\/v2\.0\/token|v2\.0\/\.well-known\/openid-configuration)$/.test(path)) {
        await this.handleEntra(req, res, path);
      } else {
        sendJson(res, 404, { error: { code: "NotFound", message: "No such resource." } });
      }
    } catch (err) {
      sendError(res, err);
    }
  }

  /** The control API and the phone page as a request listener; `req.url` is relative to wherever it is mounted. */
  async handleControl(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (await servePhoneAsset(req, res)) return;
      const { path, query } = splitUrl(req.url);
      const match = this.controlRouter.match(req.method ?? "GET", path === "" ? "/" : path);
      if (match === undefined) throw new AcsError(404, "NotFound", "No such control API resource.");
      if (match === "method") throw new AcsError(405, "MethodNotAllowed", `${req.method} is not allowed here.`);
      // A body may already have been read by a host framework (Express body parsers).
      const parsed = (req as IncomingMessage & { body?: unknown }).body;
      const body =
        parsed && typeof parsed === "object" && !Buffer.isBuffer(parsed)
          ? (parsed as Record<string, unknown>)
          : parseJsonObject(await readBody(req, this.maxBodyBytes), true);
      // A long-poll stops waiting when its client goes away.
      const gone = new AbortController();
      res.once("close", () => gone.abort());
      const reply = await match.handler(match.params, body, query, { signal: gone.signal });
      sendJson(res, reply.status, reply.body);
    } catch (err) {
      sendError(res, err);
    }
  }

  private async authenticate(req: IncomingMessage, body: Buffer): Promise<void> {
    const authorization = req.headers.authorization ?? "";
    if (/^Bearer /i.test(authorization)) {
      try {
        await this.keys.verifyAccessToken(authorization.slice(7).trim());
      } catch {
        this.authCounts.requestsRefused += 1;
        throw denied("The bearer token is not valid for this resource.");
      }
      this.authCounts.bearerRequests += 1;
      return;
    }
    const verdict = verifyHmacRequest(this.accessKey, req.method ?? "GET", req.url ?? "/", req.headers, body);
    if (!verdict.ok) {
      this.authCounts.requestsRefused += 1;
      throw denied(verdict.reason);
    }
    this.authCounts.hmacRequests += 1;
  }

  private async handleRest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const raw = await readBody(req, this.maxBodyBytes);
    await this.authenticate(req, raw);
    const { path, query } = splitUrl(req.url);
    if (!query.get("api-version")) {
      throw new AcsError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
    }
    const match = this.restRouter.match(method, path);
    if (match === undefined) throw new AcsError(404, "NotFound", "The requested resource does not exist.");
    if (match === "method") throw new AcsError(405, "MethodNotAllowed", `${method} is not allowed on this resource.`);

    const before = this.takeFault(method, path, "before");
    if (before) return sendFault(res, before);

    const run = async (): Promise<RestReply> => {
      try {
        const body = parseJsonObject(raw, true);
        return await match.handler({ params: match.params, body, query, baseUrl: this.baseUrl });
      } catch (err) {
        if (err instanceof AcsError) return { status: err.status, body: err.toBody() };
        return { status: 500, body: { error: { code: "9999", message: "Unknown internal server error." } } };
      }
    };
    const repeatId = header(req, "repeatability-request-id");
    let reply: RestReply;
    if (repeatId) {
      this.pruneRepeats();
      let seen = this.repeats.get(repeatId);
      if (seen && seen.expires < Date.now()) {
        this.repeats.delete(repeatId);
        seen = undefined;
      }
      if (seen) {
        reply = await seen.reply;
        res.setHeader("repeatability-result", "accepted");
      } else {
        const pending = run();
        this.repeats.set(repeatId, { expires: Date.now() + REPEATABILITY_TTL_MS, reply: pending });
        reply = await pending;
        res.setHeader("repeatability-result", "accepted");
      }
    } else {
      reply = await run();
    }

    const after = this.takeFault(method, path, "after");
    if (after) return sendFault(res, after);
    sendJson(res, reply.status, reply.body);
  }

  private pruneRepeats(): void {
    if (this.repeats.size < REPEATABILITY_MAX) return;
    const now = Date.now();
    for (const [id, entry] of this.repeats) {
      if (entry.expires < now || this.repeats.size >= REPEATABILITY_MAX) this.repeats.delete(id);
      else break;
    }
  }

  private takeDeliveryFault(eventType: string): FaultRule["delivery"] {
    const type = eventType.replace(/^Microsoft\.Communication\./, "");
    const index = this.faults.findIndex((f) => f.stage === "delivery" && f.eventType === type);
    if (index < 0) return undefined;
    const rule = this.faults[index];
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.faults.splice(index, 1);
    return rule.delivery;
  }

  private takeFault(method: string, path: string, stage: FaultRule["stage"]): FaultRule | undefined {
    const index = this.faults.findIndex((f) => f.stage === stage && (!f.method || f.method === method) && path.includes(f.path));
    if (index < 0) return undefined;
    const rule = this.faults[index];
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.faults.splice(index, 1);
    return rule;
  }

  private async handleStorage(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req, this.maxBodyBytes);
    const verdict = verifyHmacRequest(this.accessKey, req.method ?? "GET", splitUrl(req.url).path, req.headers, raw);
    if (!verdict.ok) throw denied(verdict.reason);
    const { path } = splitUrl(req.url);
    const m = /^\/v1\/objects\/([^/]+)(?:\/content\/(audio|video|acsmetadata))?$/.exec(path);
    if (!m) throw new AcsError(404, "NotFound", "No such object.");
    const [, documentId, content] = m;
    if (req.method === "DELETE" && !content) {
      this.recordings.delete(documentId);
      res.writeHead(200);
      res.end();
      return;
    }
    if (req.method !== "GET" || !content) throw new AcsError(405, "MethodNotAllowed", "Not allowed.");
    const file = this.recordings.file(documentId);
    if (content === "acsmetadata") {
      sendJson(res, 200, this.recordings.metadata(file));
      return;
    }
    const bytes = this.recordings.wav(file);
    const range = /^bytes=(\d+)-(\d*)$/.exec(header(req, "range") ?? "");
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
      if (start >= bytes.length || end < start) {
        res.writeHead(416, { "content-range": `bytes */${bytes.length}` });
        res.end();
        return;
      }
      res.writeHead(206, {
        "content-type": "audio/wav",
        "content-length": String(end - start + 1),
        "content-range": `bytes ${start}-${end}/${bytes.length}`,
      });
      res.end(bytes.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { "content-type": "audio/wav", "content-length": String(bytes.length) });
    res.end(bytes);
  }

  /** A client-credentials token endpoint and its OpenID configuration, for bearer authentication. */
  private async handleEntra(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const tenant = path.split("/")[1];
    const issuer = `${this.baseUrl}/${tenant}/v2.0`;
    if (path.endsWith("openid-configuration")) {
      sendJson(res, 200, {
        issuer,
        token_endpoint: `${this.baseUrl}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${this.baseUrl}/${tenant}/oauth2/v2.0/authorize`,
        jwks_uri: `${this.baseUrl}/calling/keys`,
        response_types_supported: ["code", "token"],
        subject_types_supported: ["pairwise"],
        id_token_signing_alg_values_supported: ["RS256"],
      });
      return;
    }
    if (req.method !== "POST") throw new AcsError(405, "MethodNotAllowed", "Use POST.");
    const form = new URLSearchParams((await readBody(req, 64 * 1024)).toString("utf8"));
    if (form.get("grant_type") !== "client_credentials") {
      this.authCounts.tokenRequestsRefused += 1;
      sendJson(res, 400, entraError("unsupported_grant_type", 70003, "The app requested an unsupported grant type. Only client_credentials is supported."));
      return;
    }
    const clientId = form.get("client_id") ?? "";
    const known = this.entraClients.find((c) => c.tenantId === tenant && c.clientId === clientId);
    const client = known && known.clientSecret === form.get("client_secret") ? known : undefined;
    if (!client) {
      this.authCounts.tokenRequestsRefused += 1;
      // Entra's own codes and wording (it answers an unknown application with 400 unauthorized_client).
      sendJson(
        res,
        401,
        known
          ? entraError("invalid_client", 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`)
          : entraError("invalid_client", 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`),
      );
      return;
    }
    const token = await this.keys.signAccessToken(issuer, client.clientId, tenant, ACCESS_TOKEN_SECONDS);
    this.authCounts.tokensIssued += 1;
    sendJson(res, 200, { token_type: "Bearer", expires_in: ACCESS_TOKEN_SECONDS, ext_expires_in: ACCESS_TOKEN_SECONDS, access_token: token });
  }
}

/** An error body as Entra's token endpoint writes it (MSAL reads the codes, trace and correlation ids). */
function entraError(error: string, code: number, description: string): Record<string, unknown> {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  return {
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function denied(reason: string): AcsError {
  return new AcsError(401, "Denied", "Denied by the resource provider.", [{ code: "AuthenticationFailed", message: reason }]);
}

/**
 * Recording storage answers errors with a problem-details body (`{title, status, message, traceId}`),
 * not the Call Automation error shape: the SDK's downloader throws `{status, message}` read from it.
 */
function sendStorageError(res: ServerResponse, err: unknown): void {
  const status = err instanceof AcsError ? err.status : 500;
  const message = err instanceof AcsError ? err.message : "Internal server error.";
  sendJson(res, status, { title: STATUS_CODES[status] ?? "Error", status, message, traceId: randomUUID() });
}

function sendFault(res: ServerResponse, rule: FaultRule): void {
  sendJson(
    res,
    rule.status,
    { error: { code: rule.status >= 500 ? "9999" : "8523", message: `Injected fault (status ${rule.status}).` } },
    rule.retryAfterSeconds !== undefined ? { "retry-after": String(rule.retryAfterSeconds) } : {},
  );
}

/** ACS downloads a file prompt before playing it: 8536 when it cannot, 8535 when it is not audio. */
async function checkAudioFile(url: string): Promise<ResultInformation | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return RESULTS.fileDownloadFailed;
    const head = Buffer.from(await res.arrayBuffer()).subarray(0, 12);
    const wav = head.subarray(0, 4).toString("ascii") === "RIFF" && head.subarray(8, 12).toString("ascii") === "WAVE";
    const mp3 = head.subarray(0, 3).toString("ascii") === "ID3" || (head[0] === 0xff && (head[1] & 0xe0) === 0xe0);
    return wav || mp3 ? undefined : RESULTS.invalidFileFormat;
  } catch {
    return RESULTS.fileDownloadFailed;
  }
}
