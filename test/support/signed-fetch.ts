/**
 * Raw requests to the simulator's REST API, signed by hand the way @azure/communication-common's
 * access-key policy signs them (acs-protocol.md §0), with knobs to break each part of the
 * signature. For tests that send what the SDK never would.
 */
import { createHash, createHmac, randomUUID } from "node:crypto";

export const API_VERSION = "2026-03-12";

/** The base64 access key inside a connection string `endpoint=...;accesskey=...`. */
export function accessKeyOf(connectionString: string): string {
  const m = /accesskey=([^;]+)/i.exec(connectionString);
  if (!m) throw new Error("connection string has no accesskey");
  return m[1];
}

export interface SignInput {
  method: string;
  /** Absolute URL of the request. */
  url: string;
  /** The body the signature covers (the sent body may differ, to tamper). */
  body: string;
  /** Base64 access key. */
  key: string;
  date?: Date;
  /** What to put in SignedHeaders (the signature is still computed over date;host;hash). */
  signedHeaders?: string;
}

/** The headers the SDK's access-key policy adds: x-ms-date, x-ms-content-sha256, Authorization. */
export function signHeaders(input: SignInput): Record<string, string> {
  const url = new URL(input.url);
  const date = (input.date ?? new Date()).toUTCString();
  const contentHash = createHash("sha256").update(input.body, "utf8").digest("base64");
  const query = url.searchParams.toString();
  const pathAndQuery = query ? `${url.pathname}?${query}` : url.pathname;
  const stringToSign = `${input.method.toUpperCase()}\n${pathAndQuery}\n${date};${url.host};${contentHash}`;
  const signature = createHmac("sha256", Buffer.from(input.key, "base64")).update(stringToSign, "utf8").digest("base64");
  return {
    "x-ms-date": date,
    "x-ms-content-sha256": contentHash,
    authorization: `HMAC-SHA256 SignedHeaders=${input.signedHeaders ?? "x-ms-date;host;x-ms-content-sha256"}&Signature=${signature}`,
  };
}

export interface SignedFetchOptions {
  /** A string is sent verbatim; anything else as JSON. */
  body?: unknown;
  /** Sign this body instead of the one sent (content hash mismatch). */
  signedBody?: string;
  date?: Date;
  signedHeaders?: string;
  /** Sign with another key. */
  key?: string;
  /** Leave out Authorization. */
  omitAuthorization?: boolean;
  /** Replace Authorization (e.g. a bearer token). */
  authorization?: string;
  /** api-version to add; null for none. Ignored when the path already has a query. */
  apiVersion?: string | null;
  /** Repeatability-Request-ID (and Repeatability-First-Sent) to send. */
  repeatabilityRequestId?: string;
  headers?: Record<string, string>;
}

export interface RawReply<T = unknown> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/** Send a signed request to `path` (e.g. "/calling/callConnections") under `endpoint`. */
export async function signedFetch<T = Record<string, unknown>>(
  endpoint: string,
  accessKey: string,
  method: string,
  path: string,
  options: SignedFetchOptions = {},
): Promise<RawReply<T>> {
  const apiVersion = options.apiVersion === undefined ? API_VERSION : options.apiVersion;
  const withQuery = path.includes("?") || apiVersion === null ? path : `${path}?api-version=${apiVersion}`;
  const url = new URL(withQuery.replace(/^\//, ""), endpoint).toString();
  const body = options.body === undefined ? "" : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  const signed = signHeaders({
    method,
    url,
    body: options.signedBody ?? body,
    key: options.key ?? accessKey,
    date: options.date,
    signedHeaders: options.signedHeaders,
  });
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
    "x-ms-client-request-id": randomUUID(),
    ...signed,
    ...(options.repeatabilityRequestId
      ? { "repeatability-request-id": options.repeatabilityRequestId, "repeatability-first-sent": new Date().toUTCString() }
      : {}),
    ...(options.headers ?? {}),
  };
  if (options.omitAuthorization) delete headers.authorization;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  const res = await fetch(url, { method, headers, body: method === "GET" || method === "HEAD" ? undefined : body });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}

/** Assert-friendly check of the ACS error body `{error:{code,message}}`; returns the code. */
export function errorCodeOf(body: unknown): string | undefined {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (!error || typeof error.code !== "string" || typeof error.message !== "string" || error.message === "") return undefined;
  return error.code;
}
