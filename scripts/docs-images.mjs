// `npm run docs:images`: take the README's editor screenshots again (screenshots, softphone-trace and languages specs in test/browser)
// and write them to docs/images/ as well as test-results/screenshots/. A normal `npm test` takes
// the same screenshots into test-results/ only, so it never changes the committed images.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const mocha = createRequire(import.meta.url).resolve("mocha/bin/mocha.js");
const run = spawnSync(process.execPath, [mocha, "--no-config", "-n", "import=tsx", "--timeout", "120000", "--exit", "test/browser/screenshots.spec.ts", "test/browser/softphone-trace.spec.ts", "test/browser/languages.spec.ts"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, ACS_DOCS_IMAGES: "1" },
});
process.exit(run.status ?? 1);
