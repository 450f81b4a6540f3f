/**
 * The simulator's failure events for hold and sendDtmfTones, through the real SDK: music on hold
 * that cannot be played (with validateMediaUrls) gives HoldFailed and undoes the hold; tones to a
 * participant who leaves a group call before they are sent give SendDtmfTonesFailed.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { makeWav } from "../../simulator";
import { Harness, type ReceivedCallback } from "../support/harness";

const CALLER = "+14255550100";
const OTHER = "+14255550177";
const OWNED = "+18005550100";

const contextOf = (cb: ReceivedCallback): string | undefined => (cb.event as { operationContext?: string }).operationContext;
const resultOf = (cb: ReceivedCallback) => (cb.event as { resultInformation?: { code: number; subCode: number } }).resultInformation;

describe("simulator hold and send-DTMF failures through the real SDK", function () {
  this.timeout(15000);
  let h: Harness;
  let files: Server;
  let base: string;

  before(async () => {
    // Slow enough that a party can leave while 18 tones are being sent (3.6 simulated seconds).
    h = await Harness.start({ speed: 4, validateMediaUrls: true });
    files = createServer((req, res) => {
      if (req.url === "/music.wav") res.writeHead(200, { "content-type": "audio/wav" }).end(makeWav(1));
      else res.writeHead(404).end("not found");
    });
    await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  after(async () => {
    await h.stop();
    await new Promise((r) => {
      files.close(r);
      files.closeAllConnections();
    });
  });

  it("music on hold that cannot be fetched: HoldFailed 400/8536 with the hold's operationContext, and the participant is off hold again", async () => {
    const { legId, callConnectionId: id, connection } = await h.dialInAndAnswer(CALLER, OWNED);
    try {
      await connection.getCallMedia().hold({ phoneNumber: CALLER }, { playSource: { kind: "fileSource", url: `${base}/missing.wav` }, operationContext: "hold-bad" });
      const failed = await h.waitForCallback(id, "HoldFailed");
      assert.equal(contextOf(failed), "hold-bad");
      assert.deepEqual({ code: resultOf(failed)?.code, subCode: resultOf(failed)?.subCode }, { code: 400, subCode: 8536 });
      await h.waitFor(async () => (await h.leg(legId)).isOnHold === false, "the participant off hold");
      assert.deepEqual((await h.leg(legId)).heard, [], "no music was heard");
    } finally {
      await connection.hangUp(true).catch(() => undefined);
    }
  });

  it("music on hold that can be played is heard, and no HoldFailed comes", async () => {
    const { legId, callConnectionId: id, connection } = await h.dialInAndAnswer(CALLER, OWNED);
    try {
      await connection.getCallMedia().hold({ phoneNumber: CALLER }, { playSource: { kind: "fileSource", url: `${base}/music.wav` }, operationContext: "hold-good" });
      await h.waitFor(async () => (await h.leg(legId)).heard.length === 1, "the music heard");
      const leg = await h.leg(legId);
      assert.equal(leg.isOnHold, true);
      assert.deepEqual(leg.heard.map((p) => [p.content, p.via]), [[`${base}/music.wav`, "hold"]]);
      assert.equal(h.eventsOf(id).filter((c) => c.type === "HoldFailed").length, 0);
    } finally {
      await connection.hangUp(true).catch(() => undefined);
    }
  });

  it("tones to a participant who leaves a group call before they are sent: SendDtmfTonesFailed 404/8522, nothing received", async () => {
    const { legId, callConnectionId: id, connection } = await h.dialInAndAnswer(CALLER, OWNED);
    try {
      await connection.addParticipant({ targetParticipant: { phoneNumber: OTHER }, sourceCallIdNumber: { phoneNumber: OWNED } });
      let otherId = "";
      await h.waitFor(async () => {
        const calls = (await h.control<Array<{ id: string; to: string; state: string }>>("GET", "/calls?state=ringing")).body;
        otherId = calls.find((c) => c.to === `4:${OTHER}`)?.id ?? "";
        return otherId !== "";
      }, "the other party ringing");
      await h.control("POST", `/calls/${otherId}/answer`);
      await h.waitForCallback(id, "AddParticipantSucceeded");

      const tones = Array.from({ length: 18 }, () => "one") as never[];
      await connection.getCallMedia().sendDtmfTones(tones, { phoneNumber: CALLER }, { operationContext: "send-gone" });
      assert.ok((await h.leg(legId)).timeline.some((t) => t.what === "receiving tones"), "the far end shows the tones coming");
      await h.control("POST", `/calls/${legId}/hangup`);
      const failed = await h.waitForCallback(id, "SendDtmfTonesFailed");
      assert.equal(contextOf(failed), "send-gone");
      assert.deepEqual({ code: resultOf(failed)?.code, subCode: resultOf(failed)?.subCode }, { code: 404, subCode: 8522 });
      assert.deepEqual((await h.leg(legId)).tonesReceived, []);
      assert.equal(h.eventsOf(id).filter((c) => c.type === "SendDtmfTonesCompleted").length, 0);
    } finally {
      await connection.hangUp(true).catch(() => undefined);
    }
  });
});
