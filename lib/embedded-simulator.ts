/**
 * The simulator that runs inside Node-RED: started by the first acs-config node in simulator mode
 * and shared by all of them for the life of the process, so a redeploy keeps calls, keys and port.
 */
import { AcsSimulator, type SimulatorOptions } from "../simulator/server";

/**
 * The phone numbers the simulator inside Node-RED owns: +1 800 555 0100 to 0149, so that each
 * example flow answers its own number and many examples can be imported side by side.
 */
export const EMBEDDED_NUMBERS: readonly string[] = Array.from({ length: 50 }, (_, i) => `+180055501${String(i).padStart(2, "0")}`);

let starting: Promise<AcsSimulator> | undefined;

/** The process's simulator, started on first use with `options` (later options are ignored). */
export function embeddedSimulator(options: SimulatorOptions = {}): Promise<AcsSimulator> {
  if (!starting) {
    starting = AcsSimulator.start({ ownedNumbers: [...EMBEDDED_NUMBERS], ...options });
    starting.catch(() => {
      starting = undefined;
    });
  }
  return starting;
}

/** The simulator if one was started (for the admin mount, which must not start one). */
export function runningEmbeddedSimulator(): Promise<AcsSimulator> | undefined {
  return starting;
}

/** Stop the process's simulator (tests; Node-RED shutdown). */
export async function stopEmbeddedSimulator(): Promise<void> {
  const current = starting;
  starting = undefined;
  if (current) await (await current).stop().catch(() => undefined);
}
