/**
 * The three things benchmarked, each in a process of its own (so its memory and CPU are its own),
 * each pointed at the same standalone simulator by its connection string:
 * - node-red: Node-RED 4.1 running examples/IVR menu.json, its acs-config switched from the
 *   embedded simulator to a connection string (the embedded simulator would live, and be
 *   measured, inside Node-RED);
 * - express-sdk: bench/apps/express-sdk.mjs, Express and the Call Automation SDK by hand;
 * - bare-http: bench/apps/bare-http.mjs, node:http and fetch, the floor.
 * Every target runs under `node --expose-gc -r bench/probe.cjs`, which reports its memory and CPU.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { freePort } from "../test/support/processes";
import { ivrScript } from "./ivr-script.mjs";

export const ROOT = join(__dirname, "..");
const PROBE = join(__dirname, "probe.cjs");
const EVENT_GRID_TYPES = ["Microsoft.Communication.IncomingCall"];

/** What a target needs to know about the simulator. */
export interface SimulatorInfo {
  connectionString: string;
  resourceId: string;
  subscribe(url: string, eventTypes?: string[]): Promise<{ id: string }>;
  unsubscribe(id: string): boolean;
}

export interface Probe {
  memory: NodeJS.MemoryUsage;
  cpu: NodeJS.CpuUsage;
}

export interface RunningTarget {
  pid: number;
  /** From spawn to its Event Grid subscription being validated, in ms. */
  startupMs: number;
  /** Memory and CPU time of the target process; `gc` collects garbage first. */
  probe(gc?: boolean): Promise<Probe>;
  stop(): Promise<void>;
}

export interface Target {
  name: string;
  label: string;
  start(sim: SimulatorInfo): Promise<RunningTarget>;
}

export const TARGETS: Target[] = [
  { name: "node-red", label: "Node-RED 4.1 + this package (IVR example flow)", start: startNodeRed },
  { name: "express-sdk", label: "Express + Call Automation SDK, by hand", start: (sim) => startApp("express-sdk.mjs", sim) },
  { name: "bare-http", label: "bare node:http + fetch (no SDK, no JWT check)", start: (sim) => startApp("bare-http.mjs", sim) },
];

async function startApp(file: string, sim: SimulatorInfo): Promise<RunningTarget> {
  const started = performance.now();
  const child = await spawnProbed([join(__dirname, "apps", file)], { ACS_CONNECTION_STRING: sim.connectionString, ACS_RESOURCE_ID: sim.resourceId }, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  return subscribed(child, `${child.match[1]}/events`, sim, started, () => undefined);
}

async function startNodeRed(sim: SimulatorInfo): Promise<RunningTarget> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "acs-bench-node-red-"));
  const userDir = join(dir, "user");
  mkdirSync(join(userDir, "node_modules"), { recursive: true });
  symlinkSync(ROOT, join(userDir, "node_modules", "node-red-contrib-acs-call-automation"), "dir");

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const webhookSecret = randomBytes(24).toString("base64url");
  const example = JSON.parse(readFileSync(join(ROOT, "examples", "IVR menu.json"), "utf8")) as Array<Record<string, unknown>>;
  // The example as it ships, but for its connection (a connection string to the bench's simulator)
  // and the menu's silence timeout, which every target shares (see ivr-script.mjs).
  const flows = example.map((n) => {
    if (n.type === "acs-config") return { ...n, mode: "connectionString", callbackBaseUrl: `${base}/`, resourceId: sim.resourceId };
    if (n.type === "acs-recognize") return { ...n, initialSilenceTimeout: ivrScript.menu.initialSilenceTimeoutInSeconds };
    return n;
  });
  const configId = flows.find((n) => n.type === "acs-config")!.id as string;
  writeFileSync(join(userDir, "flows.json"), JSON.stringify(flows));
  // credentialSecret: false keeps flows_cred.json in plain JSON, so it can be written here.
  writeFileSync(join(userDir, "flows_cred.json"), JSON.stringify({ [configId]: { connectionString: sim.connectionString, webhookSecret } }));
  const settings = {
    uiHost: "127.0.0.1",
    uiPort: port,
    userDir,
    flowFile: "flows.json",
    credentialSecret: false,
    telemetry: { enabled: false },
    editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },
    logging: { console: { level: "info", metrics: false, audit: false } },
  };
  const settingsFile = join(dir, "settings.js");
  writeFileSync(settingsFile, `module.exports = ${JSON.stringify(settings)};\n`);

  const child = await spawnProbed([require.resolve("node-red/red.js"), "--settings", settingsFile], {}, /Started flows/).catch((err) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return subscribed(child, `${base}/acs/events/${configId}/${webhookSecret}`, sim, started, () => rmSync(dir, { recursive: true, force: true }));
}

interface Spawned {
  child: ChildProcess;
  match: RegExpMatchArray;
  output(): string;
}

/** Start `node --expose-gc -r probe.cjs <args>` with an IPC channel; resolve once a line matches `ready`. */
function spawnProbed(args: string[], env: Record<string, string>, ready: RegExp): Promise<Spawned> {
  const child = spawn(process.execPath, ["--expose-gc", "-r", PROBE, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const lines: string[] = [];
  const output = () => lines.slice(-40).join("\n");
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${args[0]} was not ready in 60 s:\n${output()}`));
    }, 60_000);
    let settled = false;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        lines.push(line);
        if (lines.length > 1000) lines.shift();
        const match = settled ? null : ready.exec(line);
        if (match) {
          settled = true;
          clearTimeout(timer);
          resolve({ child, match, output });
        } else if (settled && /\[error\]|Error|failed/i.test(line)) {
          // A target that complains during the run says so on the bench's console.
          console.error(`  ${args[0].split("/").pop()}: ${line}`);
        }
      });
    }
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (!settled) reject(new Error(`${args[0]} exited (${code}) before it was ready:\n${output()}`));
    });
  });
}

/** Subscribe the target's Event Grid URL (the handshake needs it listening, so retry), and wrap it up. */
async function subscribed(spawned: Spawned, eventGridUrl: string, sim: SimulatorInfo, started: number, cleanUp: () => void): Promise<RunningTarget> {
  const { child } = spawned;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    cleanUp();
  };
  let subscription: { id: string } | undefined;
  for (let attempt = 0; !subscription; attempt++) {
    try {
      subscription = await sim.subscribe(eventGridUrl, EVENT_GRID_TYPES);
    } catch (err) {
      if (attempt >= 100) {
        await stop();
        throw new Error(`could not subscribe the target's Event Grid URL: ${(err as Error).message}\n${spawned.output()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const startupMs = performance.now() - started;
  let probes = 0;
  const waiting = new Map<number, (probe: Probe) => void>();
  child.on("message", (m: { probe: number } & Probe) => {
    waiting.get(m.probe)?.({ memory: m.memory, cpu: m.cpu });
    waiting.delete(m.probe);
  });
  return {
    pid: child.pid!,
    startupMs,
    probe(gc = false) {
      const id = ++probes;
      return new Promise((resolve, reject) => {
        waiting.set(id, resolve);
        child.send({ probe: id, gc }, (err) => err && reject(err));
      });
    },
    async stop() {
      if (subscription) sim.unsubscribe(subscription.id);
      await stop();
    },
  };
}
