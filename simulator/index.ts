/**
 * The ACS Call Automation simulator: start one, point the real SDK at its connection string,
 * and play the far end of the calls through its control API.
 *
 *   const sim = await startSimulator({ speed: 50 });
 *   const client = new CallAutomationClient(sim.connectionString, simulatorClientOptions(sim.endpoint));
 *   ...
 *   await sim.stop();
 */
import { AcsSimulator, type SimulatorOptions } from "./server";

export { AcsSimulator, type SimulatorOptions, type EntraClient, type SimulatorTls, type AuthenticationCounts } from "./server";
export { SIMULATOR_STORAGE_HOST, makeWav } from "./recordings";

export function startSimulator(options: SimulatorOptions = {}): Promise<AcsSimulator> {
  return AcsSimulator.start(options);
}
