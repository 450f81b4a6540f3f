/**
 * The callers: IVR calls placed through the simulator's control API, the way the softphone does.
 * A caller dials, waits until the menu listens, presses its key, and hangs on until the call ends;
 * then what it heard is checked against the script. One long-poll (`GET /changes`) follows every
 * call, so watching costs the simulator the same whatever the target.
 */
import { performance } from "node:perf_hooks";

export interface CallScript {
  /** The number the IVR answers. */
  to: string;
  /** The key pressed once the menu listens. */
  key: string;
  /** Every prompt the caller must hear, in order. */
  heard: string[];
}

export interface CallResult {
  /** Dial (before POST /calls) to the end of the call as the far end sees it, in ms. */
  latencyMs: number;
  /** Why the call does not count: it failed, hung, or strayed from the script. */
  error?: string;
  /** What the caller heard, in order, and why the call ended (when it got that far). */
  heard?: string[];
  endReason?: string;
}

interface LegSummary {
  id: string;
  state: string;
  endReason?: string;
  listening?: { keys: boolean; speech: boolean };
}

interface Followed {
  pressed: boolean;
  onListening(): void;
  onEnded(leg: LegSummary): void;
}

/** The far end of every call: one long-poll loop that tells each followed call what changed. */
export class FarEnd {
  private cursor = "";
  private readonly followed = new Map<string, Followed>();
  /** Legs seen before their POST /calls answered (the loop may be quicker). */
  private readonly early = new Map<string, LegSummary>();
  private stopped = false;
  /** The long-poll waiting now: a fresh controller each time (undici keeps a listener per request on a signal until GC). */
  private polling?: AbortController;
  private loop?: Promise<void>;

  constructor(readonly control: string) {}

  async start(): Promise<void> {
    this.cursor = (await this.json<{ cursor: string }>("GET", "/changes")).cursor;
    this.loop = this.watch();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.polling?.abort();
    await this.loop;
  }

  /** One call, from dial to its end; never throws: a failure is the result's error. */
  async call(from: string, script: CallScript, timeoutMs: number): Promise<CallResult> {
    const started = performance.now();
    let id = "";
    try {
      id = (await this.json<{ id: string }>("POST", "/calls", { from, to: script.to })).id;
      const ended = await new Promise<LegSummary>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`did not end within ${timeoutMs} ms`)), timeoutMs);
        const followed: Followed = {
          pressed: false,
          onListening: () => {
            followed.pressed = true;
            this.json<{ outcomes: string[] }>("POST", `/calls/${id}/dtmf`, { tones: script.key }).then(
              // "ignored": the menu stopped listening before the key arrived (simulated time ran out).
              (reply) => reply.outcomes[0] !== "recognized" && reject(new Error(`key ${script.key} ${reply.outcomes[0]}`)),
              (err: Error) => reject(err),
            );
          },
          onEnded: (leg) => {
            clearTimeout(timer);
            resolve(leg);
          },
        };
        this.followed.set(id, followed);
        const early = this.early.get(id);
        if (early) this.seen(early);
      });
      const latencyMs = performance.now() - started;
      const full = await this.json<{ heard: Array<{ content: string }>; endReason?: string }>("GET", `/calls/${id}`);
      const heard = full.heard.map((h) => h.content);
      const seen = { latencyMs, heard, endReason: ended.endReason };
      if (ended.endReason !== "ended by the application") return { ...seen, error: `ended: ${ended.endReason ?? "?"}` };
      if (JSON.stringify(heard) !== JSON.stringify(script.heard)) return { ...seen, error: `heard ${JSON.stringify(heard)}` };
      return seen;
    } catch (err) {
      return { latencyMs: performance.now() - started, error: (err as Error).message };
    } finally {
      this.followed.delete(id);
      this.early.delete(id);
    }
  }

  private async watch(): Promise<void> {
    while (!this.stopped) {
      this.polling = new AbortController();
      try {
        const reply = await this.json<{ cursor: string; calls: LegSummary[] }>("GET", `/changes?since=${this.cursor}&wait=10`, undefined, this.polling.signal);
        this.cursor = reply.cursor;
        for (const leg of reply.calls) this.seen(leg);
      } catch (err) {
        if (this.stopped) return;
        console.error(`bench: watching the calls failed (${(err as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private seen(leg: LegSummary): void {
    const followed = this.followed.get(leg.id);
    if (!followed) {
      if (leg.state !== "ended" || this.early.has(leg.id)) this.early.set(leg.id, leg);
      return;
    }
    if (leg.state === "ended") followed.onEnded(leg);
    else if (leg.listening?.keys && !followed.pressed) followed.onListening();
  }

  private async json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await fetch(`${this.control}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path.split("?")[0]}: ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }
}

/**
 * `calls` calls with `concurrency` in flight at any time (a closed loop: each caller dials again
 * as soon as its call ends). Each caller has its own number.
 */
export async function runCalls(far: FarEnd, script: CallScript, calls: number, concurrency: number, timeoutMs: number): Promise<{ results: CallResult[]; wallMs: number }> {
  const results: CallResult[] = [];
  let next = 0;
  const started = performance.now();
  const caller = async () => {
    while (next < calls) {
      const n = next++;
      results.push(await far.call(`+1425${String(5_000_000 + n).padStart(7, "0")}`, script, timeoutMs));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, caller));
  return { results, wallMs: performance.now() - started };
}
