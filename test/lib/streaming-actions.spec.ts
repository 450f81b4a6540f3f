import assert from "node:assert/strict";
import type { CallEvent } from "../../lib/call-events";
import { isStreamingAction, STREAMING_ACTIONS, streamingFailure, streamingResult } from "../../lib/streaming-actions";

const event = (type: string, data: Record<string, unknown>): CallEvent => ({ id: "e1", type, data });

describe("streaming actions", () => {
  it("knows the five actions, each ended by its own success event or its Failed event", () => {
    assert.deepEqual(Object.keys(STREAMING_ACTIONS).sort(), ["startMediaStreaming", "startTranscription", "stopMediaStreaming", "stopTranscription", "updateTranscription"]);
    assert.deepEqual([STREAMING_ACTIONS.startMediaStreaming.success, STREAMING_ACTIONS.startMediaStreaming.failure], ["MediaStreamingStarted", "MediaStreamingFailed"]);
    assert.deepEqual([STREAMING_ACTIONS.stopMediaStreaming.success, STREAMING_ACTIONS.stopMediaStreaming.failure], ["MediaStreamingStopped", "MediaStreamingFailed"]);
    assert.deepEqual([STREAMING_ACTIONS.startTranscription.success, STREAMING_ACTIONS.startTranscription.failure], ["TranscriptionStarted", "TranscriptionFailed"]);
    assert.deepEqual([STREAMING_ACTIONS.updateTranscription.success, STREAMING_ACTIONS.updateTranscription.port], ["TranscriptionUpdated", "updated"]);
    assert.deepEqual([STREAMING_ACTIONS.stopTranscription.success, STREAMING_ACTIONS.stopTranscription.port], ["TranscriptionStopped", "stopped"]);
    assert.ok(isStreamingAction("updateTranscription"));
    assert.ok(!isStreamingAction("toString"));
    assert.ok(!isStreamingAction(undefined));
  });

  it("reads a transcription event's status and details, with the locale asked for", () => {
    const e = event("TranscriptionUpdated", {
      transcriptionUpdate: { transcriptionStatus: "transcriptionUpdated", transcriptionStatusDetails: "transcriptionLocaleUpdated" },
      resultInformation: { code: 200, subCode: 0 },
    });
    assert.deepEqual(streamingResult("updateTranscription", e, { locale: "es-ES" }), {
      action: "updateTranscription",
      status: "transcriptionUpdated",
      statusDetails: "transcriptionLocaleUpdated",
      locale: "es-ES",
    });
  });

  it("reads a media streaming event's status, details and content type", () => {
    const e = event("MediaStreamingStarted", { mediaStreamingUpdate: { contentType: "Audio", mediaStreamingStatus: "mediaStreamingStarted", mediaStreamingStatusDetails: "subscriptionStarted" } });
    assert.deepEqual(streamingResult("startMediaStreaming", e), { action: "startMediaStreaming", status: "mediaStreamingStarted", statusDetails: "subscriptionStarted", contentType: "Audio" });
  });

  it("describes a failure with the event's status and result, or a time-out", () => {
    const e = event("MediaStreamingFailed", {
      mediaStreamingUpdate: { contentType: "Audio", mediaStreamingStatus: "mediaStreamingFailed", mediaStreamingStatusDetails: "initialWebSocketConnectionFailed" },
      resultInformation: { code: 500, subCode: 8603, message: "Media streaming failed." },
    });
    assert.deepEqual(streamingFailure("startMediaStreaming", e), {
      reason: "failed",
      action: "startMediaStreaming",
      status: "mediaStreamingFailed",
      statusDetails: "initialWebSocketConnectionFailed",
      contentType: "Audio",
      code: 500,
      subCode: 8603,
      message: "Media streaming failed.",
    });
    assert.deepEqual(streamingFailure("updateTranscription", undefined, { locale: "fr-FR" }), { reason: "timeout", action: "updateTranscription", locale: "fr-FR" });
  });

  it("leaves out what an event does not say", () => {
    assert.deepEqual(streamingResult("stopTranscription", event("TranscriptionStopped", {})), { action: "stopTranscription" });
    assert.deepEqual(streamingFailure("stopTranscription", event("TranscriptionFailed", { transcriptionUpdate: "odd" })), { reason: "failed", action: "stopTranscription" });
  });
});
