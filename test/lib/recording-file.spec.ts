import assert from "node:assert/strict";
import { idsOfRecordingSubject, recordingFileOf } from "../../lib/recording-file";

const BASE = "https://us-acs-simulator.asm.skype.com/v1/objects";

describe("recording file-ready events", () => {
  it("reads the ids from the subject, even a server call id holding slashes", () => {
    assert.deepEqual(idsOfRecordingSubject("/recording/call/c1/serverCallId/aHR0cHM6Ly9h/recordingId/r1"), { serverCallId: "aHR0cHM6Ly9h", recordingId: "r1" });
    assert.deepEqual(idsOfRecordingSubject("/recording/call/c1/serverCallId/ab/cd+ef=/recordingId/r2"), { serverCallId: "ab/cd+ef=", recordingId: "r2" });
    assert.deepEqual(idsOfRecordingSubject("/recording/call/c1/serverCallId/only"), { serverCallId: "only" });
    assert.deepEqual(idsOfRecordingSubject("/caller/4:+1/recipient/4:+2"), {});
    assert.deepEqual(idsOfRecordingSubject(""), {});
    assert.deepEqual(idsOfRecordingSubject(undefined), {});
  });

  it("gives the chunks in index order, the start, duration, end reason, kinds and the call", () => {
    const chunk = (documentId: string, index: number) => ({
      documentId,
      index,
      endReason: "SessionEnded",
      contentLocation: `${BASE}/${documentId}/content/audio`,
      metadataLocation: `${BASE}/${documentId}/content/acsmetadata`,
      deleteLocation: `${BASE}/${documentId}`,
    });
    const file = recordingFileOf(
      {
        recordingStorageInfo: { recordingChunks: [chunk("d2", 1), chunk("d1", 0)] },
        recordingStartTime: "2026-01-01T00:00:00Z",
        recordingDurationMs: 4200,
        recordingChannelType: "Mixed",
        recordingContentType: "Audio",
        recordingFormatType: "Wav",
        sessionEndReason: "CallEnded",
      },
      "/recording/call/corr/serverCallId/srv/recordingId/rec",
    );
    assert.deepEqual(file, {
      recordingId: "rec",
      serverCallId: "srv",
      chunks: [chunk("d1", 0), chunk("d2", 1)],
      startTime: "2026-01-01T00:00:00Z",
      durationMs: 4200,
      sessionEndReason: "CallEnded",
      channelType: "Mixed",
      contentType: "Audio",
      formatType: "Wav",
    });
  });

  it("prefers ids in the data to those in the subject", () => {
    const file = recordingFileOf({ serverCallId: "fromData", recordingId: "ridData" }, "/recording/call/c/serverCallId/fromSubject/recordingId/ridSubject");
    assert.equal(file.serverCallId, "fromData");
    assert.equal(file.recordingId, "ridData");
  });

  it("leaves out what the event does not say, and skips chunks that are not objects", () => {
    assert.deepEqual(recordingFileOf({}), { chunks: [] });
    assert.deepEqual(recordingFileOf({ recordingStorageInfo: { recordingChunks: [null, 3, "x", { documentId: "d", index: "0", contentLocation: 5 }] }, recordingDurationMs: "12" }), {
      chunks: [{ documentId: "d" }],
    });
  });
});
