/**
 * The editor side of every node, run for real: each node's editor script (nodes/<type>.html) runs
 * with the shared editor script (resources/acs-editor.js) in a sandbox that stands in for the
 * editor's RED and jQuery, and its registered definition is asked what the editor asks it: the
 * node's label for each of its actions, the label of every output port (as many as the runtime
 * sends from), its icon, and the messages its validators give. Its help page (locales/en-US) has
 * the sections of the Node-RED help style. The dialogs themselves are checked in a browser
 * against a running Node-RED, which this suite does not start.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";
import { rawIdFromText } from "../../lib/identifiers";
import { localeProblem } from "../../lib/streaming-options";
import { toneOfKey } from "../../lib/dtmf";

const ROOT = join(__dirname, "..", "..");
const packageJson = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; files: string[]; "node-red": { nodes: Record<string, string> } };
const NODE_TYPES = Object.keys(packageJson["node-red"].nodes);
const SHARED_SCRIPT = join(ROOT, "resources", "acs-editor.js");
const SHARED_SRC = `resources/${packageJson.name}/acs-editor.js`;

/**
 * The output ports of each node, as its runtime (nodes/<type>.ts) sends from them: a number, or
 * per value of the setting that chooses them. Every option of that setting's select must be here.
 */
const PORTS: Record<string, number | { field: string; counts: Record<string, number> }> = {
  "acs-config": 0,
  "acs-incoming-call": 1,
  "acs-answer": { field: "action", counts: { answer: 3, reject: 2, redirect: 2 } },
  "acs-create-call": { field: "mode", counts: { call: 3, connect: 3 } },
  "acs-play": 2,
  "acs-recognize": { field: "inputKind", counts: { dtmf: 4, speech: 4, speechOrDtmf: 4, choices: 5 } },
  "acs-transfer": 2,
  "acs-hangup": 1,
  "acs-event-in": 1,
  "acs-recording": { field: "action", counts: { start: 2, pause: 1, resume: 1, stop: 1, state: 1, download: 1, delete: 1 } },
  "acs-participant": { field: "action", counts: { add: 3, cancelAdd: 2, remove: 2, mute: 1, get: 1, list: 1 } },
  "acs-call-info": { field: "query", counts: { all: 1, call: 1, participants: 1 } },
  "acs-media": { field: "action", counts: { hold: 2, unhold: 1, cancelMedia: 1 } },
  "acs-dtmf": { field: "action", counts: { send: 2, startContinuous: 4, stopContinuous: 1 } },
  "acs-streaming": {
    field: "action",
    counts: { startMediaStreaming: 2, stopMediaStreaming: 2, startTranscription: 2, updateTranscription: 2, stopTranscription: 2 },
  },
};
/** Settings that make a variant's label worth reading (recognize's choices give it its ports). */
const VARIANT_SETTINGS: Record<string, Record<string, Record<string, unknown>>> = {
  "acs-recognize": { choices: { choices: [{ label: "sales", key: "1" }, { label: "support", key: "2" }] } },
};

type Messages = Record<string, unknown>;
type Props = Record<string, unknown>;
type Validator = (this: NodeLike, v: unknown, opt?: unknown) => true | string | boolean;

interface Definition {
  category: string;
  color?: string;
  icon?: string;
  inputs?: number;
  outputs?: number;
  defaults: Record<string, { value: unknown; validate?: Validator }>;
  label?: (this: NodeLike) => string;
  labelStyle?: (this: NodeLike) => string;
  outputLabels?: (this: NodeLike, index: number) => string;
}

interface NodeLike extends Props {
  type: string;
  _: (key: string, substitutions?: Record<string, unknown>) => string;
}

function catalogue(type: string): Messages {
  return JSON.parse(readFileSync(join(ROOT, "locales", "en-US", `${type}.json`), "utf8")) as Messages;
}

function lookup(messages: Messages, key: string): unknown {
  let at: unknown = messages;
  for (const part of key.split(".")) {
    if (typeof at !== "object" || at === null || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

function editorHtml(type: string): string {
  return readFileSync(join(ROOT, "nodes", `${type}.html`), "utf8");
}

function editorScripts(html: string): string[] {
  const blocks: string[] = [];
  const re = /<script[^>]*type=["']text\/javascript["'][^>]*>([\s\S]*?)<\/script>/gi;
  for (let m = re.exec(html); m; m = re.exec(html)) blocks.push(m[1]);
  return blocks;
}

/** The options of `<select id="node-input-<field>">` in the node's dialog. */
function selectOptions(html: string, field: string): string[] {
  const select = new RegExp(`<select id="node-input-${field}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
  assert.ok(select, `no select for ${field}`);
  return [...select[1].matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]);
}

/**
 * Runs the shared script and the node's editor script in a sandbox with the parts of the editor
 * they use; a dialog is never open, so the settings are read from the node.
 */
function definitionOf(type: string): { def: Definition; shared: Record<string, unknown> } {
  const registered: Record<string, Definition> = {};
  const noDialog = () => ({ length: 0, val: () => undefined, is: () => false });
  const sandbox: Record<string, unknown> = {
    RED: {
      nodes: { registerType: (t: string, def: Definition) => (registered[t] = def) },
      validators: {
        // Node-RED's own check of a property expression; here: a msg/flow/global property needs a name.
        typedInput: () => (v: unknown) => (v === "" || v === undefined ? "invalid property expression" : true),
      },
    },
    $: noDialog,
  };
  sandbox.window = sandbox;
  vm.createContext(sandbox);
  vm.runInContext(readFileSync(SHARED_SCRIPT, "utf8"), sandbox, { filename: "acs-editor.js" });
  for (const script of editorScripts(editorHtml(type))) vm.runInContext(script, sandbox, { filename: `${type}.html` });
  assert.ok(registered[type], `${type}.html registers no ${type}`);
  return { def: registered[type], shared: sandbox.AcsEditor as Record<string, unknown> };
}

/** A node as the editor makes it: the defaults, then `props`; `_` reads its own catalogue and fails on a missing key. */
function nodeOf(type: string, def: Definition, props: Props = {}): NodeLike {
  const messages = catalogue(type);
  const node: NodeLike = {
    type,
    _(key: string, substitutions?: Record<string, unknown>) {
      const message = lookup(messages, key);
      assert.equal(typeof message, "string", `${type}: the editor asks for "${key}", which locales/en-US/${type}.json does not have`);
      const text = (message as string).replace(/__(\w+)__/g, (whole, name: string) => (substitutions && name in substitutions ? String(substitutions[name]) : whole));
      assert.doesNotMatch(text, /__\w+__/, `${type}: "${key}" left a placeholder unfilled`);
      return text;
    },
  };
  for (const [name, prop] of Object.entries(def.defaults)) node[name] = structuredClone(prop.value);
  return Object.assign(node, props);
}

/** Each way the node can be set up for its ports, with the number of ports it then has. */
function variants(type: string): { props: Props; ports: number; what: string }[] {
  const ports = PORTS[type];
  assert.ok(ports !== undefined, `${type}: add its ports to PORTS`);
  if (typeof ports === "number") return [{ props: {}, ports, what: "its settings" }];
  return Object.entries(ports.counts).map(([value, count]) => ({
    props: { [ports.field]: value, outputs: count, ...(VARIANT_SETTINGS[type]?.[value] ?? {}) },
    ports: count,
    what: `${ports.field} ${value}`,
  }));
}

function validate(def: Definition, node: NodeLike, field: string, value: unknown): true | string | boolean {
  const check = def.defaults[field]?.validate;
  assert.ok(check, `no validator for ${field}`);
  return check.call(node, value, {});
}

describe("node editors: labels, ports, icons, validation and help", () => {
  it("the shared editor script is served from resources/ and published", () => {
    assert.ok(existsSync(SHARED_SCRIPT), "resources/acs-editor.js");
    assert.ok(packageJson.files.includes("resources"), "package.json files must include resources/ (Node-RED serves a module's resources/ folder)");
  });

  for (const type of NODE_TYPES) {
    describe(type, () => {
      const html = editorHtml(type);
      const { def } = definitionOf(type);
      const isConfig = def.category === "config";

      it("loads the shared editor script before its own", () => {
        const src = html.indexOf(`<script src="${SHARED_SRC}"></script>`);
        assert.ok(src >= 0, `${type}.html must load ${SHARED_SRC} (relative, as Node-RED serves it)`);
        assert.ok(src < html.indexOf('<script type="text/javascript">'), "the shared script comes first");
      });

      it("uses only message keys its catalogue has", () => {
        const messages = catalogue(type);
        const keys = new Set<string>();
        for (const script of editorScripts(html)) {
          for (const m of script.matchAll(/["'](acs-[a-z-]+\.[A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)+)["']/g)) keys.add(m[1]);
        }
        const missing = [...keys].filter((k) => k.startsWith(`${type}.`) && typeof lookup(messages, k) !== "string");
        assert.deepEqual(missing, [], `keys passed to the shared validators must be in locales/en-US/${type}.json`);
        assert.deepEqual([...keys].filter((k) => !k.startsWith(`${type}.`)), [], "a node resolves only its own catalogue");
      });

      it("declares every validator with (v, opt), so Node-RED shows the message it returns", () => {
        const oneArgument = Object.entries(def.defaults)
          .filter(([, prop]) => prop.validate && prop.validate.length !== 2)
          .map(([name]) => name);
        assert.deepEqual(oneArgument, [], "Node-RED takes a returned string as a reason only from a validator of two parameters");
      });

      if (isConfig) {
        it("has no icon of its own (the editor shows its cog for every config node) and a label", () => {
          assert.equal(def.icon, undefined);
          assert.equal(typeof def.label, "function");
          assert.ok(def.label!.call(nodeOf(type, def)));
        });
      } else {
        it("is in the Azure Calling category, in its colour, with its own SVG icon", () => {
          assert.equal(def.category, "Azure Calling");
          assert.equal(def.color, "#5BA4E6");
          assert.equal(def.icon, `${type}.svg`);
          const file = join(ROOT, "icons", `${type}.svg`);
          assert.ok(existsSync(file), `icons/${type}.svg`);
          const svg = readFileSync(file, "utf8");
          // Node-RED's icon convention: 2:3, at least 40x60, white on transparent.
          assert.match(svg, /^<svg [^>]*width="40" height="60" viewBox="0 0 40 60"/);
          const colours = [...svg.matchAll(/(?:fill|stroke)="([^"]*)"/g)].map((m) => m[1]);
          assert.deepEqual([...new Set(colours.filter((c) => c !== "none"))], ["#fff"], "white line art");
          assert.doesNotMatch(svg, /<(image|script|style)\b/);
        });

        it("labels the node by what it does, or by its name", () => {
          assert.equal(typeof def.label, "function");
          for (const { props, what } of variants(type)) {
            const label = def.label!.call(nodeOf(type, def, props));
            assert.ok(label && label.trim() !== "", `${type} (${what}): an empty label`);
          }
          const named = nodeOf(type, def, { name: "Front desk" });
          assert.equal(def.label!.call(named), "Front desk");
          assert.equal(def.labelStyle?.call(named), "node_label_italic");
          assert.equal(def.labelStyle?.call(nodeOf(type, def)), "");
        });

        it("names every output port, for every action, and no port past the last", () => {
          assert.equal(typeof def.outputLabels, "function");
          const [first] = variants(type);
          assert.equal(def.outputs, first.ports, `outputs: ${def.outputs}, but the default settings have ${first.ports} ports`);
          const ports = PORTS[type];
          if (typeof ports === "object") {
            assert.deepEqual(selectOptions(html, ports.field).sort(), Object.keys(ports.counts).sort(), `every option of ${ports.field} in PORTS`);
          }
          for (const { props, ports: count, what } of variants(type)) {
            const node = nodeOf(type, def, props);
            const labels = Array.from({ length: count + 1 }, (_, i) => def.outputLabels!.call(node, i));
            labels.slice(0, count).forEach((label, i) => assert.ok(label && label.trim() !== "", `${type} (${what}): port ${i + 1} has no label`));
            assert.ok(!labels[count], `${type} (${what}): a label for a port that does not exist: ${labels[count]}`);
          }
        });

        it("has help with a summary, its inputs and outputs (one entry per port), details and references", () => {
          const help = readFileSync(join(ROOT, "locales", "en-US", `${type}.html`), "utf8");
          const sections = [...help.matchAll(/<h3>([^<]*)<\/h3>/g)].map((m) => m[1]);
          const expected = [...(def.inputs ? ["Inputs"] : []), "Outputs", "Details", "References"];
          assert.deepEqual(sections, expected);
          assert.match(help, /^<script type="text\/html" data-help-name="[^"]+">\s*<p>[^<]/, "a one-line summary first (the palette's tooltip)");
          const part = (name: string) => help.slice(help.indexOf(`<h3>${name}</h3>`), help.indexOf("<h3>", help.indexOf(`<h3>${name}</h3>`) + 4));
          if (def.inputs) assert.match(part("Inputs"), /<dl class="message-properties">/);
          const outputs = part("Outputs");
          assert.match(outputs, /<ol class="node-ports">/);
          // One <li> per port (lists inside an entry aside); recognize's choice ports share one entry.
          const entries = (outputs.replace(/<ul>[\s\S]*?<\/ul>/g, "").match(/<li>/g) ?? []).length;
          const most = Math.max(...variants(type).map((v) => (v.props.choices ? 0 : v.ports)));
          assert.ok(entries >= most, `${type}: ${entries} port entries in Outputs, but up to ${most} ports`);
          assert.match(part("References"), /<a href="https:\/\/learn\.microsoft\.com\//);
        });
      }
    });
  }

  describe("labels say what the node does", () => {
    const cases: [string, Props, string][] = [
      ["acs-play", { prompt: "Welcome to Contoso. How can we help?" }, 'play "Welcome to Contoso. How…"'],
      ["acs-play", { promptKind: "file", prompt: "https://example.com/prompts/welcome.wav?sv=1" }, "play welcome.wav"],
      ["acs-play", { promptKind: "ssml", prompt: "<speak><voice name='v'>Press <emphasis>one</emphasis></voice></speak>" }, 'play "Press one"'],
      ["acs-play", { prompt: "greeting", promptType: "msg" }, "play msg.greeting"],
      ["acs-recognize", { inputKind: "choices", choices: [{ label: "sales", key: "1" }, { label: "support", key: "2" }] }, "menu: 1 sales, 2 support"],
      ["acs-recognize", { inputKind: "dtmf", maxTones: 4 }, "keys (4)"],
      ["acs-transfer", { target: "+14255550123" }, "transfer to +14255550123"],
      ["acs-answer", { action: "answer" }, "answer"],
      ["acs-answer", { action: "reject", rejectReason: "busy" }, "reject (busy)"],
      ["acs-answer", { action: "redirect", target: "+14255550123" }, "redirect to +14255550123"],
      ["acs-recording", { action: "start" }, "start recording (WAV)"],
      ["acs-participant", { action: "add", participant: "+14255550123" }, "add +14255550123"],
      ["acs-dtmf", { action: "send", tones: "1234" }, "send DTMF 1234"],
      ["acs-incoming-call", { to: "+18005550100" }, "call to +18005550100"],
      ["acs-media", { action: "hold", musicKind: "file", music: "https://example.com/hold.wav" }, "hold: hold.wav"],
    ];
    for (const [type, props, expected] of cases) {
      it(`${type} ${JSON.stringify(props)} → ${expected}`, () => {
        const { def } = definitionOf(type);
        assert.equal(def.label!.call(nodeOf(type, def, props)), expected);
      });
    }
  });

  describe("validation gives the message of the node's catalogue", () => {
    const cases: [string, Props, string, unknown, string][] = [
      ["acs-transfer", {}, "target", "bob", "acs-transfer.validation.identifier"],
      ["acs-transfer", {}, "target", "", "acs-transfer.validation.target"],
      ["acs-transfer", {}, "callerId", "8:acs:x", "acs-transfer.validation.callerId"],
      ["acs-transfer", {}, "sipHeaders", '{"X-A": {"b": 1}}', "acs-transfer.validation.headers"],
      ["acs-play", { promptKind: "ssml" }, "prompt", "hello", "acs-play.validation.ssml"],
      ["acs-play", { promptKind: "file" }, "prompt", "welcome.wav", "acs-play.validation.file"],
      ["acs-play", {}, "locale", "english", "acs-play.validation.locale"],
      ["acs-recognize", {}, "pattern", "([", "acs-recognize.validation.pattern"],
      ["acs-recognize", {}, "retries", "11", "acs-recognize.validation.retries"],
      ["acs-recognize", { inputKind: "choices" }, "choices", [{ label: "a" }, { label: "a" }], "acs-recognize.validation.duplicateLabels"],
      ["acs-participant", { action: "add" }, "invitationTimeout", "500", "acs-participant.validation.invitationTimeout"],
      ["acs-recording", { action: "start", content: "audio" }, "format", "mp4", "acs-recording.validation.format"],
      ["acs-dtmf", { action: "send" }, "tones", "12x", "acs-dtmf.validation.keys"],
      ["acs-create-call", { targets: "+14255550123" }, "callerId", "", "acs-create-call.validation.callerIdNeeded"],
      ["acs-streaming", { action: "updateTranscription" }, "locale", "", "acs-streaming.validation.localeNeeded"],
      ["acs-answer", { action: "answer", streamMedia: true }, "mediaTransportUrl", "https://x/y", "acs-answer.streaming.validation.transportUrl"],
      ["acs-config", {}, "locale", "english", "acs-config.validation.locale"],
    ];
    for (const [type, props, field, value, key] of cases) {
      it(`${type}: ${field} = ${JSON.stringify(value)}`, () => {
        const { def } = definitionOf(type);
        const node = nodeOf(type, def, props);
        const message = validate(def, node, field, value);
        assert.equal(typeof message, "string", `${field} = ${JSON.stringify(value)} passed`);
        // A bad regular expression adds what is wrong with it.
        assert.ok((message as string).startsWith(node._(key)), `${message}`);
      });
    }

    it("fields of another action are not checked, good values pass", () => {
      const answer = definitionOf("acs-answer").def;
      assert.equal(validate(answer, nodeOf("acs-answer", answer, { action: "answer" }), "target", "bob"), true);
      assert.equal(validate(answer, nodeOf("acs-answer", answer, { action: "redirect" }), "target", "8:acs:abc"), true);
      const create = definitionOf("acs-create-call").def;
      assert.equal(validate(create, nodeOf("acs-create-call", create, { targets: "8:acs:abc" }), "callerId", ""), true, "an ACS user needs no caller id");
      const transfer = definitionOf("acs-transfer").def;
      assert.equal(validate(transfer, nodeOf("acs-transfer", transfer), "target", "${AGENT_NUMBER}"), true, "an environment variable");
      assert.equal(validate(transfer, nodeOf("acs-transfer", transfer, { callerIdType: "msg" }), "callerId", ""), "invalid property expression", "a msg property needs a name");
      assert.equal(validate(transfer, nodeOf("acs-transfer", transfer), "callerId", ""), true, "the caller id is optional");
    });
  });

  describe("the editor checks what the runtime accepts", () => {
    const { shared } = definitionOf("acs-play");
    const samples = ["+14255550123", "4:+14255550123", "8:acs:abc-123", "8:orgid:1", "28:orgid:x", "14255550123", "+0123", "4:12", "8:", "bob", " +14255550123 ", "+1425555012345678"];

    it("phone numbers and ids, as lib/identifiers reads them", () => {
      for (const s of samples) assert.equal((shared.IDENTIFIER as RegExp).test(s.trim()), rawIdFromText(s) !== undefined, s);
    });

    it("speech locales, as lib/streaming-options reads them", () => {
      for (const s of ["en-US", "zh-Hans-CN", "es-419", "english", "en", "en_US", "ko-KR"]) assert.equal((shared.LOCALE as RegExp).test(s), localeProblem(s) === undefined, s);
    });

    it("DTMF keys, as lib/dtmf reads them", () => {
      for (const s of ["1", "#", "*", "A", "d", "one", "pound", "x", "10", "", "e"]) assert.equal((shared.isKey as (k: string) => boolean)(s), toneOfKey(s) !== undefined && s.trim() !== "", s);
    });
  });
});
