/**
 * Filters on who calls and who is called, for incoming-call nodes: a list of numbers or ids,
 * separated by commas or spaces, where `*` matches any characters ("+1425*"). Empty matches all.
 */

export type PartyFilter = (party: string) => boolean;

export function partyFilter(patterns: string | undefined): PartyFilter {
  const items = (patterns ?? "")
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (items.length === 0) return () => true;
  const regexes = items.map((p) => new RegExp(`^${p.split("*").map(escape).join(".*")}$`, "i"));
  return (party) => regexes.some((r) => r.test(party));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
