/**
 * Webhook security through Node-RED: the callback and Event Grid endpoints of an acs-config node,
 * attacked while a real call waits in a recognize node. Every refused request must leave that
 * call untouched (the caller's key press still reaches the right port, exactly once), no forged
 * or replayed event may reach a node, and no log, status, message or answer may hold a secret.
 *
 * The config node's public callback base is a recording proxy in front of Node-RED, so the
 * simulator's genuine deliveries (body and Authorization) are captured and can be replayed.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import helper = require("node-red-node-test-helper");
import { SignJWT, UnsecuredJWT, decodeProtectedHeader, generateKeyPair, type KeyLike } from "jose";
import { RedHarness, stopSimulator, type FlowNode, type ReceivedMessage } from "../support/red";
import { sleep, waitFor } from "../support/harness";

/** One request the simulator sent to the public callback base, as it was sent and answered. */
interface Delivery {
  path: string;
  authorization?: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

/** A pass-through HTTP proxy that records every request (the "public" URL ACS posts to). */
class RecordingProxy {
  readonly deliveries: Delivery[] = [];
  base = "";
  private server?: Server;

  constructor(private readonly target: () => string) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (typeof v === "string" && !["host", "content-length", "connection", "transfer-encoding"].includes(k)) headers[k] = v;
        }
        try {
          const answer = await fetch(new URL(req.url ?? "/", this.target()), {
            method: req.method,
            headers,
            body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
          });
          const text = await answer.text();
          this.deliveries.push({ path: req.url ?? "", authorization: req.headers.authorization, headers, body, status: answer.status });
          res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" }).end(text);
        } catch {
          res.writeHead(502).end();
        }
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

interface Reply {
  status: number;
  text: string;
  headers: Headers;
}

/** The simulator's signing key (private to it; reached the way test/lib/callback-auth.spec.ts does). */
interface TrustedKey {
  privateKey: KeyLike;
  kid: string;
}

interface LiveCall {
  leg: string;
  callConnectionId: string;
  serverCallId: string;
  correlationId: string;
  /** The operationContext of the recognize the call waits in. */
  operationContext: string;
}

describe("webhook security through Node-RED", function () {
  let red: RedHarness;
  let proxy: RecordingProxy;
  /** Every answer the endpoints gave to this file's own requests (checked for secrets too). */
  let replies: Reply[] = [];
  /** Ids of every event this file forged; none may ever reach a node. */
  let forgedIds: string[] = [];

  before(async () => {
    red = await RedHarness.start();
    proxy = new RecordingProxy(() => red.base);
    await proxy.start();
  });
  beforeEach(async () => {
    replies = [];
    forgedIds = [];
    proxy.deliveries.length = 0;
    await red.load(flow());
  });
  afterEach(async () => red.unload());
  after(async () => {
    await red.stop();
    await proxy.stop();
    await stopSimulator();
  });

  function flow(): FlowNode[] {
    const inc = RedHarness.outputs("incoming", 1);
    const ans = RedHarness.outputs("answer", 3);
    const menu = RedHarness.outputs("menu", 5);
    const events = RedHarness.outputs("events", 1);
    return [
      red.configNode({ callbackBaseUrl: proxy.base }),
      { id: "incoming", type: "acs-incoming-call", acs: "acs", wires: [["answer", ...inc.wires[0]]] },
      { id: "answer", type: "acs-answer", acs: "acs", wires: [["menu", ...ans.wires[0]], ans.wires[1], ans.wires[2]] },
      {
        id: "menu",
        type: "acs-recognize",
        acs: "acs",
        inputKind: "choices",
        prompt: "Press 1 for hours, 2 for an agent.",
        promptType: "str",
        choices: [
          { label: "hours", key: "1", phrases: "hours" },
          { label: "agent", key: "2", phrases: "agent" },
        ],
        retries: 0,
        // The longest ACS allows: the call keeps waiting while the tests attack the endpoints.
        initialSilenceTimeout: 300,
        wires: menu.wires,
      },
      { id: "events", type: "acs-event-in", acs: "acs", wires: events.wires },
      // Every status and every error of the flow, as messages.
      { id: "status", type: "status", scope: null, wires: [["status:0"]] },
      { id: "catch", type: "catch", scope: null, uncaught: false, wires: [["catch:0"]] },
      { id: "status:0", type: "helper" },
      { id: "catch:0", type: "helper" },
      ...inc.nodes,
      ...ans.nodes,
      ...menu.nodes,
      ...events.nodes,
    ];
  }

  // ------------------------------------------------------------------ helpers

  /** The config node's URLs, pointed straight at Node-RED (not through the recording proxy). */
  async function urls(): Promise<{ callbacks: string; events: string; secret: string }> {
    const service = await red.service();
    const direct = (url: string) => {
      assert.ok(url.startsWith(proxy.base), `the webhook URLs are under the configured public base`);
      return red.base + url.slice(proxy.base.length);
    };
    return { callbacks: direct(service.callbackUrl), events: direct(service.eventGridUrl), secret: service.secret };
  }

  async function send(method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await fetch(url, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body,
    });
    const reply = { status: res.status, text: await res.text(), headers: res.headers };
    replies.push(reply);
    return reply;
  }

  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    send("POST", url, typeof body === "string" ? body : JSON.stringify(body), headers);

  async function trustedKey(): Promise<TrustedKey> {
    return ((await red.sim()) as unknown as { keys: TrustedKey }).keys;
  }

  /** A token signed with the simulator's own key, with the given claims (the defaults are valid). */
  async function trustedToken(tweak: (jwt: SignJWT) => SignJWT = (jwt) => jwt, alg = "RS256"): Promise<string> {
    const sim = await red.sim();
    const key = await trustedKey();
    const jwt = new SignJWT({}).setProtectedHeader({ alg, kid: key.kid, typ: "JWT" }).setIssuer(sim.issuer).setAudience(sim.resourceId).setIssuedAt().setExpirationTime("5m");
    return tweak(jwt).sign(key.privateKey);
  }

  /** A CloudEvents batch with a RecognizeCompleted that would end the waiting recognize with `label`. */
  function forgedRecognizeCompleted(call: LiveCall, label = "hours"): Array<Record<string, unknown>> {
    const id = randomUUID();
    forgedIds.push(id);
    return [
      {
        id,
        source: `calling/callConnections/${call.callConnectionId}`,
        type: "Microsoft.Communication.RecognizeCompleted",
        data: {
          operationContext: call.operationContext,
          recognitionType: "choices",
          choiceResult: { label },
          resultInformation: { code: 200, subCode: 8545, message: "Action completed successfully." },
          callConnectionId: call.callConnectionId,
          serverCallId: call.serverCallId,
          correlationId: call.correlationId,
        },
        time: new Date().toISOString(),
        specversion: "1.0",
        datacontenttype: "application/json",
        subject: `calling/callConnections/${call.callConnectionId}`,
      },
    ];
  }

  /** An Event Grid IncomingCall for a call nobody dialled. */
  function forgedIncomingCall(): Array<Record<string, unknown>> {
    const id = randomUUID();
    forgedIds.push(id);
    return [
      {
        id,
        topic: "/subscriptions/x/resourcegroups/x/providers/microsoft.communication/communicationservices/x",
        subject: "/caller/4:+14255550999/recipient/4:+18005550100",
        eventType: "Microsoft.Communication.IncomingCall",
        data: {
          to: { kind: "phoneNumber", rawId: "4:+18005550100", phoneNumber: { value: "+18005550100" } },
          from: { kind: "phoneNumber", rawId: "4:+14255550999", phoneNumber: { value: "+14255550999" } },
          serverCallId: "forged-server-call",
          incomingCallContext: "forged-context",
          correlationId: randomUUID(),
        },
        dataVersion: "1.0",
        metadataVersion: "1",
        eventTime: new Date().toISOString(),
      },
    ];
  }

  const ofCall = (id: string) => (m: ReceivedMessage) => m.msg.call?.callConnectionId === id;

  /** Dial in; the flow answers and the call waits in the menu. */
  async function callWaitingInMenu(): Promise<LiveCall> {
    const leg = await red.dial();
    const connected = await red.next("answer", 0);
    await red.waitForRecognize(leg);
    const detail = await red.leg(leg);
    const recognize = detail.media.flatMap((m) => m.operations).find((op) => op.kind === "recognize");
    assert.ok(recognize?.operationContext, "the waiting recognize has an operationContext");
    const call = connected.msg.call ?? {};
    return {
      leg,
      callConnectionId: String(call.callConnectionId),
      serverCallId: String(call.serverCallId),
      correlationId: String(call.correlationId),
      operationContext: recognize.operationContext,
    };
  }

  /** Nothing the flow sent so far came from a forged event. */
  function assertNoForgedEventReachedANode(): void {
    const ids = new Set(forgedIds);
    for (const m of red.received) {
      const eventId = (m.msg.event as { id?: unknown } | undefined)?.id ?? (m.msg.payload as { id?: unknown } | undefined)?.id;
      assert.ok(!ids.has(String(eventId)), `a forged event reached ${m.node} port ${m.port}`);
    }
  }

  /** The caller presses 2: the menu's "agent" port fires once; then the caller hangs up and the call ends. */
  async function completesNormally(call: LiveCall): Promise<void> {
    assertNoForgedEventReachedANode();
    assert.equal(red.from("menu").length, 0, "the menu is still waiting");
    await red.press(call.leg, "2");
    const choice = await red.next("menu", 1, ofCall(call.callConnectionId));
    assert.equal(choice.msg.payload, "agent");
    await sleep(100);
    assert.deepEqual(
      red.from("menu").map((m) => m.port),
      [1],
      "exactly one message from the menu, on the agent port",
    );
    await red.hangup(call.leg);
    await red.next("answer", 2, ofCall(call.callConnectionId));
    assert.equal(red.from("answer", 0).length, 1);
    assert.equal(red.from("answer", 1).length, 0);
    assert.equal(red.from("catch").length, 0, `no node reported an error: ${inspect(red.from("catch").map((m) => m.msg.error))}`);
    assertNoForgedEventReachedANode();
  }

  /** No log line, status, message or answer holds the webhook secret or the ACS access key. */
  async function assertNoSecretsLeaked(): Promise<void> {
    const service = await red.service();
    const sim = await red.sim();
    const accessKey = /accesskey=([^;]+)/.exec(sim.connectionString)?.[1];
    assert.ok(accessKey && accessKey.length > 20);
    const secrets = [service.secret, accessKey, encodeURIComponent(accessKey)];
    const places: Record<string, string> = {
      logs: inspect(helper.log().args, { depth: 30, maxArrayLength: null, maxStringLength: null }),
      statuses: inspect(red.from("status").map((m) => m.msg.status), { depth: 30, maxArrayLength: null }),
      messages: inspect(red.received.map((m) => m.msg), { depth: 30, maxArrayLength: null, maxStringLength: null }),
      answers: inspect(replies.map((r) => ({ status: r.status, text: r.text, headers: [...r.headers.entries()] })), { depth: 10, maxArrayLength: null }),
    };
    for (const [where, text] of Object.entries(places)) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `the ${where} hold a secret`);
    }
  }

  const warnings = () =>
    helper
      .log()
      .args.map((a) => a[0] as { level?: number; msg?: unknown })
      .filter((e) => e.level === (helper.log() as unknown as { WARN: number }).WARN)
      .map((e) => String(e.msg));

  // ------------------------------------------------------------------ routes

  it("answers 401 to a wrong secret, 404 to an unknown config and 405 to other methods, and the call goes on", async () => {
    const call = await callWaitingInMenu();
    const { callbacks, events, secret } = await urls();
    const wrongSecret = (url: string) => url.slice(0, url.length - secret.length) + "x".repeat(secret.length);
    const validToken = `Bearer ${await trustedToken()}`;

    // Even a correctly signed callback is refused under a wrong secret.
    for (const url of [wrongSecret(callbacks), `${callbacks.slice(0, -secret.length)}${secret.slice(0, -1)}`, `${callbacks}x`]) {
      const r = await post(url, forgedRecognizeCompleted(call), { authorization: validToken });
      assert.equal(r.status, 401, url.replace(secret, "<secret>"));
    }
    assert.equal((await post(wrongSecret(events), forgedIncomingCall())).status, 401);

    const unknown = (url: string) => url.replace(/\/acs\/(callbacks|events)\/acs\//, "/acs/$1/no-such-config/");
    assert.equal((await post(unknown(callbacks), forgedRecognizeCompleted(call), { authorization: validToken })).status, 404);
    assert.equal((await post(unknown(events), forgedIncomingCall())).status, 404);

    for (const url of [callbacks, events]) {
      const get = await send("GET", url);
      assert.equal(get.status, 405);
      assert.match(get.headers.get("allow") ?? "", /POST/);
      assert.equal((await send("PUT", url, JSON.stringify(forgedIncomingCall()))).status, 405);
      assert.equal((await send("DELETE", url)).status, 405);
    }
    // The CloudEvents handshake is an Event Grid thing only.
    assert.equal((await send("OPTIONS", callbacks, undefined, { "webhook-request-origin": "eventgrid.azure.net" })).status, 405);
    assert.equal((await send("OPTIONS", wrongSecret(events), undefined, { "webhook-request-origin": "eventgrid.azure.net" })).status, 401);

    assert.equal(red.from("incoming").length, 1, "no forged IncomingCall reached the incoming-call node");
    await completesNormally(call);
    await assertNoSecretsLeaked();
  });

  // ------------------------------------------------------------------ callback JWT

  it("refuses callbacks without a valid ACS token (401), and the event they carry reaches no node", async () => {
    const call = await callWaitingInMenu();
    const { callbacks } = await urls();
    const sim = await red.sim();
    const genuine = proxy.deliveries.find((d) => d.path.includes("/acs/callbacks/") && d.authorization);
    assert.ok(genuine?.authorization, "a genuine callback was captured");
    const genuineToken = genuine.authorization.replace(/^Bearer /, "");
    const [h, p, s] = genuineToken.split(".");
    const { kid } = decodeProtectedHeader(genuineToken);
    const other = await generateKeyPair("RS256");
    const signedByAnotherKey = (withKid: string | undefined) =>
      new SignJWT({})
        .setProtectedHeader({ alg: "RS256", ...(withKid ? { kid: withKid } : {}) })
        .setIssuer(sim.issuer)
        .setAudience(sim.resourceId)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(other.privateKey);
    const now = Math.floor(Date.now() / 1000);
    const payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
    const tamperedPayload = Buffer.from(JSON.stringify({ ...payload, aud: "another-resource" })).toString("base64url");
    const flipped = `${s.slice(0, -4)}${s.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;

    const attempts: Array<[string, string | undefined]> = [
      ["no Authorization header", undefined],
      ["an empty bearer", "Bearer "],
      ["a malformed token", "Bearer not.a.jwt"],
      ["garbage", "Bearer %%%%"],
      ["another scheme", `Basic ${Buffer.from("user:pass").toString("base64")}`],
      ["the token without its scheme", genuineToken],
      ["a genuine token with a broken signature", `Bearer ${h}.${p}.${flipped}`],
      ["a genuine signature over a changed payload", `Bearer ${h}.${tamperedPayload}.${s}`],
      ["another key, the simulator's kid", `Bearer ${await signedByAnotherKey(kid)}`],
      ["another key, its own kid", `Bearer ${await signedByAnotherKey(randomUUID())}`],
      ["another key, no kid", `Bearer ${await signedByAnotherKey(undefined)}`],
      ["the wrong audience", `Bearer ${await trustedToken((j) => j.setAudience("another-resource"))}`],
      ["the wrong issuer", `Bearer ${await trustedToken((j) => j.setIssuer("https://acscallautomation.communication.azure.com"))}`],
      ["an expired token", `Bearer ${await trustedToken((j) => j.setIssuedAt(now - 3600).setExpirationTime(now - 600))}`],
      ["a token not valid yet", `Bearer ${await trustedToken((j) => j.setNotBefore(now + 600))}`],
      ["a token without expiry", `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: "RS256", kid }).setIssuer(sim.issuer).setAudience(sim.resourceId).sign((await trustedKey()).privateKey)}`],
      ["alg none", `Bearer ${new UnsecuredJWT({}).setIssuer(sim.issuer).setAudience(sim.resourceId).setExpirationTime("5m").encode()}`],
      ["alg none with the kid", `Bearer ${Buffer.from(JSON.stringify({ alg: "none", kid, typ: "JWT" })).toString("base64url")}.${p}.`],
      [
        "HS256 keyed with the public JWK",
        `Bearer ${await new SignJWT({})
          .setProtectedHeader({ alg: "HS256", kid })
          .setIssuer(sim.issuer)
          .setAudience(sim.resourceId)
          .setExpirationTime("5m")
          .sign(new TextEncoder().encode(JSON.stringify((await (await fetch(`${sim.issuer}/calling/keys`)).json()) as unknown)))}`,
      ],
      ["RS512 with the trusted key", `Bearer ${await trustedToken((j) => j, "RS512")}`],
    ];
    const before = warnings().length;
    for (const [what, authorization] of attempts) {
      const reply = await post(callbacks, forgedRecognizeCompleted(call), authorization === undefined ? {} : { authorization });
      assert.equal(reply.status, 401, what);
      assert.ok(!reply.text.includes("eyJ"), `${what}: the answer echoes no token`);
    }
    // Each refusal is logged for the operator, with a reason and without the token.
    const refused = warnings().slice(before).filter((w) => w.startsWith("callback refused"));
    assert.equal(refused.length, attempts.length, inspect(warnings().slice(before)));
    for (const w of refused) assert.doesNotMatch(w, /eyJ|Bearer/);
    assert.ok(refused.some((w) => /expired/.test(w)));
    assert.ok(refused.some((w) => /\(aud\)/.test(w)));
    assert.ok(refused.some((w) => /\(iss\)/.test(w)));

    await sleep(100);
    await completesNormally(call);
    await assertNoSecretsLeaked();
  });

  it("(control) the same forged body with a valid ACS token does end the recognize: the refusals above are what stopped it", async () => {
    const call = await callWaitingInMenu();
    const { callbacks } = await urls();
    const body = forgedRecognizeCompleted(call, "hours");
    forgedIds.length = 0;
    const reply = await post(callbacks, body, { authorization: `Bearer ${await trustedToken()}` });
    assert.equal(reply.status, 200);
    const hours = await red.next("menu", 0, ofCall(call.callConnectionId));
    assert.equal(hours.msg.payload, "hours");
    await red.hangup(call.leg);
    await red.next("answer", 2, ofCall(call.callConnectionId));
    await assertNoSecretsLeaked();
  });

  it("takes an authenticated event of a type SDK 1.6.0 does not know (2xx) and hands it to event-in, and the call goes on", async () => {
    const call = await callWaitingInMenu();
    const { callbacks } = await urls();
    const id = randomUUID();
    const teams = {
      id,
      source: `calling/callConnections/${call.callConnectionId}`,
      type: "Microsoft.Communication.TeamsComplianceRecordingStateChanged",
      data: { callConnectionId: call.callConnectionId, serverCallId: call.serverCallId, correlationId: call.correlationId, recordingId: "r1", state: "active" },
      time: new Date().toISOString(),
      specversion: "1.0",
      datacontenttype: "application/json",
      subject: `calling/callConnections/${call.callConnectionId}`,
    };
    assert.equal((await post(callbacks, [teams], { authorization: `Bearer ${await trustedToken()}` })).status, 200);
    const seen = await red.next("events", 0, (m) => (m.msg.payload as { id?: string }).id === id);
    assert.equal(seen.msg.topic, "TeamsComplianceRecordingStateChanged");
    assert.equal((seen.msg.payload as { state?: string }).state, "active");
    assert.equal(seen.msg.call?.callConnectionId, call.callConnectionId);
    await completesNormally(call);
    await assertNoSecretsLeaked();
  });

  // ------------------------------------------------------------------ bodies

  it("answers 400 to malformed or incomplete bodies and 413 to bodies over 1 MiB, and the call goes on", async () => {
    const call = await callWaitingInMenu();
    const { callbacks, events } = await urls();
    const auth = { authorization: `Bearer ${await trustedToken()}` };
    const valid = forgedRecognizeCompleted(call)[0];
    const { id: _id, ...withoutId } = valid;
    const { type: _type, ...withoutType } = valid;
    const { data: _data, ...withoutData } = valid;

    for (const body of ["{", "[{]", "not json", "", "   ", "\u0000"]) {
      assert.equal((await post(callbacks, body, auth)).status, 400, `callbacks: ${JSON.stringify(body)}`);
      assert.equal((await post(events, body)).status, 400, `events: ${JSON.stringify(body)}`);
    }
    const badCallbacks: unknown[] = [42, "text", null, true, [], [1], [null], [[valid]], {}, [withoutId], [withoutType], [withoutData], [{ ...valid, data: "x" }], [{ ...valid, id: 7 }]];
    for (const body of badCallbacks) {
      assert.equal((await post(callbacks, body, auth)).status, 400, `callbacks: ${JSON.stringify(body).slice(0, 80)}`);
    }
    const incoming = forgedIncomingCall()[0];
    const { id: _incomingId, ...incomingWithoutId } = incoming;
    const badEvents: unknown[] = [42, "text", null, [], [1], [{}], [incomingWithoutId], [{ ...incoming, data: "x" }], [{ eventType: "Microsoft.EventGrid.SubscriptionValidationEvent", data: {} }]];
    for (const body of badEvents) {
      assert.equal((await post(events, body)).status, 400, `events: ${JSON.stringify(body).slice(0, 80)}`);
    }
    // A 400 for one bad event in a batch: the good one before it is not delivered either.
    const batch = [...forgedRecognizeCompleted(call), withoutId];
    assert.equal((await post(callbacks, batch, auth)).status, 400);

    // Over 1 MiB: refused by its declared length, and when sent without one (chunked).
    const padding = "x".repeat(1024 * 1024 + 16);
    const big = JSON.stringify([{ ...valid, data: { ...(valid.data as object), padding } }]);
    assert.equal((await post(callbacks, big, auth)).status, 413);
    assert.equal((await post(events, JSON.stringify([{ ...incoming, data: { ...(incoming.data as object), padding } }]))).status, 413);
    assert.equal((await chunkedPost(callbacks, big, auth)).status, 413);
    assert.equal((await chunkedPost(events, big, {})).status, 413);

    await sleep(100);
    assert.equal(red.from("incoming").length, 1);
    await completesNormally(call);
    await assertNoSecretsLeaked();
  });

  /** POST without a content-length, in small chunks. */
  function chunkedPost(url: string, body: string, headers: Record<string, string>): Promise<{ status: number }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked", ...headers } }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
      });
      req.on("error", reject);
      let offset = 0;
      const write = () => {
        while (offset < body.length) {
          const chunk = body.slice(offset, offset + 64 * 1024);
          offset += chunk.length;
          if (!req.write(chunk)) {
            req.once("drain", write);
            return;
          }
        }
        req.end();
      };
      write();
    });
  }

  // ------------------------------------------------------------------ replay

  it("accepts a replayed genuine delivery (2xx) but no node sends anything for it again", async () => {
    const call = await callWaitingInMenu();
    const { callbacks, events } = await urls();
    await red.press(call.leg, "2");
    await red.next("menu", 1, ofCall(call.callConnectionId));
    await sleep(100);

    const delivered = (type: string) => {
      const d = proxy.deliveries.find((x) => x.body.includes(`"Microsoft.Communication.${type}"`) && x.body.includes(type === "IncomingCall" ? call.serverCallId : call.callConnectionId));
      assert.ok(d, `the genuine ${type} delivery was captured`);
      assert.ok(d.status >= 200 && d.status < 300, `${type} was accepted the first time`);
      return d;
    };
    const recognized = delivered("RecognizeCompleted");
    const connected = delivered("CallConnected");
    const incoming = delivered("IncomingCall");
    assert.ok(recognized.authorization && connected.authorization);
    const idOf = (d: Delivery) => String((JSON.parse(d.body) as Array<{ id: string }>)[0].id);
    const count = () => ({
      menu: red.from("menu").length,
      answered: red.from("answer", 0).length,
      incoming: red.from("incoming").length,
      events: red.from("events").length,
      statuses: red.from("status").length,
    });
    const seenBefore = count();
    assert.equal(red.from("events").filter((m) => (m.msg.payload as { id?: string }).id === idOf(recognized)).length, 1);

    for (let i = 0; i < 2; i++) {
      assert.equal((await post(callbacks, recognized.body, { authorization: recognized.authorization })).status, 200);
      assert.equal((await post(callbacks, connected.body, { authorization: connected.authorization })).status, 200);
      assert.equal((await post(events, incoming.body, { "aeg-event-type": "Notification" })).status, 200);
    }
    // The same event twice in one batch, and inside a batch with a new event: the old one is still dropped.
    const recognizedEvent = (JSON.parse(recognized.body) as unknown[])[0];
    assert.equal((await post(callbacks, [recognizedEvent, recognizedEvent], { authorization: recognized.authorization })).status, 200);

    await sleep(200);
    assert.deepEqual(count(), seenBefore, "nothing left any node for the replays");
    assert.deepEqual(red.from("menu").map((m) => m.port), [1]);

    await red.hangup(call.leg);
    await red.next("answer", 2, ofCall(call.callConnectionId));
    assert.equal(red.from("catch").length, 0);
    await assertNoSecretsLeaked();
  });

  // ------------------------------------------------------------------ Event Grid handshakes

  it("answers Event Grid's validation handshakes and refuses malformed ones, and the call goes on", async () => {
    const call = await callWaitingInMenu();
    const { events } = await urls();
    const code = randomUUID();
    const validation = [
      {
        id: randomUUID(),
        topic: "/subscriptions/x",
        subject: "",
        data: { validationCode: code, validationUrl: "https://rp-eastus.eventgrid.azure.net/validate?code=x" },
        eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
        eventTime: new Date().toISOString(),
        metadataVersion: "1",
        dataVersion: "1",
      },
    ];
    const answer = await post(events, validation, { "aeg-event-type": "SubscriptionValidation" });
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get("content-type") ?? "", /application\/json/);
    assert.deepEqual(JSON.parse(answer.text), { validationResponse: code });

    const handshake = await send("OPTIONS", events, undefined, { "WebHook-Request-Origin": "eventgrid.azure.net", "WebHook-Request-Rate": "120" });
    assert.equal(handshake.status, 200);
    assert.equal(handshake.headers.get("webhook-allowed-origin"), "eventgrid.azure.net");
    assert.equal((await send("OPTIONS", events)).status, 400, "no WebHook-Request-Origin");

    for (const body of ["{", "", [{ eventType: "Microsoft.EventGrid.SubscriptionValidationEvent", data: { validationCode: "" } }], [{ eventType: "Microsoft.EventGrid.SubscriptionValidationEvent" }]]) {
      const r = await post(events, body, { "aeg-event-type": "SubscriptionValidation" });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.doesNotMatch(r.text, /validationResponse/);
    }
    await completesNormally(call);
    await assertNoSecretsLeaked();
  });

  it("echoes nothing it refuses: requests carrying the secret in their body, token or query leave no trace of it", async () => {
    const call = await callWaitingInMenu();
    const { callbacks, events, secret } = await urls();
    assert.equal((await post(`${callbacks}?secret=${secret}`, "{", { authorization: `Bearer ${secret}` })).status, 400);
    assert.equal((await post(events, `{"oops": "${secret}"`)).status, 400);
    assert.equal((await post(events, [{ eventType: secret, data: { secret } }])).status, 400);
    assert.equal((await post(callbacks, [{ id: secret, type: secret, data: { callConnectionId: secret } }], { authorization: `Bearer ${secret}` })).status, 401);
    assert.equal((await post(callbacks, [{ id: secret, type: secret, data: { callConnectionId: secret } }], { authorization: `Bearer ${secret}.${secret}.${secret}` })).status, 401);
    await waitFor(() => warnings().length >= 2 || undefined, "the refusal warnings");
    await completesNormally(call);
    await assertNoSecretsLeaked();
  });
});
