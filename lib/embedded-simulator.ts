/**
 * The simulator that runs inside Node-RED: started by the first acs-config node in simulator mode
 * and shared by all of them for the life of the process, so a redeploy keeps calls, keys and port.
 */
import { AcsSimulator, type SimulatorOptions } from "../simulator/server";

let starting: Promise<AcsSimulator> | undefined;

/** The process's simulator, started on first use with `options` (later options are ignored). */
export function embeddedSimulator(options: SimulatorOptions = {}): Promise<AcsSimulator> {
  if (!starting) {
    starting = AcsSimulator.start(options);
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
