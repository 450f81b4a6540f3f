/**
 * Which Chromium the browser tests drive, found without a manual step:
 * 1. ACS_CHROMIUM, when set (a path to a Chromium or Chrome binary);
 * 2. Debian's /usr/bin/chromium, when installed;
 * 3. the @sparticuz/chromium devDependency: a brotli-packed headless Chromium that npm ci
 *    installs, unpacked once into .cache/ (gitignored).
 *
 * @sparticuz/chromium unpacks into os.tmpdir(), and when a `chromium` file is already there it
 * returns it whatever its version or state (another project's, or one half-written by a
 * concurrent run). So it is pointed at a private staging folder (TMPDIR) and the result renamed
 * into a versioned folder in one step: a run either sees the finished folder or makes its own.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";

const ROOT = join(__dirname, "..", "..");
const DEBIAN_CHROMIUM = "/usr/bin/chromium";

export interface ChromiumBinary {
  path: string;
  /** Where it came from, for the test log. */
  source: "ACS_CHROMIUM" | "debian" | "@sparticuz/chromium";
}

export async function findChromium(): Promise<ChromiumBinary> {
  const configured = process.env.ACS_CHROMIUM?.trim();
  if (configured) {
    if (!existsSync(configured)) throw new Error(`ACS_CHROMIUM is set to ${configured}, which does not exist`);
    return { path: configured, source: "ACS_CHROMIUM" };
  }
  if (existsSync(DEBIAN_CHROMIUM)) return { path: DEBIAN_CHROMIUM, source: "debian" };
  return { path: await unpackSparticuzChromium(), source: "@sparticuz/chromium" };
}

/** Unpack @sparticuz/chromium into .cache/sparticuz-chromium-<version>/ once; its path. */
export async function unpackSparticuzChromium(): Promise<string> {
  // Its "exports" hide package.json: find the package folder from its entry (build/cjs/index.cjs).
  const packageDir = join(dirname(require.resolve("@sparticuz/chromium")), "..", "..");
  const version = (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string }).version;
  const target = join(ROOT, ".cache", `sparticuz-chromium-${version}`);
  const binary = join(target, "chromium");
  if (existsSync(binary)) return binary;

  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const savedTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  try {
    // The package's CommonJS build; it reads os.tmpdir() on each call, so TMPDIR steers it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const chromium = require("@sparticuz/chromium") as { executablePath(input?: string): Promise<string> };
    const unpacked = await chromium.executablePath(join(packageDir, "bin"));
    if (unpacked !== join(staging, "chromium")) throw new Error(`@sparticuz/chromium unpacked to ${unpacked}, not ${staging}`);
  } finally {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
  }
  try {
    renameSync(staging, target);
  } catch (err) {
    // Another run finished first: use its folder.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(binary)) throw err;
  }
  return binary;
}
