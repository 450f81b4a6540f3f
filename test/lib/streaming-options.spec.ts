import assert from "node:assert/strict";
import { renderText, type LibText } from "../../lib/lib-text";
import { buildStreamingOptions, localeProblem, speechModelIdProblem, transportUrlProblem } from "../../lib/streaming-options";

/** A problem in English words ("" for none). */
const words = (problem: LibText | undefined) => (problem ? renderText(problem) : "");

const GUID = "a259c255-1cde-4ed7-a693-dd58563b6f6a";

describe("streaming options (answer / create-call)", () => {
  it("gives nothing when neither part is set up", () => {
    assert.deepEqual(buildStreamingOptions({}, "en-US"), {});
  });

  it("builds media streaming options: websocket, audio, the channel, started later by default", () => {
    assert.deepEqual(buildStreamingOptions({ media: { transportUrl: "wss://media.example.com/ws" } }, "en-US"), {
      mediaStreamingOptions: { transportType: "websocket", transportUrl: "wss://media.example.com/ws", contentType: "audio", audioChannelType: "mixed", startMediaStreaming: false },
    });
  });

  it("passes every media streaming choice", () => {
    const { mediaStreamingOptions } = buildStreamingOptions(
      { media: { transportUrl: "wss://m.example.com/a?x=1", audioChannel: "unmixed", audioFormat: "pcm24KMono", startAtOnce: true, bidirectional: true, dtmfTones: true } },
      "en-US",
    );
    assert.deepEqual(mediaStreamingOptions, {
      transportType: "websocket",
      transportUrl: "wss://m.example.com/a?x=1",
      contentType: "audio",
      audioChannelType: "unmixed",
      startMediaStreaming: true,
      enableBidirectional: true,
      audioFormat: "pcm24KMono",
      enableDtmfTones: true,
    });
  });

  it("builds transcription options, with the connection's locale when none is set", () => {
    assert.deepEqual(buildStreamingOptions({ transcription: { transportUrl: "wss://t.example.com/" } }, "fr-CA"), {
      transcriptionOptions: { transportType: "websocket", transportUrl: "wss://t.example.com/", locale: "fr-CA", startTranscription: false },
    });
  });

  it("passes every transcription choice", () => {
    const { transcriptionOptions } = buildStreamingOptions(
      { transcription: { transportUrl: "wss://t.example.com/", locale: "es-ES", speechModelEndpointId: GUID, startAtOnce: true, intermediateResults: true } },
      "en-US",
    );
    assert.deepEqual(transcriptionOptions, {
      transportType: "websocket",
      transportUrl: "wss://t.example.com/",
      locale: "es-ES",
      startTranscription: true,
      enableIntermediateResults: true,
      speechModelEndpointId: GUID,
    });
  });

  it("builds both at once", () => {
    const both = buildStreamingOptions({ media: { transportUrl: "wss://m.example.com/" }, transcription: { transportUrl: "wss://t.example.com/" } }, "en-US");
    assert.ok(both.mediaStreamingOptions);
    assert.ok(both.transcriptionOptions);
  });

  it("refuses a part without a transport URL", () => {
    assert.throws(() => buildStreamingOptions({ media: {} }, "en-US"), /Media streaming needs a transport URL/);
    assert.throws(() => buildStreamingOptions({ transcription: { locale: "en-US" } }, "en-US"), /transcription needs a transport URL/);
  });

  it("refuses transport URLs that are not wss://, without echoing them (they may hold a token)", () => {
    for (const url of ["https://example.com/ws?token=s3cret", "ws://example.com/ws?token=s3cret", "not a url s3cret", "wss://"]) {
      const problem = words(transportUrlProblem(url, "transcription"));
      assert.ok(problem, url);
      assert.doesNotMatch(problem, /s3cret/);
      assert.throws(() => buildStreamingOptions({ transcription: { transportUrl: url } }, "en-US"), (err: Error) => !err.message.includes("s3cret") && /transport URL/.test(err.message));
    }
    assert.match(words(transportUrlProblem("https://example.com/", "mediaStreaming")), /must start with wss:\/\/ \(it starts with https:\/\/\)/);
    assert.equal(transportUrlProblem("wss://example.com:8443/ws?token=1", "mediaStreaming"), undefined);
  });

  it("checks locales: language and region", () => {
    for (const ok of ["en-US", "es-ES", "fr-fr", "zh-Hans-CN", "es-419", "fil-PH"]) assert.equal(localeProblem(ok), undefined, ok);
    for (const bad of ["en", "english", "en_US", "en-USA-1", "", "e-US"]) assert.match(words(localeProblem(bad)), /not a speech locale/, bad);
    assert.throws(() => buildStreamingOptions({ transcription: { transportUrl: "wss://t.example.com/", locale: "english" } }, "en-US"), /Transcription locale: "english" is not a speech locale/);
    assert.throws(() => buildStreamingOptions({ transcription: { transportUrl: "wss://t.example.com/" } }, "xx"), /not a speech locale/, "a bad default locale is caught too");
  });

  it("checks the speech model endpoint id is a GUID", () => {
    assert.equal(speechModelIdProblem(GUID), undefined);
    assert.equal(speechModelIdProblem(GUID.toUpperCase()), undefined);
    assert.match(words(speechModelIdProblem("my-model")), /not a GUID/);
    assert.throws(() => buildStreamingOptions({ transcription: { transportUrl: "wss://t.example.com/", speechModelEndpointId: "my-model" } }, "en-US"), /not a GUID/);
  });

  it("refuses unknown audio channels and formats", () => {
    assert.throws(() => buildStreamingOptions({ media: { transportUrl: "wss://m.example.com/", audioChannel: "stereo" } }, "en-US"), /mixed or unmixed, not "stereo"/);
    assert.throws(() => buildStreamingOptions({ media: { transportUrl: "wss://m.example.com/", audioFormat: "mp3" } }, "en-US"), /pcm16KMono or pcm24KMono, not "mp3"/);
    assert.equal(buildStreamingOptions({ media: { transportUrl: "wss://m.example.com/", audioFormat: "pcm16KMono" } }, "en-US").mediaStreamingOptions?.audioFormat, "pcm16KMono");
  });
});
