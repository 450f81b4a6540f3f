/**
 * Node-RED under node-red-node-test-helper, with this package's nodes and the embedded simulator.
 *
 * The helper gives each load a fresh RED.httpNode that no server listens on (helper.request()
 * reaches only httpAdmin), so a small server here forwards to the current httpNode: the
 * simulator's callbacks and Event Grid deliveries reach the nodes over real HTTP.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import helper = require("node-red-node-test-helper");
import { embeddedSimulator, stopEmbeddedSimulator } from "../../lib/embedded-simulator";
import type { AcsSimulator } from "../../simulator";
import type { AcsService } from "../../lib/acs-service";
import { waitFor, type LegSummary } from "./harness";
import { runtimeTranslator } from "./editor-i18n";

// ACS_NODE_RED_PATH runs the node tests on another Node-RED (e.g. 5.x under Node 22); see the README.
const NODE_RED_PATH = process.env.ACS_NODE_RED_PATH ?? require.resolve("node-red");
helper.init(NODE_RED_PATH);

type NodeModule = (RED: never) => void;
const ROOT = join(__dirname, "..", "..");
const packageJson = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { "node-red": { nodes: Record<string, string>; plugins?: Record<string, string> } };

/** Every node type package.json declares, from its TypeScript source (nodes/<type>.ts). */
export const NODE_TYPES = Object.keys(packageJson["node-red"].nodes);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const NODE_MODULES = NODE_TYPES.map((type) => ({ name: type, module: require(join(ROOT, "nodes", type)) as NodeModule }));
/** The runtime part of every editor plugin package.json declares (plugins/<name>.ts): loaded like nodes. */
const PLUGIN_MODULES = Object.keys(packageJson["node-red"].plugins ?? {}).map((name) => ({
  name,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  module: require(join(ROOT, "plugins", name)) as NodeModule,
}));

/**
 * This package's node and plugin modules, each given a RED whose `_` reads the en-US catalogues
 * as Node-RED's runtime does (the module's own namespace, "__name__" substitutions). The helper's
 * RED._ gives the key back, so without this a test would read "acs-dtmf.error.badTones" where a
 * user reads the sentence, and a missing substitution would go unseen.
 */
let englishModules: Promise<NodeModule[]> | undefined;
function packageModules(): Promise<NodeModule[]> {
  englishModules ??= Promise.all(
    [...NODE_MODULES, ...PLUGIN_MODULES].map(async ({ name, module }) => {
      const _ = await runtimeTranslator("en-US", name);
      return ((RED: object) => module(Object.create(RED, { _: { value: _ } }) as never)) as NodeModule;
    }),
  );
  return englishModules;
}

/**
 * Node-RED's own nodes that flows and examples use next to ours (comment, inject, debug, function,
 * switch, change, template, delay, http in / response, http request, link, catch, status, complete),
 * from the Node-RED under test.
 */
const nodeRedRequire = createRequire(NODE_RED_PATH);
const CORE_NODE_FILES = [
  "common/20-inject.js",
  "common/21-debug.js",
  "common/24-complete.js",
  "common/25-catch.js",
  "common/25-status.js",
  "common/60-link.js",
  "common/90-comment.js",
  "function/10-function.js",
  "function/10-switch.js",
  "function/15-change.js",
  "function/80-template.js",
  "function/89-delay.js",
  "network/21-httpin.js",
  "network/21-httprequest.js",
];
export const CORE_NODES: NodeModule[] = CORE_NODE_FILES.map((file) => nodeRedRequire(`@node-red/nodes/core/${file}`) as NodeModule);

/** Simulator options for every node test (one embedded simulator serves the whole run). */
export const TEST_SIMULATOR = { speed: 20, deliveryRetryDelaysMs: [100, 200, 400], ringTimeoutSeconds: 30 };

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface ReceivedMessage {
  node: string;
  port: number;
  msg: Record<string, unknown> & { call?: Record<string, unknown>; payload?: unknown; event?: Record<string, unknown> };
}

/** What a Catch node received: the error Node-RED reports, and the node it came from. */
export const errorOf = (m: ReceivedMessage): { message: string; source?: { id?: string; type?: string } } =>
  m.msg.error as { message: string; source?: { id?: string; type?: string } };

/** The caught error's message, without the "FlowError: " Node-RED puts before it. */
export const caughtText = (m: ReceivedMessage): string => errorOf(m).message.replace(/^\w*Error: /, "");

/** Messages about one call (the far end and the app share its serverCallId). */
export const about = (serverCallId: string) => (m: ReceivedMessage): boolean => m.msg.call?.serverCallId === serverCallId;

/** A deep copy of a received message, to inject into another node. */
export const copyOf = (m: ReceivedMessage): Record<string, unknown> => JSON.parse(JSON.stringify(m.msg)) as Record<string, unknown>;

export interface LegDetail {
  id: string;
  state: string;
  direction: string;
  from: string;
  to: string;
  endReason?: string;
  serverCallId: string;
  heard: Array<{ kind: string; content: string; operationContext?: string }>;
  media: Array<{ callConnectionId: string; operations: Array<{ kind: string; phase: string; operationContext?: string }> }>;
  events: Array<{ type: string; data: Record<string, unknown> }>;
  timeline: Array<{ what: string; detail?: Record<string, unknown> }>;
  customContext?: { sipHeaders?: Record<string, string>; voipHeaders?: Record<string, string> };
  callConnectionIds: string[];
}

export class RedHarness {
  private httpNode?: (req: IncomingMessage, res: ServerResponse) => void;
  private server?: Server;
  base = "";
  received: ReceivedMessage[] = [];

  /**
   * A harness for one mocha suite: started before its tests; after each test every call still
   * up is hung up and the flow unloaded; stopped (with the embedded simulator) after the suite.
   */
  static forSuite(): RedHarness {
    const h = new RedHarness();
    before(async () => h.listen());
    afterEach(async () => {
      await h.hangupAll();
      await h.unload();
    });
    after(async () => {
      await h.stop();
      await stopEmbeddedSimulator();
    });
    return h;
  }

  /** A Catch node for the whole tab; what it catches lands on helper "catch:0". */
  static catcher(): FlowNode[] {
    const out = RedHarness.outputs("catch", 1);
    return [{ id: "catch", type: "catch", scope: null, uncaught: false, wires: out.wires }, ...out.nodes];
  }

  static async start(): Promise<RedHarness> {
    const h = new RedHarness();
    await h.listen();
    return h;
  }

  private async listen(): Promise<void> {
    const server = createServer((req, res) => {
      if (this.httpNode) this.httpNode(req, res);
      else res.writeHead(503).end();
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await helper.startServer();
  }

  /** The acs-config node every test flow uses, pointed at this harness's callback server. */
  configNode(extra: Record<string, unknown> = {}): FlowNode {
    return { id: "acs", type: "acs-config", name: "simulator", mode: "simulator", callbackBaseUrl: this.base, ...extra };
  }

  /**
   * Load a flow. Every `helper` node listed in `collect` records what reaches it, and `wire(id, n)`
   * builds the helper nodes for a node's n outputs.
   */
  async load(flow: FlowNode[], credentials: Record<string, unknown> = {}): Promise<void> {
    this.received = [];
    // uiPort is this harness's own port, so a config node with no callbackBaseUrl (as the examples
    // ship) gets its callbacks and Event Grid deliveries here.
    helper.settings({ acsSimulator: TEST_SIMULATOR, uiPort: Number(new URL(this.base).port) });
    const capture = ((RED: { httpNode: (req: IncomingMessage, res: ServerResponse) => void }) => {
      this.httpNode = RED.httpNode;
    }) as unknown as NodeModule;
    // Flow nodes need a tab (`z`) and a position; without them Node-RED takes them for config nodes.
    const full: FlowNode[] = [{ id: "f1", type: "tab", label: "test" }, ...flow.map((n) => (n.type === "acs-config" || n.z ? n : { x: 100, y: 100, ...n, z: "f1" }))];
    await helper.load([capture, ...CORE_NODES, ...(await packageModules())] as never, full as never, credentials as never);
    for (const n of flow) {
      if (n.type !== "helper") continue;
      const [owner, port] = String(n.id).split(":");
      helper.getNode(n.id).on("input", (msg: ReceivedMessage["msg"]) => this.received.push({ node: owner, port: Number(port), msg }));
    }
    for (const n of flow) if (n.type === "acs-config") await this.service(n.id);
  }

  /** Helper nodes for each output of node `id`: ids "id:0", "id:1", ... */
  /**
   * A flow that answers calls: this config, incoming-call (for calls to `to`, or all) → answer,
   * whose "connected" port also feeds node `first` if given; then `nodes` and a Catch node.
   */
  answeredFlow(to: string | undefined, nodes: FlowNode[], first?: string): FlowNode[] {
    const ans = RedHarness.outputs("answer", 3);
    return [
      this.configNode(),
      { id: "incoming", type: "acs-incoming-call", acs: "acs", ...(to ? { to } : {}), wires: [["answer"]] },
      { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: [[...(first ? [first] : []), ...ans.wires[0]], ans.wires[1], ans.wires[2]] },
      ...ans.nodes,
      ...nodes,
      ...RedHarness.catcher(),
    ];
  }

  static outputs(id: string, count: number): { wires: string[][]; nodes: FlowNode[] } {
    const nodes = Array.from({ length: count }, (_, i) => ({ id: `${id}:${i}`, type: "helper" }));
    return { wires: nodes.map((n) => [n.id]), nodes };
  }

  node<T = unknown>(id: string): T {
    return helper.getNode(id) as T;
  }

  service(id = "acs"): Promise<AcsService> {
    return (helper.getNode(id) as unknown as { getService(): Promise<AcsService> }).getService();
  }

  /** The embedded simulator (started with the options a simulator-mode config node would give it). */
  sim(): Promise<AcsSimulator> {
    return embeddedSimulator({ requireCognitiveServices: false, ...TEST_SIMULATOR });
  }

  async control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const sim = await this.sim();
    const res = await fetch(`${sim.controlBase}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** The far end's view of a call (state, heard prompts, media operations, events). */
  async leg(id: string): Promise<LegDetail> {
    const res = await this.control<LegDetail>("GET", `/calls/${id}`);
    if (res.status !== 200) throw new Error(`GET /calls/${id} answered ${res.status}`);
    return res.body;
  }

  /** Wait until a recognize runs on the call of leg `id` (prompting or listening), so keys pressed now count. */
  async waitForRecognize(id: string, timeoutMs = 8000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leg = await this.leg(id);
      if (leg.media.some((m) => m.operations.some((op) => op.kind === "recognize" && (op.phase === "prompt" || op.phase === "listening")))) return;
      if (Date.now() > deadline) throw new Error(`no recognize started on call ${id}; heard: ${JSON.stringify(leg.heard.map((h) => h.content))}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Dial in from `from` to `to`; returns the far end's leg id. */
  async dial(from = "+14255550123", to = "+18005550100"): Promise<string> {
    const res = await this.control<{ id: string }>("POST", "/calls", { from, to });
    if (res.status !== 201) throw new Error(`POST /calls answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  /**
   * Dial in from `from` to `to` and wait until the flow answers: the far end's leg id and the
   * "connected" message (port 0 of the node `answerNode`) of that call.
   */
  async dialAnswered(from = "+14255550123", to = "+18005550100", answerNode = "answer"): Promise<{ legId: string; connected: ReceivedMessage }> {
    const legId = await this.dial(from, to);
    const { serverCallId } = await this.leg(legId);
    const connected = await this.next(answerNode, 0, about(serverCallId));
    return { legId, connected };
  }

  async press(id: string, tones: string): Promise<void> {
    const res = await this.control<{ outcome?: string }>("POST", `/calls/${id}/dtmf`, { tones });
    if (res.status >= 300) throw new Error(`POST /calls/${id}/dtmf answered ${res.status}: ${JSON.stringify(res.body)}`);
  }

  async say(id: string, text: string): Promise<void> {
    const res = await this.control("POST", `/calls/${id}/speech`, { text });
    if (res.status >= 300) throw new Error(`POST /calls/${id}/speech answered ${res.status}: ${JSON.stringify(res.body)}`);
  }

  async hangup(id: string): Promise<void> {
    const res = await this.control("POST", `/calls/${id}/hangup`);
    if (res.status >= 300) throw new Error(`POST /calls/${id}/hangup answered ${res.status}: ${JSON.stringify(res.body)}`);
  }

  /** The far end's calls (`GET /calls`), optionally only those in one state. */
  async legs(state?: "ringing" | "connected" | "ended"): Promise<LegSummary[]> {
    const res = await this.control<LegSummary[]>("GET", `/calls${state ? `?state=${state}` : ""}`);
    if (res.status !== 200) throw new Error(`GET /calls answered ${res.status}`);
    return res.body;
  }

  /** Wait for a far-end call that matches, e.g. an outbound call ringing to a number (`to` is a raw id: "4:+1..."). */
  async waitForLeg(match: (leg: LegSummary) => boolean, what: string, timeoutMs = 8000): Promise<LegSummary> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await this.legs()).find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Wait until the far-end call `id` is in `state`; returns its detail. */
  async waitForLegState(id: string, state: string, timeoutMs = 8000): Promise<LegDetail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leg = await this.leg(id);
      if (leg.state === state) return leg;
      if (Date.now() > deadline) throw new Error(`call ${id} is ${leg.state} (${leg.endReason ?? ""}), not ${state}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Hang up every far-end call still ringing or connected, so no call outlives its test. */
  async hangupAll(): Promise<void> {
    for (const leg of await this.legs()) {
      if (leg.state !== "ended") await this.control("POST", `/calls/${leg.id}/hangup`).catch(() => undefined);
    }
  }

  /** Send a message into a node's input, as a wire would. */
  inject(id: string, msg: Record<string, unknown>): void {
    (helper.getNode(id) as unknown as { receive(m: unknown): void }).receive(msg);
  }

  /** Wait for a message from `node` on `port` (optionally about one call). */
  async next(node: string, port: number, filter: (m: ReceivedMessage) => boolean = () => true, timeoutMs = 8000): Promise<ReceivedMessage> {
    return waitFor(() => this.received.find((m) => m.node === node && m.port === port && filter(m)), `a message from ${node} port ${port}`, timeoutMs);
  }

  from(node: string, port?: number): ReceivedMessage[] {
    return this.received.filter((m) => m.node === node && (port === undefined || m.port === port));
  }

  async unload(): Promise<void> {
    await helper.unload();
    this.httpNode = undefined;
  }

  async stop(): Promise<void> {
    await helper.unload().catch(() => undefined);
    await helper.stopServer();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    this.server?.closeAllConnections();
  }
}

/** Stop the process's embedded simulator once every node test has run. */
export async function stopSimulator(): Promise<void> {
  await stopEmbeddedSimulator();
}

/** Poll an async check until it gives a value, or fail after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
