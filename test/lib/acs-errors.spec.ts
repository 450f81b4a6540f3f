import assert from "node:assert/strict";
import { inspect } from "node:util";
import { CallAutomationClient } from "@azure/communication-call-automation";
import { createHttpHeaders, createPipelineRequest, RestError, type PipelineResponse } from "@azure/core-rest-pipeline";
import {
  AggregateAuthenticationError,
  AuthenticationError,
  AuthenticationRequiredError,
  CredentialUnavailableError,
  type AccessToken,
  type TokenCredential,
} from "@azure/identity";
import { AcsActionError, acsFailureOf, isCallGone, isSignInError, redactSecrets } from "../../lib/acs-errors";
import { createAcsClient } from "../../lib/acs-client";
import { simulatorClientOptions } from "../../lib/simulator-client";
import { type AcsSimulator, startSimulator } from "../../simulator";
import { expectRestError } from "../support/rest-error";

/** Every way an error can be shown: message, stack, inspect (console/Node-RED debug), JSON, String. */
function everyRendering(err: Error): string {
  return [err.message, err.stack ?? "", String(err), inspect(err, { depth: 10, showHidden: true }), JSON.stringify(err), JSON.stringify(Object.entries(err))].join("\n");
}

function restError(message: string, statusCode: number, code: string | undefined, authorization: string): RestError {
  const request = createPipelineRequest({
    url: "https://contoso.communication.azure.com/calling/callConnections/abc:play?api-version=2025-05-15",
    method: "POST",
    headers: createHttpHeaders({ authorization, "x-ms-date": new Date().toUTCString() }),
    body: '{"playSources":[]}',
  });
  const response: PipelineResponse = { request, status: statusCode, headers: createHttpHeaders({ "content-type": "application/json" }), bodyAsText: '{"error":{}}' };
  return new RestError(message, { statusCode, code, request, response });
}

describe("ACS errors", () => {
  describe("acsFailureOf", () => {
    it("takes status, code and the first line of the message", () => {
      const f = acsFailureOf(restError("Call not found.\nStatus code: 404\nDetails...", 404, "8522", "Bearer abc.def.ghi"));
      assert.deepEqual(f, { status: 404, code: "8522", message: "Call not found." });
    });

    it("caps a long message at 500 characters", () => {
      assert.equal(acsFailureOf(new Error("x".repeat(2000))).message.length, 500);
    });

    it("reads plain errors and non-errors without throwing", () => {
      assert.deepEqual(acsFailureOf(new Error("boom")), { status: undefined, code: undefined, message: "boom" });
      assert.deepEqual(acsFailureOf("just text"), { message: "just text" });
      assert.deepEqual(acsFailureOf(undefined), { message: "undefined" });
      assert.deepEqual(acsFailureOf({ statusCode: "400", code: 8523 }), { status: undefined, code: undefined, message: "unknown error" });
    });

    it("redacts secrets in the message, whatever was thrown", () => {
      assert.equal(acsFailureOf(new Error("bad endpoint=https://x/;accesskey=c2VjcmV0Cg==")).message, "bad endpoint=https://x/;accesskey=***");
      assert.equal(acsFailureOf("endpoint=https://x/;accesskey=c2VjcmV0Cg==").message, "endpoint=https://x/;accesskey=***");
    });
  });

  describe("isCallGone", () => {
    it("is true for 404, for sub-codes 8522 and 8528, and for 8528 in the message", () => {
      assert.equal(isCallGone(restError("Call not found.", 404, undefined, "x")), true);
      assert.equal(isCallGone(restError("Call already terminated.", 400, "8528", "x")), true);
      assert.equal(isCallGone(restError("Call not found.", 400, "8522", "x")), true);
      assert.equal(isCallGone(restError("Action failed, call already terminated (8528).", 400, "BadRequest", "x")), true);
    });

    it("is true for an incoming call already handled or not answered in time (8586, 8587)", () => {
      assert.equal(isCallGone(restError("Incoming call not acknowledged.", 400, "8586", "x")), true);
      assert.equal(isCallGone(restError("Incoming call not answered in time.", 400, "8587", "x")), true);
      assert.equal(isCallGone(restError("Failed (8587).", 400, "BadRequest", "x")), true);
    });

    it("is false for other refusals and for non-ACS errors", () => {
      assert.equal(isCallGone(restError("Invalid play source.", 400, "8535", "x")), false);
      assert.equal(isCallGone(restError("Denied by the resource provider.", 401, "Denied", "x")), false);
      assert.equal(isCallGone(restError("Too many requests.", 429, undefined, "x")), false);
      assert.equal(isCallGone(restError("sub-code 85280", 400, "85280", "x")), false);
      assert.equal(isCallGone(new Error("socket hang up")), false);
      assert.equal(isCallGone(undefined), false);
    });
  });

  describe("AcsActionError", () => {
    it('says "<action> failed: ACS answered <status> (<code>): <message>"', () => {
      const err = new AcsActionError("play", restError("Invalid play source.\nmore", 400, "8535", "Bearer t"));
      assert.equal(err.message, "play failed: ACS answered 400 (8535): Invalid play source.");
      assert.equal(err.name, "AcsActionError");
      assert.equal(err.status, 400);
      assert.equal(err.code, "8535");
      assert.ok(err instanceof Error);
      assert.equal(new AcsActionError("hangUp", restError("Gone.", 404, undefined, "x")).message, "hang up failed: ACS answered 404: Gone.");
      assert.equal(new AcsActionError("answer", new Error("socket hang up")).message, "answer failed: socket hang up");
    });

    it("never carries the request's Authorization header, however it is shown", () => {
      const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ";
      const hmac = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=U2lnbmF0dXJlU2VjcmV0VmFsdWUxMjM0NTY3ODkw";
      for (const authorization of [`Bearer ${token}`, hmac]) {
        const source = restError("Invalid play source.", 400, "8535", authorization);
        // The RestError itself does hold it (this is what must not travel on).
        assert.equal(source.request?.headers.get("authorization"), authorization);
        const err = new AcsActionError("play", source);
        const shown = everyRendering(err);
        assert.ok(!shown.includes(authorization), shown);
        assert.ok(!shown.includes(token.split(".")[2]));
        assert.ok(!shown.includes("U2lnbmF0dXJlU2VjcmV0VmFsdWUxMjM0NTY3ODkw"));
        assert.equal((err as unknown as { request?: unknown }).request, undefined);
        assert.equal((err as unknown as { response?: unknown }).response, undefined);
        assert.equal((err as { cause?: unknown }).cause, undefined);
      }
    });

    it("redacts credentials that ACS echoes in its message", () => {
      const err = new AcsActionError("createCall",
        restError("Callback https://flows.example/acs/callbacks/cfg1/aVerySecretWebhookSecret0123 refused; token Bearer abc.def.ghi", 400, "BadRequest", "x"),
      );
      assert.doesNotMatch(err.message, /aVerySecretWebhookSecret0123|abc\.def\.ghi/);
      assert.match(err.message, /acs\/callbacks\/cfg1\/\*\*\*/);
    });

    describe("when Microsoft Entra ID sign-in failed (@azure/identity's errors)", () => {
      const trace = "Trace ID: 1b2c8528-aaaa-4bbb-8586-cccccccccccc";
      // How MSAL words a token endpoint's refusal (ClientSecretCredential throws it as AuthenticationRequiredError).
      const msal =
        "invalid_client: Error(s): 7000215 - Timestamp: 2026-01-02 03:04:05Z - Description: AADSTS7000215: Invalid client secret provided. " +
        `Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'app-1'.\r\n${trace}\r\n` +
        "Correlation ID: 2c3d-8587\r\nTimestamp: 2026-01-02 03:04:05Z - Correlation ID: 2c3d-8587 - Trace ID: 1b2c8528-aaaa-4bbb-8586-cccccccccccc";

      it("names Entra, not ACS, and keeps Entra's own explanation", () => {
        const required = new AcsActionError("answer", new AuthenticationRequiredError({ scopes: ["https://communication.azure.com//.default"], message: msal }));
        assert.equal(
          required.message,
          "answer failed: Microsoft Entra ID sign-in failed (invalid_client): AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'app-1'.",
        );
        assert.equal(required.status, undefined, "the status was Entra's, not ACS's");

        const refused = new AcsActionError(
          "play",
          new AuthenticationError(401, { error: "invalid_client", error_description: `AADSTS700016: Application with identifier 'app-2' was not found in the directory 'tenant-1'.\r\n${trace}` }),
        );
        assert.equal(refused.message, "play failed: Microsoft Entra ID sign-in failed (invalid_client): AADSTS700016: Application with identifier 'app-2' was not found in the directory 'tenant-1'.");
        assert.equal(refused.status, undefined);
        assert.doesNotMatch(refused.message, /ACS answered/);

        const unavailable = new AcsActionError("hangUp", new CredentialUnavailableError("ManagedIdentityCredential: no managed identity endpoint found.\nMore details..."));
        assert.equal(unavailable.message, "hang up failed: Microsoft Entra ID sign-in failed: ManagedIdentityCredential: no managed identity endpoint found.");
        // MSAL's words when the authority's OpenID configuration cannot be fetched (seen with an untrusted TLS certificate).
        const unreachable = new AcsActionError("answer", new CredentialUnavailableError("endpoints_resolution_error: See https://aka.ms/msal.js.errors#endpoints_resolution_error for details"));
        assert.match(unreachable.message, /^answer failed: Microsoft Entra ID sign-in failed: the authority host's OpenID configuration could not be read \(check the authority host, the network, and that its TLS certificate is trusted\)$/);
        const chained = new AcsActionError("answer", new AggregateAuthenticationError([], "ChainedTokenCredential authentication failed."));
        assert.equal(chained.message, "answer failed: Microsoft Entra ID sign-in failed: ChainedTokenCredential authentication failed.");
      });

      it("is never taken for a call that has gone, whatever ids the message carries", () => {
        for (const err of [new AuthenticationRequiredError({ scopes: [], message: msal }), new AuthenticationError(404, { error: "x_y", error_description: "8528" })]) {
          assert.ok(isSignInError(err));
          assert.equal(isCallGone(err), false);
        }
        assert.equal(isSignInError(new Error("AADSTS7000215")), false);
        assert.equal(isSignInError(restError("Denied", 401, "Denied", "x")), false);
      });
    });

    describe("with real RestErrors from the SDK (against the simulator)", () => {
      let sim: AcsSimulator;
      before(async () => {
        sim = await startSimulator();
      });
      after(async () => {
        await sim.stop();
      });

      it("an access-key (HMAC) client's refused request", async () => {
        const { client } = createAcsClient({ kind: "simulator", connectionString: sim.connectionString, endpoint: sim.endpoint });
        const source = await expectRestError(client.getCallConnection("no-such-call").getCallMedia().playToAll([{ kind: "textSource", text: "Hello" }]), 404);
        const authorization = source.request?.headers.get("authorization") ?? "";
        assert.match(authorization, /^HMAC-SHA256 .*Signature=/);
        const err = new AcsActionError("play", source);
        assert.match(err.message, /^play failed: ACS answered 404/);
        assert.equal(isCallGone(source), true);
        const shown = everyRendering(err);
        assert.ok(!shown.includes(authorization));
        assert.ok(!shown.includes(authorization.split("Signature=")[1]));
        const accessKey = /accesskey=([^;]+)/.exec(sim.connectionString)?.[1] ?? "";
        assert.ok(accessKey.length > 20 && !shown.includes(accessKey));
      });

      it("a bearer-token client's refused request", async () => {
        const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmb3JnZWQifQ.bm90LWEtcmVhbC1zaWduYXR1cmUtYnV0LXNlY3JldA";
        const credential: TokenCredential = {
          getToken: async (): Promise<AccessToken> => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }),
        };
        // The SDK sends bearer tokens only over https; the simulator's client carries it over http.
        const client = new CallAutomationClient(sim.endpoint.replace(/^http:/, "https:"), credential, { ...simulatorClientOptions(sim.endpoint), retryOptions: { maxRetries: 0 } });
        const source = await expectRestError(client.getCallConnection("no-such-call").getCallConnectionProperties(), 401);
        assert.equal(source.request?.headers.get("authorization"), `Bearer ${token}`);
        const shown = everyRendering(new AcsActionError("callInfo", source));
        assert.ok(!shown.includes(token));
        assert.ok(!shown.includes(token.split(".")[2]));
      });
    });
  });

  describe("redactSecrets", () => {
    it("hides access keys, bearer tokens, webhook secrets and signed query parameters", () => {
      const cases: Array<[string, string]> = [
        ["endpoint=https://x.communication.azure.com/;accesskey=AbC+/9==", "endpoint=https://x.communication.azure.com/;accesskey=***"],
        ["endpoint=https://x/;AccessKey=AbC+/9==;other", "endpoint=https://x/;AccessKey=***;other"],
        ["Authorization: Bearer eyJ0eXAi.eyJzdWIi.c2ln-_~+/= then", "Authorization: Bearer *** then"],
        ["POST https://flows.example/acs/callbacks/cfg/abcDEF123-_ failed", "POST https://flows.example/acs/callbacks/cfg/*** failed"],
        ["https://flows.example/red/acs/events/n%2F1/abcDEF123?x=1", "https://flows.example/red/acs/events/n%2F1/***?x=1"],
        ["token_url?client_secret=abc&scope=x", "token_url?client_secret=***&scope=x"],
        ["https://blob/x?sv=1&sig=abc%2Bdef&se=2", "https://blob/x?sv=1&sig=***&se=2"],
        ["https://x/?secret=abc", "https://x/?secret=***"],
      ];
      for (const [text, expected] of cases) assert.equal(redactSecrets(text), expected, text);
    });

    it("hides an HMAC request signature and a bearer token whatever the case of the scheme", () => {
      const hmac = redactSecrets("Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=U2lnbmF0dXJl+/=");
      assert.doesNotMatch(hmac, /U2lnbmF0dXJl/);
      assert.match(hmac, /SignedHeaders=x-ms-date;host;x-ms-content-sha256/);
      assert.doesNotMatch(redactSecrets("authorization: bearer eyJ0eXAi.eyJzdWIi.c2ln"), /eyJ0eXAi/);
    });

    it("leaves ordinary text alone", () => {
      for (const text of ["Call not found.", "Play source 0 is invalid (8535).", "https://example.com/acs/other/path", "bearer of bad news"]) {
        assert.equal(redactSecrets(text), text);
      }
    });
  });
});
