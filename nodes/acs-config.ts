/**
 * acs-config: one ACS connection (connection string, Entra ID, or the built-in simulator), its
 * webhook endpoints and its event router. Worker nodes call getService().
 */
import { callbackIssuerFor, createAcsClient, endpointOfConnectionString, type ConnectionSettings } from "../lib/acs-client";
import { AcsService } from "../lib/acs-service";
import { ACS_CALLBACK_ISSUER, CallbackJwtVerifier, newWebhookSecret } from "../lib/callback-auth";
import { callTraces, type CallTrace, type TraceLimits } from "../lib/call-trace";
import { embeddedSimulator, runningEmbeddedSimulator } from "../lib/embedded-simulator";
import { createEntraCredential, type EntraSettings } from "../lib/entra-credential";
import { errorText, localText, type NodeRedRuntime, type RuntimeNode } from "../lib/node-kit";
import type { LibText } from "../lib/lib-text";
import { WebhookDispatcher } from "../lib/webhooks";
import { servePhoneAsset } from "../simulator/phone-assets";
import type { AcsSimulator, SimulatorOptions } from "../simulator/server";

interface AcsConfigDef {
  id: string;
  name?: string;
  mode?: "simulator" | "connectionString" | "entra";
  endpoint?: string;
  authMethod?: EntraSettings["method"];
  tenantId?: string;
  clientId?: string;
  authorityHost?: string;
  callbackBaseUrl?: string;
  cognitiveServicesEndpoint?: string;
  resourceId?: string;
  voice?: string;
  locale?: string;
  operationTimeout?: number | string;
}

interface Credentials {
  connectionString?: string;
  clientSecret?: string;
  webhookSecret?: string;
}

type ConfigNode = RuntimeNode & { getService(): Promise<AcsService>; mode: string };

/** One dispatcher per process: routes stay mounted, config nodes come and go. */
const dispatcher = new WebhookDispatcher();
const mountedApps = new WeakSet<object>();

const EVENT_GRID_TYPES = ["Microsoft.Communication.IncomingCall", "Microsoft.Communication.RecordingFileStatusUpdated"];

interface RouteRequest {
  params: Record<string, string>;
  method?: string;
}

function mountRoutes(RED: NodeRedRuntime): void {
  const httpNode = RED.httpNode;
  if (httpNode && !mountedApps.has(httpNode)) {
    mountedApps.add(httpNode);
    for (const kind of ["callbacks", "events"] as const) {
      httpNode.all(`/acs/${kind}/:configId/:secret`, (req, res) => {
        const r = req as RouteRequest;
        void dispatcher.handle(kind, r.params.configId, r.params.secret, req as never, res as never);
      });
    }
  }
  const httpAdmin = RED.httpAdmin;
  if (httpAdmin && !mountedApps.has(httpAdmin)) {
    mountedApps.add(httpAdmin);
    const permission = (req: unknown, res: unknown, next?: () => void) => {
      const method = (req as RouteRequest).method ?? "GET";
      const check = RED.auth?.needsPermission(method === "GET" ? "acs-simulator.read" : "acs-simulator.write");
      if (check) check(req, res, next);
      else next?.();
    };
    // The phone page, its script and style sheet hold no data: served like the editor's own files,
    // without a login (the sidebar's softphone loads them; their API calls carry the login).
    httpAdmin.use("/acs-simulator", (req, res, next) => {
      servePhoneAsset(req as never, res as never).then(
        (served) => served || next?.(),
        () => next?.(),
      );
    });
    httpAdmin.use("/acs-simulator", permission, (req, res) => {
      const running = runningEmbeddedSimulator();
      const reply = res as { statusCode: number; setHeader(k: string, v: string): void; end(b: string): void };
      if (!running) {
        reply.statusCode = 503;
        reply.setHeader("content-type", "application/json");
        reply.end(JSON.stringify({ error: { code: "SimulatorNotRunning", message: "No acs-config node in simulator mode is deployed." } }));
        return;
      }
      void running.then((sim) => sim.handleControl(req as never, res as never));
    });
  }
}

/** Where this Node-RED's http nodes are reachable from this machine (the simulator's callbacks go there). */
function localHttpNodeBase(settings: Record<string, unknown>): string {
  const https = Boolean(settings.https);
  const host = typeof settings.uiHost === "string" && !["", "0.0.0.0", "::"].includes(settings.uiHost) ? settings.uiHost : "127.0.0.1";
  const port = Number(settings.uiPort) || 1880;
  const root = typeof settings.httpNodeRoot === "string" ? settings.httpNodeRoot : "/";
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return `${https ? "https" : "http"}://${shownHost}:${port}${root.startsWith("/") ? root : `/${root}`}`;
}

/**
 * The embedded simulator's options: `acsSimulator` in Node-RED's settings, over the defaults.
 * Text-to-speech works without a Cognitive Services endpoint here, so a first flow needs no Azure
 * resource; real ACS needs one (set it on the config node for Azure).
 */
function simulatorOptions(settings: Record<string, unknown>): SimulatorOptions {
  const configured = settings.acsSimulator;
  return { requireCognitiveServices: false, ...(typeof configured === "object" && configured !== null ? (configured as SimulatorOptions) : {}) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** This config's call trace, unless `acsTrace: false` in Node-RED's settings (`acsTrace: {calls, steps}` sets its limits). */
function traceFor(RED: NodeRedRuntime, def: AcsConfigDef, mode: string): CallTrace | undefined {
  const setting = RED.settings.acsTrace;
  if (setting === false) {
    callTraces.close(def.id);
    return undefined;
  }
  const limits = typeof setting === "object" && setting !== null ? (setting as Partial<TraceLimits>) : {};
  return callTraces.open(def.id, { name: def.name, mode }, limits);
}

export = function register(RED: NodeRedRuntime): void {
  mountRoutes(RED);

  function AcsConfigNode(this: ConfigNode, def: AcsConfigDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const creds = (node.credentials ?? {}) as Credentials;
    const mode = def.mode ?? "simulator";
    node.mode = mode;
    let closed = false;
    let simulatorSubscription: { sim: AcsSimulator; id: string } | undefined;

    const secret = creds.webhookSecret && creds.webhookSecret.length >= 16 ? creds.webhookSecret : newWebhookSecret();
    if (!creds.webhookSecret && mode !== "simulator") {
      node.warn(RED._("acs-config.warn.noWebhookSecret"));
    }

    const trace = traceFor(RED, def, mode);

    const build = async (): Promise<AcsService> => {
      const common = {
        id: node.id,
        trace,
        secret,
        cognitiveServicesEndpoint: def.cognitiveServicesEndpoint?.trim() || undefined,
        defaultVoice: def.voice?.trim() || undefined,
        defaultLocale: def.locale?.trim() || undefined,
        operationTimeoutMs: Number(def.operationTimeout) > 0 ? Number(def.operationTimeout) * 1000 : undefined,
        warn: (message: LibText) => node.warn(localText(RED, message)),
      };
      if (mode === "simulator") {
        const sim = await embeddedSimulator(simulatorOptions(RED.settings));
        const connection: ConnectionSettings = { kind: "simulator", connectionString: sim.connectionString, endpoint: sim.endpoint };
        return new AcsService({
          ...common,
          callbackBase: def.callbackBaseUrl?.trim() || localHttpNodeBase(RED.settings),
          acs: createAcsClient(connection),
          verifier: new CallbackJwtVerifier({ issuer: sim.issuer, audience: sim.resourceId }),
        });
      }
      const callbackBase = def.callbackBaseUrl?.trim();
      if (!callbackBase) throw new Error(RED._("acs-config.error.noCallbackBase"));
      let connection: ConnectionSettings;
      let endpoint: string | undefined;
      if (mode === "connectionString") {
        if (!creds.connectionString) throw new Error(RED._("acs-config.error.noConnectionString"));
        endpoint = endpointOfConnectionString(creds.connectionString);
        if (!endpoint) throw new Error(RED._("acs-config.error.badConnectionString"));
        connection = { kind: "connectionString", connectionString: creds.connectionString };
      } else {
        if (!def.endpoint?.trim()) throw new Error(RED._("acs-config.error.noEndpoint"));
        const method = def.authMethod ?? "default";
        const entra: EntraSettings =
          method === "clientSecret"
            ? { method, tenantId: def.tenantId ?? "", clientId: def.clientId ?? "", clientSecret: creds.clientSecret ?? "", authorityHost: def.authorityHost || undefined }
            : { method, clientId: def.clientId || undefined };
        endpoint = def.endpoint.trim();
        connection = { kind: "entra", endpoint, credential: createEntraCredential(entra) };
      }
      // Callbacks are verified against the resource id (the JWT audience): without it none could be trusted.
      const resourceId = def.resourceId?.trim();
      if (!resourceId) throw new Error(RED._("acs-config.error.noResourceId"));
      const issuer = callbackIssuerFor(endpoint, ACS_CALLBACK_ISSUER);
      return new AcsService({
        ...common,
        callbackBase,
        acs: createAcsClient(connection),
        verifier: new CallbackJwtVerifier({ issuer, audience: resourceId }),
      });
    };

    /** Subscribe this config's Event Grid URL to the simulator; Node-RED may not be listening yet, so retry. */
    const subscribeToSimulator = async (service: AcsService): Promise<void> => {
      const sim = await embeddedSimulator(simulatorOptions(RED.settings));
      let lastError = "";
      for (let attempt = 0; attempt < 120 && !closed; attempt++) {
        try {
          const sub = await sim.subscribe(service.eventGridUrl, EVENT_GRID_TYPES);
          if (closed) sim.unsubscribe(sub.id);
          else simulatorSubscription = { sim, id: sub.id };
          return;
        } catch (err) {
          lastError = errorText(RED, err);
          await sleep(attempt < 10 ? 100 : 500);
        }
      }
      if (!closed) node.error(RED._("acs-config.error.subscribeFailed", { reason: lastError }));
    };

    const ready = build().then(async (service) => {
      if (closed) {
        service.close();
        return service;
      }
      dispatcher.register(node.id, service);
      if (mode === "simulator") await subscribeToSimulator(service);
      return service;
    });
    ready.catch((err: Error) => node.error(errorText(RED, err)));
    node.getService = () => ready;

    node.on("close", (removed: boolean, done: () => void) => {
      closed = true;
      // A redeployed config keeps its calls' trace; a deleted one takes it along.
      if (removed) callTraces.close(node.id);
      if (simulatorSubscription) simulatorSubscription.sim.unsubscribe(simulatorSubscription.id);
      ready
        .then((service) => {
          dispatcher.unregister(node.id, service);
          service.close();
        })
        .catch(() => undefined)
        .finally(done);
    });
  }

  RED.nodes.registerType("acs-config", AcsConfigNode, {
    credentials: {
      connectionString: { type: "password" },
      clientSecret: { type: "password" },
      webhookSecret: { type: "text" },
    },
  });
};
