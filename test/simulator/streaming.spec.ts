/**
 * Live transcription and media streaming through the real SDK (`connection.getCallMedia()`)
 * against the simulator: options given on answer or create, start / update / stop with their
 * events, the subscriptions in the call connection properties, auto-start right after
 * CallConnected, and what ACS refuses.
 */
import assert from "node:assert/strict";
import type { CallConnection, MediaStreamingOptions, TranscriptionOptions } from "@azure/communication-call-automation";
import { Harness, sleep, type ReceivedCallback } from "../support/harness";
import { expectRestError } from "../support/rest-error";

const transcriptionOptions = (startTranscription = false): TranscriptionOptions => ({
  transportType: "websocket",
  transportUrl: "wss://example.invalid/t",
  locale: "en-US",
  startTranscription,
});

const mediaStreamingOptions = (startMediaStreaming = false): MediaStreamingOptions => ({
  transportType: "websocket",
  transportUrl: "wss://example.invalid/m",
  contentType: "audio",
  audioChannelType: "mixed",
  startMediaStreaming,
});

const types = (events: ReceivedCallback[]): string[] => events.map((e) => e.type);

describe("simulator: transcription and media streaming through the SDK", function () {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start({ speed: 50 });
  });
  afterEach(async () => {
    await h.stop();
  });

  /** Answer an incoming call with the given streaming options; wait for ParticipantsUpdated too. */
  async function answerWith(options: Record<string, unknown>): Promise<{ legId: string; callConnectionId: string; connection: CallConnection; properties: Record<string, unknown> }> {
    const call = await h.dialInAndAnswer("+14255550100", "+18005550100", options);
    await h.waitForCallback(call.callConnectionId, "ParticipantsUpdated");
    return {
      legId: call.legId,
      callConnectionId: call.callConnectionId,
      connection: call.connection,
      properties: call.answered.callConnectionProperties as unknown as Record<string, unknown>,
    };
  }

  /** The nth event of a type for a call, checked as the SDK parses it. */
  async function event(callConnectionId: string, type: string, nth = 1): Promise<Record<string, unknown>> {
    const received = await h.waitForCallback(callConnectionId, type, 5000, nth);
    assert.equal(received.event.kind, type, "the SDK's parser recognises the event");
    const data = received.raw.data as Record<string, unknown>;
    assert.equal(data.callConnectionId, callConnectionId);
    assert.deepEqual((data.resultInformation as { code: number }).code, 200);
    return data;
  }

  it("transcription: configured on answer, started, updated to another locale and stopped", async () => {
    const { callConnectionId, connection, properties } = await answerWith({
      transcriptionOptions: transcriptionOptions(),
      mediaStreamingOptions: mediaStreamingOptions(),
    });
    const answeredSub = properties.transcriptionSubscription as { id?: string; state?: string; locale?: string };
    assert.equal(answeredSub.state, "inactive", "configured but not started");
    assert.equal(answeredSub.locale, "en-US");
    assert.ok(answeredSub.id);

    // startTranscription:false: nothing starts by itself.
    await sleep(30);
    assert.ok(!types(h.eventsOf(callConnectionId)).some((t) => t.startsWith("Transcription")), "no transcription event before start");

    const media = connection.getCallMedia();
    await media.startTranscription({ operationContext: "t-start" });
    const started = await event(callConnectionId, "TranscriptionStarted");
    assert.equal(started.operationContext, "t-start");
    assert.deepEqual(started.transcriptionUpdate, { transcriptionStatus: "transcriptionStarted", transcriptionStatusDetails: "subscriptionStarted" });
    let sub = (await connection.getCallConnectionProperties()).transcriptionSubscription;
    assert.equal(sub?.state, "active");
    assert.equal(sub?.locale, "en-US");
    assert.equal(sub?.id, answeredSub.id, "the same subscription");

    // Starting again while it runs is refused.
    await expectRestError(media.startTranscription(), 400, "8500");

    await media.updateTranscription("es-ES", { operationContext: "t-update" });
    const updated = await event(callConnectionId, "TranscriptionUpdated");
    assert.equal(updated.operationContext, "t-update");
    assert.deepEqual(updated.transcriptionUpdate, { transcriptionStatus: "transcriptionUpdated", transcriptionStatusDetails: "transcriptionLocaleUpdated" });
    sub = (await connection.getCallConnectionProperties()).transcriptionSubscription;
    assert.equal(sub?.locale, "es-ES");
    assert.equal(sub?.state, "active");

    await media.stopTranscription({ operationContext: "t-stop" });
    const stopped = await event(callConnectionId, "TranscriptionStopped");
    assert.equal(stopped.operationContext, "t-stop");
    assert.deepEqual(stopped.transcriptionUpdate, { transcriptionStatus: "transcriptionStopped", transcriptionStatusDetails: "subscriptionStopped" });
    sub = (await connection.getCallConnectionProperties()).transcriptionSubscription;
    assert.equal(sub?.state, "inactive");

    // Not running: stop and update are refused; start again with a new locale works.
    await expectRestError(media.stopTranscription(), 400, "8500");
    await expectRestError(media.updateTranscription("fr-FR"), 400, "8500");
    await media.startTranscription({ locale: "fr-FR" });
    await event(callConnectionId, "TranscriptionStarted", 2);
    sub = (await connection.getCallConnectionProperties()).transcriptionSubscription;
    assert.equal(sub?.state, "active");
    assert.equal(sub?.locale, "fr-FR");

    // Media streaming was not touched by any of this.
    assert.equal((await connection.getCallConnectionProperties()).mediaStreamingSubscription?.state, "inactive");
    assert.deepEqual(
      types(h.eventsOf(callConnectionId)).filter((t) => t.startsWith("Transcription")),
      ["TranscriptionStarted", "TranscriptionUpdated", "TranscriptionStopped", "TranscriptionStarted"],
    );
  });

  it("media streaming: configured on answer, started and stopped", async () => {
    const { callConnectionId, connection, properties } = await answerWith({ mediaStreamingOptions: mediaStreamingOptions() });
    const answeredSub = properties.mediaStreamingSubscription as { state?: string; subscribedContentTypes?: string[] };
    assert.equal(answeredSub.state, "inactive");
    assert.deepEqual(answeredSub.subscribedContentTypes, ["audio"]);
    assert.equal((properties.transcriptionSubscription as { state?: string }).state, "disabled", "no transcriptionOptions given");

    const media = connection.getCallMedia();
    await expectRestError(media.stopMediaStreaming(), 400, "8500");

    await media.startMediaStreaming({ operationContext: "m-start" });
    const started = await event(callConnectionId, "MediaStreamingStarted");
    assert.equal(started.operationContext, "m-start");
    const startedUpdate = started.mediaStreamingUpdate as { contentType: string; mediaStreamingStatus: string; mediaStreamingStatusDetails: string };
    assert.equal(startedUpdate.mediaStreamingStatus, "mediaStreamingStarted");
    assert.equal(startedUpdate.mediaStreamingStatusDetails, "subscriptionStarted");
    assert.match(startedUpdate.contentType, /^audio$/i);
    assert.equal((await connection.getCallConnectionProperties()).mediaStreamingSubscription?.state, "active");

    await expectRestError(media.startMediaStreaming(), 400, "8500");

    await media.stopMediaStreaming({ operationContext: "m-stop" });
    const stopped = await event(callConnectionId, "MediaStreamingStopped");
    assert.equal(stopped.operationContext, "m-stop");
    assert.equal((stopped.mediaStreamingUpdate as { mediaStreamingStatus: string }).mediaStreamingStatus, "mediaStreamingStopped");
    assert.equal((await connection.getCallConnectionProperties()).mediaStreamingSubscription?.state, "inactive");

    await expectRestError(media.stopMediaStreaming(), 400, "8500");
    assert.deepEqual(
      types(h.eventsOf(callConnectionId)).filter((t) => t.startsWith("MediaStreaming")),
      ["MediaStreamingStarted", "MediaStreamingStopped"],
    );
  });

  it("operationCallbackUrl sends the event to that URL instead of the call's", async () => {
    const { callConnectionId, connection } = await answerWith({ transcriptionOptions: transcriptionOptions(), mediaStreamingOptions: mediaStreamingOptions() });
    const media = connection.getCallMedia();
    await media.startTranscription({ operationCallbackUrl: h.callbackUrl("op-t") });
    await media.startMediaStreaming({ operationCallbackUrl: h.callbackUrl("op-m") });
    const t = await h.waitForCallback(callConnectionId, "TranscriptionStarted");
    const m = await h.waitForCallback(callConnectionId, "MediaStreamingStarted");
    assert.equal(t.url, "/callbacks/op-t?token=secret-op-t");
    assert.equal(m.url, "/callbacks/op-m?token=secret-op-m");
  });

  it("startTranscription / startMediaStreaming true in createCall's options start right after CallConnected", async () => {
    const created = await h.client.createCall(
      { targetParticipant: { phoneNumber: "+14255550123" }, sourceCallIdNumber: { phoneNumber: "+18005550100" } },
      h.callbackUrl(),
      {
        callIntelligenceOptions: { cognitiveServicesEndpoint: "https://cognitive.example.invalid/" },
        transcriptionOptions: transcriptionOptions(true),
        mediaStreamingOptions: mediaStreamingOptions(true),
      },
    );
    const callConnectionId = created.callConnectionProperties.callConnectionId as string;
    const props = created.callConnectionProperties;
    assert.equal(props.transcriptionSubscription?.state, "inactive", "nothing runs while the call rings");
    assert.equal(props.mediaStreamingSubscription?.state, "inactive");

    // Nothing is started (or refused) before the far end answers.
    await expectRestError(created.callConnection.getCallMedia().startTranscription(), 400, "8501");
    await sleep(30);
    assert.deepEqual(types(h.eventsOf(callConnectionId)), []);

    const legs = await h.control<Array<{ id: string; callConnectionIds: string[]; state: string }>>("GET", "/calls");
    const leg = legs.body.find((l) => l.callConnectionIds.includes(callConnectionId));
    assert.ok(leg, "the outbound call rings at the far end");
    assert.equal((await h.control("POST", `/calls/${leg.id}/answer`)).status, 200);

    await event(callConnectionId, "TranscriptionStarted");
    await event(callConnectionId, "MediaStreamingStarted");
    const order = types(h.eventsOf(callConnectionId));
    assert.ok(order.indexOf("CallConnected") >= 0);
    assert.ok(order.indexOf("CallConnected") < order.indexOf("TranscriptionStarted"), `order: ${order.join(", ")}`);
    assert.ok(order.indexOf("CallConnected") < order.indexOf("MediaStreamingStarted"), `order: ${order.join(", ")}`);
    assert.equal(order.filter((t) => t === "TranscriptionStarted").length, 1);

    const now = await created.callConnection.getCallConnectionProperties();
    assert.equal(now.transcriptionSubscription?.state, "active");
    assert.equal(now.transcriptionSubscription?.locale, "en-US");
    assert.equal(now.mediaStreamingSubscription?.state, "active");
  });

  it("startTranscription true in answerCall's options starts right after CallConnected", async () => {
    const { callConnectionId, connection } = await answerWith({ transcriptionOptions: transcriptionOptions(true) });
    await event(callConnectionId, "TranscriptionStarted");
    const order = types(h.eventsOf(callConnectionId));
    assert.ok(order.indexOf("CallConnected") < order.indexOf("TranscriptionStarted"), `order: ${order.join(", ")}`);
    assert.ok(!order.includes("MediaStreamingStarted"), "media streaming was not configured");
    assert.equal((await connection.getCallConnectionProperties()).transcriptionSubscription?.state, "active");
  });

  it("refuses transcription and media streaming on a call configured without them", async () => {
    const { callConnectionId, connection, properties } = await answerWith({});
    assert.equal((properties.transcriptionSubscription as { state?: string }).state, "disabled");
    assert.equal((properties.mediaStreamingSubscription as { state?: string }).state, "disabled");
    const media = connection.getCallMedia();
    await expectRestError(media.startTranscription(), 400, "8523");
    await expectRestError(media.startTranscription({ locale: "en-US" }), 400, "8523");
    await expectRestError(media.stopTranscription(), 400);
    await expectRestError(media.updateTranscription("es-ES"), 400);
    await expectRestError(media.startMediaStreaming(), 400, "8523");
    await expectRestError(media.stopMediaStreaming(), 400);
    await sleep(30);
    assert.ok(
      !types(h.eventsOf(callConnectionId)).some((t) => t.startsWith("Transcription") || t.startsWith("MediaStreaming")),
      "no streaming event for refused requests",
    );
  });

  it("refuses every streaming action on an ended call with 8528", async () => {
    const { legId, callConnectionId, connection } = await answerWith({ transcriptionOptions: transcriptionOptions(), mediaStreamingOptions: mediaStreamingOptions() });
    const media = connection.getCallMedia();
    await media.startTranscription();
    await event(callConnectionId, "TranscriptionStarted");
    await h.control("POST", `/calls/${legId}/hangup`);
    await h.waitForCallback(callConnectionId, "CallDisconnected");

    await expectRestError(media.startTranscription(), 400, "8528");
    await expectRestError(media.stopTranscription(), 400, "8528");
    await expectRestError(media.updateTranscription("es-ES"), 400, "8528");
    await expectRestError(media.startMediaStreaming(), 400, "8528");
    await expectRestError(media.stopMediaStreaming(), 400, "8528");
    await sleep(30);
    const after = types(h.eventsOf(callConnectionId));
    assert.equal(after[after.length - 1], "CallDisconnected", `no event after CallDisconnected: ${after.join(", ")}`);
  });
});

describe("simulator: the application's streaming WebSocket server going down (control API)", function () {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start({ speed: 50 });
  });
  afterEach(async () => {
    await h.stop();
  });

  type Streaming = Array<{ callConnectionId: string; transcription: { state: string; transport?: string; options?: Record<string, unknown> }; mediaStreaming: { state: string; transport?: string } }>;

  it("while it is down every start fails with a Failed event; a running stream fails at once; back up, starts work again", async () => {
    const call = await h.dialInAndAnswer("+14255550100", "+18005550100", { transcriptionOptions: transcriptionOptions(), mediaStreamingOptions: mediaStreamingOptions() });
    const { callConnectionId, connection, legId } = call;
    const media = connection.getCallMedia();

    // Transcription running, then its server goes down: TranscriptionFailed with the start's operationContext.
    await media.startTranscription({ operationContext: "t-start" });
    await h.waitForCallback(callConnectionId, "TranscriptionStarted");
    const down = await h.control<{ streaming: Streaming }>("POST", `/calls/${legId}/streams`, { transcription: "down", mediaStreaming: "down" });
    assert.equal(down.status, 200);
    assert.equal(down.body.streaming[0].callConnectionId, callConnectionId);
    assert.equal(down.body.streaming[0].transcription.transport, "down");
    assert.equal(down.body.streaming[0].transcription.state, "inactive");
    assert.equal(down.body.streaming[0].transcription.options?.transportUrl, "wss://example.invalid/t", "the options as the SDK sent them");
    const interrupted = await h.waitForCallback(callConnectionId, "TranscriptionFailed");
    assert.equal(interrupted.event.kind, "TranscriptionFailed");
    const data = interrupted.raw.data as Record<string, unknown>;
    assert.equal(data.operationContext, "t-start");
    assert.deepEqual(data.transcriptionUpdate, { transcriptionStatus: "transcriptionFailed", transcriptionStatusDetails: "streamConnectionInterrupted" });
    assert.equal((data.resultInformation as { subCode: number }).subCode, 8578);

    // Starts are accepted (202) and fail by event.
    await media.startMediaStreaming({ operationContext: "m-start" });
    const mFailed = await h.waitForCallback(callConnectionId, "MediaStreamingFailed");
    const mData = mFailed.raw.data as Record<string, unknown>;
    assert.equal(mData.operationContext, "m-start");
    assert.equal((mData.mediaStreamingUpdate as { mediaStreamingStatusDetails: string }).mediaStreamingStatusDetails, "initialWebSocketConnectionFailed");
    assert.equal((mData.resultInformation as { subCode: number }).subCode, 8603);
    await media.startTranscription({ operationContext: "t-again", locale: "fr-FR" });
    const tFailed = await h.waitForCallback(callConnectionId, "TranscriptionFailed", 5000, 2);
    assert.equal((tFailed.raw.data as { operationContext: string }).operationContext, "t-again");
    const props = await connection.getCallConnectionProperties();
    assert.equal(props.transcriptionSubscription?.state, "inactive");
    assert.equal(props.transcriptionSubscription?.locale, "en-US", "a failed start does not change the locale");
    assert.equal(props.mediaStreamingSubscription?.state, "inactive");

    // Back up: both start.
    assert.equal((await h.control("POST", `/calls/${legId}/streams`, { transcription: "up", mediaStreaming: "up" })).status, 200);
    await media.startTranscription();
    await media.startMediaStreaming();
    await h.waitForCallback(callConnectionId, "TranscriptionStarted", 5000, 2);
    await h.waitForCallback(callConnectionId, "MediaStreamingStarted");
  });

  it("refuses a request that says neither up nor down; a call without streaming is left as it is", async () => {
    const { legId, callConnectionId } = await h.dialInAndAnswer("+14255550100", "+18005550100", {});
    assert.equal((await h.control("POST", `/calls/${legId}/streams`, {})).status, 400);
    assert.equal((await h.control("POST", `/calls/${legId}/streams`, { transcription: "off" })).status, 400);
    assert.equal((await h.control("POST", "/calls/nope/streams", { transcription: "down" })).status, 404);
    const res = await h.control<{ streaming: Streaming }>("POST", `/calls/${legId}/streams`, { transcription: "down" });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.streaming, [{ callConnectionId, transcription: { state: "disabled" }, mediaStreaming: { state: "disabled" } }]);
  });
});
