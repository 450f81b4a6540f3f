/**
 * Filters on who calls and who is called, for incoming-call nodes: a list of numbers or ids,
 * separated by commas or spaces, where `*` matches any characters ("+1425*"). Empty matches all.
 * Matching ignores case and takes at most (party length × pattern length) steps: no regular
 * expression that could backtrack for minutes on a pattern with many `*`.
 */

export type PartyFilter = (party: string) => boolean;

export function partyFilter(patterns: string | undefined): PartyFilter {
  const items = (patterns ?? "")
    .split(/[\s,]+/)
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p !== "");
  if (items.length === 0) return () => true;
  return (party) => {
    const text = party.toLowerCase();
    return items.some((p) => globMatches(p, text));
  };
}

/** Whether `text` matches `pattern`, where `*` is any run of characters and everything else is literal. */
function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      resume = t;
    } else if (p < pattern.length && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (star >= 0) {
      // Let the last `*` take one more character, and try the rest of the pattern again.
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}
