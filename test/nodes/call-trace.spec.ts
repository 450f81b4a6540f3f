/**
 * The call trace through Node-RED: the IVR example as shipped produces a timeline with its nodes,
 * the ports they left by, the operations sent, the events received and the call's end; errors and
 * refused operations become steps; an Azure-mode connection (connection string) is traced the same
 * way, and nothing secret reaches the admin API; the admin API's permissions are checked by
 * Node-RED's own editor authentication. Real SDK, embedded simulator, callbacks over real HTTP.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import helper = require("node-red-node-test-helper");
import { callTraces, type CallSummary, type TraceStep } from "../../lib/call-trace";
import { instrumented } from "../support/examples";
import { copyOf, eventually, RedHarness, type FlowNode } from "../support/red";
import tracePlugin = require("../../plugins/acs-trace");

const CALLER = "+14255550123";
const LINE = "+18005550100";
const NODE_RED_PATH = process.env.ACS_NODE_RED_PATH ?? require.resolve("node-red");
const nodeRedRequire = createRequire(NODE_RED_PATH);

interface CallList {
  cursor: number;
  configs: Array<{ id: string; name?: string; mode?: string; calls: number }>;
  calls: CallSummary[];
}
interface CallDetail {
  cursor: number;
  call: CallSummary;
  steps: TraceStep[];
}

/** GET on the admin app the harness's Node-RED serves (supertest). */
async function adminGet<T>(path: string): Promise<T> {
  const res = await (helper.request().get(path) as Promise<{ status: number; body: T }>);
  assert.equal(res.status, 200, `GET ${path}`);
  return res.body;
}

const listCalls = () => adminGet<CallList>("/acs-trace/calls");
const callDetail = (id: string, since = 0) => adminGet<CallDetail>(`/acs-trace/calls/${id}${since ? `?since=${since}` : ""}`);

/** The traced call of the far end's leg (by its serverCallId), once `ready` says its timeline is complete. */
async function tracedCall(red: RedHarness, legId: string, ready: (d: CallDetail) => boolean): Promise<CallDetail> {
  const serverCallId = (await red.leg(legId)).serverCallId;
  return eventually(
    async () => {
      const call = (await listCalls()).calls.find((c) => c.serverCallId === serverCallId);
      if (!call) return undefined;
      const detail = await callDetail(call.id);
      return ready(detail) ? detail : undefined;
    },
    "the call's timeline",
  );
}

const nodesOf = (d: CallDetail) => d.steps.filter((s) => s.kind === "node").map((s) => s.nodeId);
const opsOf = (d: CallDetail) => d.steps.filter((s) => s.kind === "operation").map((s) => s.op);
const eventsOf = (d: CallDetail) => d.steps.filter((s) => s.kind === "event").map((s) => s.event);
const outcomesOf = (d: CallDetail) => d.steps.filter((s) => s.kind === "outcome").map((s) => `${s.nodeId}:${s.port}${s.reason ? `:${s.reason}` : ""}`);
const ended = (d: CallDetail) => d.call.state === "ended" && d.steps.some((s) => s.kind === "outcome" && s.port === 2 && s.reason === "ended");

describe("call trace", function () {
  this.timeout(30000);
  const red = RedHarness.forSuite();
  beforeEach(() => callTraces.clear());

  it("the IVR example: a caller who presses 1 gives a timeline of nodes, ports, operations, events and the call's end", async () => {
    await red.load(instrumented("IVR menu.json"));
    const leg = await red.dial(CALLER, LINE);
    await red.waitForRecognize(leg);
    await red.press(leg, "1");
    const detail = await tracedCall(red, leg, ended);

    assert.equal(detail.call.config, "ivr-acs");
    assert.equal(detail.call.direction, "inbound");
    assert.equal(detail.call.from, CALLER);
    assert.equal(detail.call.to, LINE);
    assert.ok(detail.call.end && detail.call.end >= detail.call.start);
    assert.deepEqual(nodesOf(detail), ["ivr-incoming", "ivr-answer", "ivr-greet", "ivr-menu", "ivr-hours", "ivr-goodbye", "ivr-hangup"]);
    assert.deepEqual(opsOf(detail), ["answer", "play", "recognize", "play", "play", "terminate"]);
    const events = eventsOf(detail);
    assert.equal(events[0], "IncomingCall");
    for (const type of ["CallConnected", "PlayCompleted", "RecognizeCompleted", "CallDisconnected"]) assert.ok(events.includes(type), `event ${type}`);
    assert.deepEqual(outcomesOf(detail), [
      "ivr-incoming:0",
      "ivr-answer:0",
      "ivr-greet:0",
      "ivr-menu:0",
      "ivr-hours:0",
      "ivr-goodbye:0",
      "ivr-hangup:0",
      "ivr-answer:2:ended",
    ]);
    // Each operation is answered by events with its operationContext.
    for (const op of detail.steps.filter((s) => s.kind === "operation" && s.op !== "terminate")) {
      assert.ok(op.context, `${op.op} has an operationContext`);
      assert.ok(detail.steps.some((s) => s.kind === "event" && s.context === op.context), `an event answers ${op.op}`);
      assert.ok(op.status && op.status < 300, `${op.op} accepted`);
    }
    const menu = detail.steps.find((s) => s.op === "recognize");
    assert.equal(menu?.settings?.choices, "hours, agent");
    assert.match(String(menu?.settings?.prompt), /^text "For our opening hours/);
    assert.equal(detail.steps.find((s) => s.event === "RecognizeCompleted")?.detail, "choices: hours");
    const disconnected = detail.steps.find((s) => s.event === "CallDisconnected");
    assert.equal(disconnected?.code, 200);
    // In time order, every step once.
    const times = detail.steps.map((s) => s.t);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    assert.equal(new Set(detail.steps.map((s) => s.seq)).size, detail.steps.length);
    assert.equal(detail.call.steps, detail.steps.length);

    // The list: newest first, with the last step; "since" gives only what is newer.
    const list = await listCalls();
    assert.deepEqual(list.configs.find((c) => c.id === "ivr-acs"), { id: "ivr-acs", name: "Built-in simulator", mode: "simulator", calls: 1 });
    assert.equal(list.calls[0].id, detail.call.id);
    assert.deepEqual(list.calls[0].last, detail.steps[detail.steps.length - 1]);
    const lastSeq = Math.max(...detail.steps.map((s) => s.seq));
    assert.deepEqual((await callDetail(detail.call.id, lastSeq)).steps, []);
    const half = detail.steps[Math.floor(detail.steps.length / 2)].seq;
    assert.deepEqual(
      (await callDetail(detail.call.id, half)).steps.map((s) => s.seq),
      detail.steps.filter((s) => s.seq > half).map((s) => s.seq),
    );
  });

  it("tells the editor that something changed, on its comms topic, with the cursor only", async () => {
    const events = nodeRedRequire("@node-red/util").events as { on(e: string, l: (m: { topic: string; data: unknown }) => void): void; off(e: string, l: (m: unknown) => void): void };
    const seen: Array<{ topic: string; data: unknown }> = [];
    const listener = (m: { topic: string; data: unknown }) => {
      if (m.topic === "acs-trace") seen.push(m);
    };
    events.on("comms", listener);
    try {
      await red.load(instrumented("IVR menu.json"));
      const leg = await red.dial(CALLER, LINE);
      await red.waitForRecognize(leg);
      const note = await eventually(async () => seen[0], "a change notification");
      assert.deepEqual(Object.keys(note.data as object), ["cursor"]);
      assert.equal(typeof (note.data as { cursor: number }).cursor, "number");
      await red.hangup(leg);
    } finally {
      events.off("comms", listener as never);
    }
  });

  it("an outbound call: traced from the create-call node on, with who calls whom", async () => {
    const out = RedHarness.outputs("create", 3);
    const target = "+14255550160";
    await red.load([
      red.configNode(),
      { id: "create", type: "acs-create-call", name: "call the customer", acs: "acs", targets: target, targetsType: "str", callerId: LINE, callerIdType: "str", wires: [["bye", ...out.wires[0]], out.wires[1], out.wires[2]] },
      { id: "bye", type: "acs-hangup", acs: "acs", forEveryone: true, wires: [[]] },
      ...out.nodes,
      ...RedHarness.catcher(),
    ]);
    red.inject("create", { payload: "call" });
    const leg = await red.waitForLeg((l) => l.to === `4:${target}` && l.state === "ringing", "the customer's phone ringing");
    await red.control("POST", `/calls/${leg.id}/answer`);
    const detail = await tracedCall(red, leg.id, ended);
    assert.equal(detail.call.direction, "outbound");
    assert.equal(detail.call.from, LINE);
    assert.equal(detail.call.to, target);
    assert.deepEqual(nodesOf(detail), ["create", "bye"]);
    assert.deepEqual(opsOf(detail), ["createCall", "terminate"]);
    assert.deepEqual(outcomesOf(detail), ["create:0", "bye:0", "create:2:ended"]);
    assert.equal(detail.steps[0].kind, "node", "the node that placed the call comes first, though the call was known only once ACS answered");
    assert.equal(detail.steps[0].nodeName, "call the customer");
  });

  /** incoming-call → answer; play and the catch node wait for what the test sends. */
  function answerFlow(play: Record<string, unknown>): FlowNode[] {
    const ans = RedHarness.outputs("answer", 3);
    const out = RedHarness.outputs("play", 2);
    return [
      red.configNode(),
      { id: "incoming", type: "acs-incoming-call", acs: "acs", to: LINE, wires: [["answer"]] },
      { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: ans.wires },
      { id: "play", type: "acs-play", name: "late prompt", acs: "acs", promptKind: "text", prompt: "Are you still there?", promptType: "str", wires: out.wires, ...play },
      ...ans.nodes,
      ...out.nodes,
      ...RedHarness.catcher(),
    ];
  }


  it("messages a node sends later on its own are outcomes too: continuous DTMF tones (how many steps, never which key)", async () => {
    const ans = RedHarness.outputs("answer", 3);
    const listen = RedHarness.outputs("listen", 4);
    await red.load([
      red.configNode(),
      { id: "incoming", type: "acs-incoming-call", acs: "acs", to: LINE, wires: [["answer"]] },
      { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: [["listen", ...ans.wires[0]], ans.wires[1], ans.wires[2]] },
      { id: "listen", type: "acs-dtmf", acs: "acs", action: "startContinuous", wires: listen.wires },
      ...ans.nodes,
      ...listen.nodes,
    ]);
    const leg = await red.dial(CALLER, LINE);
    await red.next("listen", 0);
    await red.press(leg, "4");
    await red.next("listen", 1);
    await red.press(leg, "2");
    await red.next("listen", 1, (m) => m.msg.payload === "2");
    const detail = await tracedCall(red, leg, (d) => d.steps.filter((s) => s.kind === "outcome" && s.nodeId === "listen" && s.port === 1).length === 2);
    assert.deepEqual(opsOf(detail), ["answer", "startContinuousDtmfRecognition"]);
    assert.equal(eventsOf(detail).filter((e) => e === "ContinuousDtmfRecognitionToneReceived").length, 2);
    assert.deepEqual(outcomesOf(detail).filter((o) => o.startsWith("listen")), ["listen:0", "listen:1", "listen:1"]);
    assert.doesNotMatch(JSON.stringify(detail.steps.filter((s) => s.kind === "event")), /"(four|two)"/, "the keys pressed are not kept");
    await red.hangup(leg);
  });

  it("a node's error is a step of the call: a prompt played after the caller hung up", async () => {
    await red.load(answerFlow({}));
    const leg = await red.dial(CALLER, LINE);
    const connected = await red.next("answer", 0);
    await red.hangup(leg);
    await red.next("answer", 2);
    red.inject("play", copyOf(connected));
    const caught = await red.next("catch", 0);
    assert.match((caught.msg.error as { message: string }).message, /play failed: the call has already ended/);
    const detail = await tracedCall(red, leg, (d) => d.steps.some((s) => s.kind === "error"));
    const error = detail.steps.find((s) => s.kind === "error");
    assert.equal(error?.nodeId, "play");
    assert.equal(error?.nodeType, "acs-play");
    assert.equal(error?.nodeName, "late prompt");
    assert.match(String(error?.error), /^play failed: the call has already ended \(callConnectionId /);
    const steps = detail.steps.map((s) => `${s.kind}:${s.nodeId ?? s.event ?? s.op}`);
    assert.deepEqual(steps.slice(-2), ["node:play", "error:play"], "the node, then its error, after the call's end");
    assert.ok(steps.indexOf("event:CallDisconnected") < steps.indexOf("node:play"));
  });

  it("an operation ACS refuses: the refusal (status, code, message) and the node's error", async () => {
    await red.load(answerFlow({ playTo: "participant", participant: "+14255550999", participantType: "str" }));
    const leg = await red.dial(CALLER, LINE);
    const connected = await red.next("answer", 0);
    red.inject("play", copyOf(connected));
    const caught = await red.next("catch", 0);
    assert.match((caught.msg.error as { message: string }).message, /play failed: ACS answered 404 \(8522\)/);
    const detail = await tracedCall(red, leg, (d) => d.steps.some((s) => s.kind === "error"));
    const refused = detail.steps.find((s) => s.kind === "operation" && s.op === "play");
    assert.equal(refused?.status, 404);
    assert.equal(refused?.code, "8522");
    assert.equal(refused?.error, "Participant not found.");
    assert.equal(refused?.settings?.to, "+14255550999");
    assert.equal(detail.steps.find((s) => s.kind === "error")?.nodeId, "play");
    assert.equal(detail.call.state, "connected", "the call goes on");
  });

  it("Azure mode (a connection string): the same timeline, and no access key, webhook secret, callback URL, incoming-call context or token in any answer", async () => {
    const sim = await red.sim();
    const webhookSecret = "trace-test-webhook-secret-0123456789";
    const accessKey = /accesskey=([^;]+)/i.exec(sim.connectionString)?.[1];
    assert.ok(accessKey);
    const ans = RedHarness.outputs("answer", 3);
    const inc = RedHarness.outputs("incoming", 1);
    await red.load(
      [
        { id: "cs", type: "acs-config", name: "contoso", mode: "connectionString", callbackBaseUrl: red.base, resourceId: sim.resourceId },
        { id: "incoming", type: "acs-incoming-call", acs: "cs", to: LINE, wires: [["answer", ...inc.wires[0]]] },
        { id: "answer", type: "acs-answer", acs: "cs", action: "answer", wires: [["greet", ...ans.wires[0]], ans.wires[1], ans.wires[2]] },
        { id: "greet", type: "acs-play", acs: "cs", promptKind: "text", prompt: "Hello from Azure mode", promptType: "str", wires: [["bye"], []] },
        { id: "bye", type: "acs-hangup", acs: "cs", forEveryone: true, wires: [[]] },
        ...ans.nodes,
        ...inc.nodes,
        ...RedHarness.catcher(),
      ],
      { cs: { connectionString: sim.connectionString, webhookSecret } },
    );
    const service = await red.service("cs");
    const sub = await red.control<{ id: string }>("POST", "/subscriptions", { url: service.eventGridUrl });
    try {
      const leg = await red.dial(CALLER, LINE);
      const incoming = await red.next("incoming", 0);
      const context = String(incoming.msg.call?.incomingCallContext);
      assert.ok(context.length > 20);
      const detail = await tracedCall(red, leg, ended);
      assert.equal(detail.call.config, "cs");
      assert.deepEqual(nodesOf(detail), ["incoming", "answer", "greet", "bye"]);
      assert.deepEqual(opsOf(detail), ["answer", "play", "terminate"]);
      assert.equal(detail.steps.find((s) => s.op === "play")?.settings?.prompt, 'text "Hello from Azure mode"');
      const list = await listCalls();
      assert.equal(list.configs.find((c) => c.id === "cs")?.mode, "connectionString");

      const answers = JSON.stringify(list) + JSON.stringify(detail) + JSON.stringify(await callDetail(detail.call.id));
      for (const [what, secret] of [
        ["the access key", accessKey],
        ["the webhook secret", webhookSecret],
        ["the callback URL", service.callbackUrl],
        ["the Event Grid URL", service.eventGridUrl],
        ["the incoming-call context", context],
      ] as const) {
        assert.ok(!answers.includes(secret), `no ${what}`);
      }
      assert.doesNotMatch(answers, /\/acs\/(callbacks|events)\//, "no webhook path");
      assert.doesNotMatch(answers, /Bearer|eyJ[A-Za-z0-9_-]{10,}\./, "no token");
      assert.doesNotMatch(answers, /accesskey=(?!\*)/i);
    } finally {
      await red.control("DELETE", `/subscriptions/${sub.body.id}`);
    }
  });

  describe("the admin API's permissions, checked by Node-RED's own editor authentication", () => {
    const auth = nodeRedRequire("@node-red/editor-api/lib/auth") as {
      init(settings: object, storage: object): void;
      needsPermission(permission: string): (req: unknown, res: unknown, next: () => void) => void;
    };
    const express = nodeRedRequire("express") as () => { listen(port: number, host: string, cb: () => void): Server } & object;
    const storage = { getSessions: async () => ({}), saveSessions: async () => undefined };
    const TOKENS: Record<string, string[] | string> = {
      "t-trace-reader": ["acs-trace.read"],
      "t-reader": "read",
      "t-flows": ["flows.read"],
      "t-trace-writer": ["acs-trace.read", "acs-trace.write"],
      "t-admin": "*",
    };
    let server: Server | undefined;
    let base = "";

    before(async () => {
      auth.init(
        {
          adminAuth: {
            type: "credentials",
            users: [{ username: "operator", permissions: "*" }],
            tokens: Object.entries(TOKENS).map(([token, scope]) => ({ token, user: "operator", scope })),
          },
        },
        storage,
      );
      const app = express();
      // The plugin as Node-RED loads it, on an admin app whose permission checks are Node-RED's.
      (tracePlugin as unknown as (red: unknown) => void)({ httpAdmin: app, auth, plugins: { registerPlugin: () => undefined }, settings: {} });
      server = createServer(app as never);
      await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", () => resolve()));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      auth.init({}, storage);
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    });

    const call = (method: string, path: string, token?: string) => fetch(`${base}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} }).then((r) => r.status);

    it("reading needs acs-trace.read (or read), clearing acs-trace.write", async () => {
      const trace = callTraces.open("perm-cfg", { mode: "simulator" });
      trace.event({ type: "CallConnected", callConnectionId: "perm-call", data: {} });
      const id = trace.list()[0].id;
      try {
        assert.equal(await call("GET", "/acs-trace/calls"), 401, "no login");
        assert.equal(await call("GET", "/acs-trace/calls", "t-unknown"), 401, "an unknown token");
        assert.equal(await call("GET", "/acs-trace/calls", "t-flows"), 401, "flows.read is not acs-trace.read");
        assert.equal(await call("GET", `/acs-trace/calls/${id}`, "t-flows"), 401);
        assert.equal(await call("GET", "/acs-trace/calls", "t-trace-reader"), 200);
        assert.equal(await call("GET", `/acs-trace/calls/${id}`, "t-trace-reader"), 200);
        assert.equal(await call("GET", "/acs-trace/calls/c-none", "t-trace-reader"), 404);
        assert.equal(await call("GET", "/acs-trace/calls", "t-reader"), 200, "read covers every .read");
        assert.equal(await call("DELETE", "/acs-trace/calls", "t-reader"), 401, "read does not clear");
        assert.equal(await call("DELETE", "/acs-trace/calls", "t-trace-reader"), 401);
        assert.equal(trace.size, 1, "nothing was cleared");
        assert.equal(await call("DELETE", "/acs-trace/calls?config=other", "t-trace-writer"), 204);
        assert.equal(trace.size, 1, "only the config asked for is cleared");
        assert.equal(await call("DELETE", "/acs-trace/calls", "t-admin"), 204);
        assert.equal(trace.size, 0);
      } finally {
        callTraces.close("perm-cfg");
      }
    });
  });
});
