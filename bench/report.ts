/** The benchmark's figures: percentiles, the machine, results.json and the RESULTS.md tables. */
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface Memory {
  rssMB: number;
  heapUsedMB: number;
}

export interface LevelResult {
  concurrency: number;
  calls: number;
  errors: number;
  /** Up to five distinct error messages, with how many calls had each. */
  errorSamples: Array<{ error: string; calls: number }>;
  wallMs: number;
  callsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  /** CPU time (user + system) the target spent per call. */
  cpuMsPerCall: number;
  /** How busy the target kept one core while the level ran, in %. */
  cpuPercent: number;
  /** CPU time the simulator and the callers (the bench process) spent per call. */
  simulatorCpuMsPerCall: number;
  /** How busy the simulator and the callers kept their one core, in %: near 100, the simulator is the limit. */
  simulatorCpuPercent: number;
  /** CPU used by everything else on the machine meanwhile, in % of one core: more than a few, and the figures are skewed. */
  otherCpuPercent: number;
  /** Highest RSS and heap seen while the level ran (sampled every 100 ms). */
  peak: Memory;
}

export interface TargetResult {
  name: string;
  label: string;
  startupMs: number;
  /** After start-up and the warm-up calls, after a garbage collection. */
  before: Memory;
  /** After every level, after a garbage collection. */
  after: Memory;
  levels: LevelResult[];
}

export interface Results {
  date: string;
  /** loadAverage: the 1-minute load average when the run started (other work skews the figures). */
  machine: { cpus: number; cpuModel: string; memoryGB: number; os: string; node: string; loadAverage: number };
  versions: Record<string, string>;
  settings: { speed: number; warmupCalls: number; callTimeoutMs: number; levels: Array<{ concurrency: number; calls: number }> };
  targets: TargetResult[];
}

export const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function latencySummary(latencies: number[]): LevelResult["latencyMs"] {
  const sorted = [...latencies].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / (sorted.length || 1);
  return { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)), max: round(sorted[sorted.length - 1] ?? NaN), mean: round(mean) };
}

export function errorSamples(errors: string[]): LevelResult["errorSamples"] {
  const counts = new Map<string, number>();
  for (const e of errors) counts.set(e, (counts.get(e) ?? 0) + 1);
  return [...counts].slice(0, 5).map(([error, calls]) => ({ error: error.slice(0, 300), calls }));
}

const versionOf = (pkg: string): string => (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), "utf8")) as { version: string }).version;

/** Busy CPU time of the whole machine so far, in ms (every core: user, nice, system, irq). */
export function machineBusyMs(): number {
  return cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

/** The 1-minute load average now. */
const loadNow = (): number => round(loadavg()[0], 2);

export function machine(): Results["machine"] {
  const list = cpus();
  return { cpus: list.length, cpuModel: list[0]?.model.trim() ?? "unknown", memoryGB: round(totalmem() / 1024 ** 3), os: `${platform()} ${release()}`, node: process.version, loadAverage: loadNow() };
}

export function versions(root: string): Record<string, string> {
  return {
    "node-red-contrib-acs-call-automation": (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version,
    "node-red": versionOf("node-red"),
    "@azure/communication-call-automation": versionOf("@azure/communication-call-automation"),
    express: versionOf("express"),
  };
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : "–");

/** The throughput and latency table, one row per target and concurrency. */
export function levelsTable(results: Results): string {
  const rows = [
    "| target | concurrent calls | calls | errors | calls/s | p50 ms | p95 ms | p99 ms | target CPU ms/call | target CPU % | simulator CPU % | other CPU % | peak RSS MB | peak heap MB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const t of results.targets) {
    for (const l of t.levels) {
      rows.push(
        `| ${t.name} | ${l.concurrency} | ${l.calls} | ${l.errors} | ${fmt(l.callsPerSecond)} | ${fmt(l.latencyMs.p50, 0)} | ${fmt(l.latencyMs.p95, 0)} | ${fmt(l.latencyMs.p99, 0)} | ${fmt(l.cpuMsPerCall, 2)} | ${fmt(l.cpuPercent, 0)} | ${fmt(l.simulatorCpuPercent, 0)} | ${fmt(l.otherCpuPercent, 0)} | ${fmt(l.peak.rssMB)} | ${fmt(l.peak.heapUsedMB)} |`,
      );
    }
  }
  return rows.join("\n");
}

/** Memory at rest: after start-up and warm-up, and after the whole run (both after a GC). */
export function memoryTable(results: Results): string {
  const rows = ["| target | start-up ms | RSS before MB | heap before MB | RSS after MB | heap after MB |", "|---|---:|---:|---:|---:|---:|"];
  for (const t of results.targets) {
    rows.push(`| ${t.name} | ${fmt(t.startupMs, 0)} | ${fmt(t.before.rssMB)} | ${fmt(t.before.heapUsedMB)} | ${fmt(t.after.rssMB)} | ${fmt(t.after.heapUsedMB)} |`);
  }
  return rows.join("\n");
}

export function markdown(results: Results): string {
  const m = results.machine;
  const s = results.settings;
  const errors = results.targets.flatMap((t) => t.levels.filter((l) => l.errors > 0).map((l) => `- ${t.name} at ${l.concurrency} concurrent: ${l.errorSamples.map((e) => `${e.calls}× ${e.error}`).join("; ")}`));
  return `# Benchmark results

Written by \`npm run bench\` (bench/run.ts) on ${results.date}. Rerun it to replace this file.

Each call: a caller dials +1 800 555 0100 through the simulator's control API, hears the greeting and
the menu, presses 1 as soon as the menu listens, hears the opening hours and goodbye, and the IVR
hangs up for everyone. A call counts only if the caller heard exactly those four prompts and the
application ended it; anything else is an error.

How to read it:
- **Latency** runs from dial to the call's end as the caller sees it. It includes the prompts'
  simulated playing time (simulated time runs ${s.speed}× faster than real time), the same for every
  target: compare targets with each other and with bare-http, the floor.
- **target CPU ms/call** is the target process's own CPU time (user + system) per call: the figure
  that compares the targets best. It falls as concurrency rises, because work is batched.
- **target CPU %** and **simulator CPU %**: how busy each process kept one core (garbage
  collection threads can take a process past 100). The bench process runs the simulator and the
  callers on one thread: near 100 %, the simulator was the limit, and calls/s at that level
  measures this machine more than the target. **other CPU %** is what the rest of the machine
  used meanwhile: above a few %, something else was running and the figures are skewed.
- **Memory**: peak RSS and heap while a level ran (sampled every 100 ms), and at rest after a
  garbage collection, before (after start-up and ${s.warmupCalls} warm-up calls) and after every level.

Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGB} GB, ${m.os}, Node.js ${m.node}; load average ${m.loadAverage} at the start.
Versions: ${Object.entries(results.versions).map(([k, v]) => `${k} ${v}`).join(", ")}.
Settings: simulator speed ${s.speed}, ${s.warmupCalls} warm-up calls per target (after 300 through bare-http to warm the simulator), ${s.levels.map((l) => `${l.calls} calls at ${l.concurrency} concurrent`).join(", ")}.

Targets (each its own process, against one standalone simulator in the bench process):
${results.targets.map((t) => `- **${t.name}**: ${t.label}`).join("\n")}

Node-RED runs examples/IVR menu.json with two changes: its acs-config uses a connection string to the
bench's simulator (the embedded simulator would run, and be measured, inside Node-RED), and the
menu waits 30 simulated seconds for a key instead of 5, as the hand-written apps do (see
bench/ivr-script.mjs: at speed ${s.speed}, 5 s is ${fmt(5000 / s.speed, 0)} ms, less than a loaded machine may take to press the key).

## Throughput, latency, CPU and peak memory

${levelsTable(results)}

## Memory at rest (after a garbage collection)

${memoryTable(results)}

${errors.length ? `## Errors\n\n${errors.join("\n")}\n` : "No call failed or strayed from the script.\n"}`;
}
