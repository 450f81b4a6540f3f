/** DTMF tones: ACS names them ("one", "pound"); flows use the keys ("1", "#"). */
import { libText, LocalizedError } from "./lib-text";

const KEY_TO_TONE: Record<string, string> = {
  "0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven", "8": "eight", "9": "nine",
  "#": "pound", "*": "asterisk", A: "a", B: "b", C: "c", D: "d",
};
const TONE_TO_KEY: Record<string, string> = Object.fromEntries(Object.entries(KEY_TO_TONE).map(([k, t]) => [t, k]));

/** "one" → "1"; unknown names are kept as they are. */
export function keyOfTone(tone: string): string {
  const name = tone.toLowerCase();
  return Object.hasOwn(TONE_TO_KEY, name) ? TONE_TO_KEY[name] : tone;
}

/** ["one", "two", "pound"] → "12#". */
export function keysOfTones(tones: readonly string[]): string {
  return tones.map(keyOfTone).join("");
}

/** "1" or "one" → "one"; undefined for anything that is not a tone. */
export function toneOfKey(key: string): string | undefined {
  const k = key.trim();
  if (Object.hasOwn(KEY_TO_TONE, k.toUpperCase())) return KEY_TO_TONE[k.toUpperCase()];
  return Object.hasOwn(TONE_TO_KEY, k.toLowerCase()) ? k.toLowerCase() : undefined;
}

/** "#*" or "#,*" → ["pound", "asterisk"]; throws on anything that is not a tone. */
export function tonesOfKeys(keys: string): string[] {
  const parts = keys.includes(",") ? keys.split(",") : [...keys.replace(/\s+/g, "")];
  return parts
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map((p) => {
      const tone = toneOfKey(p);
      if (!tone) throw new LocalizedError(libText("notADtmfKey", { key: p }));
      return tone;
    });
}

/** The most tones one sendDtmfTones request carries (ACS's limit). */
export const MAX_TONES_TO_SEND = 18;

/**
 * Keys to send ("12#*", spaces ignored) → ["one", "two", "pound", "asterisk"]. Only 0-9, *, # and
 * A-D, from 1 to 18 of them; anything else throws a clear error.
 */
export function tonesToSend(keys: string): string[] {
  const compact = keys.replace(/\s+/g, "");
  if (compact === "") throw new LocalizedError(libText("noKeysToSend"));
  const tones = [...compact].map((key) => {
    const tone = /^[0-9*#A-D]$/i.test(key) ? toneOfKey(key) : undefined;
    if (!tone) throw new LocalizedError(libText("notADtmfKey", { key }));
    return tone;
  });
  if (tones.length > MAX_TONES_TO_SEND) throw new LocalizedError(libText("tooManyKeys", { max: MAX_TONES_TO_SEND, count: tones.length }));
  return tones;
}
