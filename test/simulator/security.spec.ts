/**
 * Security and robustness of the simulator, through the real SDK where it can send what is
 * tested, and through hand-signed requests where it cannot: HMAC and bearer authentication,
 * Repeatability-Request-ID, SDK retries against injected faults, callback and Event Grid delivery
 * retries, the Event Grid validation handshake, and bad REST input.
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CallAutomationClient, type CallInvite } from "@azure/communication-call-automation";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { createDefaultHttpClient, isRestError, type HttpClient, type PipelineRequest } from "@azure/core-rest-pipeline";
import { ClientSecretCredential } from "@azure/identity";
import { SignJWT, generateKeyPair } from "jose";
import { simulatorClientOptions, simulatorHttpClient } from "../../lib/simulator-client";
import type { AcsSimulator, EntraClient } from "../../simulator";
import { Harness, waitFor, type LegSummary } from "../support/harness";
import type { DeliveryRecord } from "../../simulator/delivery";
import { accessKeyOf, errorCodeOf, signHeaders, signedFetch, type RawReply } from "../support/signed-fetch";

const CALLER_ID = "+18005550100";
const ACS_SCOPE = "https://communication.azure.com//.default";

/** A fresh E.164 number, so that counting the legs to it counts only this test's calls. */
let numberSeq = 0;
function freshNumber(): string {
  numberSeq += 1;
  return `+1425555${String(1000 + (numberSeq % 9000)).padStart(4, "0")}`;
}

/** A CallInvite to a phone number, from the resource's number. */
const pstn = (number: string): CallInvite => ({ targetParticipant: { phoneNumber: number }, sourceCallIdNumber: { phoneNumber: CALLER_ID } });

async function legsTo(h: Harness, number: string): Promise<LegSummary[]> {
  const { body } = await h.control<LegSummary[]>("GET", "/calls");
  return body.filter((l) => l.to === `4:${number}`);
}

async function deliveries(h: Harness): Promise<DeliveryRecord[]> {
  return (await h.control<DeliveryRecord[]>("GET", "/deliveries")).body;
}

/** Expect a RestError with this status (and code, when given). */
async function rejectsWith(promise: Promise<unknown>, status: number, code?: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isRestError(err), `expected a RestError, got ${String(err)}`);
    assert.equal(err.statusCode, status);
    if (code !== undefined) assert.equal(err.code, code);
    return true;
  });
}

/** Expect the ACS error body with a 4xx status. */
function assertAcsError(reply: RawReply, status: number, code?: string): void {
  assert.equal(reply.status, status, `status of ${reply.text}`);
  const got = errorCodeOf(reply.body);
  assert.ok(got, `ACS error body expected, got ${reply.text}`);
  if (code !== undefined) assert.equal(got, code);
}

function rest(h: Harness) {
  const key = accessKeyOf(h.sim.connectionString);
  return <T = Record<string, unknown>>(method: string, path: string, options: Parameters<typeof signedFetch>[4] = {}) =>
    signedFetch<T>(h.sim.endpoint, key, method, path, options);
}

function createCallBody(h: Harness, number: string): Record<string, unknown> {
  return {
    targets: [{ kind: "phoneNumber", rawId: `4:${number}`, phoneNumber: { value: number } }],
    callbackUri: h.callbackUrl(),
    sourceCallerIdNumber: { value: CALLER_ID },
  };
}

/** A throwaway webhook whose answers a test decides. */
async function webhook(
  answer: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<{ url: string; requests: Array<{ headers: IncomingMessage["headers"]; body: string }>; close: () => Promise<void> }> {
  const requests: Array<{ headers: IncomingMessage["headers"]; body: string }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({ headers: req.headers, body });
      answer(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?secret=s`;
  return {
    url,
    requests,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

const validationCodeOf = (body: string): string =>
  ((JSON.parse(body) as Array<{ data: { validationCode: string } }>)[0].data.validationCode);

// ---------------------------------------------------------------- Entra helpers

/**
 * The SDK's bearer policy refuses plain-http URLs ("Bearer token authentication is not permitted
 * for non-TLS protected (non-https) URLs."), so a bearer client is given the simulator's endpoint
 * as https and this HTTP client sends it on over http, as a TLS-terminating proxy would.
 */
/** The client the package offers for simulator mode: it also carries https-to-the-simulator over http. */
function tlsTerminatingHttpClient(sim: AcsSimulator): HttpClient {
  return simulatorHttpClient(sim.endpoint);
}

function httpsEndpoint(sim: AcsSimulator): string {
  return sim.endpoint.replace(/^http:/, "https:");
}

function bearerClient(sim: AcsSimulator, credential: TokenCredential): CallAutomationClient {
  return new CallAutomationClient(httpsEndpoint(sim), credential, {
    httpClient: tlsTerminatingHttpClient(sim),
    retryOptions: { maxRetries: 0 },
  });
}

/** A client-credentials TokenCredential on the simulator's token endpoint. */
function clientCredentials(sim: AcsSimulator, client: EntraClient, secret = client.clientSecret): TokenCredential & { scopes: string[][] } {
  const scopes: string[][] = [];
  return {
    scopes,
    async getToken(requested: string | string[]): Promise<AccessToken> {
      scopes.push(Array.isArray(requested) ? requested : [requested]);
      const res = await fetch(`${sim.authorityHost}/${client.tenantId}/oauth2/v2.0/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: client.clientId, client_secret: secret, scope: ACS_SCOPE }).toString(),
      });
      const body = (await res.json()) as { access_token?: string; expires_in?: number; error?: string };
      if (!res.ok || !body.access_token) throw new Error(`token endpoint answered ${res.status} ${body.error ?? ""}`);
      return { token: body.access_token, expiresOnTimestamp: Date.now() + (body.expires_in ?? 0) * 1000 };
    },
  };
}

const staticToken = (token: string): TokenCredential => ({
  getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }),
});

/**
 * An HTTP client for @azure/identity: its authority host must be https, so the credential is given
 * `https://127.0.0.1:PORT`; this sends those requests on over http, and shows MSAL the OpenID
 * configuration's issuer with the https scheme (MSAL requires issuer and authority to share scheme
 * and host; otherwise getToken fails with endpoints_resolution_error).
 */
function identityHttpClient(sim: AcsSimulator): HttpClient {
  const http = sim.authorityHost;
  const https = http.replace(/^http:/, "https:");
  const inner = createDefaultHttpClient();
  return {
    async sendRequest(request: PipelineRequest) {
      if (request.url.startsWith(https)) request.url = http + request.url.slice(https.length);
      request.allowInsecureConnection = true;
      const response = await inner.sendRequest(request);
      if (response.bodyAsText && request.url.endsWith("/.well-known/openid-configuration")) {
        response.bodyAsText = response.bodyAsText.replace(`"issuer":"${http}`, `"issuer":"${https}`);
      }
      return response;
    },
  };
}

// ================================================================ tests

describe("simulator security", function () {
  let h: Harness;
  let call: (method: string, path: string, options?: Parameters<typeof signedFetch>[4]) => Promise<RawReply<Record<string, unknown>>>;

  beforeEach(async () => {
    h = await Harness.start({ speed: 50 });
    call = rest(h);
  });
  afterEach(async () => {
    await h.stop();
  });

  describe("HMAC request signatures", () => {
    it("refuses a client with the wrong access key (401 Denied) and changes nothing", async () => {
      const { legId, callConnectionId } = await h.dialInAndAnswer();
      const before = await h.leg(legId);
      const callsBefore = (await h.control<LegSummary[]>("GET", "/calls")).body.length;
      // Default retry options: a 401 is not retried.
      const wrong = new CallAutomationClient(`endpoint=${h.sim.endpoint};accesskey=${randomBytes(32).toString("base64")}`, simulatorClientOptions(h.sim.endpoint));
      const conn = wrong.getCallConnection(callConnectionId);
      await rejectsWith(conn.getCallMedia().playToAll([{ kind: "textSource", text: "Not allowed." }]), 401, "Denied");
      await rejectsWith(conn.hangUp(true), 401, "Denied");
      await rejectsWith(conn.getCallConnectionProperties(), 401, "Denied");
      const target = freshNumber();
      await rejectsWith(wrong.createCall(pstn(target), h.callbackUrl()), 401, "Denied");

      const after = await h.leg(legId);
      assert.equal(after.state, "connected");
      assert.deepEqual(after.heard, []);
      assert.equal(after.events.length, before.events.length);
      assert.equal((await h.control<LegSummary[]>("GET", "/calls")).body.length, callsBefore);
      assert.deepEqual(await legsTo(h, target), []);
      const props = await h.client.getCallConnection(callConnectionId).getCallConnectionProperties();
      assert.equal(props.callConnectionState, "connected");
    });

    it("accepts a correctly signed raw request", async () => {
      const number = freshNumber();
      const reply = await call("POST", "/calling/callConnections", { body: createCallBody(h, number) });
      assert.equal(reply.status, 201, reply.text);
      assert.equal(reply.body.callConnectionState, "connecting");
      const legs = await legsTo(h, number);
      assert.equal(legs.length, 1);
      assert.deepEqual(legs[0].callConnectionIds, [reply.body.callConnectionId]);
      const read = await call("GET", `/calling/callConnections/${String(reply.body.callConnectionId)}`);
      assert.equal(read.status, 200);
      assert.equal(read.body.callConnectionId, reply.body.callConnectionId);
    });

    it("refuses a tampered body, a stale date, no Authorization and wrong SignedHeaders with 401", async () => {
      const number = freshNumber();
      const good = createCallBody(h, number);
      const cases: Array<[string, Parameters<typeof signedFetch>[4], RegExp]> = [
        ["tampered body", { body: good, signedBody: JSON.stringify({ ...good, callbackUri: "https://attacker.example/" }) }, /content hash/i],
        ["stale x-ms-date", { body: good, date: new Date(Date.now() - 20 * 60 * 1000) }, /date/i],
        ["date in the future", { body: good, date: new Date(Date.now() + 20 * 60 * 1000) }, /date/i],
        ["missing Authorization", { body: good, omitAuthorization: true }, /missing authorization/i],
        ["wrong SignedHeaders", { body: good, signedHeaders: "x-ms-date;host" }, /signedheaders/i],
        ["signed with another key", { body: good, key: randomBytes(32).toString("base64") }, /signature/i],
        ["not an HMAC header", { body: good, authorization: "SharedKey abc" }, /hmac/i],
      ];
      for (const [what, options, reason] of cases) {
        const reply = await call("POST", "/calling/callConnections", options);
        assertAcsError(reply, 401, "Denied");
        const details = (reply.body.error as { details?: Array<{ message: string }> }).details ?? [];
        assert.ok(details.some((d) => reason.test(d.message)), `${what}: ${reply.text}`);
      }
      // The signature covers the path too: a request signed for one path and sent to another.
      const id = randomUUID();
      const moved = await call("GET", `/calling/callConnections/${id}`, {
        headers: signHeaders({
          method: "GET",
          url: `${h.sim.endpoint}calling/callConnections/other?api-version=2026-03-12`,
          body: "",
          key: accessKeyOf(h.sim.connectionString),
        }),
      });
      assertAcsError(moved, 401, "Denied");
      assert.deepEqual(await legsTo(h, number), []);
    });
  });

  describe("Entra bearer tokens", () => {
    it("lets a client-credentials bearer client create a call", async () => {
      const credential = clientCredentials(h.sim, h.sim.entraClients[0]);
      const client = bearerClient(h.sim, credential);
      const number = freshNumber();
      const created = await client.createCall(pstn(number), h.callbackUrl());
      assert.equal(created.callConnectionProperties.callConnectionState, "connecting");
      assert.deepEqual(credential.scopes[0], [ACS_SCOPE]);
      const legs = await legsTo(h, number);
      assert.equal(legs.length, 1);
      assert.equal(legs[0].state, "ringing");
      // The far end answers: the bearer client's call connects like any other.
      await h.control("POST", `/calls/${legs[0].id}/answer`);
      await h.waitForCallback(created.callConnectionProperties.callConnectionId as string, "CallConnected");

      // The SDK itself refuses bearer tokens over plain http, which is why the client above is
      // given an https endpoint that its HTTP client sends on over http.
      const plain = new CallAutomationClient(h.sim.endpoint, credential, simulatorClientOptions(h.sim.endpoint));
      await assert.rejects(plain.getCallConnection("x").getCallConnectionProperties(), /non-TLS/);
    });

    it("answers 401 to a wrong client secret at the token endpoint", async () => {
      const client = h.sim.entraClients[0];
      const res = await fetch(`${h.sim.authorityHost}/${client.tenantId}/oauth2/v2.0/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: client.clientId, client_secret: "wrong", scope: ACS_SCOPE }).toString(),
      });
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error: string }).error, "invalid_client");
      // Another tenant's path with the right secret is refused too.
      const otherTenant = await fetch(`${h.sim.authorityHost}/${randomUUID()}/oauth2/v2.0/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: client.clientId, client_secret: client.clientSecret, scope: ACS_SCOPE }).toString(),
      });
      assert.equal(otherTenant.status, 401);

      const number = freshNumber();
      const sdk = bearerClient(h.sim, clientCredentials(h.sim, client, "wrong"));
      await assert.rejects(
        sdk.createCall(pstn(number), h.callbackUrl()),
        /401/,
      );
      assert.deepEqual(await legsTo(h, number), []);
    });

    it("refuses a forged bearer token, and the simulator's other tokens, with 401", async () => {
      const { privateKey } = await generateKeyPair("RS256");
      const client = h.sim.entraClients[0];
      const jwks = (await (await fetch(`${h.sim.issuer}/calling/keys`)).json()) as { keys: Array<{ kid: string }> };
      const forged = await new SignJWT({ appid: client.clientId, tid: client.tenantId, roles: [] })
        .setProtectedHeader({ alg: "RS256", kid: jwks.keys[0].kid, typ: "JWT" })
        .setIssuer(`${h.sim.authorityHost}/${client.tenantId}/v2.0`)
        .setAudience("https://communication.azure.com")
        .setSubject(client.clientId)
        .setIssuedAt()
        .setExpirationTime("1h")
        .sign(privateKey);
      const number = freshNumber();
      assertAcsError(await call("POST", "/calling/callConnections", { body: createCallBody(h, number), authorization: `Bearer ${forged}` }), 401, "Denied");
      await rejectsWith(
        bearerClient(h.sim, staticToken(forged)).createCall(pstn(number), h.callbackUrl()),
        401,
        "Denied",
      );

      // Tokens the simulator signs with the same key for other purposes are not access tokens:
      // a callback JWT (audience: the resource id) and an incomingCallContext.
      const { incoming } = await h.dialInAndAnswer();
      const callbackJwt = (h.callbacks[0].authorization ?? "").replace(/^Bearer /, "");
      assert.ok(callbackJwt.length > 0);
      for (const token of [callbackJwt, String(incoming.data.incomingCallContext), "not-a-jwt"]) {
        assertAcsError(await call("POST", "/calling/callConnections", { body: createCallBody(h, number), authorization: `Bearer ${token}` }), 401, "Denied");
      }
      assert.deepEqual(await legsTo(h, number), []);
    });

    it("works with @azure/identity's ClientSecretCredential through an https authority", async () => {
      const client = h.sim.entraClients[0];
      // @azure/identity refuses the simulator's plain-http authority outright.
      assert.throws(
        () => new ClientSecretCredential(client.tenantId, client.clientId, client.clientSecret, { authorityHost: h.sim.authorityHost, disableInstanceDiscovery: true }),
        /authorityHost address must use the 'https' protocol/,
      );
      const options = {
        authorityHost: h.sim.authorityHost.replace(/^http:/, "https:"),
        disableInstanceDiscovery: true,
        httpClient: identityHttpClient(h.sim),
      };
      const credential = new ClientSecretCredential(client.tenantId, client.clientId, client.clientSecret, options);
      const token = await credential.getToken(ACS_SCOPE);
      assert.ok(token.expiresOnTimestamp > Date.now() + 30 * 60 * 1000);

      const number = freshNumber();
      const created = await bearerClient(h.sim, credential).createCall(pstn(number), h.callbackUrl());
      assert.ok(created.callConnectionProperties.callConnectionId);
      assert.equal((await legsTo(h, number)).length, 1);

      const wrong = new ClientSecretCredential(client.tenantId, client.clientId, "wrong-secret", options);
      await assert.rejects(wrong.getToken(ACS_SCOPE), /invalid_client/);
    });
  });

  describe("Repeatability-Request-ID and SDK retries", () => {
    afterEach(async () => {
      await h.control("DELETE", "/faults");
    });

    it("createCall whose response is lost (503 after acting) is retried once and creates one call", async () => {
      const fault = await h.control("POST", "/faults", { path: "/calling/callConnections", method: "POST", stage: "after", status: 503 });
      assert.equal(fault.status, 201);
      const number = freshNumber();
      const created = await h.client.createCall(pstn(number), h.callbackUrl());
      assert.deepEqual((await h.control<unknown[]>("GET", "/faults")).body, [], "the fault was used");
      const legs = await legsTo(h, number);
      assert.equal(legs.length, 1);
      assert.equal(legs[0].state, "ringing");
      assert.deepEqual(legs[0].callConnectionIds, [created.callConnectionProperties.callConnectionId]);
    });

    it("addParticipant and sendDtmfTones behind a lost response ring once and send the tones once", async () => {
      const { legId, callConnectionId, connection } = await h.dialInAndAnswer();
      await h.control("POST", "/faults", { path: "participants:add", stage: "after", status: 503 });
      const number = freshNumber();
      const added = await connection.addParticipant(pstn(number), { operationContext: "add-once" });
      assert.ok(added.invitationId);
      assert.deepEqual((await h.control<unknown[]>("GET", "/faults")).body, []);
      const ringing = await legsTo(h, number);
      assert.equal(ringing.length, 1);
      assert.equal(ringing[0].state, "ringing");

      await h.control("POST", "/faults", { path: ":sendDtmfTones", stage: "after", status: 503 });
      await connection.getCallMedia().sendDtmfTones(["one", "two"], { phoneNumber: "+14255550100" }, { operationContext: "dtmf-once" });
      await h.waitForCallback(callConnectionId, "SendDtmfTonesCompleted");
      assert.deepEqual((await h.leg(legId)).tonesReceived, ["one", "two"]);
      // Answer the participant: one AddParticipantSucceeded, and still exactly one tone burst.
      await h.control("POST", `/calls/${ringing[0].id}/answer`);
      await h.waitForCallback(callConnectionId, "AddParticipantSucceeded");
      assert.equal(h.eventsOf(callConnectionId).filter((c) => c.type === "SendDtmfTonesCompleted").length, 1);
      assert.equal(h.eventsOf(callConnectionId).filter((c) => c.type === "AddParticipantSucceeded").length, 1);
      assert.deepEqual((await h.leg(legId)).tonesReceived, ["one", "two"]);
    });

    it("answers a repeated request from its first result; a new id acts again", async () => {
      const number = freshNumber();
      const id = randomUUID();
      const first = await call("POST", "/calling/callConnections", { body: createCallBody(h, number), repeatabilityRequestId: id });
      const second = await call("POST", "/calling/callConnections", { body: createCallBody(h, number), repeatabilityRequestId: id });
      assert.equal(first.status, 201);
      assert.equal(second.status, 201);
      assert.deepEqual(second.body, first.body);
      assert.equal((await legsTo(h, number)).length, 1);

      const third = await call("POST", "/calling/callConnections", { body: createCallBody(h, number), repeatabilityRequestId: randomUUID() });
      assert.equal(third.status, 201);
      assert.notEqual(third.body.callConnectionId, first.body.callConnectionId);
      assert.equal((await legsTo(h, number)).length, 2);
    });

    it("retries 503 faults that refuse before acting, and gives up after four attempts", async () => {
      await h.control("POST", "/faults", { path: "/calling/callConnections", method: "POST", stage: "before", status: 503, times: 2 });
      const number = freshNumber();
      const created = await h.client.createCall(pstn(number), h.callbackUrl());
      assert.ok(created.callConnectionProperties.callConnectionId);
      assert.deepEqual((await h.control<unknown[]>("GET", "/faults")).body, []);
      assert.equal((await legsTo(h, number)).length, 1);

      await h.control("POST", "/faults", { path: "/calling/callConnections", method: "POST", stage: "before", status: 503, times: 4 });
      const other = freshNumber();
      await rejectsWith(
        h.client.createCall(pstn(other), h.callbackUrl()),
        503,
      );
      assert.deepEqual((await h.control<unknown[]>("GET", "/faults")).body, [], "1 try + 3 retries used all four faults");
      assert.deepEqual(await legsTo(h, other), []);
    });

    it("does not retry 429 without Retry-After, and retries it with Retry-After", async () => {
      await h.control("POST", "/faults", { path: "/calling/callConnections", method: "POST", stage: "before", status: 429, times: 2 });
      const number = freshNumber();
      const make = () =>
        h.client.createCall(pstn(number), h.callbackUrl());
      await rejectsWith(make(), 429);
      const left = (await h.control<Array<{ remaining: number }>>("GET", "/faults")).body;
      assert.equal(left.length, 1);
      assert.equal(left[0].remaining, 1, "only one attempt was made");
      assert.deepEqual(await legsTo(h, number), []);
      await h.control("DELETE", "/faults");

      await h.control("POST", "/faults", { path: "/calling/callConnections", method: "POST", stage: "before", status: 429, retryAfterSeconds: 0 });
      await make();
      assert.deepEqual((await h.control<unknown[]>("GET", "/faults")).body, []);
      assert.equal((await legsTo(h, number)).length, 1);
    });
  });

  describe("delivery retries", () => {
    it("retries a failed callback until it is delivered, once", async () => {
      const { callConnectionId, connection } = await h.dialInAndAnswer();
      h.failNextCallbacks = 2;
      await connection.getCallMedia().playToAll([{ kind: "textSource", text: "Retry me." }], { operationContext: "retry-1" });
      const completed = await h.waitForCallback(callConnectionId, "PlayCompleted");
      assert.equal(h.failNextCallbacks, 0);
      const ids = h.callbacks.map((c) => String(c.raw.id));
      assert.equal(new Set(ids).size, ids.length, "no CloudEvent id arrived twice");
      const records = await deliveries(h);
      const events = h.eventsOf(callConnectionId);
      // The first event after the play took three attempts; the rest went through at once.
      const retried = records.filter((r) => r.attempts > 1);
      assert.equal(retried.length, 1, JSON.stringify(records));
      assert.equal(retried[0].attempts, 3);
      assert.equal(retried[0].delivered, true);
      assert.equal(retried[0].status, 200);
      assert.ok(events.some((e) => e.raw.id === retried[0].eventId), "the retried event reached the app");
      assert.ok(events.some((e) => e.raw.id === completed.raw.id));
      assert.ok(!JSON.stringify(records).includes("secret-main"), "delivery records hide the callback query string");
    });

    it("gives up after the last attempt and keeps working", async () => {
      const { legId, callConnectionId, connection } = await h.dialInAndAnswer();
      const before = h.eventsOf(callConnectionId).length;
      h.failNextCallbacks = 4;
      await connection.getCallMedia().playToAll([{ kind: "textSource", text: "Lost." }], { operationContext: "lost" });
      let record: DeliveryRecord | undefined;
      await h.waitFor(async () => {
        record = (await deliveries(h)).find((r) => !r.delivered && r.attempts === 4 && r.status === 503);
        return record !== undefined && h.failNextCallbacks === 0;
      }, "a delivery that failed four times");
      if (!record) throw new Error("no failed delivery record");
      const lost = record;
      assert.equal(lost.delivered, false);
      assert.equal(lost.attempts, 4);
      assert.equal(lost.status, 503);
      // Later events of the call still arrive, and the call still works.
      await h.waitForCallback(callConnectionId, "PlayCompleted");
      assert.ok(!h.eventsOf(callConnectionId).some((e) => e.raw.id === lost.eventId));
      assert.ok(h.eventsOf(callConnectionId).length > before);
      await h.control("POST", `/calls/${legId}/hangup`);
      await h.waitForCallback(callConnectionId, "CallDisconnected");
    });

    it("retries Event Grid deliveries with an increasing aeg-delivery-count", async () => {
      h.failNextEventGrid = 2;
      const leg = await h.control<LegSummary>("POST", "/calls", { from: "+14255550101", to: CALLER_ID });
      const incoming = await h.waitForEventGrid((e) => e.data.serverCallId === leg.body.serverCallId, "IncomingCall");
      assert.equal(incoming.headers["aeg-delivery-count"], "2");
      assert.equal(h.eventGrid.filter((e) => e.raw.id === incoming.raw.id).length, 1);
      const record = (await deliveries(h)).find((r) => r.eventId === incoming.raw.id);
      assert.ok(record);
      assert.equal(record.attempts, 3);
      assert.equal(record.delivered, true);

      h.failNextEventGrid = 4;
      const lost = await h.control<LegSummary>("POST", "/calls", { from: "+14255550102", to: CALLER_ID });
      await h.waitFor(async () => h.failNextEventGrid === 0 && (await deliveries(h)).some((r) => r.eventType.endsWith("IncomingCall") && r.attempts === 4 && r.status === 500), "four failed attempts");
      await h.waitFor(async () => (await deliveries(h)).filter((r) => r.eventType.endsWith("IncomingCall")).every((r) => r.delivered || r.attempts === 4), "the delivery to end");
      assert.ok(!h.eventGrid.some((e) => e.data.serverCallId === lost.body.serverCallId));
      const failed = (await deliveries(h)).filter((r) => !r.delivered);
      assert.equal(failed.length, 1);
      assert.equal(failed[0].error, "HTTP 500");
      // The simulator keeps working.
      await h.dialInAndAnswer("+14255550103");
    });
  });

  describe("Event Grid subscriptions", () => {
    it("refuses a webhook that does not echo the validation code, and delivers nothing to it", async () => {
      const silent = await webhook((_req, _body, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
      try {
        const reply = await h.control("POST", "/subscriptions", { url: silent.url });
        assert.equal(reply.status, 400);
        assert.match(String((reply.body.error as { message: string }).message), /echo/);
        assert.equal(silent.requests.length, 1);
        assert.equal(silent.requests[0].headers["aeg-event-type"], "SubscriptionValidation");
        const subs = (await h.control<Array<{ url: string }>>("GET", "/subscriptions")).body;
        assert.ok(!subs.some((s) => s.url === silent.url));
        await h.dialInAndAnswer();
        assert.equal(silent.requests.length, 1);
        assert.ok(!(await deliveries(h)).some((r) => r.url.startsWith(new URL(silent.url).origin)));
      } finally {
        await silent.close();
      }
    });

    it("refuses a webhook that answers the handshake with 202", async () => {
      const lazy = await webhook((_req, body, res) =>
        res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ validationResponse: validationCodeOf(body) })),
      );
      try {
        const reply = await h.control("POST", "/subscriptions", { url: lazy.url });
        assert.equal(reply.status, 400);
        assert.match(String((reply.body.error as { message: string }).message), /202/);
        await h.dialInAndAnswer();
        assert.equal(lazy.requests.length, 1);
      } finally {
        await lazy.close();
      }
    });

    it("delivers only the subscribed event types", async () => {
      const accept = (_req: IncomingMessage, body: string, res: ServerResponse): void => {
        const events = JSON.parse(body) as Array<{ eventType: string }>;
        if (events[0].eventType === "Microsoft.EventGrid.SubscriptionValidationEvent") {
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ validationResponse: validationCodeOf(body) }));
        } else res.writeHead(200).end();
      };
      const recordingsOnly = await webhook(accept);
      const callsOnly = await webhook(accept);
      try {
        assert.equal((await h.control("POST", "/subscriptions", { url: recordingsOnly.url, eventTypes: ["Microsoft.Communication.RecordingFileStatusUpdated"] })).status, 201);
        assert.equal((await h.control("POST", "/subscriptions", { url: callsOnly.url, eventTypes: ["Microsoft.Communication.IncomingCall"] })).status, 201);
        const { incoming } = await h.dialInAndAnswer();
        await waitFor(() => callsOnly.requests.length === 2, "IncomingCall at the calls-only webhook");
        const recording = await h.client.getCallRecording().start({
          callLocator: { id: String(incoming.data.serverCallId), kind: "serverCallLocator" },
        });
        await h.client.getCallRecording().stop(recording.recordingId);
        await waitFor(() => recordingsOnly.requests.length === 2, "RecordingFileStatusUpdated at the recordings-only webhook");
        await h.waitForEventGrid((e) => e.eventType === "Microsoft.Communication.RecordingFileStatusUpdated", "file status at the harness");
        const types = (w: { requests: Array<{ body: string }> }) =>
          w.requests.slice(1).map((r) => (JSON.parse(r.body) as Array<{ eventType: string }>)[0].eventType);
        assert.deepEqual(types(callsOnly), ["Microsoft.Communication.IncomingCall"]);
        assert.deepEqual(types(recordingsOnly), ["Microsoft.Communication.RecordingFileStatusUpdated"]);
      } finally {
        await recordingsOnly.close();
        await callsOnly.close();
      }
    });
  });

  describe("bad REST input", () => {
    it("answers every kind of bad request with a 4xx ACS error, then serves a normal call", async () => {
      const { callConnectionId } = await h.dialInAndAnswer();
      const number = freshNumber();
      const good = createCallBody(h, number);
      const without = (key: string): Record<string, unknown> => Object.fromEntries(Object.entries(good).filter(([k]) => k !== key));
      const cases: Array<[string, string, string, Parameters<typeof signedFetch>[4], number, string?]> = [
        ["malformed JSON", "POST", "/calling/callConnections", { body: '{"targets": [' }, 400, "8523"],
        ["a JSON array", "POST", "/calling/callConnections", { body: [good] }, 400, "8523"],
        ["JSON null", "POST", "/calling/callConnections", { body: "null" }, 400, "8523"],
        ["createCall without targets", "POST", "/calling/callConnections", { body: without("targets") }, 400, "8523"],
        ["createCall with empty targets", "POST", "/calling/callConnections", { body: { ...good, targets: [] } }, 400, "8523"],
        ["createCall without callbackUri", "POST", "/calling/callConnections", { body: without("callbackUri") }, 400, "8523"],
        ["a non-URL callbackUri", "POST", "/calling/callConnections", { body: { ...good, callbackUri: "not a url" } }, 400, "8523"],
        ["a non-http callbackUri", "POST", "/calling/callConnections", { body: { ...good, callbackUri: "ftp://example.com/x" } }, 400, "8523"],
        ["a target that is not an identifier", "POST", "/calling/callConnections", { body: { ...good, targets: ["+14255550100"] } }, 400, "8523"],
        ["answer without incomingCallContext", "POST", "/calling/callConnections:answer", { body: { callbackUri: h.callbackUrl() } }, 400, "8523"],
        ["answer with a made-up incomingCallContext", "POST", "/calling/callConnections:answer", { body: { incomingCallContext: "abc", callbackUri: h.callbackUrl() } }, 400],
        ["play with a play source whose kind is not a string", "POST", `/calling/callConnections/${callConnectionId}:play`, { body: { playSources: [{ kind: 5 }], playTo: [] } }, 400, "8523"],
        ["play with a wrong-typed playSources", "POST", `/calling/callConnections/${callConnectionId}:play`, { body: { playSources: "hello", playTo: [] } }, 400, "8523"],
        ["an unknown path", "GET", "/calling/nothingHere", {}, 404],
        ["an unknown action", "POST", `/calling/callConnections/${callConnectionId}:dance`, { body: {} }, 404],
        ["a wrong method", "PUT", "/calling/callConnections", { body: good }, 405],
        ["a wrong method on a call", "PATCH", `/calling/callConnections/${callConnectionId}`, { body: {} }, 405],
        ["no api-version", "POST", "/calling/callConnections", { body: good, apiVersion: null }, 400],
        ["an unknown callConnectionId", "GET", `/calling/callConnections/${randomUUID()}`, {}, 404, "8522"],
        ["play on an unknown callConnectionId", "POST", `/calling/callConnections/${randomUUID()}:play`, { body: { playSources: [{ kind: "text", text: { text: "hi" } }], playTo: [] } }, 404, "8522"],
      ];
      for (const [what, method, path, options, status, code] of cases) {
        const reply = await call(method, path, options);
        assert.equal(reply.status, status, `${what}: ${reply.status} ${reply.text}`);
        assert.ok(errorCodeOf(reply.body), `${what}: ACS error body expected, got ${reply.text}`);
        if (code) assert.equal(errorCodeOf(reply.body), code, what);
      }
      assert.deepEqual(await legsTo(h, number), [], "no bad request created a call");

      // Through the SDK: an unknown call is a RestError 404 "8522".
      await rejectsWith(h.client.getCallConnection(randomUUID()).getCallConnectionProperties(), 404, "8522");
      await rejectsWith(h.client.createCall(pstn(number), "not a url"), 400, "8523");
      await rejectsWith(h.client.answerCall("", h.callbackUrl()), 400, "8523");

      // Still serving: the first call plays, a new call connects.
      await h.client.getCallConnection(callConnectionId).getCallMedia().playToAll([{ kind: "textSource", text: "Still here." }]);
      await h.waitForCallback(callConnectionId, "PlayCompleted");
      const again = await h.dialInAndAnswer("+14255550104");
      assert.ok(again.callConnectionId);
    });

    it("refuses a body over the size limit with 413 and keeps serving", async () => {
      await h.stop();
      h = await Harness.start({ speed: 50, maxBodyBytes: 4096 });
      call = rest(h);
      const number = freshNumber();
      const big = { ...createCallBody(h, number), operationContext: "x".repeat(10_000) };
      const reply = await call("POST", "/calling/callConnections", { body: big });
      assertAcsError(reply, 413);
      assert.deepEqual(await legsTo(h, number), []);
      const control = await h.control("POST", "/calls", { from: "+14255550100", to: CALLER_ID, padding: "y".repeat(10_000) });
      assert.equal(control.status, 413);
      assert.ok(errorCodeOf(control.body));
      const { connection, callConnectionId } = await h.dialInAndAnswer();
      await connection.getCallMedia().playToAll([{ kind: "textSource", text: "Small enough." }]);
      await h.waitForCallback(callConnectionId, "PlayCompleted");
    });
  });
});
