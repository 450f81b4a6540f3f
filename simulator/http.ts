/** Small HTTP helpers shared by the REST API, the control API and the storage endpoints. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { AcsError, badRequest } from "./errors";

/** Read a request body, refusing (413) anything over `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new AcsError(413, "8523", `Request body is larger than ${limit} bytes.`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on("error", (err) => {
      if (!failed) reject(err);
    });
  });
}

/** Parse a JSON object body; an empty body is `{}` when `allowEmpty`. */
export function parseJsonObject(raw: Buffer, allowEmpty: boolean): Record<string, unknown> {
  const text = raw.toString("utf8").trim();
  if (text === "") {
    if (allowEmpty) return {};
    throw badRequest("Request body is required.");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest("Request body is not valid JSON.");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest("Request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof AcsError) {
    sendJson(res, err.status, err.toBody());
    return;
  }
  sendJson(res, 500, { error: { code: "9999", message: "Unknown internal server error." } });
}

/** The path and query of a request URL, with the query split out. */
export function splitUrl(rawUrl: string | undefined): { path: string; query: URLSearchParams } {
  const url = rawUrl ?? "/";
  const q = url.indexOf("?");
  return q < 0
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}
