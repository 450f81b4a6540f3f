import assert from "node:assert/strict";
import { renderText, type LibText } from "../../lib/lib-text";
import { checkRecordingSettings, formatProblem, readChannelAffinity } from "../../lib/recording-options";

const words = (problem: LibText | undefined) => (problem ? renderText(problem) : "");

describe("recording start settings", () => {
  it("accepts the combinations ACS records", () => {
    for (const [content, channel, format] of [
      ["audio", "mixed", "wav"],
      ["audio", "mixed", "mp3"],
      ["audio", "unmixed", "wav"],
      ["audioVideo", "mixed", "mp4"],
    ]) {
      assert.equal(formatProblem(content, channel, format), undefined, `${content}/${channel}/${format}`);
    }
  });

  it("says why the others are refused", () => {
    assert.match(words(formatProblem("audioVideo", "mixed", "wav")), /mp4 only/);
    assert.match(words(formatProblem("audioVideo", "mixed", "mp3")), /mp4 only/);
    assert.match(words(formatProblem("audio", "mixed", "mp4")), /wav or mp3/);
    assert.match(words(formatProblem("audio", "unmixed", "mp3")), /unmixed recording is wav only/);
    assert.match(words(formatProblem("audioVideo", "unmixed", "mp4")), /unmixed recording is wav only/);
    assert.match(words(formatProblem("sound", "mixed", "wav")), /content must be/);
    assert.match(words(formatProblem("audio", "stereo", "wav")), /channel must be/);
    assert.match(words(formatProblem("audio", "mixed", "ogg")), /format must be/);
  });

  it("reads a channel affinity from JSON text or a list, numbers and ids as ACS takes them", () => {
    assert.deepEqual(readChannelAffinity('[{"participant":"+14255550123","channel":0},{"participant":"8:acs:abc","channel":"1"}]'), [
      { participant: "4:+14255550123", channel: 0 },
      { participant: "8:acs:abc", channel: 1 },
    ]);
    assert.deepEqual(readChannelAffinity([{ participant: " 4:+14255550123 " }]), [{ participant: "4:+14255550123" }]);
    for (const none of [undefined, null, "", []]) assert.equal(readChannelAffinity(none), undefined);
  });

  it("refuses a bad channel affinity with a reason", () => {
    const cases: Array<[unknown, RegExp]> = [
      ["{not json", /not JSON/],
      [{ participant: "+14255550123" }, /must be a list/],
      [[1], /item 1 must be an object/],
      [[{ participant: "bob" }], /item 1: "bob" is not a phone number/],
      [[{ channel: 0 }], /item 1: "" is not a phone number/],
      [[{ participant: "+14255550123", channel: 5 }], /0 to 4/],
      [[{ participant: "+14255550123", channel: 1.5 }], /whole number/],
      [[{ participant: "+14255550123", channel: -1 }], /0 to 4/],
      [[{ participant: "+14255550123", channel: 0 }, { participant: "+14255550124", channel: 0 }], /item 2: channel 0 is given twice/],
      [[{ participant: "+14255550123", channel: 0 }, { participant: "4:+14255550123", channel: 1 }], /item 2: 4:\+14255550123 is listed twice/],
    ];
    for (const [value, reason] of cases) assert.throws(() => readChannelAffinity(value), reason, JSON.stringify(value));
  });

  it("checks the settings as a whole: channel affinity is for unmixed recordings", () => {
    const affinity = [{ participant: "4:+14255550123", channel: 0 }];
    assert.doesNotThrow(() => checkRecordingSettings({ content: "audio", channel: "unmixed", format: "wav", pauseOnStart: false, channelAffinity: affinity }));
    assert.throws(() => checkRecordingSettings({ content: "audio", channel: "mixed", format: "wav", pauseOnStart: false, channelAffinity: affinity }), /unmixed recordings only/);
    assert.throws(() => checkRecordingSettings({ content: "audioVideo", channel: "mixed", format: "wav", pauseOnStart: true }), /mp4 only/);
  });
});
