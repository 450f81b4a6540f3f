/**
 * Verifies the HMAC-SHA256 signature the ACS SDKs put on every request
 * (communicationAccessKeyCredentialPolicy): the string to sign is
 * `METHOD\n<path?query>\n<x-ms-date>;<host>;<x-ms-content-sha256>`, keyed with the base64-decoded
 * access key. Recording downloads are signed for the resource host and carry it in `x-ms-host`.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** How far the request date may be from the simulator's clock, as ACS allows. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export type HmacVerdict = { ok: true } | { ok: false; reason: string };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function verifyHmacRequest(
  accessKey: Buffer,
  method: string,
  rawUrl: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  now: number = Date.now(),
): HmacVerdict {
  const authorization = header(headers, "authorization");
  const date = header(headers, "x-ms-date") ?? header(headers, "date");
  const contentHash = header(headers, "x-ms-content-sha256");
  const host = header(headers, "x-ms-host") ?? header(headers, "host");
  if (!authorization) return { ok: false, reason: "Missing Authorization header." };
  const m = /^HMAC-SHA256 SignedHeaders=([^&]+)&Signature=(.+)$/.exec(authorization);
  if (!m) return { ok: false, reason: "Authorization header is not an HMAC-SHA256 signature." };
  if (m[1].toLowerCase() !== "x-ms-date;host;x-ms-content-sha256") {
    return { ok: false, reason: "Unsupported SignedHeaders." };
  }
  if (!date || !contentHash || !host) return { ok: false, reason: "Missing signed headers." };
  const sent = Date.parse(date);
  if (Number.isNaN(sent)) return { ok: false, reason: "Invalid x-ms-date." };
  if (Math.abs(now - sent) > MAX_CLOCK_SKEW_MS) return { ok: false, reason: "Request date is out of range." };

  const actualHash = createHash("sha256").update(body).digest("base64");
  if (actualHash !== contentHash) return { ok: false, reason: "Content hash does not match the body." };

  // The SDK signs `url.pathname` and `url.searchParams.toString()`: normalise the query the same way.
  const q = rawUrl.indexOf("?");
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? "" : new URLSearchParams(rawUrl.slice(q + 1)).toString();
  const pathAndQuery = query ? `${path}?${query}` : path;
  const stringToSign = `${method.toUpperCase()}\n${pathAndQuery}\n${date};${host};${contentHash}`;
  const expected = createHmac("sha256", accessKey).update(stringToSign, "utf8").digest();
  const given = Buffer.from(m[2], "base64");
  // Node's base64 decoder skips junk and anything after padding: insist on the canonical form.
  if (given.length !== expected.length || given.toString("base64") !== m[2] || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "Signature does not match." };
  }
  return { ok: true };
}
