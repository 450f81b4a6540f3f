/**
 * The acs-softphone editor plugin in a real Node-RED (node-red/red.js, this package linked into a
 * temporary user directory) with an editor login (adminAuth): the plugin is registered and its
 * editor part served by /plugins, its catalogue by /plugins/messages; the phone's page, script and
 * style sheet are served on the admin server at /acs-simulator/phone* without a login (they hold
 * no data), while the control API behind them needs one (acs-simulator.read to watch,
 * acs-simulator.write to dial); and a call dialed through that API runs the shipped IVR example.
 * The editor in a browser is tested elsewhere; every message key the phone and the tab use is
 * checked here against the en-US catalogue.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { startNodeRed, type NodeRedProcess } from "../support/node-red-process";

const ROOT = join(__dirname, "..", "..");
const NAMESPACE = "node-red-contrib-acs-call-automation/acs-softphone";
const CATALOGUE = JSON.parse(readFileSync(join(ROOT, "locales", "en-US", "acs-softphone.json"), "utf8")) as Record<string, unknown>;
const PHONE_JS = readFileSync(join(ROOT, "simulator", "phone", "phone.js"), "utf8");
const PLUGIN_HTML = readFileSync(join(ROOT, "plugins", "acs-softphone.html"), "utf8");
const IVR = JSON.parse(readFileSync(join(ROOT, "examples", "IVR menu.json"), "utf8")) as unknown[];

/** The message at a dotted key, or undefined. */
function lookup(key: string): unknown {
  let at: unknown = CATALOGUE;
  for (const part of key.split(".")) {
    if (typeof at !== "object" || at === null || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** Keys used as `name("literal"…)` in a source, with the substitution names of a literal object. */
function keysUsed(source: string, call: string): Array<{ key: string; substitutions: string[] }> {
  const found: Array<{ key: string; substitutions: string[] }> = [];
  const pattern = new RegExp(`(?<![\\w.])${call}\\(\\s*"([^"]+)"\\s*(?:\\)|,\\s*\\{([^}]*)\\})`, "g");
  for (const m of source.matchAll(pattern)) {
    const substitutions = (m[2] ?? "")
      .split(",")
      .map((p) => p.split(":")[0].trim())
      .filter((p) => /^\w+$/.test(p));
    found.push({ key: m[1], substitutions });
  }
  return found;
}

describe("acs-softphone: message keys", function () {
  it("every key phone.js uses (t) is in the catalogue under acs-softphone.phone, with its placeholders", () => {
    const uses = keysUsed(PHONE_JS, "t");
    assert.ok(uses.length > 30, `found ${uses.length} keys`);
    // Keys built from data: each expansion must exist.
    const built = [
      ...["inbound", "outbound"].map((d) => `direction.${d}`),
      ...["text", "ssml", "file", "hold"].map((k) => `kind.${k}`),
      ...["hungUp", "callerHungUp", "byApp", "callEnded", "notAnswered", "declined", "busy", "canceled", "transferred", "removed", "failed", "rejected"].map((r) => `endReason.${r}`),
    ];
    for (const { key, substitutions } of [...uses, ...built.map((key) => ({ key, substitutions: [] as string[] }))]) {
      const text = lookup(`acs-softphone.phone.${key}`);
      assert.equal(typeof text, "string", `acs-softphone.phone.${key}`);
      for (const name of substitutions) assert.match(text as string, new RegExp(`__${name}__`), `${key} fills in __${name}__`);
    }
  });

  it("every key the sidebar tab uses (_) is in the catalogue under acs-softphone, with its placeholders", () => {
    const uses = keysUsed(PLUGIN_HTML, "_");
    assert.ok(uses.length >= 8, `found ${uses.length} keys`);
    for (const { key, substitutions } of uses) {
      const text = lookup(`acs-softphone.${key}`);
      assert.equal(typeof text, "string", `acs-softphone.${key}`);
      for (const name of substitutions) assert.match(text as string, new RegExp(`__${name}__`), `${key} fills in __${name}__`);
    }
  });

  it("has the same keys and placeholders in ko and zh-CN as in en-US", () => {
    const flat = (value: unknown, prefix = ""): Map<string, string> => {
      const out = new Map<string, string>();
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v && typeof v === "object") for (const [kk, vv] of flat(v, `${prefix}${k}.`)) out.set(kk, vv);
        else out.set(`${prefix}${k}`, String(v));
      }
      return out;
    };
    const placeholders = (text: string) => [...text.matchAll(/__\w+__/g)].map((m) => m[0]).sort();
    const english = flat(CATALOGUE);
    for (const lang of ["ko", "zh-CN"]) {
      const other = flat(JSON.parse(readFileSync(join(ROOT, "locales", lang, "acs-softphone.json"), "utf8")));
      assert.deepEqual([...other.keys()].sort(), [...english.keys()].sort(), `${lang} keys`);
      for (const [key, text] of english) {
        assert.deepEqual(placeholders(other.get(key) ?? ""), placeholders(text), `${lang} ${key} placeholders`);
        assert.notEqual(other.get(key)?.trim(), "", `${lang} ${key} is translated`);
      }
    }
  });

  it("holds no prose in code: the tab and the phone take their text from the catalogue", () => {
    // Quoted English sentences in the scripts would be text that escapes translation.
    const sentence = /"[A-Z][a-z]+ [a-z]+ [a-z]+[^"]*"/;
    const script = PLUGIN_HTML.replace(/<!--[\s\S]*?-->/, "");
    assert.doesNotMatch(script, sentence);
    assert.doesNotMatch(PHONE_JS.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, ""), sentence);
  });
});

describe("acs-softphone in a real Node-RED with an editor login", function () {
  this.timeout(90_000);
  let red: NodeRedProcess | undefined;
  let adminToken = "";
  let viewerToken = "";

  before(async () => {
    const bcrypt = createRequire(require.resolve("@node-red/editor-api/package.json"))("bcryptjs") as { hashSync(p: string, rounds: number): string };
    red = await startNodeRed({
      flows: IVR,
      settings: {
        acsSimulator: { speed: 20 },
        adminAuth: {
          type: "credentials",
          users: [
            { username: "admin", password: bcrypt.hashSync("admin-password", 4), permissions: "*" },
            { username: "viewer", password: bcrypt.hashSync("viewer-password", 4), permissions: "read" },
          ],
        },
      },
    });
    adminToken = await login("admin", "admin-password", "*");
    viewerToken = await login("viewer", "viewer-password", "read");
  });
  after(async () => {
    await red?.stop();
  });

  async function login(username: string, password: string, scope: string): Promise<string> {
    const res = await fetch(`${red!.base}/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: "node-red-editor", grant_type: "password", scope, username, password }),
    });
    assert.equal(res.status, 200, `login ${username}`);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  async function get(path: string, token?: string, accept = "application/json"): Promise<{ status: number; type: string; text: string }> {
    const res = await fetch(`${red!.base}${path}`, { headers: { accept, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
  }

  async function api<T>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${red!.base}/acs-simulator${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  it("registers the plugin: listed by /plugins, its editor part served in /plugins (HTML)", async () => {
    const list = await get("/plugins", adminToken);
    assert.equal(list.status, 200);
    const plugins = JSON.parse(list.text) as Array<{ id: string; enabled: boolean; module: string; plugins: Array<{ id: string; type?: string }> }>;
    const ours = plugins.find((p) => p.id === NAMESPACE);
    assert.ok(ours, `plugin ${NAMESPACE} in ${list.text}`);
    assert.equal(ours.enabled, true);
    assert.deepEqual(ours.plugins.map((p) => p.id), ["acs-softphone"], "the runtime part registered the plugin");

    const html = await get("/plugins", adminToken, "text/html");
    assert.equal(html.status, 200);
    assert.ok(html.text.includes(`<!-- --- [red-plugin:${NAMESPACE}] --- -->`), "the plugin's editor part is served");
    assert.match(html.text, /RED\.plugins\.registerPlugin\("acs-softphone"/);
    assert.match(html.text, /RED\.sidebar\.addTab\(/);
    assert.match(html.text, /iconClass: "fa fa-phone"/);
    assert.match(html.text, /acs-simulator\/phone\.js/);
    assert.equal((await get("/plugins")).status, 401, "the editor's API needs the login");
  });

  it("serves the plugin's catalogue from /plugins/messages under <module>/acs-softphone", async () => {
    const messages = await get("/plugins/messages?lng=en-US", adminToken);
    assert.equal(messages.status, 200);
    const catalogues = JSON.parse(messages.text) as Record<string, unknown>;
    assert.deepEqual(catalogues[NAMESPACE], CATALOGUE);
  });

  it("serves the phone's page, script, style sheet and messages on the admin server without a login", async () => {
    const page = await get("/acs-simulator/phone", undefined, "text/html");
    assert.equal(page.status, 200);
    assert.match(page.type, /text\/html/);
    assert.match(page.text, /<script src="phone\.js">/);
    const script = await get("/acs-simulator/phone.js", undefined, "*/*");
    assert.equal(script.status, 200);
    assert.match(script.type, /text\/javascript/);
    assert.equal(script.text, PHONE_JS, "one script for the page and the sidebar");
    const css = await get("/acs-simulator/phone.css", undefined, "*/*");
    assert.equal(css.status, 200);
    assert.match(css.type, /text\/css/);
    const messages = await get("/acs-simulator/phone/messages?lang=en-US");
    assert.equal(messages.status, 200);
    assert.deepEqual((JSON.parse(messages.text) as { messages: unknown }).messages, CATALOGUE);
  });

  it("keeps the control API behind the login: nothing without it, watching with read, dialing with write", async () => {
    assert.equal((await get("/acs-simulator/changes")).status, 401);
    assert.equal((await get("/acs-simulator/calls")).status, 401);
    const watched = await api<{ cursor: string; snapshot: boolean }>("GET", "/changes", viewerToken);
    assert.equal(watched.status, 200);
    assert.equal(watched.body.snapshot, true);
    const refused = await api("POST", "/calls", viewerToken, { from: "+14255550123", to: "+18005550100" });
    assert.equal(refused.status, 401, "a read-only user may not dial");
  });

  it("a call dialed through the admin mount runs the IVR example: prompts seen through the long-poll, a key, the branch, hang-up", async () => {
    interface Summary {
      id: string;
      state: string;
      heardCount: number;
      playing?: number;
      listening?: { keys: boolean; speech: boolean };
    }
    interface Leg extends Summary {
      heard: Array<{ kind: string; content: string }>;
    }
    const start = await api<{ cursor: string }>("GET", "/changes", adminToken);
    // The config node subscribes to the simulator shortly after the flows start: dial until the flow answers.
    let dialed: Summary | undefined;
    let cursor = start.body.cursor;
    const until = async (check: (leg: Summary) => boolean, what: string): Promise<Summary> => {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const reply = await api<{ cursor: string; calls: Summary[] }>("GET", `/changes?since=${cursor}&wait=10`, adminToken);
        assert.equal(reply.status, 200);
        cursor = reply.body.cursor;
        const leg = reply.body.calls.find((c) => c.id === dialed?.id);
        if (leg && check(leg)) return leg;
      }
      throw new Error(`Timed out waiting for ${what}`);
    };
    for (let attempt = 0; attempt < 20 && !dialed; attempt++) {
      const call = await api<Summary>("POST", "/calls", adminToken, { from: "+14255550123", to: "+18005550100" });
      assert.equal(call.status, 201, JSON.stringify(call.body));
      dialed = call.body;
      const answered = await until((l) => l.state !== "ringing", "the flow to answer").catch(() => undefined);
      if (answered?.state !== "connected") {
        if (answered === undefined) await api("POST", `/calls/${call.body.id}/hangup`, adminToken);
        dialed = undefined;
      }
    }
    assert.ok(dialed, `the IVR answered. Node-RED said:\n${red!.output()}`);
    const menu = await until((l) => l.listening?.keys === true, "the menu to listen for keys");
    const leg = (await api<Leg>("GET", `/calls/${menu.id}`, adminToken)).body;
    assert.match(leg.heard[0].content, /Thank you for calling/);
    assert.match(leg.heard[leg.heard.length - 1].content, /press 1/);

    const pressed = await api<{ outcomes: string[] }>("POST", `/calls/${menu.id}/dtmf`, adminToken, { tones: "1" });
    assert.deepEqual(pressed.body.outcomes, ["recognized"]);
    const hours = await until((l) => l.heardCount > leg.heard.length, "the opening hours");
    const after = (await api<Leg>("GET", `/calls/${hours.id}`, adminToken)).body;
    assert.match(after.heard[leg.heard.length].content, /open Monday to Friday/);

    const ended = await until((l) => l.state === "ended", "the IVR to say goodbye and hang up");
    assert.equal(ended.state, "ended");
  });
});
