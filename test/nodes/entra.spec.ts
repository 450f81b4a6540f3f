/**
 * Microsoft Entra ID end to end, as real as one machine allows, with nothing rewritten:
 * - a throw-away CA and a server certificate for 127.0.0.1, made at test time;
 * - the standalone `acs-simulator` command serving https with that certificate: its REST API,
 *   its Entra-style token endpoint (`/{tenant}/oauth2/v2.0/token`) and OpenID configuration, its
 *   callback JWT issuer and JWKS are all https;
 * - a real Node-RED process (node-red/red.js, this package linked into a temporary user
 *   directory) that trusts the CA only through NODE_EXTRA_CA_CERTS, so Node's own TLS checks the
 *   simulator's certificate for every request;
 * - flows deployed through the admin API with their credentials, as the editor deploys them: an
 *   acs-config in "entra" mode signing in with @azure/identity's ClientSecretCredential (authority
 *   host = the simulator), the real Call Automation SDK sending bearer tokens, and the callbacks'
 *   JWTs verified against the simulator's https JWKS.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTestPki } from "../support/test-ca";
import { waitFor } from "../support/harness";
import { startNodeRed, type NodeRed } from "../support/node-red-process";
import { cleanEnv, poll, startNode, stop, type Running } from "../support/processes";

const ROOT = join(__dirname, "..", "..");
const SIMULATOR_CLI = join(ROOT, "dist", "simulator", "cli.js");
const GOOD_NUMBER = "+18005550100";
const BAD_NUMBER = "+18005550101";
const PROMPT = "Welcome. This call was answered with a Microsoft Entra ID token.";

// ---------------------------------------------------------------- HTTP

/** JSON over https to the simulator, trusting only the test CA. */
function simulatorRequest<T>(ca: string, url: string, method = "GET", body?: unknown): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, ca, headers: body === undefined ? {} : { "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        try {
          resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : undefined) as T });
        } catch {
          reject(new Error(`${method} ${url}: ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** What the flow reports: its recorder nodes POST here (an `http request` node, as a flow would). */
async function startRecorder(): Promise<{ server: Server; url: string; records: Array<Record<string, unknown>> }> {
  const records: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        records.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        records.push({ step: "unreadable", text });
      }
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/record`, records };
}

// ---------------------------------------------------------------- the flow

interface FlowSettings {
  simulatorBase: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** A secret the token endpoint does not know, for the second config node. */
  wrongSecret: string;
  resourceId: string;
  nodeRedBase: string;
  recorderUrl: string;
  webhookSecrets: { good: string; bad: string };
}

/** A function node that reports one step of the flow to the recorder. */
function recorder(id: string, step: string, y: number, extra = ""): Record<string, unknown> {
  return {
    id,
    type: "function",
    z: "e2e-tab",
    name: `record ${step}`,
    func: `msg.payload = { step: ${JSON.stringify(step)}, callConnectionId: msg.call && msg.call.callConnectionId${extra} };\nreturn msg;`,
    outputs: 1,
    x: 900,
    y,
    wires: [["e2e-post"]],
  };
}

function flows(s: FlowSettings): Array<Record<string, unknown>> {
  const config = (id: string, name: string, clientSecret: string, webhookSecret: string) => ({
    id,
    type: "acs-config",
    name,
    mode: "entra",
    endpoint: `${s.simulatorBase}/`,
    authMethod: "clientSecret",
    tenantId: s.tenantId,
    clientId: s.clientId,
    authorityHost: s.simulatorBase,
    callbackBaseUrl: `${s.nodeRedBase}/`,
    cognitiveServicesEndpoint: "https://e2e-speech.cognitiveservices.azure.com/",
    resourceId: s.resourceId,
    voice: "en-US-JennyNeural",
    locale: "en-US",
    operationTimeout: 30,
    credentials: { clientSecret, webhookSecret },
  });
  return [
    { id: "e2e-tab", type: "tab", label: "Entra end to end" },
    config("e2e-acs-good", "Entra (right secret)", s.clientSecret, s.webhookSecrets.good),
    config("e2e-acs-bad", "Entra (wrong secret)", s.wrongSecret, s.webhookSecrets.bad),
    // The right secret: incoming call -> answer -> play -> hang up.
    { id: "e2e-in-good", type: "acs-incoming-call", z: "e2e-tab", acs: "e2e-acs-good", to: GOOD_NUMBER, from: "", x: 140, y: 80, wires: [["e2e-answer-good"]] },
    {
      id: "e2e-answer-good",
      type: "acs-answer",
      z: "e2e-tab",
      acs: "e2e-acs-good",
      action: "answer",
      rejectReason: "none",
      target: "",
      targetType: "str",
      outputs: 3,
      x: 320,
      y: 80,
      wires: [["e2e-play", "e2e-rec-answered"], ["e2e-rec-answer-failed"], ["e2e-rec-ended"]],
    },
    {
      id: "e2e-play",
      type: "acs-play",
      z: "e2e-tab",
      acs: "e2e-acs-good",
      promptKind: "text",
      prompt: PROMPT,
      promptType: "str",
      voice: "",
      locale: "",
      playTo: "all",
      loop: false,
      interrupt: false,
      callId: "",
      callIdType: "",
      x: 500,
      y: 80,
      wires: [["e2e-hangup"], ["e2e-rec-play-failed"]],
    },
    { id: "e2e-hangup", type: "acs-hangup", z: "e2e-tab", acs: "e2e-acs-good", callId: "", callIdType: "", forEveryone: true, x: 680, y: 80, wires: [["e2e-rec-hung-up"]] },
    // The wrong secret: its answer must fail with a sign-in error for the Catch node.
    { id: "e2e-in-bad", type: "acs-incoming-call", z: "e2e-tab", acs: "e2e-acs-bad", to: BAD_NUMBER, from: "", x: 140, y: 200, wires: [["e2e-answer-bad"]] },
    {
      id: "e2e-answer-bad",
      type: "acs-answer",
      z: "e2e-tab",
      acs: "e2e-acs-bad",
      action: "answer",
      rejectReason: "none",
      target: "",
      targetType: "str",
      outputs: 3,
      x: 320,
      y: 200,
      wires: [["e2e-rec-bad-answered"], ["e2e-rec-bad-failed"], []],
    },
    { id: "e2e-catch", type: "catch", z: "e2e-tab", name: "", scope: null, uncaught: false, x: 140, y: 300, wires: [["e2e-rec-caught"]] },
    { id: "e2e-status", type: "status", z: "e2e-tab", name: "", scope: ["e2e-answer-bad"], x: 140, y: 360, wires: [["e2e-rec-status"]] },
    recorder("e2e-rec-answered", "answered", 40),
    recorder("e2e-rec-answer-failed", "answerFailed", 80),
    recorder("e2e-rec-ended", "ended", 120),
    recorder("e2e-rec-play-failed", "playFailed", 160),
    recorder("e2e-rec-hung-up", "hungUp", 200),
    recorder("e2e-rec-bad-answered", "badAnswered", 240),
    recorder("e2e-rec-bad-failed", "badFailed", 280),
    recorder("e2e-rec-caught", "caught", 320, ", node: msg.error.source && msg.error.source.id, message: msg.error.message"),
    recorder("e2e-rec-status", "status", 360, ", text: msg.status && msg.status.text, fill: msg.status && msg.status.fill"),
    { id: "e2e-post", type: "http request", z: "e2e-tab", method: "POST", ret: "txt", paytoqs: "ignore", url: s.recorderUrl, tls: "", persist: false, proxy: "", authType: "", senderr: false, headers: [], x: 1100, y: 200, wires: [[]] },
  ];
}

// ================================================================ tests

interface Info {
  endpoint: string;
  issuer: string;
  authorityHost: string;
  resourceId: string;
  authentication: { tokensIssued: number; tokenRequestsRefused: number; bearerRequests: number; hmacRequests: number; requestsRefused: number };
}
interface Leg {
  id: string;
  state: string;
  answeredAt?: string;
  heard: Array<{ kind: string; content: string }>;
}
interface Delivery {
  url: string;
  eventType: string;
  delivered: boolean;
  status?: number;
}

describe("Microsoft Entra ID end to end: real Node-RED, standalone simulator over verified TLS", function () {
  this.timeout(90_000);

  let dir = "";
  let ca = "";
  let simulator: (Running & { match: RegExpMatchArray }) | undefined;
  let red: NodeRed | undefined;
  let rec: Awaited<ReturnType<typeof startRecorder>> | undefined;
  let control = "";
  let settings: FlowSettings;
  const killAll = () => {
    if (simulator && simulator.child.exitCode === null) simulator.child.kill("SIGKILL");
  };

  before(async () => {
    process.once("exit", killAll);
    // CI builds before mocha; build here only when there is nothing to run.
    if (!existsSync(SIMULATOR_CLI)) execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore", timeout: 110_000 });

    dir = mkdtempSync(join(tmpdir(), "acs-entra-e2e-"));
    const pki = makeTestPki();
    ca = pki.caCert;
    writeFileSync(join(dir, "ca.pem"), pki.caCert);
    writeFileSync(join(dir, "server.pem"), pki.serverCert);
    writeFileSync(join(dir, "server-key.pem"), pki.serverKey, { mode: 0o600 });
    rec = await startRecorder();

    // The standalone simulator, over https with the test certificate.
    simulator = await startNode(
      [SIMULATOR_CLI, "--port", "0", "--speed", "20", "--number", GOOD_NUMBER, "--number", BAD_NUMBER, "--tls-key", join(dir, "server-key.pem"), "--tls-cert", join(dir, "server.pem")],
      cleanEnv({}),
      /^ACS_ENTRA_CLIENT_SECRET=/,
      "acs-simulator",
    );
    const printed = new Map([...simulator.output().matchAll(/^(ACS_[A-Z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    const endpoint = printed.get("ACS_ENDPOINT") ?? "";
    assert.match(endpoint, /^https:\/\/127\.0\.0\.1:\d+\/$/, "the simulator's endpoint is https");
    control = printed.get("ACS_SIMULATOR_CONTROL") ?? "";

    // A real Node-RED: this package linked into a fresh user directory (test/support/node-red-process);
    // it trusts the CA only through NODE_EXTRA_CA_CERTS, read by Node at start-up.
    red = await startNodeRed({ settings: { disableEditor: true }, env: { NODE_EXTRA_CA_CERTS: join(dir, "ca.pem") } });
    const nodeRedBase = red.base;

    settings = {
      simulatorBase: endpoint.replace(/\/$/, ""),
      tenantId: printed.get("ACS_ENTRA_TENANT_ID") ?? "",
      clientId: printed.get("ACS_ENTRA_CLIENT_ID") ?? "",
      clientSecret: printed.get("ACS_ENTRA_CLIENT_SECRET") ?? "",
      wrongSecret: randomBytes(24).toString("base64url"),
      resourceId: printed.get("ACS_RESOURCE_ID") ?? "",
      nodeRedBase,
      recorderUrl: rec.url,
      webhookSecrets: { good: randomBytes(24).toString("base64url"), bad: randomBytes(24).toString("base64url") },
    };
    assert.ok(settings.tenantId && settings.clientId && settings.clientSecret && settings.resourceId, "the simulator printed its Entra application");

    // Deploy as the editor does: POST /flows with each config node's credentials.
    const deployed = await fetch(`${nodeRedBase}/flows`, {
      method: "POST",
      headers: { "content-type": "application/json", "Node-RED-API-Version": "v2", "Node-RED-Deployment-Type": "full" },
      body: JSON.stringify({ flows: flows(settings) }),
    });
    assert.equal(deployed.status, 200, await deployed.text());

    // Subscribe each config's Event Grid URL, as the editor shows it: {callback base}acs/events/{config id}/{webhook secret}.
    // The simulator's validation handshake reaches the config node once it is started, so retry briefly.
    for (const [configId, secret] of [["e2e-acs-good", settings.webhookSecrets.good], ["e2e-acs-bad", settings.webhookSecrets.bad]]) {
      const url = `${nodeRedBase}/acs/events/${configId}/${secret}`;
      let last: { status: number; body: unknown } | undefined;
      for (let attempt = 0; attempt < 50; attempt++) {
        last = await simulatorRequest(ca, `${control}/subscriptions`, "POST", { url, eventTypes: ["Microsoft.Communication.IncomingCall"] });
        if (last.status === 201) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(last?.status, 201, `Event Grid subscription for ${configId}: ${JSON.stringify(last?.body)}\nNode-RED:\n${red.log().join("\n")}`);
    }
  });

  after(async () => {
    process.removeListener("exit", killAll);
    await Promise.all([red?.stop(), stop(simulator)]);
    if (rec) await new Promise<void>((r) => rec!.server.close(() => r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const info = async (): Promise<Info> => (await simulatorRequest<Info>(ca, `${control}/`)).body;
  const leg = async (id: string): Promise<Leg> => (await simulatorRequest<Leg>(ca, `${control}/calls/${id}`)).body;
  const dial = async (to: string): Promise<string> => {
    const res = await simulatorRequest<{ id: string }>(ca, `${control}/calls`, "POST", { from: "+14255550123", to });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };
  const record = (step: string) => rec!.records.find((r) => r.step === step);
  const secrets = () => [settings.clientSecret, settings.wrongSecret, settings.webhookSecrets.good, settings.webhookSecrets.bad];

  it("the simulator's certificate is really checked: without the test CA, TLS is refused", async () => {
    // Node's own fetch trusts only the system CAs in this process: the handshake must fail.
    await assert.rejects(fetch(`${control}/`), (err: Error & { cause?: { code?: string } }) => {
      assert.match(String(err.cause?.code), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT/);
      return true;
    });
    const reply = await simulatorRequest<Info>(ca, `${control}/`);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.issuer, settings.simulatorBase, "the callback JWT issuer is the https origin");
    assert.equal(reply.body.authorityHost, settings.simulatorBase);
    const openId = await simulatorRequest<{ token_endpoint: string; issuer: string }>(ca, `${settings.simulatorBase}/${settings.tenantId}/v2.0/.well-known/openid-configuration`);
    assert.equal(openId.body.token_endpoint, `${settings.simulatorBase}/${settings.tenantId}/oauth2/v2.0/token`);
  });

  it("signs in with ClientSecretCredential, answers, plays and hangs up on bearer tokens; callbacks are JWT-verified", async () => {
    const before = (await info()).authentication;
    const legId = await dial(GOOD_NUMBER);
    const hungUp = await waitFor(() => record("hungUp"), "the flow to hang up", 20_000);
    const answered = record("answered");
    assert.ok(answered, "the answer node's connected port fired (CallConnected callback accepted)");
    assert.equal(hungUp.callConnectionId, answered.callConnectionId);
    assert.equal(record("answerFailed"), undefined);
    assert.equal(record("playFailed"), undefined);

    // The far end: answered, heard the prompt, and the call ended.
    const seen = await poll(async () => {
      const l = await leg(legId);
      return l.state === "ended" ? l : undefined;
    }, "the call to end");
    assert.ok(seen.answeredAt, "the simulator saw the call answered");
    assert.deepEqual(
      seen.heard.map((h) => [h.kind, h.content]),
      [["text", PROMPT]],
    );

    // Every REST request of the flow carried a bearer token from the simulator's token endpoint.
    const after = (await info()).authentication;
    assert.ok(after.tokensIssued - before.tokensIssued >= 1, "a token was granted to the right secret");
    assert.ok(after.bearerRequests - before.bearerRequests >= 3, `answer, play and hang-up on bearer tokens: ${JSON.stringify(after)}`);
    assert.equal(after.hmacRequests, 0, "no request was signed with an access key");
    assert.equal(after.requestsRefused, 0, "no REST request was refused");

    // The callbacks reached Node-RED's callback URL and were accepted: each carries a JWT that
    // Node-RED verified (issuer = the simulator's https origin, keys from its https JWKS);
    // a failed check answers 401 and the flow would not have moved.
    await waitFor(() => record("ended"), "the answer node's ended port (CallDisconnected)");
    const deliveries = await poll(async () => {
      const all = (await simulatorRequest<Delivery[]>(ca, `${control}/deliveries`)).body.filter((d) => d.url.startsWith(`${settings.nodeRedBase}/acs/callbacks/e2e-acs-good/`));
      const settled = all.every((d) => d.delivered || d.status !== undefined);
      return settled && all.some((d) => d.eventType === "Microsoft.Communication.CallDisconnected") ? all : undefined;
    }, "every callback delivery to be answered");
    const types = deliveries.map((d) => d.eventType);
    for (const type of ["Microsoft.Communication.CallConnected", "Microsoft.Communication.PlayCompleted"]) assert.ok(types.includes(type), `${type} delivered: ${types.join(", ")}`);
    for (const d of deliveries) assert.ok(d.delivered && d.status !== undefined && d.status < 300, `${d.eventType} accepted: ${d.status}`);
  });

  it("a wrong client secret: the token endpoint refuses it and a clear sign-in error reaches Catch, with no secret anywhere", async () => {
    const before = (await info()).authentication;
    const legId = await dial(BAD_NUMBER);
    const caught = await waitFor(() => record("caught"), "the sign-in error at the Catch node", 20_000);
    assert.equal(caught.node, "e2e-answer-bad");
    const message = String(caught.message);
    // MSAL's wording of the token endpoint's refusal, reduced to Entra's own explanation.
    assert.match(message, /answer failed: Microsoft Entra ID sign-in failed \(invalid_client\): AADSTS7000215: Invalid client secret provided\. .* for a secret added to app '[0-9a-f-]+'\.$/, message);
    assert.equal(record("badAnswered"), undefined, "nothing left the connected port");
    assert.equal(record("badFailed"), undefined, "a sign-in error is an error, not the failed outcome");
    const status = await waitFor(() => rec!.records.find((r) => r.step === "status" && r.fill === "red"), "the answer node's red status");

    const after = (await info()).authentication;
    assert.ok(after.tokenRequestsRefused - before.tokenRequestsRefused >= 1, `the token endpoint refused the secret: ${JSON.stringify(after)}`);
    assert.equal(after.tokensIssued, before.tokensIssued, "no token was granted");
    assert.equal(after.bearerRequests, before.bearerRequests, "no REST request was made without a token");
    assert.equal((await leg(legId)).state, "ringing", "the call was not answered");

    // No secret in the error, the node status, or anything Node-RED printed.
    for (const secret of secrets()) {
      assert.ok(!message.includes(secret), "no secret in the error");
      assert.ok(!String(status.text).includes(secret), "no secret in the status");
      assert.ok(!red!.log().join("\n").includes(secret), "no secret in Node-RED's log");
    }
    await simulatorRequest(ca, `${control}/calls/${legId}/hangup`, "POST", {});
  });
});
