/**
 * Media streaming and live transcription: the options the answer and create-call nodes give a call
 * (what the simulator stored, and "start when connected"), and the streaming node's five actions
 * with their outcomes, refusals and bad input. Node-RED through node-red-node-test-helper, the real
 * SDK against the embedded simulator, the far end (and the application's WebSocket server going
 * down) played through its control API. The simulator opens no WebSocket to the transport URLs.
 */
import assert from "node:assert/strict";
import { assertOwnNumber, instrumented } from "../support/examples";
import { errorOf, eventually, RedHarness, type FlowNode, type LegDetail, type ReceivedMessage } from "../support/red";

const CALLER = "+14255550123";
const OTHER_CALLER = "+14255550124";
const LINE = "+18005550141";
const CALLER_ID = "+18005550100";
const CUSTOMER = "+14255550177";
const MODEL = "a259c255-1cde-4ed7-a693-dd58563b6f6a";
const ACTIONS = ["startMediaStreaming", "stopMediaStreaming", "startTranscription", "updateTranscription", "stopTranscription"] as const;

interface Subscription {
  state: string;
  locale?: string;
  options?: Record<string, unknown>;
  transport?: string;
}
type Streaming = Array<{ callConnectionId: string; transcription: Subscription; mediaStreaming: Subscription }>;
type Payload = Record<string, unknown> & { reason?: string; action?: string; status?: string; statusDetails?: string; locale?: string; subCode?: number };

const payloadOf = (m: ReceivedMessage): Payload => m.msg.payload as Payload;

/** Transcription and media streaming on answer, set up but not started. */
const BOTH = {
  streamMedia: true,
  mediaTransportUrl: "wss://media.example.com/audio",
  mediaTransportUrlType: "str",
  mediaAudioChannel: "mixed",
  mediaAudioFormat: "",
  mediaStartAtOnce: false,
  mediaBidirectional: false,
  mediaDtmfTones: false,
  transcribe: true,
  transcriptionTransportUrl: "wss://transcripts.example.com/live",
  transcriptionTransportUrlType: "str",
  transcriptionLocale: "en-US",
  transcriptionLocaleType: "str",
  transcriptionModelId: "",
  transcriptionModelIdType: "str",
  transcriptionStartAtOnce: false,
  transcriptionIntermediateResults: false,
};

describe("media streaming and live transcription", function () {
  this.timeout(20000);
  const red = RedHarness.forSuite();

  /**
   * incoming-call (to LINE) → answer (ports "answer:0..2", with `answer` settings); one streaming node
   * per action, with its id (ports "<action>:0" started/stopped/updated and "<action>:1" failed);
   * a Catch node.
   */
  function flow(answer: Record<string, unknown>, streaming: Partial<Record<(typeof ACTIONS)[number], Record<string, unknown>>> = {}, config: Record<string, unknown> = {}): FlowNode[] {
    const ans = RedHarness.outputs("answer", 3);
    const nodes: FlowNode[] = [
      red.configNode(config),
      { id: "incoming", type: "acs-incoming-call", acs: "acs", to: LINE, wires: [["answer"]] },
      { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: ans.wires, ...answer },
      ...ans.nodes,
      ...RedHarness.catcher(),
    ];
    for (const action of ACTIONS) {
      const out = RedHarness.outputs(action, 2);
      // Empty optional fields as the editor saves them.
      nodes.push({ id: action, type: "acs-streaming", acs: "acs", action, callId: "", callIdType: "", locale: "", localeType: "str", speechModelId: "", speechModelIdType: "str", wires: out.wires, ...streaming[action] });
      nodes.push(...out.nodes);
    }
    return nodes;
  }

  /** The far end dials LINE; resolves with its leg id and the answer node's connected message. */
  async function answered(from = CALLER): Promise<{ leg: string; connected: ReceivedMessage }> {
    const leg = await red.dial(from, LINE);
    const detail = await red.leg(leg);
    const connected = await red.next("answer", 0, (m) => m.msg.call?.serverCallId === detail.serverCallId);
    return { leg, connected };
  }

  /** Send the connected call into a streaming node; resolve with what leaves port `port` for that call. */
  async function act(action: (typeof ACTIONS)[number], connected: ReceivedMessage, port = 0, extra: Record<string, unknown> = {}): Promise<ReceivedMessage> {
    const id = connected.msg.call?.callConnectionId;
    const before = red.from(action).length;
    const errorsBefore = red.from("catch").length;
    red.inject(action, { call: connected.msg.call, ...extra });
    const settled = await Promise.race([
      red.next(action, port, (m) => m.msg.call?.callConnectionId === id && red.from(action).indexOf(m) >= before).then((m) => ({ m, error: undefined })),
      red.next("catch", 0, (m) => errorOf(m).source?.id === action && red.from("catch").indexOf(m) >= errorsBefore).then((m) => ({ m: undefined, error: errorOf(m).message })),
    ]);
    if (!settled.m) return assert.fail(`expected port ${port} of ${action}, got an error: ${settled.error}`);
    return settled.m;
  }

  /** What the simulator keeps about the streaming of the call on leg `leg` (its one call connection). */
  async function streamingOf(leg: string): Promise<Streaming[number]> {
    const detail = (await red.leg(leg)) as LegDetail & { streaming: Streaming };
    assert.equal(detail.streaming.length, 1);
    return detail.streaming[0];
  }

  /** The types of the streaming events the simulator sent for the call on leg `leg`, in order, after CallConnected. */
  async function eventTypes(leg: string): Promise<string[]> {
    return (await red.leg(leg)).events.map((e) => e.type).filter((t) => t === "CallConnected" || t.startsWith("Transcription") || t.startsWith("MediaStreaming"));
  }

  /** An error caught from node `source`. */
  async function caught(source: string, before = 0): Promise<string> {
    const m = await red.next("catch", 0, (c) => errorOf(c).source?.id === source && red.from("catch").indexOf(c) >= before);
    return errorOf(m).message;
  }

  const noErrors = () => assert.deepEqual(red.from("catch").map((m) => errorOf(m).message), []);

  describe("options on answer and create-call", () => {
    it("answer sends every media streaming and transcription setting: the simulator stores them, nothing starts by itself", async () => {
      await red.load(
        flow({
          ...BOTH,
          mediaAudioChannel: "unmixed",
          mediaAudioFormat: "pcm24KMono",
          mediaBidirectional: true,
          mediaDtmfTones: true,
          transcriptionLocale: "fr-CA",
          transcriptionModelId: MODEL,
          transcriptionIntermediateResults: true,
        }),
      );
      const { leg, connected } = await answered();
      const s = await streamingOf(leg);
      assert.equal(s.callConnectionId, connected.msg.call?.callConnectionId);
      assert.deepEqual(s.mediaStreaming.options, {
        transportType: "websocket",
        transportUrl: "wss://media.example.com/audio",
        contentType: "audio",
        audioChannelType: "unmixed",
        startMediaStreaming: false,
        enableBidirectional: true,
        audioFormat: "pcm24KMono",
        enableDtmfTones: true,
      });
      assert.deepEqual(s.transcription.options, {
        transportType: "websocket",
        transportUrl: "wss://transcripts.example.com/live",
        locale: "fr-CA",
        startTranscription: false,
        enableIntermediateResults: true,
        speechModelEndpointId: MODEL,
      });
      assert.equal(s.transcription.state, "inactive");
      assert.equal(s.mediaStreaming.state, "inactive");
      assert.deepEqual(await eventTypes(leg), ["CallConnected"]);
      assert.deepEqual(connected.msg.payload, { connected: true, callConnectionId: connected.msg.call?.callConnectionId }, "answer's own outcome is unchanged");
      noErrors();
    });

    it("a transcription without a locale takes the connection's default locale; a transport URL can come from the message", async () => {
      // The incoming-call node's message has no msg.stream: a change node in the wire puts one on.
      const ans = RedHarness.outputs("answer", 3);
      await red.load([
        red.configNode({ locale: "en-GB" }),
        { id: "incoming", type: "acs-incoming-call", acs: "acs", to: LINE, wires: [["set-url"]] },
        { id: "set-url", type: "change", rules: [{ t: "set", p: "stream", pt: "msg", to: '{"transcripts":"wss://from-msg.example.com/t"}', tot: "json" }], wires: [["answer"]] },
        { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: ans.wires, ...BOTH, streamMedia: false, transcriptionLocale: "", transcriptionTransportUrl: "stream.transcripts", transcriptionTransportUrlType: "msg" },
        ...ans.nodes,
        ...RedHarness.catcher(),
      ]);
      const { leg } = await answered();
      const s = await streamingOf(leg);
      assert.equal(s.transcription.options?.transportUrl, "wss://from-msg.example.com/t");
      assert.equal(s.transcription.options?.locale, "en-GB");
      assert.equal(s.transcription.locale, "en-GB");
      assert.equal(s.mediaStreaming.state, "disabled", "media streaming was not turned on");
      noErrors();
    });

    it("answer with \"start when connected\": transcription and media streaming start right after CallConnected", async () => {
      await red.load(flow({ ...BOTH, mediaStartAtOnce: true, transcriptionStartAtOnce: true }));
      const { leg } = await answered();
      await red.waitForLegState(leg, "connected");
      const types = await eventually(async () => {
        const seen = await eventTypes(leg);
        return seen.length >= 3 && seen;
      }, "the streaming events");
      assert.deepEqual(types, ["CallConnected", "TranscriptionStarted", "MediaStreamingStarted"]);
      const s = await streamingOf(leg);
      assert.equal(s.transcription.state, "active");
      assert.equal(s.mediaStreaming.state, "active");
      noErrors();
    });

    it("create-call (an outbound call) sends the options; \"start when connected\" starts once the far end answers", async () => {
      const out = RedHarness.outputs("create", 3);
      await red.load([
        red.configNode(),
        {
          id: "create",
          type: "acs-create-call",
          acs: "acs",
          targets: CUSTOMER,
          targetsType: "str",
          callerId: CALLER_ID,
          callerIdType: "str",
          wires: out.wires,
          ...BOTH,
          transcriptionLocale: "de-DE",
          transcriptionStartAtOnce: true,
          mediaStartAtOnce: true,
          mediaAudioChannel: "unmixed",
        },
        ...out.nodes,
        ...RedHarness.catcher(),
      ]);
      red.inject("create", {});
      const ringing = await red.waitForLeg((l) => l.to === `4:${CUSTOMER}` && l.state === "ringing", "the customer's phone ringing");
      const whileRinging = await streamingOf(ringing.id);
      assert.equal(whileRinging.transcription.state, "inactive", "nothing starts while the phone rings");
      assert.equal(whileRinging.transcription.options?.startTranscription, true);
      assert.equal(whileRinging.transcription.options?.locale, "de-DE");
      assert.equal(whileRinging.mediaStreaming.options?.audioChannelType, "unmixed");
      assert.equal(whileRinging.mediaStreaming.options?.startMediaStreaming, true);
      assert.deepEqual(await eventTypes(ringing.id), []);

      await red.control("POST", `/calls/${ringing.id}/answer`);
      await red.next("create", 0);
      const types = await eventually(async () => {
        const seen = await eventTypes(ringing.id);
        return seen.length >= 3 && seen;
      }, "the streaming events");
      assert.deepEqual(types, ["CallConnected", "TranscriptionStarted", "MediaStreamingStarted"]);
      assert.equal((await streamingOf(ringing.id)).transcription.locale, "de-DE");
      noErrors();
    });

    it("create-call (connecting to a group call) sends the options too", async () => {
      const groupCallId = "c0ffee00-5555-4222-8333-444455556666";
      const joined = await red.control<{ id: string }>("POST", "/calls", { from: "+14255550150", groupCallId });
      assert.equal(joined.status, 201);
      const out = RedHarness.outputs("create", 3);
      await red.load([
        red.configNode(),
        { id: "create", type: "acs-create-call", acs: "acs", mode: "connect", locatorKind: "group", locator: groupCallId, locatorType: "str", wires: out.wires, ...BOTH, streamMedia: false, transcriptionStartAtOnce: true },
        ...out.nodes,
        ...RedHarness.catcher(),
      ]);
      red.inject("create", {});
      const connected = await red.next("create", 0);
      const s = await streamingOf(joined.body.id);
      assert.equal(s.callConnectionId, connected.msg.call?.callConnectionId);
      assert.equal(s.transcription.options?.transportUrl, "wss://transcripts.example.com/live");
      assert.equal(s.mediaStreaming.state, "disabled");
      const types = await eventually(async () => {
        const seen = await eventTypes(joined.body.id);
        return seen.length >= 2 && seen;
      }, "the streaming events");
      assert.deepEqual(types, ["CallConnected", "TranscriptionStarted"]);
      noErrors();
    });

    it("a setting that is wrong is an error from answer, before the call is answered; the caller's phone still rings", async () => {
      for (const [settings, expected] of [
        [{ transcriptionTransportUrl: "https://transcripts.example.com/live?token=s3cret" }, /transcription transport URL must start with wss:\/\//],
        [{ transcriptionTransportUrl: "" }, /Live transcription needs a transport URL/],
        [{ transcriptionLocale: "english" }, /"english" is not a speech locale/],
        [{ transcriptionModelId: "my-model" }, /not a GUID/],
        [{ mediaTransportUrl: "ws://media.example.com/audio" }, /media streaming transport URL must start with wss:\/\/ \(it starts with ws:\/\/\)/],
      ] as const) {
        await red.load(flow({ ...BOTH, ...settings }));
        const leg = await red.dial(CALLER, LINE);
        const message = await caught("answer");
        assert.match(message, expected);
        assert.doesNotMatch(message, /s3cret/, "a transport URL is never echoed");
        assert.equal((await red.leg(leg)).state, "ringing", "the call was not answered");
        assert.equal(red.from("answer").length, 0);
        await red.hangupAll();
        await red.unload();
      }
    });

    it("create-call refuses a bad transport URL before calling anyone", async () => {
      const out = RedHarness.outputs("create", 3);
      await red.load([
        red.configNode(),
        { id: "create", type: "acs-create-call", acs: "acs", targets: CUSTOMER, targetsType: "str", callerId: CALLER_ID, callerIdType: "str", wires: out.wires, ...BOTH, mediaTransportUrl: "not a url" },
        ...out.nodes,
        ...RedHarness.catcher(),
      ]);
      red.inject("create", {});
      assert.match(await caught("create"), /media streaming transport URL is not a URL/);
      assert.deepEqual((await red.legs()).filter((l) => l.to === `4:${CUSTOMER}` && l.state !== "ended"), [], "nobody was called");
    });
  });

  describe("the streaming node", () => {
    it("starts transcription, updates its locale, starts and stops media streaming, stops transcription: each from its outcome port", async () => {
      await red.load(flow(BOTH, { updateTranscription: { locale: "es-ES", localeType: "str" } }));
      const { leg, connected } = await answered();

      const tStarted = await act("startTranscription", connected);
      assert.deepEqual(payloadOf(tStarted), { action: "startTranscription", status: "transcriptionStarted", statusDetails: "subscriptionStarted" });
      assert.equal(tStarted.msg.event?.type, "TranscriptionStarted");
      assert.equal(tStarted.msg.call?.serverCallId, connected.msg.call?.serverCallId, "msg.call goes on");
      assert.equal((await streamingOf(leg)).transcription.state, "active");

      const updated = await act("updateTranscription", connected);
      assert.deepEqual(payloadOf(updated), { action: "updateTranscription", status: "transcriptionUpdated", statusDetails: "transcriptionLocaleUpdated", locale: "es-ES" });
      assert.equal(updated.msg.event?.type, "TranscriptionUpdated");
      assert.equal((await streamingOf(leg)).transcription.locale, "es-ES", "the simulator transcribes in the new locale");

      const mStarted = await act("startMediaStreaming", connected);
      assert.deepEqual(payloadOf(mStarted), { action: "startMediaStreaming", status: "mediaStreamingStarted", statusDetails: "subscriptionStarted", contentType: "Audio" });
      assert.equal((await streamingOf(leg)).mediaStreaming.state, "active");

      const mStopped = await act("stopMediaStreaming", connected);
      assert.deepEqual(payloadOf(mStopped), { action: "stopMediaStreaming", status: "mediaStreamingStopped", statusDetails: "subscriptionStopped", contentType: "Audio" });
      assert.equal(mStopped.msg.event?.type, "MediaStreamingStopped");
      assert.equal((await streamingOf(leg)).mediaStreaming.state, "inactive");

      const tStopped = await act("stopTranscription", connected);
      assert.deepEqual(payloadOf(tStopped), { action: "stopTranscription", status: "transcriptionStopped", statusDetails: "subscriptionStopped" });
      assert.equal((await streamingOf(leg)).transcription.state, "inactive");

      assert.deepEqual(await eventTypes(leg), ["CallConnected", "TranscriptionStarted", "TranscriptionUpdated", "MediaStreamingStarted", "MediaStreamingStopped", "TranscriptionStopped"]);
      for (const action of ACTIONS) assert.equal(red.from(action, 1).length, 0, `${action}: nothing failed`);
      noErrors();
    });

    it("start transcription with a locale and a custom speech model from the message", async () => {
      await red.load(flow(BOTH, { startTranscription: { locale: "speech.lang", localeType: "msg", speechModelId: "speech.model", speechModelIdType: "msg" } }));
      const { leg, connected } = await answered();
      const started = await act("startTranscription", connected, 0, { speech: { lang: "it-IT", model: MODEL } });
      assert.deepEqual(payloadOf(started), { action: "startTranscription", status: "transcriptionStarted", statusDetails: "subscriptionStarted", locale: "it-IT", speechModelEndpointId: MODEL });
      assert.equal((await streamingOf(leg)).transcription.locale, "it-IT");
      noErrors();
    });

    it("the application's WebSocket server unreachable: start transcription and start media streaming leave from \"failed\"", async () => {
      await red.load(flow(BOTH));
      const { leg, connected } = await answered();
      const down = await red.control("POST", `/calls/${leg}/streams`, { transcription: "down", mediaStreaming: "down" });
      assert.equal(down.status, 200);

      const tFailed = await act("startTranscription", connected, 1);
      assert.equal(tFailed.msg.event?.type, "TranscriptionFailed");
      assert.deepEqual(
        { ...payloadOf(tFailed), message: undefined },
        { reason: "failed", action: "startTranscription", status: "transcriptionFailed", statusDetails: "streamConnectionUnsuccessful", code: 500, subCode: 8578, message: undefined },
      );
      assert.equal(typeof payloadOf(tFailed).message, "string");

      const mFailed = await act("startMediaStreaming", connected, 1);
      assert.equal(mFailed.msg.event?.type, "MediaStreamingFailed");
      assert.equal(payloadOf(mFailed).reason, "failed");
      assert.equal(payloadOf(mFailed).statusDetails, "initialWebSocketConnectionFailed");
      assert.equal(payloadOf(mFailed).subCode, 8603);

      const s = await streamingOf(leg);
      assert.equal(s.transcription.state, "inactive");
      assert.equal(s.mediaStreaming.state, "inactive");
      assert.equal(red.from("startTranscription", 0).length + red.from("startMediaStreaming", 0).length, 0);

      // Back up: the same nodes start both.
      await red.control("POST", `/calls/${leg}/streams`, { transcription: "up", mediaStreaming: "up" });
      await act("startTranscription", connected, 0);
      await act("startMediaStreaming", connected, 0);
      assert.equal((await red.leg(leg)).state, "connected", "the call goes on");
      noErrors();
    });

    it("starting on a call answered without streaming set up is a clear error, for each", async () => {
      await red.load(flow({}));
      const { leg, connected } = await answered();
      red.inject("startTranscription", { call: connected.msg.call });
      const t = await caught("startTranscription");
      assert.match(t, /start transcription failed: ACS answered 400 \(8523\): .*(Is transcription set up for this call\? Turn on live transcription|acs-streaming\.error\.transcriptionNotSetUp)/);
      red.inject("startMediaStreaming", { call: connected.msg.call });
      const m = await caught("startMediaStreaming");
      assert.match(m, /start media streaming failed: ACS answered 400 \(8523\): .*(Is media streaming set up for this call\?|acs-streaming\.error\.mediaNotSetUp)/);
      assert.equal(red.from("startTranscription").length + red.from("startMediaStreaming").length, 0, "no port fires");
      assert.equal((await red.leg(leg)).state, "connected", "the call goes on");
    });

    it("stopping what is not running, and starting what already runs, are errors ACS explains", async () => {
      await red.load(flow(BOTH, { updateTranscription: { locale: "es-ES", localeType: "str" } }));
      const { connected } = await answered();
      red.inject("stopTranscription", { call: connected.msg.call });
      assert.match(await caught("stopTranscription"), /stop transcription failed: ACS answered 400 \(8500\): Transcription is not running/);
      red.inject("updateTranscription", { call: connected.msg.call });
      assert.match(await caught("updateTranscription"), /update transcription failed: ACS answered 400 \(8500\)/);
      red.inject("stopMediaStreaming", { call: connected.msg.call });
      assert.match(await caught("stopMediaStreaming"), /stop media streaming failed: ACS answered 400 \(8500\): Media streaming is not running/);
      await act("startMediaStreaming", connected);
      const before = red.from("catch").length;
      red.inject("startMediaStreaming", { call: connected.msg.call });
      const again = await caught("startMediaStreaming", before);
      assert.match(again, /ACS answered 400 \(8500\): Media streaming is already running\.$/, "no set-up hint when it already runs");
    });
  });

  describe("bad input", () => {
    it("no call id, a bad or missing locale, a bad model id, an ended call: clear errors; another call in progress is unaffected", async () => {
      await red.load(flow({ ...BOTH, transcriptionStartAtOnce: true }, { updateTranscription: { locale: "lang", localeType: "msg" }, startTranscription: { speechModelId: "speech.model", speechModelIdType: "msg" } }));
      const other = await answered(OTHER_CALLER);
      const first = await answered(CALLER);

      red.inject("startMediaStreaming", { payload: "no call here" });
      assert.match(await caught("startMediaStreaming"), /No call id: msg\.call\.callConnectionId is empty/);

      let before = red.from("catch").length;
      red.inject("updateTranscription", { call: first.connected.msg.call, lang: "english" });
      assert.match(await caught("updateTranscription", before), /"english" is not a speech locale/);

      before = red.from("catch").length;
      red.inject("updateTranscription", { call: first.connected.msg.call });
      assert.match(await caught("updateTranscription", before), /Updating transcription needs a locale|acs-streaming\.error\.noLocale/);

      before = red.from("catch").length;
      red.inject("startTranscription", { call: first.connected.msg.call, speech: { model: "not-a-guid" } });
      assert.match(await caught("startTranscription", before), /speech model endpoint id "not-a-guid" is not a GUID/);

      // The first caller hangs up; every action on that call is now a clear error.
      await red.hangup(first.leg);
      await red.next("answer", 2, (m) => m.msg.call?.callConnectionId === first.connected.msg.call?.callConnectionId);
      for (const action of ACTIONS) {
        before = red.from("catch").length;
        red.inject(action, { call: first.connected.msg.call, lang: "es-ES" });
        const message = await caught(action, before);
        assert.match(message, /failed: the call has already ended \(callConnectionId /, `${action}: ${message}`);
      }
      // A call id ACS does not know is the same error.
      before = red.from("catch").length;
      red.inject("stopMediaStreaming", { call: { callConnectionId: "00000000-0000-4000-8000-00000000dead" } });
      assert.match(await caught("stopMediaStreaming", before), /stop media streaming failed: the call has already ended/);

      // The other call: its transcription (started when connected) runs on, and can be updated and stopped.
      assert.equal((await red.leg(other.leg)).state, "connected");
      assert.equal((await streamingOf(other.leg)).transcription.state, "active");
      const updated = await act("updateTranscription", other.connected, 0, { lang: "pt-BR" });
      assert.equal(payloadOf(updated).locale, "pt-BR");
      await act("stopTranscription", other.connected, 0);
      assert.equal((await streamingOf(other.leg)).transcription.state, "inactive");
      for (const action of ACTIONS) assert.equal(red.from(action, 1).length, 0, `${action}: no failed port for errors`);
    });
  });
});

describe("streaming example (examples/nodes/acs-streaming.json)", function () {
  this.timeout(20000);
  const red = RedHarness.forSuite();
  const FILE = "nodes/acs-streaming.json";
  const NUMBER = "+18005550140";

  it(`its comment names ${NUMBER}, the only number it answers`, () => assertOwnNumber(FILE, NUMBER));

  it("runs every action in turn on a call to +18005550140: each outcome reaches the debug nodes, then the call is hung up", async () => {
    await red.load(instrumented(FILE));
    const leg = await red.dial("+14255550123", "+18005550140");
    const connected = await red.next("str-answer", 0);
    const sameCall = (m: ReceivedMessage) => m.msg.call?.callConnectionId === connected.msg.call?.callConnectionId;

    const steps: Array<[string, Payload]> = [
      ["str-start-t", { action: "startTranscription", status: "transcriptionStarted", statusDetails: "subscriptionStarted" }],
      ["str-update-t", { action: "updateTranscription", status: "transcriptionUpdated", statusDetails: "transcriptionLocaleUpdated", locale: "es-ES" }],
      ["str-start-m", { action: "startMediaStreaming", status: "mediaStreamingStarted", statusDetails: "subscriptionStarted", contentType: "Audio" }],
      ["str-stop-m", { action: "stopMediaStreaming", status: "mediaStreamingStopped", statusDetails: "subscriptionStopped", contentType: "Audio" }],
      ["str-stop-t", { action: "stopTranscription", status: "transcriptionStopped", statusDetails: "subscriptionStopped" }],
    ];
    for (const [id, payload] of steps) assert.deepEqual((await red.next(id, 0, sameCall)).msg.payload, payload, id);
    await red.next("str-hangup", 0, sameCall);
    await red.next("str-answer", 2, sameCall);

    const outcomes = red.from("str-outcomes").map((m) => (m.msg.payload as Payload).action);
    assert.deepEqual(outcomes, steps.map(([, p]) => p.action), "every outcome reaches the debug node, in order");
    assert.deepEqual(red.from("str-failed"), []);
    assert.deepEqual(red.from("str-errors").map((m) => errorOf(m).message), []);

    const ended = await red.waitForLegState(leg, "ended");
    assert.deepEqual(ended.heard.map((h) => h.content), ["This call is transcribed live."]);
    const types = ended.events.map((e) => e.type).filter((t) => t.startsWith("Transcription") || t.startsWith("MediaStreaming"));
    assert.deepEqual(types, ["TranscriptionStarted", "TranscriptionUpdated", "MediaStreamingStarted", "MediaStreamingStopped", "TranscriptionStopped"]);
    assert.equal((await red.service("str-acs")).router.waiting, 0, "no wait left behind");
  });
});
