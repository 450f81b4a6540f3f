import assert from "node:assert/strict";
import { Harness } from "../support/harness";

describe("simulator smoke", function () {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h.stop();
  });

  it("answers an incoming call, plays a prompt and recognizes a key, through the SDK", async () => {
    const { legId, callConnectionId, connection } = await h.dialInAndAnswer();
    await connection.getCallMedia().startRecognizing({ phoneNumber: "+14255550100" }, {
      kind: "callMediaRecognizeDtmfOptions",
      maxTonesToCollect: 1,
      playPrompt: { kind: "textSource", text: "Press one for sales." },
      operationContext: "menu",
    });
    await h.waitFor(async () => JSON.stringify((await h.leg(legId)).media).includes('"listening"'));
    const pressed = await h.control("POST", `/calls/${legId}/dtmf`, { tones: "1" });
    const done = await h.waitForCallback(callConnectionId, "RecognizeCompleted");
    assert.deepEqual(pressed.body, { tones: ["one"], outcomes: ["recognized"] });
    assert.equal(done.event.kind, "RecognizeCompleted");
    const data = done.raw.data as { dtmfResult: { tones: string[] }; operationContext: string; resultInformation: { subCode: number } };
    assert.deepEqual(data.dtmfResult.tones, ["one"]);
    assert.equal(data.operationContext, "menu");
    assert.equal(data.resultInformation.subCode, 8531);
    assert.deepEqual(
      (await h.leg(legId)).heard.map((p) => p.content),
      ["Press one for sales."],
    );
  });
});
