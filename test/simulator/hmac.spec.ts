/**
 * verifyHmacRequest against requests signed by @azure/communication-common's own access-key
 * policy (the code every ACS SDK request goes through), and each way a request can fail.
 */
import assert from "node:assert/strict";
import { createHash, createHmac, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { AzureKeyCredential } from "@azure/core-auth";
import { createCommunicationAccessKeyCredentialPolicy } from "@azure/communication-common";
import { createHttpHeaders, createPipelineRequest, type PipelineRequest } from "@azure/core-rest-pipeline";
import { MAX_CLOCK_SKEW_MS, verifyHmacRequest } from "../../simulator/hmac";

const KEY_B64 = randomBytes(32).toString("base64");
const KEY = Buffer.from(KEY_B64, "base64");
const ENDPOINT = "http://127.0.0.1:5100";

interface Signed {
  method: string;
  /** The request target as the server sees it in req.url (path and raw query). */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Sign a request with the SDK's policy and return it as the simulator's HTTP server would see it. */
async function sdkSigned(method: "GET" | "POST" | "DELETE", pathAndQuery: string, body?: string, keyB64 = KEY_B64): Promise<Signed> {
  const policy = createCommunicationAccessKeyCredentialPolicy(new AzureKeyCredential(keyB64));
  const request = createPipelineRequest({ url: `${ENDPOINT}${pathAndQuery}`, method, body, headers: createHttpHeaders() });
  let sent: PipelineRequest | undefined;
  await policy.sendRequest(request, async (r) => {
    sent = r;
    return { request: r, status: 200, headers: createHttpHeaders() };
  });
  assert.ok(sent);
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of sent.headers) headers[name.toLowerCase()] = value;
  const url = new URL(sent.url);
  return { method, rawUrl: `${url.pathname}${url.search}`, headers, body: Buffer.from(body ?? "", "utf8") };
}

const verify = (s: Signed, now?: number) => verifyHmacRequest(KEY, s.method, s.rawUrl, s.headers, s.body, now);

/** Sign by hand (acs-protocol.md §0), for the parts the SDK policy will not vary. */
function handSigned(method: string, rawUrl: string, body: string, date: string, host = "127.0.0.1:5100"): IncomingHttpHeaders {
  const hash = createHash("sha256").update(body).digest("base64");
  const sig = createHmac("sha256", KEY).update(`${method}\n${rawUrl}\n${date};${host};${hash}`).digest("base64");
  return {
    host,
    "x-ms-date": date,
    "x-ms-content-sha256": hash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${sig}`,
  };
}

describe("simulator HMAC verification", () => {
  it("accepts what the SDK signs: POST with a body, GET and DELETE without", async () => {
    const body = JSON.stringify({ targets: [{ rawId: "4:+14255550123" }], callbackUri: "https://example.com/cb?x=1" });
    assert.deepEqual(verify(await sdkSigned("POST", "/calling/callConnections?api-version=2026-03-12", body)), { ok: true });
    assert.deepEqual(verify(await sdkSigned("GET", "/calling/callConnections/abc?api-version=2026-03-12")), { ok: true });
    assert.deepEqual(verify(await sdkSigned("DELETE", "/calling/recordings/r1?api-version=2026-03-12")), { ok: true });
  });

  it("accepts percent-encoded paths and queries exactly as sent", async () => {
    const participant = encodeURIComponent("4:+14255550123");
    assert.deepEqual(verify(await sdkSigned("GET", `/calling/callConnections/c1/participants/${participant}?api-version=2026-03-12`)), { ok: true });
    assert.deepEqual(verify(await sdkSigned("GET", "/calling/callConnections/c1/participants?api-version=2026-03-12&skip=100&note=a%20b")), { ok: true });
  });

  it("accepts a body with non-ASCII text", async () => {
    const body = JSON.stringify({ playSources: [{ kind: "text", text: { text: "안녕하세요, 欢迎 — café" } }] });
    assert.deepEqual(verify(await sdkSigned("POST", "/calling/callConnections/c1:play?api-version=2026-03-12", body)), { ok: true });
  });

  it("verifies against x-ms-host when it is present (recording downloads)", async () => {
    const signed = await sdkSigned("GET", "/v1/objects/doc-1/content/audio");
    const rerouted: Signed = { ...signed, headers: { ...signed.headers, host: "127.0.0.1:9999", "x-ms-host": String(signed.headers.host) } };
    assert.deepEqual(verify(rerouted), { ok: true });
    const wrongXmsHost: Signed = { ...signed, headers: { ...signed.headers, "x-ms-host": "other.example:443" } };
    assert.deepEqual(verify(wrongXmsHost), { ok: false, reason: "Signature does not match." });
  });

  it("accepts a Date header when x-ms-date is missing", () => {
    const date = new Date().toUTCString();
    const headers = handSigned("GET", "/calling/callConnections/c1?api-version=2026-03-12", "", date);
    delete headers["x-ms-date"];
    headers.date = date;
    assert.deepEqual(verifyHmacRequest(KEY, "GET", "/calling/callConnections/c1?api-version=2026-03-12", headers, Buffer.alloc(0)), { ok: true });
  });

  describe("failure reasons", () => {
    let base: Signed;
    beforeEach(async () => {
      base = await sdkSigned("POST", "/calling/callConnections?api-version=2026-03-12", JSON.stringify({ callbackUri: "https://example.com/" }));
      assert.deepEqual(verify(base), { ok: true });
    });
    const without = (s: Signed, name: string): Signed => {
      const headers = { ...s.headers };
      delete headers[name];
      return { ...s, headers };
    };
    const withHeader = (s: Signed, name: string, value: string): Signed => ({ ...s, headers: { ...s.headers, [name]: value } });
    const fails = (s: Signed, reason: string, now?: number) => assert.deepEqual(verify(s, now), { ok: false, reason });

    it("no Authorization", () => fails(without(base, "authorization"), "Missing Authorization header."));

    it("an Authorization that is not HMAC-SHA256", () => {
      fails(withHeader(base, "authorization", "Bearer abc"), "Authorization header is not an HMAC-SHA256 signature.");
      fails(withHeader(base, "authorization", "HMAC-SHA256 Signature=abc"), "Authorization header is not an HMAC-SHA256 signature.");
    });

    it("other SignedHeaders", () => {
      const auth = String(base.headers.authorization);
      fails(withHeader(base, "authorization", auth.replace("x-ms-date;host;x-ms-content-sha256", "x-ms-date;host")), "Unsupported SignedHeaders.");
      fails(withHeader(base, "authorization", auth.replace("x-ms-date;host;x-ms-content-sha256", "host;x-ms-date;x-ms-content-sha256")), "Unsupported SignedHeaders.");
    });

    it("a signed header missing", () => {
      fails(without(base, "x-ms-content-sha256"), "Missing signed headers.");
      fails(without(base, "host"), "Missing signed headers.");
      fails(without(base, "x-ms-date"), "Missing signed headers.");
    });

    it("a date that is not a date", () => fails(withHeader(base, "x-ms-date", "yesterday"), "Invalid x-ms-date."));

    it("a date too far from now, either way", () => {
      const sent = Date.parse(String(base.headers["x-ms-date"]));
      fails(base, "Request date is out of range.", sent + MAX_CLOCK_SKEW_MS + 1000);
      fails(base, "Request date is out of range.", sent - MAX_CLOCK_SKEW_MS - 1000);
      assert.deepEqual(verify(base, sent + MAX_CLOCK_SKEW_MS - 1000), { ok: true });
      assert.deepEqual(verify(base, sent - MAX_CLOCK_SKEW_MS + 1000), { ok: true });
    });

    it("a body that does not match its content hash", () => {
      fails({ ...base, body: Buffer.from(JSON.stringify({ callbackUri: "https://attacker.example/" })) }, "Content hash does not match the body.");
      fails({ ...base, body: Buffer.alloc(0) }, "Content hash does not match the body.");
    });

    it("a signature over anything else: key, method, path, query, host, date, hash", async () => {
      const mismatch = "Signature does not match.";
      fails(await sdkSigned("POST", "/calling/callConnections?api-version=2026-03-12", "{}", randomBytes(32).toString("base64")), mismatch);
      fails({ ...base, method: "PUT" }, mismatch);
      fails({ ...base, rawUrl: "/calling/callConnections:answer?api-version=2026-03-12" }, mismatch);
      fails({ ...base, rawUrl: "/calling/callConnections?api-version=2023-01-01" }, mismatch);
      fails({ ...base, rawUrl: "/calling/callConnections" }, mismatch);
      fails(withHeader(base, "host", "evil.example"), mismatch);
      const later = new Date(Date.parse(String(base.headers["x-ms-date"])) + 1000).toUTCString();
      fails(withHeader(base, "x-ms-date", later), mismatch);
      // A content hash that matches another body, sent with that body, under the old signature.
      const otherBody = Buffer.from("{}");
      fails({ ...withHeader(base, "x-ms-content-sha256", createHash("sha256").update(otherBody).digest("base64")), body: otherBody }, mismatch);
    });

    it("a truncated or garbled signature, without throwing", () => {
      const auth = String(base.headers.authorization);
      const sig = auth.slice(auth.indexOf("Signature=") + "Signature=".length);
      fails(withHeader(base, "authorization", auth.replace(sig, sig.slice(0, 10))), "Signature does not match.");
      fails(withHeader(base, "authorization", auth.replace(sig, "!!!not base64!!!")), "Signature does not match.");
      fails(withHeader(base, "authorization", auth.replace(sig, `${sig}AAAA`)), "Signature does not match.");
    });
  });
});
