/**
 * Three languages, complete: every message catalogue (locales/en-US/*.json: the nodes' and any
 * editor plugin's) and every help page (locales/en-US/*.html) exists in ko and zh-CN, with exactly
 * the en-US keys, the same __placeholders__, $t() nestings and HTML tags in each message, no empty
 * text, and help pages with the same structure (the same sequence of headings, paragraphs, lists,
 * port entries and property entries), the same links and the same code (identifiers, property
 * names, event names stay as they are). A key or help page missing in one language fails here;
 * `node scripts/i18n-missing.mjs` lists what is missing.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const LOCALES = join(__dirname, "..", "..", "locales");
const LANGUAGES = ["ko", "zh-CN"];
const files = (ext: string) => readdirSync(join(LOCALES, "en-US")).filter((f) => f.endsWith(ext)).sort();

/** Every message of a catalogue, by dotted key; a value that is not text is kept as it is. */
function flatten(value: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

const readJson = (lang: string, file: string) => flatten(JSON.parse(readFileSync(join(LOCALES, lang, file), "utf8")));
const sorted = (items: Iterable<string>) => [...items].sort();
const all = (text: string, re: RegExp) => sorted(Array.from(text.matchAll(re), (m) => m[0]));
/** What must be the same in every translation of a message: what the code fills in or renders. */
const placeholders = (text: string) => all(text, /__[A-Za-z0-9]+__/g);
const nestings = (text: string) => all(text, /\$t\([^)]*\)/g);
const tags = (text: string) => all(text, /<\/?[a-z][a-z0-9]*\b/gi).map((t) => t.toLowerCase());

/** The block structure of a help page: its block-level tags in order, with port entries marked. */
function structure(html: string): string[] {
  const blocks = new Set(["script", "h3", "h4", "p", "ol", "ul", "li", "dl", "dt", "dd"]);
  const out: string[] = [];
  const stack: string[] = [];
  for (const m of html.matchAll(/<(\/?)([a-z][a-z0-9]*)([^>]*)>/gi)) {
    const [, closing, rawName, attrs] = m;
    const name = rawName.toLowerCase();
    if (!blocks.has(name)) continue;
    if (closing) {
      const at = stack.lastIndexOf(name);
      if (at >= 0) stack.length = at;
      out.push(`/${name}`);
      continue;
    }
    const parent = stack.at(-1) ?? "";
    const tag = name === "ol" && /class="node-ports"/.test(attrs) ? "ol.node-ports" : name === "li" && parent === "ol.node-ports" ? "li.port" : name;
    out.push(name === "dt" && /class="optional"/.test(attrs) ? "dt.optional" : tag);
    stack.push(tag === "ol.node-ports" ? "ol.node-ports" : name);
  }
  return out;
}

const count = (items: string[], item: string) => items.filter((i) => i === item).length;
const hrefs = (html: string) => Array.from(html.matchAll(/href="([^"]*)"/g), (m) => m[1]);
const codes = (html: string) => sorted(Array.from(html.matchAll(/<code>([\s\S]*?)<\/code>/g), (m) => m[1].replace(/\s+/g, " ").trim()));
const helpName = (html: string) => /<script type="text\/html" data-help-name="([^"]+)">/.exec(html)?.[1];

describe("translations: ko and zh-CN are complete", () => {
  it("finds the en-US catalogues and help pages", () => {
    assert.ok(files(".json").length >= 15, "fewer catalogues than node types");
    assert.ok(files(".html").length >= 15, "fewer help pages than node types");
  });

  for (const lang of LANGUAGES) {
    describe(lang, () => {
      it("has every en-US catalogue and help page, and nothing else", () => {
        const theirs = readdirSync(join(LOCALES, lang)).filter((f) => !f.startsWith(".")).sort();
        assert.deepEqual(
          [...files(".json"), ...files(".html")].filter((f) => !theirs.includes(f)),
          [],
          `missing in locales/${lang} (node scripts/i18n-missing.mjs lists them)`,
        );
        assert.deepEqual(theirs.filter((f) => !existsSync(join(LOCALES, "en-US", f))), [], `in locales/${lang} but not in en-US`);
      });

      for (const file of files(".json")) {
        describe(file, () => {
          const present = existsSync(join(LOCALES, lang, file));

          it("has exactly the en-US keys", () => {
            assert.ok(present, `locales/${lang}/${file} is missing`);
            const en = readJson("en-US", file);
            const tr = readJson(lang, file);
            assert.deepEqual(sorted([...en.keys()].filter((k) => !tr.has(k))), [], "keys missing");
            assert.deepEqual(sorted([...tr.keys()].filter((k) => !en.has(k))), [], "keys that en-US does not have");
          });

          it("has text for every message, with the same placeholders, nestings and HTML tags", () => {
            assert.ok(present, `locales/${lang}/${file} is missing`);
            const en = readJson("en-US", file);
            const tr = readJson(lang, file);
            const problems: string[] = [];
            for (const [key, source] of en) {
              const text = tr.get(key);
              if (!tr.has(key)) continue;
              if (typeof source !== "string") {
                if (typeof text !== typeof source) problems.push(`${key}: not a ${typeof source}`);
                continue;
              }
              if (typeof text !== "string") problems.push(`${key}: not text`);
              else if (text.trim() === "" && source.trim() !== "") problems.push(`${key}: empty`);
              else {
                for (const [what, of] of [["placeholders", placeholders], ["$t() nestings", nestings], ["HTML tags", tags]] as const) {
                  const want = of(source);
                  const got = of(text);
                  if (JSON.stringify(want) !== JSON.stringify(got)) problems.push(`${key}: ${what} ${JSON.stringify(got)}, en-US has ${JSON.stringify(want)}`);
                }
              }
            }
            assert.deepEqual(problems, []);
          });
        });
      }

      for (const file of files(".html")) {
        describe(file, () => {
          const present = existsSync(join(LOCALES, lang, file));
          const en = () => readFileSync(join(LOCALES, "en-US", file), "utf8");
          const tr = () => readFileSync(join(LOCALES, lang, file), "utf8");

          it("is the help of the same node, with the same sections and port entries", () => {
            assert.ok(present, `locales/${lang}/${file} is missing`);
            assert.equal(helpName(tr()), helpName(en()));
            const want = structure(en());
            const got = structure(tr());
            for (const item of ["h3", "h4", "ol.node-ports", "li.port", "dt", "dt.optional"]) {
              assert.equal(count(got, item), count(want, item), `the number of ${item}`);
            }
            assert.deepEqual(got, want, "the help page's structure (headings, paragraphs, lists, entries) differs from en-US");
          });

          it("keeps the links and the code as they are", () => {
            assert.ok(present, `locales/${lang}/${file} is missing`);
            assert.deepEqual(hrefs(tr()), hrefs(en()));
            assert.deepEqual(codes(tr()), codes(en()));
          });

          it("is translated", () => {
            assert.ok(present, `locales/${lang}/${file} is missing`);
            // Text outside tags and code: the translation must not be the English page.
            const prose = (html: string) => html.replace(/<code>[\s\S]*?<\/code>/g, "").replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
            assert.notEqual(prose(tr()), prose(en()));
            const script = lang === "ko" ? /[\uac00-\ud7a3]/ : /[\u4e00-\u9fff]/;
            assert.match(prose(tr()), script, `no ${lang} text`);
          });
        });
      }
    });
  }
});
