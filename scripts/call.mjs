// `npm run call`: a phone in the terminal, on the simulator of a running `npm start`.
// It dials the IVR, prints each prompt as the caller hears it, and sends what you type:
// keys ("1", "12#"), "say <words>", or "hangup". Lines piped in are sent one by one, each once
// the call is listening, so `printf '1\n' | npm run call` is a scripted call.
import { createInterface } from "node:readline";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? "true"]));
const port = Number(process.env.PORT) || 1880;
const control = args.get("control") ?? `http://127.0.0.1:${port}/acs-simulator`;
const from = args.get("from") ?? "+14255550123";
const to = args.get("to") ?? "+18005550100";

async function api(method, path, body) {
  const res = await fetch(`${control}${path}`, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json?.error?.message ?? text}`);
  return json;
}

let dialed;
try {
  dialed = await api("POST", "/calls", { from, to });
} catch (err) {
  console.error(`Could not reach the simulator at ${control} (is \`npm start\` running?): ${err.message}`);
  process.exit(1);
}
console.log(`Calling ${to} from ${from}… (call ${dialed.id})`);

let shown = 0;
let state = "ringing";
let listening = false;
const poll = async () => {
  const leg = await api("GET", `/calls/${dialed.id}`);
  if (leg.state !== state) {
    state = leg.state;
    console.log(`[${state}${leg.endReason ? `: ${leg.endReason}` : ""}]`);
  }
  for (; shown < leg.heard.length; shown++) {
    const h = leg.heard[shown];
    console.log(`  ♪ ${h.kind === "file" ? `(audio file) ${h.content}` : h.content}`);
  }
  // Keys count while a question listens, or while the app listens for every key (continuous DTMF).
  listening = leg.media.some((m) => m.continuousDtmf || m.operations.some((op) => op.kind === "recognize" && (op.phase === "prompt" || op.phase === "listening")));
  return leg.state;
};

const lines = [];
const rl = createInterface({ input: process.stdin, terminal: false });
rl.on("line", (line) => lines.push(line.trim()));
if (process.stdin.isTTY) console.log('Type keys (e.g. 1) and Enter, "say <words>", or "hangup".');

for (;;) {
  const now = await poll().catch((err) => {
    console.error(err.message);
    return "ended";
  });
  if (now === "ended") break;
  const line = lines[0];
  if (line !== undefined) {
    if (line === "") lines.shift();
    else if (/^(hangup|h|bye)$/i.test(line)) {
      lines.shift();
      await api("POST", `/calls/${dialed.id}/hangup`);
    } else if (listening) {
      lines.shift();
      const say = /^say\s+(.+)$/i.exec(line);
      if (say) {
        console.log(`  🗣 "${say[1]}"`);
        await api("POST", `/calls/${dialed.id}/speech`, { text: say[1] });
      } else {
        console.log(`  ⌨ ${line}`);
        await api("POST", `/calls/${dialed.id}/dtmf`, { tones: line });
      }
    }
  }
  await new Promise((r) => setTimeout(r, 100));
}
rl.close();
process.exit(0);
