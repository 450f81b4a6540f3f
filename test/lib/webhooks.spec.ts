import assert from "node:assert/strict";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DEFAULT_MAX_BODY_BYTES, WebhookDispatcher, type WebhookEndpoint, type WebhookKind, type WebhookReply } from "../../lib/webhooks";

const SECRET = "s3cr3t-s3cr3t-s3cr3t-0123456789";

/** An endpoint that records what reaches it and answers as told. */
class FakeEndpoint implements WebhookEndpoint {
  readonly callbacks: Array<{ authorization?: string; body: unknown }> = [];
  readonly eventGrid: unknown[] = [];
  reply: WebhookReply = { status: 200 };
  fail?: Error;
  constructor(readonly secret = SECRET) {}
  async handleCallback(authorization: string | undefined, body: unknown): Promise<WebhookReply> {
    if (this.fail) throw this.fail;
    this.callbacks.push({ authorization, body });
    return this.reply;
  }
  async handleEventGrid(body: unknown): Promise<WebhookReply> {
    if (this.fail) throw this.fail;
    this.eventGrid.push(body);
    return this.reply;
  }
}

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  text: string;
  json?: unknown;
}

describe("WebhookDispatcher over node:http", () => {
  let server: Server;
  let base: string;
  let dispatcher: WebhookDispatcher;
  let errors: string[];
  /** Simulates a body parser that ran before the dispatcher (as Node-RED's http-in routes do). */
  let preParse: ((req: IncomingMessage & { body?: unknown; _body?: boolean }) => void) | undefined;

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const m = /^\/acs\/(callbacks|events)\/([^/]+)\/([^/?]+)/.exec(req.url ?? "");
      if (!m) {
        res.writeHead(404).end();
        return;
      }
      preParse?.(req);
      void dispatcher.handle(m[1] as WebhookKind, decodeURIComponent(m[2]), decodeURIComponent(m[3]), req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    errors = [];
    preParse = undefined;
    dispatcher = new WebhookDispatcher({ onError: (m) => errors.push(m) });
  });
  after(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  function request(method: string, path: string, body?: string | Buffer, headers: Record<string, string | number> = {}, chunked = false): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const h: Record<string, string | number> = { ...headers };
      if (body !== undefined && !chunked) h["content-length"] = Buffer.byteLength(body);
      if (chunked) h["transfer-encoding"] = "chunked";
      const req = httpRequest(`${base}${path}`, { method, headers: h }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      });
      req.on("error", reject);
      if (body !== undefined && chunked) {
        const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
        for (let i = 0; i < buf.length; i += 16 * 1024) req.write(buf.subarray(i, i + 16 * 1024));
      } else if (body !== undefined) {
        req.write(body);
      }
      req.end();
    });
  }

  const post = (kind: WebhookKind, body: string, headers: Record<string, string> = {}, id = "cfg", secret = SECRET) =>
    request("POST", `/acs/${kind}/${id}/${secret}`, body, { "content-type": "application/json", ...headers });

  describe("register and unregister", () => {
    it("routes to the endpoint registered under the id, and answers 404 for any other id", async () => {
      const a = new FakeEndpoint();
      dispatcher.register("cfg", a);
      assert.equal(dispatcher.size, 1);
      assert.equal((await post("callbacks", "[1]", { authorization: "Bearer t" })).status, 200);
      assert.deepEqual(a.callbacks, [{ authorization: "Bearer t", body: [1] }]);
      const other = await post("callbacks", "[1]", {}, "other");
      assert.equal(other.status, 404);
      assert.deepEqual(other.json, { error: "no such endpoint" });
      assert.equal(a.callbacks.length, 1);
    });

    it("a redeploy replaces the endpoint; the old node's late unregister leaves the new one in place", async () => {
      const old = new FakeEndpoint();
      const fresh = new FakeEndpoint("another-secret-another-secret-01");
      dispatcher.register("cfg", old);
      dispatcher.register("cfg", fresh);
      assert.equal(dispatcher.size, 1);
      // The old config node closes after the new one started.
      dispatcher.unregister("cfg", old);
      assert.equal(dispatcher.size, 1);
      assert.equal((await post("events", "[]", {}, "cfg", "another-secret-another-secret-01")).status, 200);
      assert.equal(fresh.eventGrid.length, 1);
      assert.equal(old.eventGrid.length, 0);
      // The old secret no longer opens anything.
      assert.equal((await post("events", "[]")).status, 401);
      dispatcher.unregister("cfg", fresh);
      assert.equal(dispatcher.size, 0);
      assert.equal((await post("events", "[]", {}, "cfg", "another-secret-another-secret-01")).status, 404);
    });

    it("unregistering an id that was never registered, or twice, is harmless", () => {
      const a = new FakeEndpoint();
      dispatcher.unregister("nobody", a);
      dispatcher.register("cfg", a);
      dispatcher.unregister("cfg", a);
      dispatcher.unregister("cfg", a);
      assert.equal(dispatcher.size, 0);
    });

    it("keeps endpoints of different ids apart, each with its own secret", async () => {
      const a = new FakeEndpoint("secret-of-a-secret-of-a-0123456");
      const b = new FakeEndpoint("secret-of-b-secret-of-b-0123456");
      dispatcher.register("a", a);
      dispatcher.register("b", b);
      assert.equal((await post("events", "{}", {}, "a", b.secret)).status, 401);
      assert.equal((await post("events", "{}", {}, "b", b.secret)).status, 200);
      assert.equal(a.eventGrid.length, 0);
      assert.equal(b.eventGrid.length, 1);
    });
  });

  describe("requests", () => {
    let endpoint: FakeEndpoint;
    beforeEach(() => {
      endpoint = new FakeEndpoint();
      dispatcher.register("cfg", endpoint);
    });

    it("hands callbacks their Authorization header and parsed body, and Event Grid its body", async () => {
      endpoint.reply = { status: 200, body: { ok: true }, headers: { "x-extra": "1" } };
      const cb = await post("callbacks", '[{"id":"1"}]', { authorization: "Bearer abc" });
      assert.equal(cb.status, 200);
      assert.deepEqual(cb.json, { ok: true });
      assert.match(String(cb.headers["content-type"]), /^application\/json/);
      assert.equal(cb.headers["cache-control"], "no-store");
      assert.equal(cb.headers["x-extra"], "1");
      assert.deepEqual(endpoint.callbacks, [{ authorization: "Bearer abc", body: [{ id: "1" }] }]);
      const eg = await post("events", '{"a":[1,2]}', { authorization: "Bearer ignored" });
      assert.equal(eg.status, 200);
      assert.deepEqual(endpoint.eventGrid, [{ a: [1, 2] }]);
      // Without a reply body, nothing but the status.
      endpoint.reply = { status: 202 };
      const empty = await post("callbacks", "[]");
      assert.equal(empty.status, 202);
      assert.equal(empty.text, "");
      assert.equal(endpoint.callbacks[1].authorization, undefined);
    });

    it("reads the body whatever its content type (ACS's callback content type is not fixed)", async () => {
      for (const type of ["application/cloudevents-batch+json", "application/cloudevents+json; charset=utf-8", "text/plain"]) {
        assert.equal((await post("callbacks", '[{"id":"x"}]', { "content-type": type })).status, 200, type);
      }
      assert.equal(endpoint.callbacks.length, 3);
    });

    it("reads UTF-8 split across chunks", async () => {
      const body = JSON.stringify([{ text: "안녕하세요 — 你好 ☎".repeat(3000) }]);
      assert.equal((await request("POST", `/acs/events/cfg/${SECRET}`, body, {}, true)).status, 200);
      assert.deepEqual(endpoint.eventGrid[0], JSON.parse(body));
    });

    it("refuses a wrong secret with 401 before looking at the request", async () => {
      for (const secret of ["wrong", SECRET.slice(0, -1), `${SECRET}x`, SECRET.toUpperCase(), encodeURIComponent(" ")]) {
        const r = await post("callbacks", "not even json", { authorization: "Bearer abc" }, "cfg", secret);
        assert.equal(r.status, 401, secret);
        assert.deepEqual(r.json, { error: "wrong webhook secret" });
        assert.ok(!r.text.includes(SECRET));
      }
      assert.equal((await request("GET", `/acs/events/cfg/wrong`)).status, 401);
      assert.equal((await request("OPTIONS", `/acs/events/cfg/wrong`, undefined, { "webhook-request-origin": "eventgrid.azure.net" })).status, 401);
      assert.equal(endpoint.callbacks.length + endpoint.eventGrid.length, 0);
    });

    it("answers 405 with Allow to anything but POST (and OPTIONS on Event Grid)", async () => {
      for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
        const cb = await request(method, `/acs/callbacks/cfg/${SECRET}`);
        assert.equal(cb.status, 405, method);
        assert.equal(cb.headers.allow, "POST");
        const eg = await request(method, `/acs/events/cfg/${SECRET}`);
        assert.equal(eg.status, 405, method);
        assert.equal(eg.headers.allow, "POST, OPTIONS");
      }
      assert.equal((await request("OPTIONS", `/acs/callbacks/cfg/${SECRET}`, undefined, { "webhook-request-origin": "eventgrid.azure.net" })).status, 405);
      assert.equal(endpoint.callbacks.length + endpoint.eventGrid.length, 0);
    });

    it("answers the CloudEvents OPTIONS handshake on Event Grid with the origin it was asked for", async () => {
      const ok = await request("OPTIONS", `/acs/events/cfg/${SECRET}`, undefined, { "WebHook-Request-Origin": "eventgrid.azure.net" });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers["webhook-allowed-origin"], "eventgrid.azure.net");
      assert.equal(ok.headers["webhook-allowed-rate"], "*");
      const missing = await request("OPTIONS", `/acs/events/cfg/${SECRET}`);
      assert.equal(missing.status, 400);
      assert.equal(missing.headers["webhook-allowed-origin"], undefined);
      assert.equal(endpoint.eventGrid.length, 0);
    });

    it("answers 400 to an empty or non-JSON body, without calling the endpoint", async () => {
      for (const body of ["", "  \n", "{", "[1,]", "undefined", "{'a':1}"]) {
        for (const kind of ["callbacks", "events"] as const) {
          const r = await post(kind, body, { authorization: "Bearer abc" });
          assert.equal(r.status, 400, `${kind}: ${JSON.stringify(body)}`);
          assert.equal(typeof (r.json as { error?: unknown }).error, "string");
        }
      }
      assert.equal(endpoint.callbacks.length + endpoint.eventGrid.length, 0);
    });

    it("answers 413 to a body over the limit, by its declared length or as it streams, and takes one at the limit", async () => {
      const limited = new WebhookDispatcher({ maxBodyBytes: 1000 });
      limited.register("cfg", endpoint);
      dispatcher = limited;
      const exactly = JSON.stringify(["x".repeat(1000 - 4)]);
      assert.equal(Buffer.byteLength(exactly), 1000);
      assert.equal((await post("events", exactly)).status, 200);
      const over = JSON.stringify(["x".repeat(1000 - 3)]);
      const declared = await post("events", over);
      assert.equal(declared.status, 413);
      assert.deepEqual(declared.json, { error: "request body too large" });
      const streamed = await request("POST", `/acs/callbacks/cfg/${SECRET}`, JSON.stringify(["x".repeat(50000)]), {}, true);
      assert.equal(streamed.status, 413);
      assert.equal(endpoint.eventGrid.length, 1);
      assert.equal(endpoint.callbacks.length, 0);
    });

    it("answers 413 to a declared length over the limit without waiting for the body", async () => {
      const answer = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${base}/acs/callbacks/cfg/${SECRET}`, { method: "POST", headers: { "content-length": 50 * 1024 * 1024 } }, (res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
          req.destroy();
        });
        req.on("error", (err) => {
          if (!req.destroyed) reject(err);
        });
        // Only the headers go: a server that waited for 50 MiB would never answer.
        req.flushHeaders();
      });
      assert.equal(answer, 413);
      assert.equal(endpoint.callbacks.length, 0);
    });

    it("limits bodies to 1 MiB by default", async () => {
      assert.equal(DEFAULT_MAX_BODY_BYTES, 1024 * 1024);
      const big = JSON.stringify(["x".repeat(DEFAULT_MAX_BODY_BYTES)]);
      assert.equal((await post("callbacks", big)).status, 413);
      assert.equal((await request("POST", `/acs/callbacks/cfg/${SECRET}`, big, {}, true)).status, 413);
      assert.equal(endpoint.callbacks.length, 0);
    });

    it("takes a body a body parser already read (object, Buffer or text) instead of the stream", async () => {
      preParse = (req) => {
        req._body = true;
        req.body = { parsed: "object" };
      };
      assert.equal((await post("events", "ignored, the stream is not read")).status, 200);
      preParse = (req) => {
        req._body = true;
        req.body = Buffer.from('{"parsed":"buffer"}');
      };
      assert.equal((await post("events", "x")).status, 200);
      preParse = (req) => {
        req._body = true;
        req.body = '{"parsed":"text"}';
      };
      assert.equal((await post("events", "x")).status, 200);
      preParse = (req) => {
        req._body = true;
        req.body = "{not json";
      };
      assert.equal((await post("events", "x")).status, 400);
      // A `body` that no parser marked as read is not trusted: the stream is.
      preParse = (req) => {
        req.body = { injected: true };
      };
      assert.equal((await post("events", '{"from":"stream"}')).status, 200);
      assert.deepEqual(endpoint.eventGrid, [{ parsed: "object" }, { parsed: "buffer" }, { parsed: "text" }, { from: "stream" }]);
    });

    it("answers 500 when an endpoint throws, reports it, and goes on serving", async () => {
      endpoint.fail = new Error("endpoint bug");
      const r = await post("callbacks", "[]");
      assert.equal(r.status, 500);
      assert.deepEqual(r.json, { error: "internal error" });
      assert.deepEqual(errors, ["webhook request failed: endpoint bug"]);
      endpoint.fail = undefined;
      assert.equal((await post("callbacks", "[]")).status, 200);
    });

    it("never throws to its caller, even when the response is already gone", async () => {
      const req = Object.assign(Object.create(null) as IncomingMessage, { method: "POST", headers: {} });
      const res = {
        headersSent: true,
        writeHead() {
          throw new Error("must not write after the headers went");
        },
        end() {
          throw new Error("must not write after the headers went");
        },
      } as unknown as ServerResponse;
      endpoint.fail = new Error("boom");
      await dispatcher.handle("callbacks", "cfg", SECRET, Object.assign(req, { _body: true, body: [] }) as never, res);
      await dispatcher.handle("callbacks", "nobody", SECRET, req, res);
      assert.deepEqual(errors, ["webhook request failed: boom"]);
    });
  });
});
