// What ko and zh-CN lack compared with en-US: catalogues (locales/<lang>/*.json) and help pages
// (locales/<lang>/*.html) that do not exist, keys that are missing (with their en-US text, to
// translate), keys en-US no longer has, and messages whose __placeholders__ differ.
//   node scripts/i18n-missing.mjs            every language
//   node scripts/i18n-missing.mjs ko         one language
// Exits 1 when something is missing or out of step (test/nodes/i18n.spec.ts checks the rest:
// tags, help page structure, links and code).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const LOCALES = join(dirname(fileURLToPath(import.meta.url)), "..", "locales");
const LANGUAGES = process.argv.length > 2 ? process.argv.slice(2) : ["ko", "zh-CN"];

function flatten(value, prefix = "", out = new Map()) {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

const read = (lang, file) => flatten(JSON.parse(readFileSync(join(LOCALES, lang, file), "utf8")));
const placeholders = (text) => JSON.stringify([...String(text).matchAll(/__[A-Za-z0-9]+__/g)].map((m) => m[0]).sort());
const sourceFiles = readdirSync(join(LOCALES, "en-US")).filter((f) => f.endsWith(".json") || f.endsWith(".html")).sort();

let problems = 0;
for (const lang of LANGUAGES) {
  const lines = [];
  for (const file of sourceFiles) {
    if (!existsSync(join(LOCALES, lang, file))) {
      lines.push(`  missing file   ${file}`);
      continue;
    }
    if (!file.endsWith(".json")) continue;
    const en = read("en-US", file);
    const tr = read(lang, file);
    for (const [key, text] of en) {
      if (!tr.has(key)) lines.push(`  missing key    ${file}  ${key}  ${JSON.stringify(text)}`);
      else if (typeof text === "string" && placeholders(text) !== placeholders(tr.get(key))) {
        lines.push(`  placeholders   ${file}  ${key}  en-US ${placeholders(text)}, ${lang} ${placeholders(tr.get(key))}`);
      } else if (typeof text === "string" && text.trim() !== "" && String(tr.get(key)).trim() === "") {
        lines.push(`  empty          ${file}  ${key}  ${JSON.stringify(text)}`);
      }
    }
    for (const key of tr.keys()) if (!en.has(key)) lines.push(`  extra key      ${file}  ${key}`);
  }
  const dir = join(LOCALES, lang);
  if (existsSync(dir)) {
    for (const file of readdirSync(dir).sort()) if (!file.startsWith(".") && !sourceFiles.includes(file)) lines.push(`  extra file     ${file}`);
  }
  problems += lines.length;
  console.log(lines.length === 0 ? `${lang}: complete` : `${lang}: ${lines.length} to do\n${lines.join("\n")}`);
}
process.exitCode = problems === 0 ? 0 : 1;
