/**
 * `npm run bench`: full IVR calls against the built-in simulator, through Node-RED with this
 * package, through a hand-written Express + SDK app, and through a bare HTTP server (the floor).
 * Writes bench/results.json and bench/RESULTS.md and prints the tables.
 *
 *   npm run bench -- --concurrency 1,10,50 --calls 200 --speed 50 --targets node-red,express-sdk
 *
 * Every option also reads from the environment: BENCH_CONCURRENCY, BENCH_CALLS, BENCH_SPEED,
 * BENCH_TARGETS, BENCH_WARMUP, BENCH_TIMEOUT, BENCH_OUT.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FarEnd, runCalls, type CallScript } from "./driver";
import { callerKey, expectedHeard, ivrScript } from "./ivr-script.mjs";
import { errorSamples, latencySummary, machine, machineBusyMs, markdown, mb, levelsTable, memoryTable, versions, type LevelResult, type Memory, type Results, type TargetResult } from "./report";
import { ROOT, TARGETS, type RunningTarget, type Target } from "./targets";
import { startSimulator, type AcsSimulator } from "../simulator";

const USAGE = `npm run bench -- [options]
  --concurrency LIST  calls in flight at once, one level each (default 1,10,50)
  --calls N           calls per level (default: 100, or 20 per concurrent call if more)
  --speed X           simulated time runs X times faster than real time (default 50)
  --targets LIST      ${TARGETS.map((t) => t.name).join(",")} (default: all)
  --warmup N          calls per target before measuring (default 50)
  --timeout S         seconds one call may take before it counts as an error (default 30)
  --out DIR           where results.json and RESULTS.md go (default bench/)`;

function options() {
  const { values } = parseArgs({
    options: {
      concurrency: { type: "string" },
      calls: { type: "string" },
      speed: { type: "string" },
      targets: { type: "string" },
      warmup: { type: "string" },
      timeout: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const get = (name: keyof typeof values, env: string) => (values[name] as string | undefined) ?? process.env[env];
  const positive = (text: string | undefined, fallback: number, what: string): number => {
    if (text === undefined || text === "") return fallback;
    const n = Number(text);
    if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${what} must be a positive number, not "${text}"\n${USAGE}`);
    return n;
  };
  const concurrency = (get("concurrency", "BENCH_CONCURRENCY") ?? "1,10,50").split(",").map((c) => Math.floor(positive(c.trim(), 1, "--concurrency")));
  const callsText = get("calls", "BENCH_CALLS");
  const names = (get("targets", "BENCH_TARGETS") ?? TARGETS.map((t) => t.name).join(",")).split(",").map((t) => t.trim());
  const targets = names.map((name) => TARGETS.find((t) => t.name === name) ?? fail(`unknown target ${name}\n${USAGE}`));
  return {
    levels: concurrency.map((c) => ({ concurrency: c, calls: callsText ? Math.floor(positive(callsText, 1, "--calls")) : Math.max(100, 20 * c) })),
    speed: positive(get("speed", "BENCH_SPEED"), 50, "--speed"),
    targets,
    warmupCalls: Math.floor(positive(get("warmup", "BENCH_WARMUP"), 50, "--warmup")),
    callTimeoutMs: positive(get("timeout", "BENCH_TIMEOUT"), 30, "--timeout") * 1000,
    out: get("out", "BENCH_OUT") ?? join(ROOT, "bench"),
  };
}

function fail(message: string): never {
  throw new Error(message);
}

const memoryOf = (m: NodeJS.MemoryUsage): Memory => ({ rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed) });
const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Options = ReturnType<typeof options>;

/** Calls that are not measured; a target that fails most of them is broken, and the run stops. */
async function warmUp(what: string, far: FarEnd, script: CallScript, calls: number, callTimeoutMs: number): Promise<void> {
  const { results } = await runCalls(far, script, calls, 10, callTimeoutMs);
  const failed = results.filter((r) => r.error);
  if (failed.length === 0) return;
  const message = `${failed.length} of ${calls} warm-up calls for ${what} failed, e.g. ${failed[0].error}`;
  if (failed.length > calls / 2) throw new Error(message);
  console.warn(`bench: ${message} (not measured)`);
}

/** One target: start it, warm it up, run every level, and read its memory at rest before and after. */
async function measure(target: Target, sim: AcsSimulator, far: FarEnd, script: CallScript, opts: Options): Promise<TargetResult> {
  console.log(`\n${target.name}: starting`);
  const running = await target.start(sim);
  try {
    await warmUp(target.name, far, script, opts.warmupCalls, opts.callTimeoutMs);
    await settle(500);
    const before = memoryOf((await running.probe(true)).memory);
    console.log(`${target.name}: started in ${running.startupMs.toFixed(0)} ms; warm; RSS ${before.rssMB} MB, heap ${before.heapUsedMB} MB`);
    const levels: LevelResult[] = [];
    for (const level of opts.levels) {
      const result = await measureLevel(running, far, script, level.calls, level.concurrency, opts.callTimeoutMs);
      levels.push(result);
      console.log(
        `${target.name}: ${level.concurrency} concurrent, ${level.calls} calls: ${result.callsPerSecond} calls/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ${result.cpuMsPerCall} CPU ms/call (simulator ${result.simulatorCpuPercent}% busy, others ${result.otherCpuPercent}%), peak RSS ${result.peak.rssMB} MB, ${result.errors} errors`,
      );
      await settle(300);
    }
    await settle(1000);
    const after = memoryOf((await running.probe(true)).memory);
    return { name: target.name, label: target.label, startupMs: Math.round(running.startupMs), before, after, levels };
  } finally {
    await running.stop();
  }
}

/** `calls` calls at `concurrency`, with the target's memory sampled every 100 ms and both processes' CPU time. */
async function measureLevel(running: RunningTarget, far: FarEnd, script: CallScript, calls: number, concurrency: number, callTimeoutMs: number): Promise<LevelResult> {
  const peak: Memory = { rssMB: 0, heapUsedMB: 0 };
  const sample = async () => {
    const m = memoryOf((await running.probe()).memory);
    peak.rssMB = Math.max(peak.rssMB, m.rssMB);
    peak.heapUsedMB = Math.max(peak.heapUsedMB, m.heapUsedMB);
  };
  const targetCpu = (await running.probe()).cpu;
  const benchCpu = process.cpuUsage();
  const machineBusy = machineBusyMs();
  const sampler = setInterval(() => void sample(), 100);
  const { results, wallMs } = await runCalls(far, script, calls, concurrency, callTimeoutMs);
  clearInterval(sampler);
  const simulatorSpent = cpuMs(process.cpuUsage(benchCpu));
  const spent = cpuMs((await running.probe()).cpu) - cpuMs(targetCpu);
  const otherSpent = Math.max(0, machineBusyMs() - machineBusy - spent - simulatorSpent);
  await sample();
  const errors = results.filter((r) => r.error).map((r) => r.error!);
  const hundredths = (n: number) => Math.round(n * 100) / 100;
  return {
    concurrency,
    calls,
    errors: errors.length,
    errorSamples: errorSamples(errors),
    wallMs: Math.round(wallMs),
    callsPerSecond: Math.round((calls / (wallMs / 1000)) * 10) / 10,
    latencyMs: latencySummary(results.filter((r) => !r.error).map((r) => r.latencyMs)),
    cpuMsPerCall: hundredths(spent / calls),
    cpuPercent: Math.round((spent / wallMs) * 100),
    simulatorCpuMsPerCall: hundredths(simulatorSpent / calls),
    simulatorCpuPercent: Math.round((simulatorSpent / wallMs) * 100),
    otherCpuPercent: Math.round((otherSpent / wallMs) * 100),
    peak,
  };
}

/**
 * Calls through the bare target before anything is measured: the first target measured would
 * otherwise pay for the simulator's (and the callers') JIT warm-up and the growth of its call list
 * to its retention limit.
 */
async function warmSimulator(sim: AcsSimulator, far: FarEnd, script: CallScript, callTimeoutMs: number): Promise<void> {
  const calls = 300;
  console.log(`Warming up the simulator: ${calls} calls through bare-http`);
  const bare = await TARGETS.find((t) => t.name === "bare-http")!.start(sim);
  try {
    await warmUp("the simulator", far, script, calls, callTimeoutMs);
  } finally {
    await bare.stop();
  }
}

async function main(): Promise<void> {
  const opts: Options = options();
  const script: CallScript = { to: ivrScript.number, key: callerKey, heard: expectedHeard };
  // Calls ring long enough in simulated time that a busy target still answers in time.
  const sim = await startSimulator({ speed: opts.speed, ownedNumbers: [ivrScript.number], requireCognitiveServices: false, ringTimeoutSeconds: 3600 });
  const far = new FarEnd(sim.controlBase);
  await far.start();
  const results: Results = {
    date: new Date().toISOString(),
    machine: machine(),
    versions: versions(ROOT),
    settings: { speed: opts.speed, warmupCalls: opts.warmupCalls, callTimeoutMs: opts.callTimeoutMs, levels: opts.levels },
    targets: [],
  };
  console.log(`Benchmark: ${results.machine.cpus} × ${results.machine.cpuModel}, Node.js ${results.machine.node}, simulator speed ${opts.speed}`);
  if (results.machine.loadAverage > results.machine.cpus / 2) {
    console.warn(`bench: the machine looks busy (load average ${results.machine.loadAverage}); other work skews the figures (see "other CPU %")`);
  }
  try {
    await warmSimulator(sim, far, script, opts.callTimeoutMs);
    for (const target of opts.targets) results.targets.push(await measure(target, sim, far, script, opts));
  } finally {
    await far.stop();
    await sim.stop();
  }
  writeFileSync(join(opts.out, "results.json"), JSON.stringify(results, null, 2) + "\n");
  writeFileSync(join(opts.out, "RESULTS.md"), markdown(results));
  console.log(`\n${levelsTable(results)}\n\n${memoryTable(results)}\n\nWritten: ${join(opts.out, "results.json")}, ${join(opts.out, "RESULTS.md")}`);
  if (results.targets.some((t) => t.levels.some((l) => l.errors > 0))) {
    console.error("Some calls failed or strayed from the script: see RESULTS.md.");
    process.exitCode = 1;
  }
}

main().catch((err: Error) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
