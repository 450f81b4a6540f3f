/**
 * The editor side of every node type, checked from the sources: each node type listed in
 * package.json has its editor HTML, its message catalogue and its help; every message key the
 * runtime (nodes/*.ts) or the editor (nodes/*.html) uses exists in the en-US catalogue of that
 * node (Node-RED resolves a node's keys only in its own catalogue), with the placeholders the code
 * fills in; and each editor HTML registers its type with a literal type and category, as the
 * Flow Library's scorer (node-red-dev) and the N02 example check require.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import ts from "typescript";

const ROOT = join(__dirname, "..", "..");
const NODES = join(ROOT, "nodes");
const EN_US = join(ROOT, "locales", "en-US");

/**
 * Keys the runtime builds from template strings, and every key each one can give. A template key
 * in nodes/*.ts that is not listed here fails the test: list its expansions when you add one.
 */
const TEMPLATE_KEYS: Record<string, string[]> = {
  // action is "reject" or "redirect" there (answer has its own status keys).
  "acs-answer.status.${action}ed": ["acs-answer.status.rejected", "acs-answer.status.redirected"],
};

const packageJson = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { "node-red": { nodes: Record<string, string> } };
const NODE_TYPES = Object.keys(packageJson["node-red"].nodes);
const TYPE_SET = new Set(NODE_TYPES);

type Catalogue = Record<string, unknown>;

function catalogue(type: string): Catalogue {
  return JSON.parse(readFileSync(join(EN_US, `${type}.json`), "utf8")) as Catalogue;
}

/** The message at a dotted key ("acs-play.status.playing"), or undefined. */
function lookup(messages: Catalogue, key: string): unknown {
  let at: unknown = messages;
  for (const part of key.split(".")) {
    if (typeof at !== "object" || at === null || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** The node type a key belongs to ("acs-play.status.playing" → "acs-play"), if it names one. */
function typeOfKey(key: string): string | undefined {
  const match = /^(acs-[a-z-]+)\.[A-Za-z][\w-]*(\.[A-Za-z][\w-]*)+$/.exec(key);
  return match && TYPE_SET.has(match[1]) ? match[1] : undefined;
}

interface KeyUse {
  file: string;
  key: string;
  /** Substitutions the code passes (RED._(key, {target})), when it is a literal object. */
  substitutions?: string[];
}

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((child) => walk(child, visit));
}

function isStringLike(n: ts.Node): n is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral {
  return ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n);
}

function substitutionsOf(arg: ts.Expression | undefined): string[] | undefined {
  if (!arg || !ts.isObjectLiteralExpression(arg)) return undefined;
  return arg.properties.map((p) => (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : "")).filter((n) => n !== "");
}

/**
 * Every message key a runtime file uses: string literals that name a key of a node type (status
 * keys reach RED._ through helpers, so literals count wherever they are), and template keys
 * expanded through TEMPLATE_KEYS.
 */
function runtimeKeys(file: string): { keys: KeyUse[]; unknownTemplates: string[] } {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const keys: KeyUse[] = [];
  const unknownTemplates: string[] = [];
  walk(source, (n) => {
    if (isStringLike(n) && typeOfKey(n.text)) {
      let substitutions: string[] | undefined;
      const call = n.parent;
      if (ts.isCallExpression(call) && call.arguments[0] === n && call.expression.getText(source).endsWith("._")) {
        substitutions = substitutionsOf(call.arguments[1]);
      }
      keys.push({ file, key: n.text, substitutions });
    } else if (ts.isTemplateExpression(n) && /^acs-[a-z-]+\./.test(n.head.text)) {
      const text = n.getText(source).slice(1, -1);
      const expansions = TEMPLATE_KEYS[text];
      if (expansions) for (const key of expansions) keys.push({ file, key });
      else unknownTemplates.push(`${basename(file)}: \`${text}\``);
    }
  });
  return { keys, unknownTemplates };
}

/** The `<script type="text/javascript">` blocks of an editor HTML file. */
function editorScripts(html: string): string[] {
  const blocks: string[] = [];
  const re = /<script[^>]*type=["']text\/javascript["'][^>]*>([\s\S]*?)<\/script>/gi;
  for (let m = re.exec(html); m; m = re.exec(html)) blocks.push(m[1]);
  return blocks;
}

interface Registration {
  typeArg: ts.Expression | undefined;
  definition: ts.Expression | undefined;
  source: ts.SourceFile;
}

function registrations(html: string): Registration[] {
  const found: Registration[] = [];
  for (const script of editorScripts(html)) {
    const source = ts.createSourceFile("editor.js", script, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
    walk(source, (n) => {
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === "registerType") {
        found.push({ typeArg: n.arguments[0], definition: n.arguments[1], source });
      }
    });
  }
  return found;
}

/** Message keys an editor HTML uses: data-i18n attributes and this._("…") / node._("…") literals. */
function editorKeys(html: string): string[] {
  const keys: string[] = [];
  const re = /data-i18n="([^"]*)"/g;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    for (const part of m[1].split(";")) {
      const key = part.replace(/^\[[^\]]*\]/, "").trim();
      // Keys with a namespace ("node-red:common.label.name") belong to someone else's catalogue.
      if (key !== "" && !key.includes(":")) keys.push(key);
    }
  }
  for (const script of editorScripts(html)) {
    const source = ts.createSourceFile("editor.js", script, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
    walk(source, (n) => {
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === "_") {
        const arg = n.arguments[0];
        if (arg && isStringLike(arg) && !arg.text.includes(":")) keys.push(arg.text);
      }
    });
  }
  return keys;
}

describe("node editors, message catalogues and help", () => {
  it("package.json lists the node types", () => {
    assert.ok(NODE_TYPES.length > 0);
    for (const [type, path] of Object.entries(packageJson["node-red"].nodes)) {
      assert.equal(basename(path, ".js"), type, `package.json maps ${type} to ${path}: the file name must be the type`);
    }
  });

  for (const type of NODE_TYPES) {
    describe(type, () => {
      const editorFile = join(NODES, `${type}.html`);
      const catalogueFile = join(EN_US, `${type}.json`);
      const helpFile = join(EN_US, `${type}.html`);

      it("has its editor, catalogue and help files", () => {
        const missing = [editorFile, catalogueFile, helpFile].filter((f) => !existsSync(f)).map((f) => f.slice(ROOT.length + 1));
        assert.deepEqual(missing, [], `missing for ${type}`);
      });

      it("registers the type with a literal type and category, and a dialog template", () => {
        const html = readFileSync(editorFile, "utf8");
        const found = registrations(html);
        assert.equal(found.length, 1, `${type}.html must call registerType exactly once`);
        const [{ typeArg, definition, source }] = found;
        assert.ok(typeArg && ts.isStringLiteral(typeArg), `${type}.html: the registered type must be a string literal, not ${typeArg?.getText(source)}`);
        assert.equal(typeArg.text, type);
        assert.ok(definition && ts.isObjectLiteralExpression(definition), `${type}.html: the definition must be an object literal`);
        const props = new Map<string, ts.Expression>();
        for (const p of definition.properties) {
          if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) props.set(p.name.text, p.initializer);
        }
        const category = props.get("category");
        assert.ok(category && ts.isStringLiteral(category), `${type}.html: category must be a string literal`);
        assert.equal(category.text, type === "acs-config" ? "config" : "Azure Calling");
        // node-red-dev reads these from the source too: they must be literals where present.
        for (const name of ["color", "icon"]) {
          const value = props.get(name);
          if (value) assert.ok(ts.isStringLiteral(value), `${type}.html: ${name} must be a string literal`);
        }
        for (const name of ["inputs", "outputs"]) {
          const value = props.get(name);
          if (value) assert.ok(ts.isNumericLiteral(value), `${type}.html: ${name} must be a number literal`);
        }
        for (const name of ["defaults", "credentials"]) {
          const value = props.get(name);
          if (value) assert.ok(ts.isObjectLiteralExpression(value), `${type}.html: ${name} must be an object literal`);
        }
        assert.ok(props.has("defaults"), `${type}.html: no defaults`);
        assert.match(html, new RegExp(`<script type="text/html" data-template-name="${type}">`), `${type}.html: no dialog template`);
      });

      it("has a catalogue under its own type, and help for its type", () => {
        const messages = catalogue(type);
        // Besides its own messages, a palette node's catalogue names the palette category: the editor
        // looks the category up as "<node set namespace>:palette.label.Azure_Calling" in whichever
        // node set shows it first, so each palette node carries it.
        if (type === "acs-config") assert.deepEqual(Object.keys(messages), [type], `${type}.json must hold one object, under "${type}"`);
        else {
          assert.deepEqual(Object.keys(messages), ["palette", type], `${type}.json must hold the palette category label and one object, under "${type}"`);
          assert.deepEqual(messages.palette, { label: { Azure_Calling: "Azure Calling" } });
        }
        assert.match(readFileSync(helpFile, "utf8"), new RegExp(`<script type="text/html" data-help-name="${type}">`));
      });

      it("has every message key its editor uses", () => {
        const messages = catalogue(type);
        const keys = editorKeys(readFileSync(editorFile, "utf8"));
        const foreign = keys.filter((k) => !k.startsWith(`${type}.`));
        assert.deepEqual(foreign, [], `${type}.html uses keys of another catalogue (an editor resolves only its own, or "node-red:…")`);
        const missing = [...new Set(keys.filter((k) => typeof lookup(messages, k) !== "string"))];
        assert.deepEqual(missing, [], `${type}.html uses keys missing from locales/en-US/${type}.json`);
      });
    });
  }

  describe("runtime message keys", () => {
    const files = readdirSync(NODES)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => join(NODES, f));
    const uses = files.map(runtimeKeys);

    it("finds the keys in nodes/*.ts", () => {
      assert.ok(uses.flatMap((u) => u.keys).length > 20, "the scan found almost no keys: has the key syntax changed?");
    });

    it("lists the expansions of every template key", () => {
      assert.deepEqual(uses.flatMap((u) => u.unknownTemplates), [], "a key built from a template string: add its expansions to TEMPLATE_KEYS");
    });

    it("uses only keys of the file's own node type", () => {
      const foreign = uses
        .flatMap((u) => u.keys)
        .filter((k) => typeOfKey(k.key) !== basename(k.file, ".ts"))
        .map((k) => `${basename(k.file)}: ${k.key}`);
      assert.deepEqual(foreign, [], "RED._ in a node file resolves only that node's catalogue");
    });

    it("has every key in locales/en-US, with the placeholders the code fills in", () => {
      const problems: string[] = [];
      for (const use of uses.flatMap((u) => u.keys)) {
        const type = typeOfKey(use.key);
        if (!type || !existsSync(join(EN_US, `${type}.json`))) {
          problems.push(`${basename(use.file)}: ${use.key} (no catalogue)`);
          continue;
        }
        const message = lookup(catalogue(type), use.key);
        if (typeof message !== "string") {
          problems.push(`${basename(use.file)}: ${use.key} is missing`);
          continue;
        }
        for (const name of use.substitutions ?? []) {
          if (!message.includes(`__${name}__`)) problems.push(`${basename(use.file)}: ${use.key} does not use __${name}__`);
        }
      }
      assert.deepEqual([...new Set(problems)], []);
    });
  });
});
