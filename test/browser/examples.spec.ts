/**
 * The examples in the editor: Import › Examples lists every file of examples/; each imports as
 * the import dialog gets it from Node-RED; all deploy side by side without a node error (runtime
 * log, node status), and the runtime runs exactly the example flows. Then a call through the
 * deployed IVR example, driven through the embedded simulator's control API: the flows the
 * editor deployed answer it, play the menu, take the key and hang up.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { useBrowser, type FlowNode } from "../support/browser";
import { PACKAGE_NAME } from "../support/node-red-process";
import { poll } from "../support/processes";

// Browser-side code refers to the editor's globals.
declare const RED: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const $: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const EXAMPLES = join(__dirname, "..", "..", "examples");

/** Every example file, as the library names it: "IVR menu", "nodes/acs-play". */
function exampleFiles(dir = EXAMPLES): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? exampleFiles(join(dir, entry.name)) : entry.name.endsWith(".json") ? [relative(EXAMPLES, join(dir, entry.name)).replace(/\.json$/, "")] : []))
    .sort();
}

interface Leg {
  id: string;
  state: string;
  endReason?: string;
  heard: Array<{ kind: string; content: string }>;
  media: Array<{ operations: Array<{ kind: string; phase: string }> }>;
}

describe("Browser: the examples in the editor", function () {
  this.timeout(120_000);
  const b = useBrowser();
  const files = exampleFiles();
  const imported = new Map<string, FlowNode[]>();

  it("Import › Examples lists every example file of the package", async () => {
    const listed = await b.editor.evaluate(async (module) => {
      const walk = async (path: string): Promise<string[]> => {
        const entries: Array<string | { fn: string }> = await (await fetch(`library/examples/flows/${module}/${path}`)).json();
        const found: string[] = [];
        for (const e of entries) found.push(...(typeof e === "string" ? await walk(`${path}${e}/`) : [`${path}${e.fn}`]));
        return found;
      };
      return walk("");
    }, PACKAGE_NAME);
    assert.deepEqual(listed.sort(), files);
    assert.ok(files.length >= 19, `${files.length} examples`);
    b.editor.assertNoErrors();
  });

  for (const name of files) {
    it(`imports "${name}" as the import dialog gets it, with every node valid`, async () => {
      const flow: FlowNode[] = await b.editor.evaluate(async (path) => (await fetch(`library/examples/flows/${path}`)).json(), `${PACKAGE_NAME}/${name}`);
      assert.deepEqual(flow, JSON.parse(readFileSync(join(EXAMPLES, `${name}.json`), "utf8")), "Node-RED serves the file as it is");
      await b.editor.importFlow(flow);
      const invalid = await b.editor.evaluate(
        (ids) => ids.map((id) => RED.nodes.node(id)).filter((n) => n && n.valid === false).map((n) => `${n.id} (${n.type}): ${JSON.stringify(n.validationErrors)}`),
        flow.map((n) => n.id),
      );
      assert.deepEqual(invalid, [], `${name}: nodes the editor finds improperly configured`);
      imported.set(name, flow);
      b.editor.assertNoErrors(name);
    });
  }

  it("all examples deploy side by side without a node error; the runtime runs exactly their nodes", async () => {
    assert.equal(imported.size, files.length, "every example was imported");
    const mark = b.red.mark();
    await b.editor.deploy();

    // The runtime has exactly the example nodes, as shipped.
    const all = [...imported.values()].flat();
    const deployed = (await b.red.admin<{ flows: FlowNode[] }>("GET", "/flows", undefined, { "Node-RED-API-Version": "v2" })).body.flows;
    // (Besides the empty "Flow 1" tab the editor opens on empty flows.)
    const exampleIds = new Set(all.map((n) => n.id));
    const others = deployed.filter((n) => !exampleIds.has(n.id));
    for (const n of others) assert.ok(n.type === "tab" && !deployed.some((d) => d.z === n.id), `only example nodes run, not ${n.type} ${n.id}`);
    assert.deepEqual(
      deployed.filter((n) => exampleIds.has(n.id)).map((n) => `${n.id} ${n.type}`).sort(),
      all.map((n) => `${n.id} ${n.type}`).sort(),
    );
    const byId = new Map(deployed.map((n) => [n.id, n]));
    for (const n of all) assert.deepEqual(ports(byId.get(n.id)?.wires), ports(n.wires), `${n.id}'s wires`);

    // Each example's config node is up: subscribed to the embedded simulator's Event Grid.
    const configs = all.filter((n) => n.type === "acs-config").map((n) => n.id);
    assert.equal(configs.length, files.length, "one acs-config per example");
    await poll(async () => {
      const subs = (await b.red.admin<Array<{ url: string }>>("GET", "/acs-simulator/subscriptions")).body;
      return configs.every((id) => subs.some((s) => s.url.includes(`/acs/events/${id}/`))) ? true : undefined;
    }, "every example's acs-config to subscribe to the simulator", 30_000);

    // No error or warning from any node, and no red status in the editor.
    assert.deepEqual(b.red.problemsSince(mark), [], "Node-RED logged no error or warning");
    const red = await b.editor.evaluate(
      (ids) => ids.map((id) => ({ id, status: RED.nodes.node(id)?.status })).filter((s) => s.status && s.status.fill === "red").map((s) => `${s.id}: ${s.status.text}`),
      all.map((n) => n.id),
    );
    assert.deepEqual(red, [], "no node shows an error status");
    b.editor.assertNoErrors();
  });

  it("a call through the deployed IVR example: greeting and menu, key 1, opening hours, goodbye, hung up; the editor's debug sidebar shows it", async () => {
    const ivr = imported.get("IVR menu");
    assert.ok(ivr, "the IVR example was deployed");
    const prompt = (id: string) => String(ivr.find((n) => n.id === id)?.prompt);
    const number = String(ivr.find((n) => n.type === "acs-incoming-call")?.to);
    const mark = b.red.mark();
    const debugBefore = await debugMessages(b.editor.evaluate.bind(b.editor));

    const dialed = await b.red.admin<{ id: string }>("POST", "/acs-simulator/calls", { from: "+14255550123", to: number });
    assert.equal(dialed.status, 201, JSON.stringify(dialed.body));
    const leg = async () => (await b.red.admin<Leg>("GET", `/acs-simulator/calls/${dialed.body.id}`)).body;

    // The menu listens: press 1.
    const listening = await poll(async () => {
      const l = await leg();
      if (l.state === "ended") throw new Error(`the call ended early: ${JSON.stringify(l)}\nNode-RED:\n${b.red.logSince(mark).join("\n")}`);
      return l.media.some((m) => m.operations.some((op) => op.kind === "recognize" && op.phase === "listening")) ? l : undefined;
    }, "the IVR menu to listen", 30_000);
    assert.deepEqual(
      listening.heard.map((h) => h.content),
      [prompt("ivr-greet"), prompt("ivr-menu")],
    );
    const pressed = await b.red.admin("POST", `/acs-simulator/calls/${dialed.body.id}/dtmf`, { tones: "1" });
    assert.equal(pressed.status, 200, JSON.stringify(pressed.body));

    const ended = await poll(async () => {
      const l = await leg();
      return l.state === "ended" ? l : undefined;
    }, "the IVR to hang up", 30_000);
    assert.deepEqual(
      ended.heard.map((h) => h.content),
      [prompt("ivr-greet"), prompt("ivr-menu"), prompt("ivr-hours"), prompt("ivr-goodbye")],
    );
    assert.equal(ended.endReason, "ended by the application");

    // The debug node "call log" (ivr-log) reported the hang-up to the editor's debug sidebar.
    const debugAfter = await poll(async () => {
      const now = await debugMessages(b.editor.evaluate.bind(b.editor));
      return now.filter((m) => m.node === "ivr-log").length > debugBefore.filter((m) => m.node === "ivr-log").length ? now : undefined;
    }, "the call log in the debug sidebar");
    assert.ok(debugAfter.length > debugBefore.length);
    assert.deepEqual(b.red.problemsSince(mark), [], "Node-RED logged no error or warning during the call");
    b.editor.assertNoErrors();
  });
});

/** A node's wires without trailing unconnected ports (the editor writes [[]] where a file may say []). */
function ports(wires: unknown): string[][] {
  const list = Array.isArray(wires) ? [...(wires as string[][])] : [];
  while (list.length && list[list.length - 1].length === 0) list.pop();
  return list;
}

/** The messages in the editor's debug sidebar: the id of the node that sent each, and its text. */
function debugMessages(evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => Promise<R>): Promise<Array<{ node: string; text: string }>> {
  return evaluate(
    () =>
      $(".red-ui-debug-msg")
        .toArray()
        .map((el: HTMLElement) => ({ node: String($(el).data("source")), text: $(el).text() })),
    null,
  );
}
