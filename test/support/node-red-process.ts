/**
 * A real Node-RED process for tests that need the whole of it (the editor's HTTP API, plugins,
 * admin authentication): node-red/red.js from this project's dependencies, with this package
 * linked into a fresh user directory, on a free port of 127.0.0.1. Built files (dist/) are used,
 * as Node-RED loads them: the test builds first when there are none.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const ROOT = join(__dirname, "..", "..");
const RED_JS = require.resolve("node-red/red.js");

export interface NodeRedProcess {
  /** http://127.0.0.1:PORT (no trailing slash). */
  base: string;
  userDir: string;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export interface NodeRedOptions {
  /** Extra settings (JSON-serialisable) over the test defaults. */
  settings?: Record<string, unknown>;
  /** The flows file to start with. */
  flows?: unknown[];
}

/** Build dist/ when it is missing (CI builds before mocha). */
export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, "dist", "plugins", "acs-softphone.js")) || !existsSync(join(ROOT, "dist", "nodes", "acs-config.js"))) {
    execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore", timeout: 110_000 });
  }
}

/** A TCP port free right now on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Start Node-RED and resolve once it listens. Its port is chosen up front (not uiPort 0): the
 * embedded simulator delivers callbacks to the port in Node-RED's settings.
 */
export async function startNodeRed(options: NodeRedOptions = {}): Promise<NodeRedProcess> {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), "acs-node-red-"));
  const userDir = join(dir, "user");
  mkdirSync(join(userDir, "node_modules"), { recursive: true });
  symlinkSync(ROOT, join(userDir, "node_modules", "node-red-contrib-acs-call-automation"), "dir");
  if (options.flows) writeFileSync(join(userDir, "flows.json"), JSON.stringify(options.flows));
  const settingsFile = join(dir, "settings.js");
  writeFileSync(
    settingsFile,
    `module.exports = ${JSON.stringify({
      uiHost: "127.0.0.1",
      uiPort: await freePort(),
      userDir,
      flowFile: "flows.json",
      credentialSecret: randomBytes(16).toString("hex"),
      telemetry: { enabled: false },
      editorTheme: { tours: false, projects: { enabled: false } },
      logging: { console: { level: "info", metrics: false, audit: false } },
      ...options.settings,
    })};\n`,
  );
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(NODE_OPTIONS|https?_proxy|no_proxy)$/i.test(key)) env[key] = value;
  }
  const child: ChildProcess = spawn(process.execPath, [RED_JS, "--settings", settingsFile], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", kill);
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`Node-RED was not ready in time. Output:\n${output}`));
    }, 30_000);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on("line", (line) => {
        output += `${line}\n`;
        const match = /Server now running at (http:\/\/127\.0\.0\.1:\d+)\//.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    }
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`Node-RED exited before it was ready. Output:\n${output}`));
    });
  });
  return {
    base,
    userDir,
    output: () => output,
    async stop() {
      process.removeListener("exit", kill);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(kill, 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
