/**
 * Every example flow under examples/ (recursively, whoever wrote it): its shape (one tab that opens
 * with a comment, one simulator connection and no secret, only known node types, wires that lead
 * somewhere, unique ids, its own phone number and HTTP path, a tidy layout), and that it deploys in
 * Node-RED on the built-in simulator without a single error or warning.
 *
 * The rule for "the first node": the first node of the tab in the file's order (the tab itself and
 * config nodes aside) is a comment node with a name and an info text.
 */
import assert from "node:assert/strict";
import { EMBEDDED_NUMBERS } from "../../lib/embedded-simulator";
import { exampleFiles, exampleText, loggedProblems, readExample, statusesOf } from "../support/examples";
import { NODE_TYPES, RedHarness, type FlowNode } from "../support/red";
import { waitFor } from "../support/harness";

/** Node-RED's own node types that examples may use (those the test harness loads), and flow structure. */
const CORE_TYPES = new Set([
  "tab",
  "group",
  "junction",
  "comment",
  "inject",
  "debug",
  "complete",
  "catch",
  "status",
  "link in",
  "link out",
  "link call",
  "function",
  "switch",
  "change",
  "template",
  "delay",
  "http in",
  "http response",
  "http request",
]);
const OUR_TYPES = new Set(NODE_TYPES);
const CONFIG_TYPES = new Set(["acs-config"]);

/** Text that looks like a credential: access keys, bearer tokens, connection strings, JWTs. */
const SECRET_PATTERNS = [
  /accesskey\s*=/i,
  /\bBearer\s/i,
  /(AccountKey|SharedAccessKey|SharedAccessSignature|AccessKey)\s*=/i,
  /endpoint\s*=\s*https?:\/\/[^;"]+;/i,
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/,
  /"(clientSecret|connectionString|webhookSecret|password|token)"\s*:\s*"[^"]+"/i,
];

const FILES = exampleFiles();

const isFlowNode = (n: FlowNode) => n.type !== "tab" && !CONFIG_TYPES.has(n.type) && n.z !== undefined;
const wiresOf = (n: FlowNode): string[][] => (Array.isArray(n.wires) ? (n.wires as string[][]) : []);
const label = (n: FlowNode): string => String(n.name || n.label || n.type);

/** A node's box on the canvas, as the editor draws it (a little smaller, so only real overlaps count). */
function box(n: FlowNode): { x: number; y: number; w: number; h: number } {
  const w = Math.max(100, label(n).length * 6 + 40);
  const h = Math.max(30, wiresOf(n).length * 15);
  return { x: Number(n.x), y: Number(n.y), w, h };
}

/** The called numbers an incoming-call node answers (its `to` filter). */
const calledNumbers = (n: FlowNode): string[] =>
  String(n.to ?? "")
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter((t) => t !== "");

describe("example flows", function () {
  it("there are examples for every node type that is not a config node", () => {
    assert.ok(FILES.length > 0);
    const used = new Set(FILES.flatMap((f) => readExample(f).map((n) => n.type)));
    const missing = NODE_TYPES.filter((t) => !CONFIG_TYPES.has(t) && !used.has(t));
    assert.deepEqual(missing, [], "node types with no example (node-red-dev's N02 check)");
  });

  describe("the shape of each file", () => {
    for (const file of FILES) {
      describe(file, () => {
        const text = exampleText(file);

        it("is valid JSON: an array of nodes with ids and types", () => {
          const flow = JSON.parse(text) as unknown;
          assert.ok(Array.isArray(flow) && flow.length > 0);
          for (const n of flow as FlowNode[]) {
            assert.equal(typeof n.id, "string", "every node has an id");
            assert.ok(n.id.length > 0);
            assert.equal(typeof n.type, "string", `node ${n.id} has a type`);
          }
        });

        it("has one tab, which opens with a comment node that has a name and an info text", () => {
          const flow = readExample(file);
          const tabs = flow.filter((n) => n.type === "tab");
          assert.equal(tabs.length, 1, "exactly one tab");
          const tab = tabs[0];
          assert.ok(String(tab.label ?? "").trim(), "the tab has a label");
          for (const n of flow) {
            if (n.type === "tab" || CONFIG_TYPES.has(n.type)) continue;
            assert.equal(n.z, tab.id, `${n.type} ${n.id} is on the tab`);
          }
          const first = flow.find((n) => n.z === tab.id);
          assert.equal(first?.type, "comment", "the first node of the tab is a comment");
          assert.ok(String(first?.name ?? "").trim().length > 0, "the comment has a name");
          assert.ok(String(first?.info ?? "").trim().length > 20, "the comment has an info text");
          assert.match(String(first?.info), /\/acs-simulator|npm run call/, "the info says how to try it on the simulator");
        });

        it("has exactly one acs-config, in simulator mode, with no callback URL, no credentials and no secret", () => {
          const flow = readExample(file);
          const configs = flow.filter((n) => n.type === "acs-config");
          assert.equal(configs.length, 1, "exactly one acs-config node");
          const config = configs[0];
          assert.equal(config.mode, "simulator");
          assert.ok(!String(config.callbackBaseUrl ?? "").trim(), "no callbackBaseUrl");
          for (const key of ["endpoint", "tenantId", "clientId", "resourceId"]) assert.ok(!String(config[key] ?? "").trim(), `no ${key}`);
          for (const n of flow) assert.ok(!("credentials" in n), `node ${n.id} carries no credentials`);
          for (const pattern of SECRET_PATTERNS) assert.doesNotMatch(text, pattern, "no secret-looking text");
          for (const n of flow) {
            if (OUR_TYPES.has(n.type) && !CONFIG_TYPES.has(n.type)) assert.equal(n.acs, config.id, `${n.type} ${n.id} uses the example's connection`);
          }
        });

        it("uses only this package's node types and Node-RED's own", () => {
          for (const n of readExample(file)) assert.ok(OUR_TYPES.has(n.type) || CORE_TYPES.has(n.type), `unknown node type "${n.type}" (${n.id})`);
        });

        it("has unique ids with the example's own prefix, and wires and links that lead to nodes in the file", () => {
          const flow = readExample(file);
          const ids = new Set(flow.map((n) => n.id));
          assert.equal(ids.size, flow.length, "ids are unique in the file");
          const prefix = /^([A-Za-z0-9]+)-/.exec(flow[0].id)?.[1];
          assert.ok(prefix, `the ids start with a prefix and "-" (${flow[0].id})`);
          for (const n of flow) assert.ok(n.id.startsWith(`${prefix}-`), `${n.id} starts with ${prefix}-`);
          for (const n of flow) {
            for (const target of wiresOf(n).flat()) assert.ok(ids.has(target), `${n.id} is wired to ${target}, which is not in the file`);
            for (const target of (n.links as string[] | undefined) ?? []) assert.ok(ids.has(target), `${n.id} links to ${target}, which is not in the file`);
            for (const target of (Array.isArray(n.scope) ? (n.scope as string[]) : [])) assert.ok(ids.has(target), `${n.id} watches ${target}, which is not in the file`);
            if (n.g !== undefined) assert.ok(ids.has(String(n.g)), `${n.id} is in group ${String(n.g)}, which is not in the file`);
          }
        });

        it("is laid out on the canvas with no two nodes overlapping", () => {
          const nodes = readExample(file).filter(isFlowNode).filter((n) => n.type !== "group" && n.type !== "junction");
          for (const n of nodes) assert.ok(Number.isInteger(n.x) && Number.isInteger(n.y), `${n.id} has a position in whole pixels`);
          for (let i = 0; i < nodes.length; i++) {
            for (let j = i + 1; j < nodes.length; j++) {
              const a = box(nodes[i]);
              const b = box(nodes[j]);
              const overlap = Math.abs(a.x - b.x) < (a.w + b.w) / 2 && Math.abs(a.y - b.y) < (a.h + b.h) / 2;
              assert.ok(!overlap, `"${label(nodes[i])}" (${nodes[i].id}) and "${label(nodes[j])}" (${nodes[j].id}) overlap`);
            }
          }
        });

        it("answers only numbers of the built-in simulator, each named exactly", () => {
          for (const n of readExample(file).filter((x) => x.type === "acs-incoming-call")) {
            const numbers = calledNumbers(n);
            assert.ok(numbers.length > 0, `incoming-call ${n.id} filters on a called number, so examples can run side by side`);
            for (const number of numbers) assert.ok(EMBEDDED_NUMBERS.includes(number), `${number} (${n.id}) is one of the simulator's numbers +18005550100..+18005550149`);
          }
        });
      });
    }
  });

  describe("across files", () => {
    it("node ids are unique across every example", () => {
      const seen = new Map<string, string>();
      for (const file of FILES) {
        for (const n of readExample(file)) {
          assert.ok(!seen.has(n.id), `id ${n.id} is in both ${seen.get(n.id)} and ${file}`);
          seen.set(n.id, file);
        }
      }
    });

    it("each called number belongs to one example only", () => {
      const owner = new Map<string, string>();
      for (const file of FILES) {
        const numbers = new Set(readExample(file).filter((n) => n.type === "acs-incoming-call").flatMap(calledNumbers));
        for (const number of numbers) {
          assert.ok(!owner.has(number), `${number} is answered by both ${owner.get(number)} and ${file}`);
          owner.set(number, file);
        }
      }
    });

    it("each HTTP endpoint belongs to one example only", () => {
      const owner = new Map<string, string>();
      for (const file of FILES) {
        for (const n of readExample(file).filter((x) => x.type === "http in")) {
          const key = `${String(n.method).toUpperCase()} ${String(n.url)}`;
          assert.ok(!owner.has(key), `${key} is in both ${owner.get(key)} and ${file}`);
          owner.set(key, file);
        }
      }
    });
  });

  describe("deployed in Node-RED on the built-in simulator", function () {
    this.timeout(30000);
    const red = RedHarness.forSuite();

    for (const file of FILES) {
      it(`${file} deploys with no error or warning`, async () => {
        const flow = readExample(file);
        await red.load(flow);
        // Every node that listens for calls or events is listening.
        const listeners = flow.filter((n) => n.type === "acs-incoming-call" || n.type === "acs-event-in");
        await waitFor(() => listeners.every((n) => statusesOf(n.id).some((s) => s.fill === "green")), "every listener to be listening");
        for (const n of flow.filter((x) => x.type !== "tab")) {
          assert.ok(red.node(n.id), `${n.type} ${n.id} was created`);
          const red_ = statusesOf(n.id).filter((s) => s.fill === "red");
          assert.deepEqual(red_, [], `${n.type} ${n.id} shows no error status`);
        }
        assert.deepEqual(loggedProblems(), [], "nothing logged at error or warning level");
        const config = flow.find((n) => n.type === "acs-config");
        const service = await red.service(String(config?.id));
        const subscriptions = await red.control<Array<{ url: string }>>("GET", "/subscriptions");
        assert.ok(subscriptions.body.some((s) => s.url === service.eventGridUrl), "the connection subscribed to the simulator's incoming calls");
      });
    }
  });
});
