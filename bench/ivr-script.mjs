// The IVR script every benchmark target runs, read from the IVR example that Node-RED runs, so the
// hand-written apps say exactly what the flow says and the driver knows what the caller must hear.
import { readFileSync } from "node:fs";

const flow = JSON.parse(readFileSync(new URL("../examples/IVR menu.json", import.meta.url), "utf8"));

function node(id) {
  const found = flow.find((n) => n.id === id);
  if (!found) throw new Error(`examples/IVR menu.json has no node ${id}`);
  return found;
}

/**
 * The menu's initial silence timeout, in simulated seconds, instead of the example's 5. The bench's
 * caller always presses its key, as soon as the menu listens; but simulated time runs faster than
 * the caller can react on a loaded machine (5 s is 100 ms at speed 50), and a key that comes too
 * late would count against the target. Waiting longer costs no work: the timer never fires.
 */
const MENU_SILENCE_SECONDS = 30;

const TONES = { 0: "zero", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", "*": "asterisk", "#": "pound" };
const config = node("ivr-acs");
const menu = node("ivr-menu");

export const ivrScript = {
  /** The number the IVR answers. */
  number: node("ivr-incoming").to,
  voice: config.voice,
  locale: config.locale,
  greeting: node("ivr-greet").prompt,
  menu: {
    prompt: menu.prompt,
    // As the recognize node sends them to ACS: label, phrases, tone.
    choices: menu.choices.map((c) => ({ label: c.label, phrases: c.phrases.split(",").map((p) => p.trim()), tone: TONES[c.key] })),
    interruptPrompt: menu.interruptPrompt,
    initialSilenceTimeoutInSeconds: Math.max(menu.initialSilenceTimeout, MENU_SILENCE_SECONDS),
  },
  hours: node("ivr-hours").prompt,
  goodbye: node("ivr-goodbye").prompt,
};

/** The key the benchmark's caller presses, and what it then hears, in order. */
export const callerKey = menu.choices.find((c) => c.label === "hours").key;
export const expectedHeard = [ivrScript.greeting, ivrScript.menu.prompt, ivrScript.hours, ivrScript.goodbye];
