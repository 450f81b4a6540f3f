/**
 * Builds the CallAutomationClient for a connection: a connection string, an endpoint with a
 * Microsoft Entra ID credential, or the built-in simulator.
 *
 * It also carries custom SIP/VoIP headers on createCall. SDK 1.6.0 takes
 * `CallInvite.customCallingContext` but never sends it (its request model has no such field),
 * while the REST API and the other language SDKs send `customCallingContext` in the create-call
 * body. A pipeline policy adds the field to the one request whose operationContext asks for it;
 * it runs before the request is signed, so the HMAC covers the body actually sent.
 */
import { CallAutomationClient, type CallAutomationClientOptions, type CustomCallingContext } from "@azure/communication-call-automation";
import type { TokenCredential } from "@azure/identity";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { simulatorHttpClient } from "./simulator-client";
import { traceNow, type SentRequest } from "./call-trace";

export type ConnectionSettings =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "entra"; endpoint: string; credential: TokenCredential }
  | { kind: "simulator"; connectionString: string; endpoint: string };

export interface SipVoipHeaders {
  sipHeaders?: Record<string, string>;
  voipHeaders?: Record<string, string>;
}

/** Custom calling context waiting to be added to a createCall request, by operationContext. */
export class CreateCallContexts {
  private readonly pending = new Map<string, SipVoipHeaders>();

  set(operationContext: string, headers: SipVoipHeaders): void {
    this.pending.set(operationContext, headers);
  }
  delete(operationContext: string): void {
    this.pending.delete(operationContext);
  }

  readonly policy: PipelinePolicy = {
    name: "acsCreateCallCustomContext",
    sendRequest: (request, next) => {
      if (this.pending.size > 0 && request.method === "POST" && /\/calling\/callConnections$/.test(new URL(request.url).pathname)) {
        const body = typeof request.body === "string" ? request.body : undefined;
        if (body) {
          try {
            const parsed = JSON.parse(body) as Record<string, unknown>;
            const ctx = typeof parsed.operationContext === "string" ? parsed.operationContext : undefined;
            const headers = ctx ? this.pending.get(ctx) : undefined;
            if (headers) {
              parsed.customCallingContext = { sipHeaders: normaliseSipHeaders(headers.sipHeaders), voipHeaders: headers.voipHeaders ?? {} };
              request.body = JSON.stringify(parsed);
            }
          } catch {
            // Not JSON: not ours to change.
          }
        }
      }
      return next(request);
    },
  };
}

/**
 * Lets one listener (the acs-config's call trace) see every request the client sends and the
 * answer it got, after retries. With no listener it only passes the request on.
 */
export class RequestTap {
  listener?: (request: SentRequest) => void;

  readonly policy: PipelinePolicy = {
    name: "acsRequestTap",
    sendRequest: async (request, next) => {
      const listener = this.listener;
      if (!listener) return next(request);
      const startedAt = traceNow();
      let response;
      try {
        response = await next(request);
      } catch (error) {
        // ACS refusing a request (4xx/5xx) is thrown by the SDK's deserialization as a RestError that carries the answer.
        const answer = (error as { response?: { status?: unknown; bodyAsText?: unknown } } | undefined)?.response;
        safely(() =>
          listener(
            typeof answer?.status === "number"
              ? { method: request.method, url: request.url, body: request.body, startedAt, status: answer.status, responseText: typeof answer.bodyAsText === "string" ? answer.bodyAsText : undefined }
              : { method: request.method, url: request.url, body: request.body, startedAt, error },
          ),
        );
        throw error;
      }
      safely(() => listener({ method: request.method, url: request.url, body: request.body, startedAt, status: response.status, responseText: response.bodyAsText ?? undefined }));
      return response;
    },
  };
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // The trace must never break a request.
  }
}

export interface AcsClient {
  client: CallAutomationClient;
  createCallContexts: CreateCallContexts;
  /** Watches requests for the call trace (absent on clients built elsewhere). */
  requestTap?: RequestTap;
}

export function createAcsClient(settings: ConnectionSettings): AcsClient {
  const createCallContexts = new CreateCallContexts();
  const requestTap = new RequestTap();
  const options: CallAutomationClientOptions = {
    additionalPolicies: [
      { policy: createCallContexts.policy, position: "perCall" },
      { policy: requestTap.policy, position: "perCall" },
    ],
    retryOptions: { maxRetries: 3 },
  };
  let client: CallAutomationClient;
  switch (settings.kind) {
    case "connectionString": {
      // An http endpoint is never Azure: it is a simulator (the standalone `acs-simulator`).
      const endpoint = endpointOfConnectionString(settings.connectionString);
      if (endpoint && endpoint.startsWith("http:")) {
        options.allowInsecureConnection = true;
        options.httpClient = simulatorHttpClient(endpoint);
      }
      client = new CallAutomationClient(settings.connectionString, options);
      break;
    }
    case "entra":
      client = new CallAutomationClient(settings.endpoint, settings.credential, options);
      break;
    case "simulator":
      options.allowInsecureConnection = true;
      options.httpClient = simulatorHttpClient(settings.endpoint);
      client = new CallAutomationClient(settings.connectionString, options);
      break;
  }
  return { client, createCallContexts, requestTap };
}

/** The `endpoint=` of an ACS connection string, or undefined. */
export function endpointOfConnectionString(connectionString: string): string | undefined {
  const m = /(?:^|;)\s*endpoint=([^;]+)/i.exec(connectionString);
  return m ? m[1].trim() : undefined;
}

/** Whether a URL's host is this machine (127.0.0.0/8, ::1, localhost): never an Azure resource. */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Who signs the callbacks of a resource at `endpoint`: ACS itself for Azure endpoints; a
 * simulator signs with its own base URL (origin) as the issuer and serves the keys there. An
 * endpoint is a simulator when it is plain http (ACS is https only) or on loopback (ACS never is),
 * such as the standalone simulator serving https.
 */
export function callbackIssuerFor(endpoint: string | undefined, acsIssuer: string): string {
  if (!endpoint) return acsIssuer;
  try {
    const url = new URL(endpoint);
    if (url.protocol === "http:") return url.origin;
    return url.protocol === "https:" && isLoopbackUrl(url) ? url.origin : acsIssuer;
  } catch {
    return acsIssuer;
  }
}

/**
 * SIP header names as ACS sends them: "User-To-User", or custom headers with the "X-MS-Custom-"
 * prefix (added when missing) or the plain "X-" prefix when the name already has it.
 */
export function normaliseSipHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (/^user-to-user$/i.test(key)) out["User-To-User"] = value;
    else if (/^x-/i.test(key)) out[key] = value;
    else out[`X-MS-Custom-${key}`] = value;
  }
  return out;
}

/** Turn `{sipHeaders, voipHeaders}` into the SDK's CustomCallingContext list. */
export function toCustomCallingContext(headers: SipVoipHeaders): CustomCallingContext {
  const list: CustomCallingContext = [];
  for (const [key, value] of Object.entries(normaliseSipHeaders(headers.sipHeaders))) {
    if (key === "User-To-User") list.push({ kind: "sipuui", key, value });
    else if (/^x-ms-custom-/i.test(key)) list.push({ kind: "sipx", key: key.slice("X-MS-Custom-".length), value, sipHeaderPrefix: "X-MS-Custom-" });
    else list.push({ kind: "sipx", key: key.slice(2), value, sipHeaderPrefix: "X-" });
  }
  for (const [key, value] of Object.entries(headers.voipHeaders ?? {})) list.push({ kind: "voip", key, value });
  return list;
}
