/**
 * A real Node-RED for end-to-end tests: node_modules/node-red/red.js as a child process (as
 * `npm start` runs it), with this package linked into a temporary user directory, test settings
 * (no telemetry, no tours, a random credential secret, loopback on a free port, the embedded
 * simulator's options) and its log kept for the test to read.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cleanEnv, freePort, startNode, stop, type Running } from "./processes";

const ROOT = join(__dirname, "..", "..");
// ACS_NODE_RED_PATH (node-red's main module, lib/red.js) runs these tests on another Node-RED, as for the node tests.
const RED_JS = process.env.ACS_NODE_RED_PATH ? join(dirname(process.env.ACS_NODE_RED_PATH), "..", "red.js") : require.resolve("node-red/red.js");
export const PACKAGE_NAME = "node-red-contrib-acs-call-automation";

/**
 * The embedded simulator's options (settings.acsSimulator): simulated time 20 times faster; a call
 * rings for up to 30 real seconds (600 simulated) before it is "not answered", so a busy machine
 * still answers in time.
 */
export const E2E_SIMULATOR = { speed: 20, deliveryRetryDelaysMs: [100, 200, 400], ringTimeoutSeconds: 600 };

export interface NodeRedOptions {
  /**
   * Settings over the test defaults, e.g. `disableEditor`, or `lang: "ko"`: the runtime's language
   * (its log, and the messages nodes build with RED._() at run time, such as status texts);
   * without it Node-RED takes LC_ALL / LC_MESSAGES / LANG (only their first two letters, so
   * "zh_CN.UTF-8" gives "zh", not "zh-CN").
   */
  settings?: Record<string, unknown>;
  /** Extra environment variables (the rest of this process's, without TLS or proxy overrides). */
  env?: Record<string, string>;
  /** Flows written to flows.json before Node-RED starts. */
  flows?: unknown[];
}

export interface NodeRed {
  /** http://127.0.0.1:PORT (no trailing slash): the editor, the admin API and the http nodes. */
  base: string;
  /** The embedded simulator's control API (mounted on the admin server). */
  control: string;
  userDir: string;
  /** Every line Node-RED printed so far. */
  log(): string[];
  /** The same, as one text. */
  output(): string;
  /** A position in the log, for `logSince`. */
  mark(): number;
  /** The lines printed since a mark. */
  logSince(mark: number): string[];
  /** `[error]` and `[warn]` lines since a mark (node errors and warnings, failed starts). */
  problemsSince(mark: number): string[];
  /** Wait for a log line after `mark` that matches. */
  waitForLog(pattern: RegExp, mark?: number, timeoutMs?: number): Promise<string>;
  /** JSON over the admin API (e.g. GET /flows). */
  admin<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  /** Stop Node-RED and remove its user directory. Safe to call twice. */
  stop(): Promise<void>;
}

export type NodeRedProcess = NodeRed;

/**
 * Node-RED loads the package from dist/ (package.json "node-red" nodes and plugins): build when a
 * file is missing. `npm test` builds first; a spec run on its own builds here if needed.
 */
export function ensureBuilt(): void {
  const declared = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { "node-red": { nodes?: Record<string, string>; plugins?: Record<string, string> } })["node-red"];
  const files = [...Object.values(declared.nodes ?? {}), ...Object.values(declared.plugins ?? {})];
  if (files.some((file) => !existsSync(join(ROOT, file)))) execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore", timeout: 180_000 });
}

/** Start Node-RED; resolves once it serves http. */
export async function startNodeRed(options: NodeRedOptions = {}): Promise<NodeRed> {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), "acs-node-red-"));
  let running: (Running & { match: RegExpMatchArray }) | undefined;
  // If mocha exits without the hooks (an interrupted run), take Node-RED and its folder along.
  const killNow = () => {
    running?.child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", killNow);
  try {
    const userDir = join(dir, "user");
    mkdirSync(join(userDir, "node_modules"), { recursive: true });
    symlinkSync(ROOT, join(userDir, "node_modules", PACKAGE_NAME), "dir");
    if (options.flows) writeFileSync(join(userDir, "flows.json"), JSON.stringify(options.flows));

    // The embedded simulator sends its callbacks to uiHost:uiPort, so the port is chosen up front;
    // another process may take it in between, hence the retries.
    for (let attempt = 1; !running; attempt++) {
      const port = await freePort();
      const settingsFile = join(dir, "settings.js");
      writeFileSync(settingsFile, `module.exports = ${JSON.stringify(settingsFor(userDir, port, options.settings))};\n`);
      try {
        // "Server now running at http://127.0.0.1:PORT/", in the runtime's language.
        running = await startNode([RED_JS, "--settings", settingsFile], cleanEnv(options.env ?? {}), new RegExp(`(http://127\\.0\\.0\\.1:${port})/`), "Node-RED", 60_000);
      } catch (err) {
        if (attempt >= 3 || !/EADDRINUSE|port in use/i.test((err as Error).message)) throw err;
      }
    }
    const red = running;
    const base = red.match[1];
    const lines = red.lines;
    const problemsSince = (mark: number) => lines.slice(mark).filter((line) => /\[(error|warn)\]/.test(line));
    let stopped: Promise<void> | undefined;
    return {
      base,
      control: `${base}/acs-simulator`,
      userDir,
      log: () => [...lines],
      output: red.output,
      mark: () => lines.length,
      logSince: (mark) => lines.slice(mark),
      problemsSince,
      async waitForLog(pattern, mark = 0, timeoutMs = 20_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const line = lines.slice(mark).find((l) => pattern.test(l));
          if (line) return line;
          if (Date.now() > deadline) throw new Error(`Timed out waiting for Node-RED to log ${pattern}. Log since then:\n${lines.slice(mark).join("\n")}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      async admin<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
        const res = await fetch(`${base}${path}`, {
          method,
          headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: keep the text
        }
        return { status: res.status, body: parsed as T };
      },
      stop() {
        stopped ??= (async () => {
          process.removeListener("exit", killNow);
          await stop(red);
          rmSync(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (err) {
    process.removeListener("exit", killNow);
    await stop(running);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function settingsFor(userDir: string, port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uiHost: "127.0.0.1",
    uiPort: port,
    userDir,
    flowFile: "flows.json",
    credentialSecret: randomBytes(16).toString("hex"),
    telemetry: { enabled: false },
    // No palette catalogue: the editor would fetch catalogue.nodered.org on every load.
    editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },
    logging: { console: { level: "info", metrics: false, audit: false } },
    acsSimulator: E2E_SIMULATOR,
    ...extra,
  };
}
