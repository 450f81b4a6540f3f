/**
 * The two webhook endpoints, mounted once on the host's HTTP app and looked up per config node:
 *
 *   POST {httpNodeRoot}/acs/callbacks/{configId}/{secret}   Call Automation callbacks
 *   POST {httpNodeRoot}/acs/events/{configId}/{secret}      Event Grid (IncomingCall, recording files)
 *
 * Config nodes register and unregister their endpoint in a Map as they start and stop, so a
 * redeploy never touches the routes. Every request is answered here with a status (4xx for
 * anything wrong) and nothing is thrown to the host; no answer or log ever contains a secret.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { secretMatches } from "./callback-auth";

export interface WebhookReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What one config node offers to the dispatcher. */
export interface WebhookEndpoint {
  readonly secret: string;
  handleCallback(authorization: string | undefined, body: unknown): Promise<WebhookReply>;
  handleEventGrid(body: unknown): Promise<WebhookReply>;
}

export type WebhookKind = "callbacks" | "events";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Read and parse a JSON body, unless a body parser already did. */
async function readJson(req: IncomingMessage & { body?: unknown; _body?: boolean }, maxBytes: number): Promise<unknown> {
  // body-parser marks the requests it consumed with `_body`; otherwise the stream is still ours.
  if (req._body === true && req.body !== undefined) {
    if (Buffer.isBuffer(req.body)) return parse(req.body.toString("utf8"));
    if (typeof req.body === "string") return parse(req.body);
    return req.body;
  }
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyError(413, "request body too large");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyError(413, "request body too large");
    chunks.push(chunk as Buffer);
  }
  return parse(Buffer.concat(chunks).toString("utf8"));
}

function parse(text: string): unknown {
  if (text.trim() === "") throw new BodyError(400, "request body is empty");
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyError(400, "request body is not valid JSON");
  }
}

function send(res: ServerResponse, reply: WebhookReply): void {
  if (res.headersSent) return;
  const headers: Record<string, string> = { "cache-control": "no-store", ...(reply.headers ?? {}) };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { ...headers, "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

const refuse = (status: number, message: string): WebhookReply => ({ status, body: { error: message } });

export class WebhookDispatcher {
  private readonly endpoints = new Map<string, WebhookEndpoint>();

  constructor(private readonly options: { maxBodyBytes?: number; onError?: (message: string) => void } = {}) {}

  register(id: string, endpoint: WebhookEndpoint): void {
    this.endpoints.set(id, endpoint);
  }

  /** Unregister, only if `endpoint` is still the one registered (a redeploy may have replaced it). */
  unregister(id: string, endpoint: WebhookEndpoint): void {
    if (this.endpoints.get(id) === endpoint) this.endpoints.delete(id);
  }

  get size(): number {
    return this.endpoints.size;
  }

  /** Handle one request whose path matched `/acs/{kind}/{id}/{secret}`. Never throws. */
  async handle(kind: WebhookKind, id: string, secret: string, req: IncomingMessage & { body?: unknown }, res: ServerResponse): Promise<void> {
    try {
      send(res, await this.reply(kind, id, secret, req));
    } catch (err) {
      this.options.onError?.(`webhook request failed: ${(err as Error).message}`);
      send(res, refuse(500, "internal error"));
    }
  }

  private async reply(kind: WebhookKind, id: string, secret: string, req: IncomingMessage & { body?: unknown }): Promise<WebhookReply> {
    const endpoint = this.endpoints.get(id);
    if (!endpoint) return refuse(404, "no such endpoint");
    if (!secretMatches(secret, endpoint.secret)) return refuse(401, "wrong webhook secret");
    const method = req.method ?? "GET";
    if (kind === "events" && method === "OPTIONS") return cloudEventsHandshake(req);
    if (method !== "POST") return { status: 405, body: { error: "use POST" }, headers: { allow: kind === "events" ? "POST, OPTIONS" : "POST" } };
    let body: unknown;
    try {
      body = await readJson(req, this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyError) return refuse(err.status, err.message);
      throw err;
    }
    const authorization = typeof req.headers.authorization === "string" ? req.headers.authorization : undefined;
    return kind === "callbacks" ? endpoint.handleCallback(authorization, body) : endpoint.handleEventGrid(body);
  }
}

/** The CloudEvents webhook abuse-protection handshake Event Grid sends before CloudEvents deliveries. */
function cloudEventsHandshake(req: IncomingMessage): WebhookReply {
  const origin = req.headers["webhook-request-origin"];
  if (typeof origin !== "string" || origin === "") return refuse(400, "WebHook-Request-Origin header required");
  return { status: 200, headers: { "WebHook-Allowed-Origin": origin, "WebHook-Allowed-Rate": "*" } };
}
