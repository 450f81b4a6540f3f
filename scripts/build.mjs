// Build: tsc compiles TypeScript to CommonJS in dist/; then every node's editor .html and the
// shared locales/ and icons/ folders are copied beside the compiled node .js files, because
// Node-RED looks for them only in the folder of the node's .js file.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, chmodSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, } from "node:url";
import { createRequire } from "node:module";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(root, "tsconfig.json")], {
  stdio: "inherit",
});

for (const folder of ["nodes", "plugins"]) {
  const src = join(root, folder);
  if (!existsSync(src)) continue;
  const out = join(dist, folder);
  mkdirSync(out, { recursive: true });
  for (const file of readdirSync(src)) {
    if (file.endsWith(".html")) cpSync(join(src, file), join(out, file));
  }
  for (const shared of ["locales", "icons"]) {
    if (existsSync(join(root, shared))) cpSync(join(root, shared), join(out, shared), { recursive: true });
  }
}

// The simulator's phone page (its HTML, script and style sheet) is served from beside its .js.
cpSync(join(root, "simulator", "phone"), join(dist, "simulator", "phone"), { recursive: true });

// npm marks bin files executable on install; do it for the local build too.
const cli = join(dist, "simulator", "cli.js");
if (existsSync(cli)) chmodSync(cli, 0o755);
console.log("build: dist/ ready");
