import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { CallAutomationClient } from "@azure/communication-call-automation";
import { createHttpHeaders, createPipelineRequest, type PipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { callbackIssuerFor, createAcsClient, CreateCallContexts, isLoopbackUrl, normaliseSipHeaders, toCustomCallingContext, type AcsClient } from "../../lib/acs-client";
import { ACS_CALLBACK_ISSUER } from "../../lib/callback-auth";
import { simulatorClientOptions } from "../../lib/simulator-client";
import { Harness, type LegSummary } from "../support/harness";
import { expectRestError } from "../support/rest-error";

const HEADERS = {
  sipHeaders: { Account: "42", "User-To-User": "3030303030", "X-Legacy": "yes" },
  voipHeaders: { orderId: "A-17" },
};
const SENT = {
  sipHeaders: { "X-MS-Custom-Account": "42", "User-To-User": "3030303030", "X-Legacy": "yes" },
  voipHeaders: { orderId: "A-17" },
};

describe("acs-client", () => {
  describe("CreateCallContexts with the real SDK against the simulator", () => {
    let h: Harness;
    let acs: AcsClient;

    before(async () => {
      h = await Harness.start({ speed: 50, ringTimeoutSeconds: 120 });
      acs = createAcsClient({ kind: "simulator", connectionString: h.sim.connectionString, endpoint: h.sim.endpoint });
    });
    after(async () => {
      await h.stop();
    });

    const acsUser = () => `8:acs:${randomUUID()}`;

    /** The far-end leg ringing at `to`, with the custom context it received. */
    async function legTo(to: string): Promise<{ id: string; customContext?: unknown }> {
      let summary: LegSummary | undefined;
      await h.waitFor(async () => {
        summary = (await h.control<LegSummary[]>("GET", "/calls")).body.find((l) => l.to === to);
        return summary !== undefined;
      }, `a call ringing at ${to}`);
      const leg = await h.leg(summary!.id);
      return { id: leg.id, customContext: leg.customContext };
    }

    it("adds the custom SIP/VoIP headers to the createCall whose operationContext asks for them, signed correctly", async () => {
      const user = acsUser();
      const ctx = randomUUID();
      acs.createCallContexts.set(ctx, HEADERS);
      // The simulator verifies the HMAC over the body it receives: a 2xx means the injected body was signed.
      const created = await acs.client.createCall({ targetParticipant: { communicationUserId: user } }, h.callbackUrl(), { operationContext: ctx });
      acs.createCallContexts.delete(ctx);
      assert.ok(created.callConnectionProperties.callConnectionId);
      const leg = await legTo(user);
      assert.deepEqual(leg.customContext, SENT);
      // The call works as any other: the far end answers and the app is told.
      assert.equal((await h.control("POST", `/calls/${leg.id}/answer`)).status, 200);
      const connected = await h.waitForCallback(created.callConnectionProperties.callConnectionId as string, "CallConnected");
      assert.equal((connected.raw.data as { operationContext?: string }).operationContext, ctx);
    });

    it("adds them to a group call, for every target", async () => {
      const users = [acsUser(), acsUser()];
      const ctx = randomUUID();
      acs.createCallContexts.set(ctx, { voipHeaders: { campaign: "spring" } });
      await acs.client.createGroupCall(users.map((u) => ({ communicationUserId: u })), h.callbackUrl(), { operationContext: ctx });
      acs.createCallContexts.delete(ctx);
      for (const user of users) assert.deepEqual((await legTo(user)).customContext, { sipHeaders: {}, voipHeaders: { campaign: "spring" } });
    });

    it("leaves a createCall without headers untouched, even while another call's headers are pending", async () => {
      const pendingCtx = randomUUID();
      acs.createCallContexts.set(pendingCtx, HEADERS);
      try {
        const other = acsUser();
        await acs.client.createCall({ targetParticipant: { communicationUserId: other } }, h.callbackUrl(), { operationContext: randomUUID() });
        assert.equal((await legTo(other)).customContext, undefined);
        const none = acsUser();
        await acs.client.createCall({ targetParticipant: { communicationUserId: none } }, h.callbackUrl());
        assert.equal((await legTo(none)).customContext, undefined);
      } finally {
        acs.createCallContexts.delete(pendingCtx);
      }
    });

    it("stops adding them once the operationContext is deleted", async () => {
      const ctx = randomUUID();
      acs.createCallContexts.set(ctx, HEADERS);
      acs.createCallContexts.delete(ctx);
      const user = acsUser();
      await acs.client.createCall({ targetParticipant: { communicationUserId: user } }, h.callbackUrl(), { operationContext: ctx });
      assert.equal((await legTo(user)).customContext, undefined);
    });

    it("(control) the simulator refuses a body changed after signing, so the policy above must run before the signature", async () => {
      const late = new CreateCallContexts();
      const client = new CallAutomationClient(h.sim.connectionString, {
        ...simulatorClientOptions(h.sim.endpoint),
        retryOptions: { maxRetries: 0 },
        // perRetry policies run after the SDK's HMAC policy.
        additionalPolicies: [{ policy: late.policy, position: "perRetry" }],
      });
      const ctx = randomUUID();
      late.set(ctx, HEADERS);
      const user = acsUser();
      await expectRestError(client.createCall({ targetParticipant: { communicationUserId: user } }, h.callbackUrl(), { operationContext: ctx }), 401);
      const unsigned = (await h.control<LegSummary[]>("GET", "/calls")).body.filter((l) => l.to === user);
      assert.deepEqual(unsigned, [], "nothing rang for the refused request");
    });
  });

  describe("CreateCallContexts policy on single requests", () => {
    /** Run the policy on a request and return the request it passed on. */
    async function through(contexts: CreateCallContexts, request: PipelineRequest): Promise<PipelineRequest> {
      let passed: PipelineRequest | undefined;
      await contexts.policy.sendRequest(request, async (r) => {
        passed = r;
        return { request: r, status: 201, headers: createHttpHeaders() } as PipelineResponse;
      });
      assert.ok(passed);
      return passed;
    }
    const req = (url: string, body: unknown, method: "POST" | "GET" = "POST") =>
      createPipelineRequest({ url, method, body: typeof body === "string" ? body : JSON.stringify(body), headers: createHttpHeaders({ "content-type": "application/json" }) });
    const CREATE = "https://contoso.communication.azure.com/calling/callConnections?api-version=2025-05-15";

    it("changes only POST /calling/callConnections with a pending operationContext", async () => {
      const contexts = new CreateCallContexts();
      contexts.set("ctx", HEADERS);
      const body = { targets: [], callbackUri: "https://x/cb", operationContext: "ctx" };
      const changed = JSON.parse(String((await through(contexts, req(CREATE, body))).body)) as Record<string, unknown>;
      assert.deepEqual(changed.customCallingContext, SENT);
      assert.equal(changed.operationContext, "ctx");
      assert.equal(changed.callbackUri, "https://x/cb");

      const untouched = JSON.stringify(body);
      for (const url of [
        "https://contoso.communication.azure.com/calling/callConnections:answer?api-version=2025-05-15",
        "https://contoso.communication.azure.com/calling/callConnections:connect?api-version=2025-05-15",
        "https://contoso.communication.azure.com/calling/callConnections/abc/participants:add?api-version=2025-05-15",
        "https://contoso.communication.azure.com/calling/callConnections/abc:transferToParticipant?api-version=2025-05-15",
      ]) {
        assert.equal((await through(contexts, req(url, body))).body, untouched, url);
      }
      assert.equal((await through(contexts, req(CREATE, body, "GET"))).body, untouched);
      for (const other of [{ ...body, operationContext: "other" }, { targets: [] }, { ...body, operationContext: 5 }]) {
        assert.equal((await through(contexts, req(CREATE, other))).body, JSON.stringify(other));
      }
      assert.equal((await through(contexts, req(CREATE, "not json"))).body, "not json");
      assert.equal((await through(contexts, req(CREATE, "[1]"))).body, "[1]");
    });

    it("does nothing while no headers are pending", async () => {
      const contexts = new CreateCallContexts();
      const body = JSON.stringify({ operationContext: "ctx" });
      assert.equal((await through(contexts, req(CREATE, body))).body, body);
    });
  });

  describe("callbackIssuerFor: who signs the callbacks of an endpoint", () => {
    it("is ACS for Azure endpoints, and when there is no usable endpoint", () => {
      for (const endpoint of [
        "https://contoso.communication.azure.com/",
        "https://contoso.europe.communication.azure.com",
        "https://127.0.0.1.example.com/",
        "https://localhost.contoso.com/",
        "https://10.0.0.5:8443/",
        undefined,
        "",
        "not a url",
        "ftp://127.0.0.1/",
      ]) {
        assert.equal(callbackIssuerFor(endpoint, ACS_CALLBACK_ISSUER), ACS_CALLBACK_ISSUER, String(endpoint));
      }
    });

    it("is the simulator's origin for a plain-http endpoint (ACS is https only)", () => {
      assert.equal(callbackIssuerFor("http://127.0.0.1:5100/", ACS_CALLBACK_ISSUER), "http://127.0.0.1:5100");
      assert.equal(callbackIssuerFor("http://sim.lan:5100/", ACS_CALLBACK_ISSUER), "http://sim.lan:5100");
    });

    it("is the simulator's origin for an https endpoint on loopback (ACS never is)", () => {
      assert.equal(callbackIssuerFor("https://127.0.0.1:5443/", ACS_CALLBACK_ISSUER), "https://127.0.0.1:5443");
      assert.equal(callbackIssuerFor("https://127.8.9.10/", ACS_CALLBACK_ISSUER), "https://127.8.9.10");
      assert.equal(callbackIssuerFor("https://[::1]:5443/", ACS_CALLBACK_ISSUER), "https://[::1]:5443");
      assert.equal(callbackIssuerFor("https://LOCALHOST:5443", ACS_CALLBACK_ISSUER), "https://localhost:5443");
      assert.equal(callbackIssuerFor("https://sim.localhost:5443/", ACS_CALLBACK_ISSUER), "https://sim.localhost:5443");
    });

    it("knows loopback hosts", () => {
      for (const yes of ["https://127.0.0.1/", "http://127.255.0.1/", "https://[::1]/", "https://localhost/", "https://a.localhost/"]) assert.ok(isLoopbackUrl(new URL(yes)), yes);
      for (const no of ["https://128.0.0.1/", "https://[::2]/", "https://localhost.example/", "https://example.com/", "https://0.0.0.0/"]) assert.ok(!isLoopbackUrl(new URL(no)), no);
    });
  });

  describe("header names", () => {
    it("sends custom SIP headers with the X-MS-Custom- prefix unless they start with X-, and User-To-User as it is", () => {
      assert.deepEqual(normaliseSipHeaders({ Account: "1", "x-legacy": "2", "X-MS-Custom-Done": "3", "user-to-user": "4" }), {
        "X-MS-Custom-Account": "1",
        "x-legacy": "2",
        "X-MS-Custom-Done": "3",
        "User-To-User": "4",
      });
      assert.deepEqual(normaliseSipHeaders(undefined), {});
    });

    it("turns headers into the SDK's CustomCallingContext list", () => {
      assert.deepEqual(toCustomCallingContext(HEADERS), [
        { kind: "sipx", key: "Account", value: "42", sipHeaderPrefix: "X-MS-Custom-" },
        { kind: "sipuui", key: "User-To-User", value: "3030303030" },
        { kind: "sipx", key: "Legacy", value: "yes", sipHeaderPrefix: "X-" },
        { kind: "voip", key: "orderId", value: "A-17" },
      ]);
      assert.deepEqual(toCustomCallingContext({}), []);
    });
  });
});
