// `npm start`: Node-RED (from this project's own dependencies) on http://127.0.0.1:1880 (PORT
// overrides) with this package linked into its user directory and the IVR example deployed on
// the built-in ACS simulator. The simulator's control API is then at /acs-simulator.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const userDir = join(root, ".node-red");
const link = join(userDir, "node_modules", "node-red-contrib-acs-call-automation");
const flowsFile = join(userDir, "flows.json");
const example = join(root, "examples", "IVR menu.json");

mkdirSync(dirname(link), { recursive: true });
if (existsSync(link) || isLink(link)) rmSync(link, { recursive: true, force: true });
symlinkSync(root, link, "dir");

// The first start deploys the IVR example; later starts keep whatever the user deployed since.
const freshFlows = !existsSync(flowsFile);
if (freshFlows) copyFileSync(example, flowsFile);

const port = Number(process.env.PORT) || 1880;
const base = `http://127.0.0.1:${port}`;
const red = spawn(process.execPath, [require.resolve("node-red/red.js"), "--settings", join(root, "scripts", "node-red-settings.cjs"), "--port", String(port)], {
  stdio: "inherit",
  env: { ...process.env, PORT: String(port) },
});

const stop = () => red.kill("SIGINT");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
red.on("exit", (code) => process.exit(code ?? 0));

// Tell the newcomer how to call once the simulator answers.
const control = `${base}/acs-simulator`;
for (let i = 0; i < 600; i++) {
  const ok = await fetch(`${control}/`).then((r) => r.ok, () => false);
  if (ok) {
    console.log(`
──────────────────────────────────────────────────────────────────────────────
Node-RED: ${base}/   ${freshFlows ? "(the IVR example is deployed)" : "(your flows from .node-red/flows.json)"}
Built-in ACS simulator, control API: ${control}

Call the IVR from the softphone: the "phone" tab of the editor's sidebar, or the same phone
on a page of its own at ${control}/phone

Or from this machine (a phone in your terminal; keys, "say …", "hangup"):
  npm run call

Or with curl:
  curl -s -X POST ${control}/calls -H 'content-type: application/json' -d '{"from":"+14255550123","to":"+18005550100"}'
  curl -s ${control}/calls/<id>                  # what the caller heard so far ("heard")
  curl -s -X POST ${control}/calls/<id>/dtmf -H 'content-type: application/json' -d '{"tones":"1"}'
  curl -s -X POST ${control}/calls/<id>/speech -H 'content-type: application/json' -d '{"text":"agent"}'

More examples (recording, participants, DTMF, streaming, appointment reminder, click-to-call,
number masking…): in the editor, Menu › Import › Examples › node-red-contrib-acs-call-automation.
Each answers its own number, e.g. npm run call -- --to=+18005550131 (its first comment says which).
──────────────────────────────────────────────────────────────────────────────
`);
    break;
  }
  await new Promise((r) => setTimeout(r, 500));
}

function isLink(p) {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
