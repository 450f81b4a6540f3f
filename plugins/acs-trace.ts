/**
 * acs-trace: the runtime part of the call trace sidebar. It registers the editor plugin and serves
 * the trace on Node-RED's admin HTTP server (behind the editor's login when one is set):
 *
 *   GET    /acs-trace/calls[?config=<id>]      recent calls, newest first, and the cursor
 *   GET    /acs-trace/calls/<id>[?since=<seq>] one call and its timeline (steps after `since`)
 *   DELETE /acs-trace/calls[?config=<id>]      forget the traced calls
 *
 * Reading needs the permission `acs-trace.read`, clearing `acs-trace.write`. Live updates: a
 * change notification `{cursor}` on the editor's own comms socket (topic "acs-trace", at most
 * every 250 ms), which carries no trace data; the editor then asks the HTTP API for what changed
 * since its cursor, so the permission check applies to every byte of the trace.
 */
import { callTraces, type CallRecord, type CallTrace } from "../lib/call-trace";
import type { NodeRedRuntime } from "../lib/node-kit";

interface Request {
  method?: string;
  params: Record<string, string>;
  query: Record<string, unknown>;
}
interface Response {
  status(code: number): Response;
  set(header: string, value: string): Response;
  json(body: unknown): void;
  end(): void;
}
type Handler = (req: Request, res: Response, next?: () => void) => void;
interface AdminApp {
  get(path: string, ...handlers: Handler[]): void;
  delete(path: string, ...handlers: Handler[]): void;
}

type PluginRuntime = NodeRedRuntime & {
  plugins?: { registerPlugin(id: string, definition: object): void };
  comms?: { publish(topic: string, data: unknown, retain?: boolean): void };
};

const TOPIC = "acs-trace";

const mounted = new WeakSet<object>();
let publish: ((cursor: number) => void) | undefined;
let unsubscribe: (() => void) | undefined;

function configOf(trace: CallTrace): { id: string; name?: string; mode?: string; calls: number } {
  return { id: trace.configId, name: trace.name, mode: trace.mode, calls: trace.size };
}

function tracesAsked(req: Request): CallTrace[] {
  const config = typeof req.query.config === "string" && req.query.config ? req.query.config : undefined;
  return config ? callTraces.all().filter((t) => t.configId === config) : callTraces.all();
}

function listCalls(req: Request, res: Response): void {
  const traces = tracesAsked(req);
  const calls: CallRecord[] = [];
  for (const trace of traces) calls.push(...trace.list());
  // Newest first across configs (call ids grow with time).
  calls.sort((a, b) => b.start - a.start || Number(b.id.slice(1)) - Number(a.id.slice(1)));
  res.set("Cache-Control", "no-store").json({ cursor: callTraces.cursor, configs: callTraces.all().map(configOf), calls: calls.map((c) => c.summary()) });
}

function oneCall(req: Request, res: Response): void {
  const record = callTraces.call(req.params.id);
  if (!record) {
    res.status(404).set("Cache-Control", "no-store").json({ error: { code: "UnknownCall", message: "No traced call has this id (it may have been forgotten or cleared)." } });
    return;
  }
  const since = Number(req.query.since);
  res.set("Cache-Control", "no-store").json({
    cursor: callTraces.cursor,
    call: record.summary(),
    steps: record.stepsSince(Number.isFinite(since) && since > 0 ? since : 0),
  });
}

function clearCalls(req: Request, res: Response): void {
  const config = typeof req.query.config === "string" && req.query.config ? req.query.config : undefined;
  callTraces.clear(config);
  res.status(204).end();
}

function mountRoutes(RED: PluginRuntime): void {
  const app = RED.httpAdmin as unknown as AdminApp | undefined;
  if (!app || mounted.has(app)) return;
  mounted.add(app);
  const permission =
    (name: string): Handler =>
    (req, res, next) => {
      const check = RED.auth?.needsPermission(name);
      if (check) check(req, res, next);
      else next?.();
    };
  app.get("/acs-trace/calls", permission("acs-trace.read"), listCalls);
  app.get("/acs-trace/calls/:id", permission("acs-trace.read"), oneCall);
  app.delete("/acs-trace/calls", permission("acs-trace.write"), clearCalls);
}

export = function register(RED: PluginRuntime): void {
  RED.plugins?.registerPlugin("acs-trace", { type: "acs-trace" });
  mountRoutes(RED);
  // One subscription per process; the latest runtime's comms carries the notifications.
  const comms = RED.comms;
  if (comms) publish = (cursor) => comms.publish(TOPIC, { cursor }, false);
  unsubscribe ??= callTraces.subscribe((cursor) => publish?.(cursor));
};
