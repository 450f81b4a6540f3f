// `npm start`: the ACS simulator and Node-RED (from this project's own dependencies) with this
// package linked into Node-RED's user directory, so the palette loads it.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, symlinkSync, lstatSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const userDir = join(root, ".node-red");
const link = join(userDir, "node_modules", "node-red-contrib-acs-call-automation");

mkdirSync(dirname(link), { recursive: true });
if (existsSync(link) || isLink(link)) rmSync(link, { recursive: true, force: true });
symlinkSync(root, link, "dir");

const { startSimulator } = require(join(root, "dist", "simulator", "index.js"));
const sim = await startSimulator({ port: Number(process.env.ACS_SIMULATOR_PORT ?? 0) });

const port = Number(process.env.PORT) || 1880;
const red = spawn(process.execPath, [require.resolve("node-red/red.js"), "--settings", join(root, "scripts", "node-red-settings.cjs"), "--port", String(port)], {
  stdio: "inherit",
  env: { ...process.env, ACS_CONNECTION_STRING: sim.connectionString },
});

console.log(`
ACS simulator running.
  Control API:  ${sim.controlBase}
  Owned number: ${sim.ownedNumbers[0]}
Node-RED editor: http://127.0.0.1:${port}/ (ACS_CONNECTION_STRING is set for it)

Place a call through the simulator (it rings until an app answers it):
  curl -s -X POST ${sim.controlBase}/calls -H 'content-type: application/json' -d '{"from":"+14255550100","to":"${sim.ownedNumbers[0]}"}'
`);

const stop = () => {
  red.kill("SIGINT");
  void sim.stop().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
red.on("exit", (code) => {
  void sim.stop().then(() => process.exit(code ?? 0));
});

function isLink(p) {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
