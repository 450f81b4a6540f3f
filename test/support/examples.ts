/**
 * The example flows under examples/, for tests: every file (recursively), each read as shipped,
 * and a way to watch what a flow does without changing it (a helper node on every output port and
 * beside every debug node).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import helper = require("node-red-node-test-helper");
import type { FlowNode } from "./red";

export const EXAMPLES_DIR = join(__dirname, "..", "..", "examples");

/** Every example file, as paths relative to examples/ ("nodes/acs-play.json"), sorted. */
export function exampleFiles(under = ""): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(EXAMPLES_DIR, under), { withFileTypes: true })) {
    const path = under ? `${under}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...exampleFiles(path));
    else if (entry.isFile() && entry.name.endsWith(".json")) found.push(path);
  }
  return found.sort();
}

export function exampleText(file: string): string {
  return readFileSync(join(EXAMPLES_DIR, file), "utf8");
}

/** An example as shipped. */
export function readExample(file: string): FlowNode[] {
  return JSON.parse(exampleText(file)) as FlowNode[];
}

/**
 * The example (a path under examples/: "nodes/acs-media.json") as shipped, plus a `helper` node on
 * each output port of every node ("<id>:<port>") and one beside each debug node ("<debug id>:0",
 * which receives what the debug node shows), so a test sees each outcome: RedHarness.next("<id>",
 * port), and RedHarness.from("<debug id>") for a debug node. `tweak` may change a node first (a
 * test that uses it says why); nothing else is changed: the comment and debug nodes stay, and the
 * acs-config keeps its empty callback URL (the harness runs Node-RED on its own port).
 */
export function instrumented(file: string, tweak: (node: FlowNode) => FlowNode = (n) => n): FlowNode[] {
  const flow = readExample(file).map(tweak);
  const debugIds = new Set(flow.filter((n) => n.type === "debug").map((n) => n.id));
  const out: FlowNode[] = [];
  for (const node of flow) {
    if (!Array.isArray(node.wires)) {
      out.push(node);
      continue;
    }
    const wires = (node.wires as string[][]).map((port, i) => [...port, ...port.filter((t) => debugIds.has(t)).map((t) => `${t}:0`), `${node.id}:${i}`]);
    out.push({ ...node, wires });
    wires.forEach((_, i) => out.push({ id: `${node.id}:${i}`, type: "helper", z: node.z, x: 0, y: 0, wires: [] }));
  }
  for (const id of debugIds) {
    const debug = flow.find((n) => n.id === id);
    out.push({ id: `${id}:0`, type: "helper", z: debug?.z, x: 0, y: 0, wires: [] });
  }
  return out;
}

/**
 * What only each example's own test knows: the number the example's comment tells the reader to
 * call is the one (and only one) its incoming-call nodes answer. (test/nodes/examples.spec.ts checks
 * the shape every example shares.)
 */
export function assertOwnNumber(file: string, number: string): void {
  const flow = readExample(file);
  const comment = flow.find((n) => n.type === "comment");
  assert.ok(String(comment?.info ?? "").includes(number), `the comment names ${number}`);
  assert.deepEqual(flow.filter((n) => n.type === "acs-incoming-call").map((n) => n.to), [number], `it answers only ${number}`);
}

interface StatusCall {
  thisValue: { id: string };
  args: [Record<string, unknown>];
}

/** Every status a node of the loaded flow has shown (the helper spies on Node.prototype.status). */
export function statusesOf(id: string): Array<Record<string, unknown>> {
  const proto = (helper as unknown as { _NodePrototype?: { status?: { getCalls?: () => StatusCall[] } } })._NodePrototype;
  const calls = proto?.status?.getCalls?.() ?? [];
  return calls.filter((c) => c.thisValue?.id === id).map((c) => c.args[0] ?? {});
}

/**
 * Errors Node-RED logged since the flow was loaded, and warnings of nodes (the runtime's own
 * warnings about the test helper and unencrypted test credentials are left out).
 */
export function loggedProblems(): Array<{ level: number; id?: string; type?: string; msg: string }> {
  const spy = helper.log() as unknown as { args: Array<[{ level: number; id?: string; type?: string; msg: unknown }]>; WARN: number } | undefined;
  if (!spy) return [];
  return spy.args
    .map(([entry]) => entry)
    .filter((entry) => entry && (entry.level < spy.WARN || (entry.level === spy.WARN && entry.id !== undefined)))
    .map((entry) => ({ level: entry.level, id: entry.id, type: entry.type, msg: entry.msg instanceof Error ? entry.msg.message : String(entry.msg) }));
}
