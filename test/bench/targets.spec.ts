/**
 * The benchmark's targets run the IVR script for real (npm run bench measures them; this only
 * checks that each one does what is measured): one call each, through the standalone simulator.
 */
import assert from "node:assert/strict";
import { FarEnd } from "../../bench/driver";
import { callerKey, ivrScript } from "../../bench/ivr-script.mjs";
import { TARGETS } from "../../bench/targets";
import { startSimulator, type AcsSimulator } from "../../simulator";
import { ensureBuilt } from "../support/node-red-process";

describe("bench targets", function () {
  this.timeout(30000);
  let sim: AcsSimulator;
  let far: FarEnd;
  const heard = [
    "Thank you for calling Contoso.",
    "For our opening hours, press 1 or say opening hours. To speak to an agent, press 2 or say agent.",
    "We are open Monday to Friday, from 9 AM to 5 PM.",
    "Thank you for calling. Goodbye.",
  ];

  before(async () => {
    ensureBuilt();
    sim = await startSimulator({ speed: 20, ownedNumbers: [ivrScript.number], requireCognitiveServices: false, ringTimeoutSeconds: 600 });
    far = new FarEnd(sim.controlBase);
    await far.start();
  });
  after(async () => {
    await far?.stop();
    await sim?.stop();
  });

  for (const target of TARGETS) {
    it(`${target.name}: answers, plays the greeting and the menu, takes key 1, plays the opening hours and goodbye, and ends the call`, async () => {
      const running = await target.start(sim);
      try {
        const result = await far.call("+14255550123", { to: "+18005550100", key: callerKey, heard }, 15000);
        assert.deepEqual(result.heard, heard);
        assert.equal(result.endReason, "ended by the application");
        assert.equal(result.error, undefined);
        const memory = (await running.probe()).memory;
        assert.ok(memory.rss > memory.heapUsed, "the probe reports the target's own memory");
      } finally {
        await running.stop();
      }
    });
  }
});
