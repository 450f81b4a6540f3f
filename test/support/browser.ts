// Functions passed to page.evaluate run in the browser: type-check them against the DOM.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Browser tests: a real Node-RED (test/support/node-red-process.ts) and its editor in headless
 * Chromium driven by playwright-core.
 *
 *   describe("…", function () {
 *     const b = useBrowser();                  // or useBrowser({ locale: "ko" })
 *     it("…", async () => {
 *       await b.editor.importFlow(flow);         // a flow with its own tab
 *       await b.editor.deploy();
 *       await b.editor.openDialog("node id");
 *       await b.editor.closeDialog("done");
 *       b.editor.assertNoErrors();             // page errors, console errors, failed requests
 *     });
 *   });
 *
 * One Node-RED and one Chromium serve every suite of the run: the first `useBrowser()` starts
 * them, each suite gets empty flows and its own browser context (fresh storage, its own locale),
 * and they stop once no suite has used them for a moment (and in any case when mocha ends).
 * Processes, browsers and temporary folders are cleaned up even when a test fails.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { findChromium, type ChromiumBinary } from "./chromium";
import { startNodeRed, type NodeRed } from "./node-red-process";

// Browser-side code refers to the editor's globals.
declare const RED: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const $: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = join(__dirname, "..", "..");
/** Where screenshots go (gitignored). */
export const SCREENSHOT_DIR = join(ROOT, "test-results", "screenshots");
/** Screenshots taken with `{ docs: true }` are also copied here when ACS_DOCS_IMAGES is set (npm run docs:images). */
export const DOCS_IMAGE_DIR = join(ROOT, "docs", "images");

/** Headless, no sandbox (containers, root), nothing that talks to Google or writes a profile elsewhere. */
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** The Chromium of findChromium(), headless. Playwright gives it a fresh user data dir and removes it on close. */
export async function launchChromium(): Promise<{ browser: Browser; binary: ChromiumBinary }> {
  const binary = await findChromium();
  const browser = await chromium.launch({ executablePath: binary.path, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  return { browser, binary };
}

export interface EditorOptions {
  /**
   * The browser's language (navigator.language and Accept-Language), e.g. "ko" or "zh-CN". The
   * editor takes its language from the user's choice in Settings › View, kept in the browser's
   * localStorage ("editor-language"), and otherwise from navigator.language; a fresh context has
   * no stored choice, so this decides. Default "en-US".
   */
  locale?: string;
  /**
   * The language chosen in the editor's Settings › View › Language (stored in localStorage as
   * "editor-language"); it wins over the browser's language. Unset: "Browser default".
   */
  language?: string;
  /** Default 1400 × 850. */
  viewport?: { width: number; height: number };
}

export interface NodeStatus {
  fill?: string;
  shape?: string;
  text?: string;
}

export type FlowNode = Record<string, unknown> & { id: string; type: string };

/**
 * Failed requests that are part of normal operation, not errors: "METHOD STATUS URL" is tested.
 * The sidebar softphone (on main) long-polls the embedded simulator's GET /acs-simulator/changes,
 * which answers 503 SimulatorNotRunning while no acs-config in simulator mode is deployed; the
 * softphone shows a notice and backs off.
 */
export const EXPECTED_FAILED_REQUESTS: RegExp[] = [/^GET 503 \S*\/acs-simulator\/changes(\?|$)/];

/** One editor page in its own browser context. */
export class Editor {
  /** Uncaught exceptions in the page. */
  readonly pageErrors: string[] = [];
  /** console.error output of the page's scripts. */
  readonly consoleErrors: string[] = [];
  /**
   * Requests that failed ("METHOD STATUS URL", or "METHOD failed URL: reason"), except the
   * EXPECTED_FAILED_REQUESTS: a missing icon or help file, a refused API call, a request that
   * tried to leave this Node-RED.
   */
  readonly failedRequests: string[] = [];

  private constructor(
    readonly red: NodeRed,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on("pageerror", (err) => this.pageErrors.push(err.stack || err.message));
    page.on("console", (msg) => {
      // Chromium's own "Failed to load resource" lines repeat what failedRequests records.
      if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) {
        const where = msg.location();
        this.consoleErrors.push(`${msg.text()}${where.url ? ` (${where.url}:${where.lineNumber})` : ""}`);
      }
    });
    const failed = (line: string) => {
      if (!EXPECTED_FAILED_REQUESTS.some((expected) => expected.test(line))) this.failedRequests.push(line);
    };
    page.on("response", (res) => {
      if (res.status() >= 400) failed(`${res.request().method()} ${res.status()} ${res.url()}`);
    });
    page.on("requestfailed", (req) => {
      // A long-poll the page itself aborts (leaving, or a newer request) is not a failure.
      const reason = req.failure()?.errorText ?? "";
      if (reason !== "net::ERR_ABORTED") failed(`${req.method()} failed ${req.url()}: ${reason}`);
    });
  }

  static async open(browser: Browser, red: NodeRed, options: EditorOptions = {}): Promise<Editor> {
    const context = await browser.newContext({ locale: options.locale ?? "en-US", viewport: options.viewport ?? { width: 1400, height: 850 } });
    try {
      // The editor works offline: a request elsewhere than this Node-RED fails (a failed request).
      // tsx (esbuild, keepNames) wraps named functions in __name(): functions passed to
      // page.evaluate need it in the page too.
      await context.addInitScript(() => {
        (globalThis as { __name?: unknown }).__name = (fn: unknown) => fn;
      });
      if (options.language) {
        await context.addInitScript((language) => localStorage.setItem("editor-language", language), options.language);
      }
      const origin = new URL(red.base).origin;
      await context.route(
        (url) => url.origin !== origin && url.protocol !== "data:" && url.protocol !== "blob:",
        (route) => route.abort("blockedbyclient"),
      );
      const editor = new Editor(red, context, await context.newPage());
      await editor.reload();
      return editor;
    } catch (err) {
      await context.close();
      throw err;
    }
  }

  /** (Re)load the editor and wait until it has loaded its nodes and flows. */
  async reload(): Promise<void> {
    await this.page.goto(`${this.red.base}/`);
    await this.page.waitForFunction(
      () => typeof RED !== "undefined" && RED.nodes && RED.nodes.getType && RED.nodes.getType("acs-config") && RED.nodes.version() !== undefined && $("#red-ui-loading-progress").is(":hidden"),
      undefined,
      { timeout: 60_000 },
    );
  }

  /** Page errors, console errors and failed requests so far. */
  errors(): string[] {
    return [...this.pageErrors, ...this.consoleErrors, ...this.failedRequests];
  }

  /** Page errors, console errors and failed requests so far, then forget them. */
  takeErrors(): string[] {
    const all = this.errors();
    this.pageErrors.length = 0;
    this.consoleErrors.length = 0;
    this.failedRequests.length = 0;
    return all;
  }

  /** Fail (with them) if the page had errors, console errors or failed requests since the last check; forget them. */
  assertNoErrors(what = "the editor"): void {
    const errors = this.takeErrors();
    assert.deepEqual(errors, [], `${what}: page errors, console errors or failed requests:\n${errors.join("\n")}`);
  }

  /** Run a function in the page (the editor's `RED` and jQuery `$` are globals there). */
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    return this.page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg);
  }

  /**
   * Import a flow as the clipboard import does (RED.view.importNodes), keeping its ids. The flow
   * needs its own tab (as every example has): nodes imported onto the open tab would follow the
   * mouse until a click drops them. Fails if a node type is unknown to the editor.
   * `applyNodeDefaults` fills each node's missing properties with its type's defaults, as a node
   * dragged from the palette gets them.
   */
  async importFlow(flow: unknown[], options: { applyNodeDefaults?: boolean } = {}): Promise<void> {
    const nodes = flow as FlowNode[];
    if (!nodes.some((n) => n.type === "tab")) throw new Error("importFlow: the flow needs a tab");
    const unknown = await this.page.evaluate(
      ({ nodes, applyNodeDefaults }) => {
        RED.view.importNodes(nodes, { generateIds: false, addFlow: false, notify: false, applyNodeDefaults });
        const ids = new Set(nodes.map((n) => n.id));
        return RED.nodes.filterNodes({ type: "unknown" }).filter((n: FlowNode) => ids.has(n.id)).map((n: FlowNode & { name?: string }) => `${n.id} (${n.name})`);
      },
      { nodes, applyNodeDefaults: Boolean(options.applyNodeDefaults) },
    );
    if (unknown.length) throw new Error(`importFlow: node types unknown to the editor: ${unknown.join(", ")}`);
  }

  /**
   * Click Deploy and wait until the runtime has started the new flows. A deploy that the editor
   * questions (unknown or improperly configured nodes) fails, with the editor's list, unless
   * `acceptWarnings`. Returns the Node-RED log lines from the deploy on.
   */
  async deploy(options: { acceptWarnings?: boolean } = {}): Promise<string[]> {
    const mark = this.red.mark();
    const ready = await this.page.evaluate(() => {
      // The runtime announces each revision once its flows have started (the editor's
      // "runtime-deploy" notification): a signal in no particular language, unlike the log.
      const w = window as unknown as { acsDeployedRevisions?: string[] };
      if (!w.acsDeployedRevisions) {
        const revisions: string[] = [];
        w.acsDeployedRevisions = revisions;
        RED.comms.subscribe("notification/runtime-deploy", (_topic: string, msg: { revision: string }) => revisions.push(msg.revision));
      }
      return RED.nodes.dirty();
    }, null);
    if (!ready) throw new Error("deploy: nothing to deploy");
    await this.page.click("#red-ui-header-button-deploy");
    for (;;) {
      const state = (await (
        await this.page.waitForFunction(
          () => {
            const revisions = (window as unknown as { acsDeployedRevisions: string[] }).acsDeployedRevisions;
            if (!RED.nodes.dirty() && $("#red-ui-editor-shade").is(":hidden") && revisions.includes(RED.nodes.version())) return "deployed";
            const confirm = document.querySelector("#red-ui-deploy-dialog-confirm-deploy-deploy");
            if (confirm) return `confirm:${confirm.closest(".red-ui-notification")?.textContent ?? ""}`;
            const failed = document.querySelector(".red-ui-notification-error");
            if (failed) return `error:${failed.textContent ?? ""}`;
            return false;
          },
          undefined,
          { timeout: 30_000 },
        )
      ).jsonValue()) as string;
      if (state === "deployed") break;
      if (state.startsWith("confirm:") && options.acceptWarnings) {
        await this.page.click("#red-ui-deploy-dialog-confirm-deploy-deploy");
        continue;
      }
      throw new Error(`deploy: the editor said: ${state.replace(/^\w+:/, "")}`);
    }
    return this.red.logSince(mark);
  }

  /** Delete the flow tabs that hold nothing (the "Flow 1" the editor opens on empty flows). */
  async removeEmptyFlows(): Promise<void> {
    await this.page.evaluate(() => {
      const empty: string[] = [];
      RED.nodes.eachWorkspace((ws: { id: string }) => {
        if (RED.nodes.filterNodes({ z: ws.id }).length === 0 && RED.nodes.groups(ws.id).length === 0) empty.push(ws.id);
      });
      // Keep one tab: the editor always shows one.
      if (empty.length === RED.nodes.getWorkspaceOrder().length) empty.shift();
      for (const id of empty) RED.workspaces.delete(RED.nodes.workspace(id));
    }, null);
  }

  /** The editor's copy of a node, as it would be exported (RED.nodes.convertNode). */
  async node(id: string): Promise<FlowNode> {
    return this.page.evaluate((id) => {
      const n = RED.nodes.node(id);
      if (!n) throw new Error(`no node ${id} in the editor`);
      return RED.nodes.convertNode(n, false);
    }, id);
  }

  /** A node's output port labels as the editor shows them on hover (outputLabels), one per output. */
  async outputLabels(id: string): Promise<string[]> {
    return this.page.evaluate((id) => {
      const n = RED.nodes.node(id);
      const labels: string[] = [];
      for (let i = 0; i < (Number(n.outputs) || 0); i++) {
        const f = n._def.outputLabels;
        labels.push(String((typeof f === "function" ? f.call(n, i) : Array.isArray(f) ? f[i] : "") ?? ""));
      }
      return labels;
    }, id);
  }

  /** The node's label on the canvas. */
  async nodeLabel(id: string): Promise<string> {
    return this.page.evaluate((id) => RED.utils.getNodeLabel(RED.nodes.node(id), ""), id);
  }

  /** The status the runtime last reported for a node, as the editor shows it (undefined: none). */
  async nodeStatus(id: string): Promise<NodeStatus | undefined> {
    return this.page.evaluate((id) => {
      const s = RED.nodes.node(id)?.status;
      return s && (s.text || s.fill || s.shape) ? { fill: s.fill, shape: s.shape, text: s.text } : undefined;
    }, id);
  }

  /** Show a flow tab. */
  async showFlow(tabId: string): Promise<void> {
    await this.page.evaluate((id) => RED.workspaces.show(id), tabId);
  }

  /**
   * Open a node's edit dialog (RED.editor.edit; RED.editor.editConfig for a config node) and
   * wait until it is shown. Returns the tray, e.g. for a screenshot.
   */
  async openDialog(id: string): Promise<Locator> {
    await this.page.evaluate((id) => {
      const n = RED.nodes.node(id);
      if (!n) throw new Error(`no node ${id} in the editor`);
      if (n._def.category === "config") RED.editor.editConfig("", n.type, n.id);
      else RED.editor.edit(n);
    }, id);
    const ok = this.page.locator("#node-dialog-ok, #node-config-dialog-ok").first();
    await ok.waitFor({ state: "visible" });
    // The tray slides in (0.25 s): wait until it stands still at the right edge.
    await this.page.waitForFunction(() => {
      const tray = document.querySelector(".red-ui-tray:last-of-type");
      return tray !== null && getComputedStyle(tray).right === "0px";
    });
    return this.page.locator(".red-ui-tray").last();
  }

  /** Close the open dialog with Done or Cancel, and wait until it has gone. */
  async closeDialog(button: "done" | "cancel"): Promise<void> {
    const id = button === "done" ? "ok" : "cancel";
    await this.page.locator(`#node-dialog-${id}, #node-config-dialog-${id}`).first().click();
    await this.page.waitForFunction(() => document.querySelectorAll(".red-ui-tray").length === 0);
  }

  /** Cancel every open dialog (after a failure, say). */
  async closeAllDialogs(): Promise<void> {
    const cancel = this.page.locator("#node-dialog-cancel, #node-config-dialog-cancel");
    for (let i = 0; i < 5 && (await this.page.locator(".red-ui-tray").count()) > 0; i++) {
      if (await cancel.count()) await cancel.last().click();
      await this.page.waitForFunction((n) => document.querySelectorAll(".red-ui-tray").length < n, await this.page.locator(".red-ui-tray").count());
    }
  }

  /**
   * A screenshot of the page, or of one element, as test-results/screenshots/<name>.png; with
   * `docs`, also docs/images/<name>.png when ACS_DOCS_IMAGES is set (npm run docs:images), so a
   * normal test run leaves the committed images alone. Returns the file written under test-results.
   */
  async screenshot(name: string, options: { of?: Locator; docs?: boolean } = {}): Promise<string> {
    const file = join(SCREENSHOT_DIR, `${name}.png`);
    mkdirSync(dirname(file), { recursive: true });
    // Passing notifications ("Successfully deployed") and the text cursor are left out.
    const shot = { path: file, animations: "disabled" as const, caret: "hide" as const, style: "#red-ui-notifications { display: none !important; }" };
    if (options.of) await options.of.screenshot(shot);
    else await this.page.screenshot(shot);
    if (options.docs && process.env.ACS_DOCS_IMAGES) {
      mkdirSync(DOCS_IMAGE_DIR, { recursive: true });
      copyFileSync(file, join(DOCS_IMAGE_DIR, `${name}.png`));
    }
    return file;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

// ---------------------------------------------------------------- one Node-RED and one browser per run

interface Shared {
  red: NodeRed;
  browser: Browser;
  binary: ChromiumBinary;
}

let shared: Promise<Shared> | undefined;
let users = 0;
let idleStop: NodeJS.Timeout | undefined;

async function startShared(): Promise<Shared> {
  const red = await startNodeRed();
  try {
    const { browser, binary } = await launchChromium();
    return { red, browser, binary };
  } catch (err) {
    await red.stop();
    throw err;
  }
}

async function stopShared(): Promise<void> {
  const current = shared;
  shared = undefined;
  if (!current) return;
  const s = await current.catch(() => undefined);
  if (!s) return;
  await s.browser.close().catch(() => undefined);
  await s.red.stop();
}

async function acquire(): Promise<Shared> {
  users++;
  if (idleStop) clearTimeout(idleStop);
  idleStop = undefined;
  shared ??= startShared();
  try {
    return await shared;
  } catch (err) {
    shared = undefined;
    users--;
    throw err;
  }
}

/** The next suite (next spec file) takes over within moments; otherwise stop, so later tests run without them. */
function release(): void {
  users--;
  if (users > 0) return;
  idleStop = setTimeout(() => void stopShared(), 1500);
}

// Whatever happens, nothing outlives mocha's run (a root hook: this module is loaded with the specs).
after(async () => {
  if (idleStop) clearTimeout(idleStop);
  await stopShared();
});

export interface BrowserSuite {
  /** The Node-RED under test (log, admin API, control API of its embedded simulator). */
  readonly red: NodeRed;
  /** The Chromium every suite shares (for more contexts: Editor.open(b.browser, b.red, {locale})). */
  readonly browser: Browser;
  /** Which Chromium binary runs. */
  readonly binary: ChromiumBinary;
  /** This suite's editor page, opened on empty flows. */
  readonly editor: Editor;
}

export interface BrowserSuiteOptions extends EditorOptions {
  /**
   * The Node-RED runtime's language (settings.lang): its log and the texts nodes build at run
   * time (RED._() in the runtime: status texts, errors). The suite then gets a Node-RED of its
   * own (a few seconds more); otherwise it shares the run's Node-RED, which runs in en-US.
   */
  runtimeLanguage?: string;
}

/**
 * Register mocha hooks for a suite that drives the editor: the shared Node-RED and browser, empty
 * flows, and an editor page of its own (in `locale`), closed after the suite.
 */
export function useBrowser(options: BrowserSuiteOptions = {}): BrowserSuite {
  let s: Shared | undefined;
  let own: NodeRed | undefined;
  let editor: Editor | undefined;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not ready: use it inside a test or hook of the suite`);
    return value;
  };
  before(async function () {
    this.timeout(180_000);
    s = await acquire();
    if (options.runtimeLanguage) own = await startNodeRed({ settings: { lang: options.runtimeLanguage } });
    const red = own ?? s.red;
    const reset = await red.admin("POST", "/flows", { flows: [] }, { "Node-RED-API-Version": "v2", "Node-RED-Deployment-Type": "full" });
    if (reset.status !== 200) throw new Error(`could not clear the flows: ${reset.status} ${JSON.stringify(reset.body)}`);
    editor = await Editor.open(s.browser, red, options);
  });
  after(async () => {
    await editor?.close().catch(() => undefined);
    editor = undefined;
    await own?.stop();
    own = undefined;
    if (s) release();
    s = undefined;
  });
  return {
    get red() {
      return own ?? need(s, "the browser suite").red;
    },
    get browser() {
      return need(s, "the browser suite").browser;
    },
    get binary() {
      return need(s, "the browser suite").binary;
    },
    get editor() {
      return need(editor, "the editor page");
    },
  };
}
