/**
 * How the Node-RED editor turns a node's status text into its user's language, for tests: the
 * editor's i18next options (namespace ":" and key "." separators, "__name__" placeholders), this
 * package's catalogues loaded under the namespaces Node-RED gives them ("<module>/<node type>"),
 * and the editor's status handler (@node-red/editor-client red.js, `RED.comms.subscribe("status/#")`):
 * a text that starts with a letter or "@" goes through the node's `_` (which prefixes the node's
 * own namespace to a key without one) with the text itself as the default value. i18next is the
 * one Node-RED ships (@node-red/util's).
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { catalogueNamespace } from "../../lib/status-text";

interface I18n {
  init(options: Record<string, unknown>): Promise<unknown>;
  t(key: string, options?: Record<string, unknown>): unknown;
}
const i18next = createRequire(require.resolve("@node-red/util/package.json"))("i18next") as { createInstance(): I18n };

const LOCALES = join(__dirname, "..", "..", "locales");
export const EDITOR_LANGUAGES = ["en-US", "ko", "zh-CN"] as const;
export type EditorLanguage = (typeof EDITOR_LANGUAGES)[number];

/**
 * i18next over this package's catalogues, in `lang` with en-US to fall back on, with the options
 * Node-RED gives it (editor and runtime alike: "__name__" placeholders, ":" and "." separators).
 */
async function catalogues(lang: EditorLanguage): Promise<(key: string, options?: Record<string, unknown>) => string> {
  const resources: Record<string, Record<string, unknown>> = {};
  for (const language of new Set<string>(["en-US", lang])) {
    resources[language] = {};
    for (const file of readdirSync(join(LOCALES, language)).filter((f) => f.endsWith(".json"))) {
      resources[language][catalogueNamespace(file.replace(/\.json$/, ""))] = JSON.parse(readFileSync(join(LOCALES, language, file), "utf8"));
    }
  }
  const i18n = i18next.createInstance();
  // The editor's options (red.js RED.i18n.init); the runtime's are the same where it matters.
  await i18n.init({
    showSupportNotice: false,
    lng: lang,
    fallbackLng: ["en-US"],
    resources,
    ns: Object.keys(resources["en-US"]),
    defaultNS: "editor",
    returnObjects: true,
    keySeparator: ".",
    nsSeparator: ":",
    interpolation: { unescapeSuffix: "HTML", escapeValue: false, prefix: "__", suffix: "__" },
  });
  // RED._ (editor and runtime): a key that resolves to no text gives the key back.
  return (key, options = {}) => {
    const v = i18n.t(key, options);
    return typeof v === "string" ? v : key;
  };
}

/** A translator per language, as an editor in that language would translate a node's status. */
export async function editorTranslator(lang: EditorLanguage): Promise<(type: string, text: string) => string> {
  const RED_ = await catalogues(lang);
  return (type, text) => {
    if (!/^[@a-zA-Z]/.test(text)) return text;
    // The node definition's `_` (red.js registerNodeType).
    const key = text.includes(":") ? text : `${catalogueNamespace(type)}:${text}`;
    const result = RED_(key, { defaultValue: text });
    return result === key ? text : result;
  };
}

/** The runtime's RED._ for a node of this package, with the server's language set to `lang`. */
export async function runtimeTranslator(lang: EditorLanguage, type = "acs-config"): Promise<(key: string, substitutions?: Record<string, unknown>) => string> {
  const RED_ = await catalogues(lang);
  // @node-red/registry createNodeApi: a key without a namespace is the node set's own.
  return (key, substitutions) => RED_(key.includes(":") ? key : `${catalogueNamespace(type)}:${key}`, substitutions);
}
