/**
 * Child Node.js processes for end-to-end tests (a real Node-RED, the standalone simulator):
 * start one and wait for a line that says it is ready, keep what it prints, stop it for sure.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";

const ROOT = join(__dirname, "..", "..");

export interface Running {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Each line it printed so far, in order. */
  lines: string[];
  exited: Promise<void>;
}

/** An environment without anything that would bend TLS or routing away from what is tested. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(NODE_TLS_REJECT_UNAUTHORIZED|NODE_EXTRA_CA_CERTS|NODE_OPTIONS|https?_proxy|no_proxy|AZURE_.*)$/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Start a Node.js script and resolve once a line of its output matches `ready`. */
export function startNode(args: string[], env: NodeJS.ProcessEnv, ready: RegExp, what: string, timeoutMs = 30_000): Promise<Running & { match: RegExpMatchArray }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const output = () => lines.map((line) => `${line}\n`).join("");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${what} was not ready in time. Output:\n${output()}`));
    }, timeoutMs);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on("line", (line) => {
        lines.push(line);
        const match = settled ? null : ready.exec(line);
        if (match) {
          settled = true;
          clearTimeout(timer);
          resolve({ child, output, lines, exited, match });
        }
      });
    }
    void exited.then(() => {
      clearTimeout(timer);
      if (!settled) reject(new Error(`${what} exited before it was ready. Output:\n${output()}`));
    });
  });
}

/** Stop a child process: SIGTERM, then SIGKILL if it lingers. */
export async function stop(running: Running | undefined): Promise<void> {
  if (!running || running.child.exitCode !== null || running.child.signalCode !== null) return;
  running.child.kill("SIGTERM");
  const timer = setTimeout(() => running.child.kill("SIGKILL"), 3000);
  await running.exited;
  clearTimeout(timer);
}

/** Poll an async check until it gives a value. */
export async function poll<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for servers that must know their port before they start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
