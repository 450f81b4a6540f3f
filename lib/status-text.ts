/**
 * Node status texts that the editor shows in its user's language.
 *
 * A status sent as a message key is translated by the editor, not by the runtime: for each status
 * update the editor calls `node._(text, {defaultValue: text})` (i18next) when the text starts with
 * a letter or "@". A contrib module's node catalogue is the i18next namespace
 * "<module name>/<node set name>" (the set name is the key in package.json "node-red".nodes, here
 * the node type), so a key written as "<namespace>:<key>" resolves wherever the status is shown,
 * also when it is passed on by a subflow or a config node (whose own namespace differs).
 *
 * A status that carries a number cannot be a key alone: the editor passes no substitutions. It is
 * written "x3 $t(<namespace>:<key>)": the key is not found, so i18next uses the text itself and
 * resolves the `$t(...)` nesting in it; the count leads, as the text must start with a letter for
 * the editor to translate it. The editor shows "x3 재생 중"; a Status node sees the text as sent.
 */

/** The npm package name: Node-RED names the catalogue namespaces after it. */
export const MODULE_NAME = "node-red-contrib-acs-call-automation";

/** The i18next namespace of a node type's catalogue (locales/<lang>/<type>.json). */
export function catalogueNamespace(type: string): string {
  return `${MODULE_NAME}/${type}`;
}

/**
 * "acs-play.status.playing" → "node-red-contrib-acs-call-automation/acs-play:acs-play.status.playing".
 * A key's first segment is its node type (each catalogue holds one object under its type). A key
 * that already names its namespace is returned as it is.
 */
export function statusKey(key: string): string {
  if (key.includes(":")) return key;
  const type = key.split(".")[0];
  if (!/^acs-[a-z-]+$/.test(type) || !key.includes(".")) throw new Error(`not a node message key: ${key}`);
  return `${catalogueNamespace(type)}:${key}`;
}

/** A status naming how many: "x3 $t(<namespace>:<key>)", shown as "x3 calls" / "x3 통화" / "x3 来电". */
export function countedStatus(key: string, count: number): string {
  return `x${Math.max(0, Math.trunc(count))} $t(${statusKey(key)})`;
}
