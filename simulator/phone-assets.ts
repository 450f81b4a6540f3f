/**
 * The phone page: a softphone in the browser on the control API. One script (`phone.js`) and one
 * style sheet (`phone.css`) serve both the standalone page (`{control base}/phone`) and the
 * Node-RED editor's softphone sidebar, which loads them from the admin mount
 * (`/acs-simulator/phone.js`). Its text comes from the softphone plugin's message catalogue
 * (`locales/<lang>/acs-softphone.json`), served here as `{control base}/phone/messages`.
 *
 * These files hold no data and no secret: hosts may serve them without authentication (Node-RED
 * serves its own editor files that way); the API calls they make are what is protected.
 */
import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { splitUrl } from "./http";

const PHONE_DIR = join(__dirname, "phone");
/** Built: dist/plugins/locales (beside the plugin); from source: the package's locales/. */
const LOCALES_DIR = [join(__dirname, "..", "plugins", "locales"), join(__dirname, "..", "locales")].find((dir) => existsSync(dir)) ?? join(__dirname, "..", "locales");
const CATALOGUE = "acs-softphone.json";
const DEFAULT_LANG = "en-US";

const FILES: Record<string, { file: string; type: string }> = {
  "/phone": { file: "phone.html", type: "text/html; charset=utf-8" },
  "/phone.js": { file: "phone.js", type: "text/javascript; charset=utf-8" },
  "/phone.css": { file: "phone.css", type: "text/css; charset=utf-8" },
};

/** The page may load only its own script, style sheet and API: nothing inline, nothing foreign. */
const PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/** Whether a request path (relative to the control API's base) is one of the phone's files. */
export function isPhoneAsset(path: string): boolean {
  return path in FILES || path === "/phone/" || path === "/phone/messages";
}

/**
 * Serve the phone page, its script, its style sheet or its messages when the request asks for
 * one (GET or HEAD, path relative to the control API's base). Resolves false for anything else.
 */
export async function servePhoneAsset(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const { path, query } = splitUrl(req.url);
  if (!isPhoneAsset(path)) return false;
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const common = { "cache-control": "no-cache", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" };
  if (path === "/phone/") {
    // Relative URLs in the page resolve against its own path: send it to the one without the slash.
    res.writeHead(302, { ...common, location: "../phone" });
    res.end();
    return true;
  }
  let body: string;
  let type: string;
  if (path === "/phone/messages") {
    body = JSON.stringify(await phoneMessages(query.get("lang") ?? header(req, "accept-language")));
    type = "application/json; charset=utf-8";
  } else {
    const asset = FILES[path];
    body = await readFile(join(PHONE_DIR, asset.file), "utf8");
    type = asset.type;
  }
  res.writeHead(200, {
    ...common,
    "content-type": type,
    "content-length": String(Buffer.byteLength(body)),
    ...(path === "/phone" ? { "content-security-policy": PAGE_POLICY } : {}),
  });
  res.end(req.method === "HEAD" ? undefined : body);
  return true;
}

type Catalogue = Record<string, unknown>;

/** The softphone's catalogue in the language asked for (`ko`, `zh-CN`, an Accept-Language list), over en-US. */
export async function phoneMessages(wanted: string | undefined): Promise<{ lang: string; messages: Catalogue }> {
  const available = await languages();
  const lang = pickLanguage(wanted, available);
  const fallback = await catalogue(DEFAULT_LANG);
  const messages = lang === DEFAULT_LANG ? fallback : merge(fallback, await catalogue(lang));
  return { lang, messages };
}

/** The best of `available` for an Accept-Language list or one tag: exact, then same language, then en-US. */
export function pickLanguage(wanted: string | undefined, available: string[]): string {
  const tags = (wanted ?? "")
    .split(",")
    .map((part) => part.split(";")[0].trim())
    .filter((tag) => /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(tag));
  for (const tag of tags) {
    const exact = available.find((a) => a.toLowerCase() === tag.toLowerCase());
    if (exact) return exact;
    const primary = tag.split("-")[0].toLowerCase();
    const same = available.find((a) => a.split("-")[0].toLowerCase() === primary);
    if (same) return same;
  }
  return DEFAULT_LANG;
}

async function languages(): Promise<string[]> {
  const dirs = await readdir(LOCALES_DIR).catch(() => [] as string[]);
  return dirs.filter((d) => existsSync(join(LOCALES_DIR, d, CATALOGUE)));
}

async function catalogue(lang: string): Promise<Catalogue> {
  try {
    const parsed = JSON.parse(await readFile(join(LOCALES_DIR, lang, CATALOGUE), "utf8")) as unknown;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Catalogue) : {};
  } catch {
    return {};
  }
}

/** `over` on top of `base`, key by key (a translation missing a key keeps the English one). */
function merge(base: Catalogue, over: Catalogue): Catalogue {
  const out: Catalogue = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const under = out[key];
    out[key] =
      value && typeof value === "object" && !Array.isArray(value) && under && typeof under === "object" && !Array.isArray(under)
        ? merge(under as Catalogue, value as Catalogue)
        : value;
  }
  return out;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
