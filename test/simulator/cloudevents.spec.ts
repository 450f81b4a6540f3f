/**
 * The callback envelope, checked on the wire: a short call that produces many event types, with
 * every delivery captured raw by a receiver of our own (not the harness's). Each body must be a
 * JSON array of valid CloudEvents 1.0 (validated by the `cloudevents` package), sent as
 * application/json with an RS256 Bearer JWT that verifies against the simulator's published
 * OpenID configuration and keys.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseCallAutomationEvent } from "@azure/communication-call-automation";
import { CloudEvent } from "cloudevents";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWK } from "jose";
import { Harness, waitFor } from "../support/harness";

interface Delivery {
  url: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface OpenIdConfiguration {
  issuer: string;
  jwks_uri: string;
}

const CALLER = "+14255550100";
const CALLED = "+18005550100";

function startReceiver(deliveries: Delivery[]): Promise<{ server: Server; base: string }> {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        deliveries.push({ url: req.url ?? "", method: req.method ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(200).end();
      });
    });
    server.listen(0, "127.0.0.1", () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

/** Wait until no new delivery has arrived for `quietMs`. */
async function settle(count: () => number, quietMs = 80, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const n = count();
    if (n === last) return;
    if (Date.now() > deadline) throw new Error("deliveries did not settle");
    last = n;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

describe("simulator: callback events are signed CloudEvents 1.0 on the wire", function () {
  let h: Harness;
  let receiver: { server: Server; base: string };
  const deliveries: Delivery[] = [];

  beforeEach(async () => {
    deliveries.length = 0;
    h = await Harness.start({ speed: 50, fileReadyDelayMs: 100 });
    receiver = await startReceiver(deliveries);
  });
  afterEach(async () => {
    await h.stop();
    await new Promise((r) => {
      receiver.server.close(r);
      receiver.server.closeAllConnections();
    });
  });

  /** Every event delivered so far, flattened, with the delivery it came in. */
  const delivered = (): Array<{ event: Record<string, unknown>; delivery: Delivery }> =>
    deliveries.flatMap((d) => {
      const parsed = JSON.parse(d.body) as unknown;
      return Array.isArray(parsed) ? parsed.map((event) => ({ event: event as Record<string, unknown>, delivery: d })) : [];
    });
  const typesOf = (callConnectionId: string): string[] =>
    delivered()
      .filter((d) => (d.event.data as { callConnectionId?: string }).callConnectionId === callConnectionId)
      .map((d) => String(d.event.type).replace("Microsoft.Communication.", ""));
  const waitForType = (callConnectionId: string, type: string, count = 1): Promise<string[]> =>
    waitFor(() => {
      const list = typesOf(callConnectionId);
      return list.filter((t) => t === type).length >= count ? list : undefined;
    }, `${type} x${count} for ${callConnectionId}`);

  it("serves its OpenID configuration and signing keys like ACS", async () => {
    const res = await fetch(`${h.sim.issuer}/calling/.well-known/acsopenidconfiguration`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    const config = (await res.json()) as OpenIdConfiguration & { id_token_signing_alg_values_supported?: string[] };
    assert.equal(config.issuer, h.sim.issuer);
    assert.equal(config.jwks_uri, `${h.sim.issuer}/calling/keys`);
    assert.ok(config.id_token_signing_alg_values_supported?.includes("RS256"));
    assert.equal(h.sim.openIdConfigurationUrl, `${h.sim.issuer}/calling/.well-known/acsopenidconfiguration`);

    const keysRes = await fetch(config.jwks_uri);
    assert.equal(keysRes.status, 200);
    const { keys } = (await keysRes.json()) as { keys: JWK[] };
    assert.ok(Array.isArray(keys) && keys.length >= 1);
    for (const key of keys) {
      assert.equal(key.kty, "RSA");
      assert.ok(key.kid, "every key has a kid");
      assert.ok(key.n && key.e, "public modulus and exponent");
      assert.equal(key.d, undefined, "no private key material");
      assert.equal(key.p, undefined, "no private key material");
      if (key.alg !== undefined) assert.equal(key.alg, "RS256");
      if (key.use !== undefined) assert.equal(key.use, "sig");
    }
    // Served without authentication, and not under the REST API's HMAC check.
    assert.equal((await fetch(`${h.sim.issuer}/calling/keys`, { method: "GET", headers: {} })).status, 200);
  });

  it("delivers every event of a busy call as a valid, signed CloudEvents 1.0 array", async () => {
    const callbackUrl = `${receiver.base}/acs/events?secret=s3cr3t&x=1`;

    // --- inbound call: connect, participants, play, recognize (completed and failed), DTMF, recording, transcription
    const leg = await h.control<{ id: string; serverCallId: string }>("POST", "/calls", { from: CALLER, to: CALLED });
    const incoming = await h.waitForEventGrid(
      (e) => e.eventType === "Microsoft.Communication.IncomingCall" && e.data.serverCallId === leg.body.serverCallId,
      "IncomingCall",
    );
    const answered = await h.client.answerCall(String(incoming.data.incomingCallContext), callbackUrl, {
      callIntelligenceOptions: { cognitiveServicesEndpoint: "https://cognitive.example.invalid/" },
      transcriptionOptions: { transportType: "websocket", transportUrl: "wss://example.invalid/t", locale: "en-US", startTranscription: true },
      operationContext: "answer",
    });
    const id = answered.callConnectionProperties.callConnectionId as string;
    const connection = answered.callConnection;
    const media = connection.getCallMedia();
    await waitForType(id, "CallConnected");
    await waitForType(id, "ParticipantsUpdated");
    await waitForType(id, "TranscriptionStarted");

    await media.playToAll([{ kind: "textSource", text: "Welcome." }], { operationContext: "welcome" });
    await waitForType(id, "PlayCompleted");

    await media.startRecognizing({ phoneNumber: CALLER }, {
      kind: "callMediaRecognizeDtmfOptions",
      maxTonesToCollect: 1,
      playPrompt: { kind: "textSource", text: "Press a key." },
      operationContext: "menu",
    });
    await h.waitFor(async () => JSON.stringify((await h.leg(leg.body.id)).media).includes('"listening"'), "listening");
    await h.control("POST", `/calls/${leg.body.id}/dtmf`, { tones: "5" });
    await waitForType(id, "RecognizeCompleted");

    await media.startRecognizing({ phoneNumber: CALLER }, {
      kind: "callMediaRecognizeDtmfOptions",
      maxTonesToCollect: 1,
      initialSilenceTimeoutInSeconds: 1,
      operationContext: "silence",
    });
    await waitForType(id, "RecognizeFailed");

    await media.startContinuousDtmfRecognition({ phoneNumber: CALLER }, { operationContext: "dtmf" });
    await h.control("POST", `/calls/${leg.body.id}/dtmf`, { tones: "1#" });
    await waitForType(id, "ContinuousDtmfRecognitionToneReceived", 2);
    await media.stopContinuousDtmfRecognition({ phoneNumber: CALLER }, { operationContext: "dtmf" });
    await waitForType(id, "ContinuousDtmfRecognitionStopped");

    await h.client.getCallRecording().start({ callConnectionId: id });
    await waitForType(id, "RecordingStateChanged");

    await h.control("POST", `/calls/${leg.body.id}/hangup`);
    await waitForType(id, "CallDisconnected");

    // --- outbound call the far end declines: CreateCallFailed
    const created = await h.client.createCall(
      { targetParticipant: { phoneNumber: "+14255550177" }, sourceCallIdNumber: { phoneNumber: CALLED } },
      callbackUrl,
      { operationContext: "outbound" },
    );
    const outboundId = created.callConnectionProperties.callConnectionId as string;
    const calls = await h.control<Array<{ id: string; callConnectionIds: string[] }>>("GET", "/calls");
    const outboundLeg = calls.body.find((l) => l.callConnectionIds.includes(outboundId));
    assert.ok(outboundLeg, "the outbound call rings at the far end");
    await h.control("POST", `/calls/${outboundLeg.id}/reject`, { reason: "declined" });
    await waitForType(outboundId, "CreateCallFailed");

    // Let stragglers (recording inactive, retries) arrive, then check that nothing more comes.
    await settle(() => deliveries.length);

    const expectedTypes = [
      "CallConnected",
      "ParticipantsUpdated",
      "TranscriptionStarted",
      "PlayStarted",
      "PlayCompleted",
      "RecognizeCompleted",
      "RecognizeFailed",
      "ContinuousDtmfRecognitionToneReceived",
      "ContinuousDtmfRecognitionStopped",
      "RecordingStateChanged",
      "CallDisconnected",
    ];
    const seen = new Set(typesOf(id));
    for (const t of expectedTypes) assert.ok(seen.has(t), `saw ${t}; saw ${[...seen].join(", ")}`);
    assert.ok(typesOf(outboundId).includes("CreateCallFailed"));
    // No event of a call is sent after its CallDisconnected (the simulator's event log keeps send order).
    const log = (await h.leg(leg.body.id)).events.map((e) => e.type);
    assert.equal(log[log.length - 1], "CallDisconnected", `event log: ${log.join(", ")}`);
    assert.equal(log.filter((t) => t === "CallDisconnected").length, 1);

    // --- the JWT check, against what the OpenID configuration names
    const config = (await (await fetch(`${h.sim.issuer}/calling/.well-known/acsopenidconfiguration`)).json()) as OpenIdConfiguration;
    const jwks = createRemoteJWKSet(new URL(config.jwks_uri));
    const { keys } = (await (await fetch(config.jwks_uri)).json()) as { keys: JWK[] };
    const kids = new Set(keys.map((k) => k.kid));

    const ids = new Set<string>();
    const jtis = new Set<string>();
    let events = 0;
    assert.ok(deliveries.length >= expectedTypes.length + 1, `${deliveries.length} deliveries`);
    for (const d of deliveries) {
      // Transport.
      assert.equal(d.method, "POST");
      assert.ok(d.url === "/acs/events?secret=s3cr3t&x=1", `callback URL kept verbatim, query included: ${d.url}`);
      assert.match(String(d.headers["content-type"]), /^application\/json(;|$)/, "content-type application/json");

      // Authorization: Bearer RS256 JWT from this simulator, for this resource, 5 minutes.
      const authorization = String(d.headers.authorization ?? "");
      assert.match(authorization, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/, "a Bearer JWT");
      const token = authorization.slice("Bearer ".length);
      const header = decodeProtectedHeader(token);
      assert.equal(header.alg, "RS256");
      assert.ok(header.kid && kids.has(header.kid), "kid names a published key");
      const claims = decodeJwt(token);
      assert.equal(claims.iss, h.sim.issuer);
      assert.equal(claims.iss, config.issuer);
      assert.equal(claims.aud, h.sim.resourceId);
      assert.ok(typeof claims.iat === "number" && typeof claims.exp === "number");
      assert.ok(Math.abs(claims.exp - claims.iat - 300) <= 5, `exp - iat = ${claims.exp - claims.iat} s, about 5 minutes`);
      assert.ok(Math.abs(claims.iat - Date.now() / 1000) < 120, "issued just now");
      await jwtVerify(token, jwks, { issuer: config.issuer, audience: h.sim.resourceId, algorithms: ["RS256"] });
      if (claims.jti) {
        assert.ok(!jtis.has(claims.jti), "a new token per delivery");
        jtis.add(claims.jti);
      }

      // Body: a JSON array of CloudEvents.
      const body = JSON.parse(d.body) as unknown;
      assert.ok(Array.isArray(body), `body is a JSON array: ${d.body.slice(0, 80)}`);
      assert.equal(body.length, 1, "one event per POST");
      for (const raw of body as Array<Record<string, unknown>>) {
        events += 1;
        const ce = new CloudEvent<Record<string, unknown>>(raw); // validates by default; throws if invalid
        assert.equal(ce.validate(), true);
        assert.equal(raw.specversion, "1.0");
        assert.equal(ce.specversion, "1.0");
        assert.equal(raw.datacontenttype, "application/json");
        assert.match(String(raw.type), /^Microsoft\.Communication\.[A-Z]\w+$/);
        assert.ok(typeof raw.source === "string" && raw.source.length > 0);
        assert.ok(typeof raw.subject === "string" && raw.subject.length > 0);
        assert.ok(!Number.isNaN(Date.parse(String(raw.time))), "time is a timestamp");
        assert.match(String(raw.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, "RFC 3339 time");
        assert.match(String(raw.id), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "id is a GUID");
        assert.ok(!ids.has(String(raw.id)), `event id ${String(raw.id)} is unique`);
        ids.add(String(raw.id));
        assert.ok(raw.data && typeof raw.data === "object" && !Array.isArray(raw.data), "data is an object");
        const data = raw.data as Record<string, unknown>;
        assert.ok(data.serverCallId && data.correlationId, `${String(raw.type)} carries serverCallId and correlationId`);
        // The SDK's own parser reads it.
        const parsed = parseCallAutomationEvent(JSON.stringify([raw]));
        assert.equal(`Microsoft.Communication.${parsed.kind}`, raw.type);
      }
    }
    assert.equal(events, ids.size);
    assert.equal(events, delivered().length);
    assert.ok(events >= expectedTypes.length + 1);

    // A tampered token does not verify against the published keys.
    const token = String(deliveries[0].headers.authorization).slice("Bearer ".length);
    const [head, , signature] = token.split(".");
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(token), aud: "someone-else" })).toString("base64url");
    await assert.rejects(jwtVerify(`${head}.${forged}.${signature}`, jwks, { algorithms: ["RS256"] }));
  });
});
