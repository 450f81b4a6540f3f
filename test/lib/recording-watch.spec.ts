import assert from "node:assert/strict";
import { RecordingStartWatch, type WatchedEvent, type WatchTimers } from "../../lib/recording-watch";

/** A tiny event source and hand-driven timers. */
function setup(call = { callConnectionId: "conn1", serverCallId: "srv1" }) {
  const listeners = new Set<(e: WatchedEvent) => void>();
  const subscribe = (l: (e: WatchedEvent) => void) => {
    listeners.add(l);
    return () => listeners.delete(l);
  };
  const timers: Array<{ fn: () => void; ms: number; cleared: boolean }> = [];
  const fakeTimers: WatchTimers = {
    set: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      timers.push(t);
      return t;
    },
    clear: (h) => {
      (h as { cleared: boolean }).cleared = true;
    },
  };
  const watch = new RecordingStartWatch(subscribe, call, fakeTimers);
  const emit = (type: string, data: Record<string, unknown>, ids: Partial<WatchedEvent> = { callConnectionId: "conn1", serverCallId: "srv1" }) => {
    for (const l of [...listeners]) l({ id: `${type}-${Math.random()}`, type, data, ...ids });
  };
  return { watch, emit, listeners, timers };
}

describe("recording start watch", () => {
  it("takes the RecordingStateChanged of its recording, even one heard before the answer", async () => {
    const { watch, emit, listeners } = setup();
    emit("RecordingStateChanged", { recordingId: "other", state: "active" });
    emit("RecordingStateChanged", { recordingId: "r1", state: "inactive" });
    emit("PlayCompleted", {});
    const outcome = await watch.outcome("r1", 1000);
    assert.equal(outcome.kind, "started");
    assert.equal(outcome.kind === "started" && outcome.state, "inactive");
    assert.equal(listeners.size, 0, "it stops listening once settled");
  });

  it("waits for the state it expects: an inactive recording that should run is no confirmation", async () => {
    const { watch, emit } = setup();
    emit("RecordingStateChanged", { recordingId: "r1", state: "inactive" });
    const pending = watch.outcome("r1", 1000, "active");
    emit("CallDisconnected", {});
    assert.equal((await pending).kind, "callEnded");
    const paused = setup();
    paused.emit("RecordingStateChanged", { recordingId: "r1", state: "inactive" });
    const outcome = await paused.watch.outcome("r1", 1000, "inactive");
    assert.equal(outcome.kind === "started" && outcome.state, "inactive");
  });

  it("takes one heard after the answer, and clears its timer", async () => {
    const { watch, emit, timers } = setup();
    const pending = watch.outcome("r1", 1000);
    emit("RecordingStateChanged", { recordingId: "r2", state: "active" });
    emit("RecordingStateChanged", { recordingId: "r1", state: "active" });
    const outcome = await pending;
    assert.equal(outcome.kind === "started" && outcome.state, "active");
    assert.equal(timers.length, 1);
    assert.equal(timers[0].ms, 1000);
    assert.ok(timers[0].cleared);
  });

  it("reports StartRecordingFailed of its recording, or of its call when the event names no recording", async () => {
    const a = setup();
    const pa = a.watch.outcome("r1", 1000);
    a.emit("StartRecordingFailed", { recordingId: "r9" });
    a.emit("StartRecordingFailed", { recordingId: "r1", resultInformation: { code: 500, subCode: 9999 } });
    const oa = await pa;
    assert.equal(oa.kind, "failed");
    assert.deepEqual(oa.kind === "failed" && oa.event.data.resultInformation, { code: 500, subCode: 9999 });

    const b = setup();
    b.emit("StartRecordingFailed", {}, { callConnectionId: "another", serverCallId: "another" });
    b.emit("StartRecordingFailed", {}, { serverCallId: "srv1" });
    assert.equal((await b.watch.outcome("r1", 1000)).kind, "failed");
  });

  it("without a recording id in the answer, takes the first verdict about its call", async () => {
    const { watch, emit } = setup();
    const pending = watch.outcome(undefined, 1000);
    emit("RecordingStateChanged", { recordingId: "elsewhere", state: "active" }, { callConnectionId: "conn9", serverCallId: "srv9" });
    emit("RecordingStateChanged", { recordingId: "r7", state: "active" }, { serverCallId: "srv1" });
    const outcome = await pending;
    assert.equal(outcome.kind === "started" && outcome.event.data.recordingId, "r7");
  });

  it("ends with the call, and times out when ACS says nothing", async () => {
    const a = setup({ callConnectionId: "conn1", serverCallId: "srv1" });
    const pa = a.watch.outcome("r1", 1000);
    a.emit("CallDisconnected", {}, { callConnectionId: "conn2" });
    a.emit("CallDisconnected", {}, { callConnectionId: "conn1" });
    assert.equal((await pa).kind, "callEnded");

    const b = setup();
    const pb = b.watch.outcome("r1", 250);
    b.timers[0].fn();
    assert.deepEqual(await pb, { kind: "timeout" });
    assert.equal(b.listeners.size, 0);
  });

  it("can be canceled before or while it waits", async () => {
    const a = setup();
    a.watch.cancel();
    assert.deepEqual(await a.watch.outcome("r1", 1000), { kind: "canceled" });
    assert.equal(a.timers.length, 0, "no timer once settled");

    const b = setup();
    const pb = b.watch.outcome("r1", 1000);
    b.watch.cancel();
    b.emit("RecordingStateChanged", { recordingId: "r1", state: "active" });
    assert.deepEqual(await pb, { kind: "canceled" });
  });

  it("keeps only a bounded number of early events", async () => {
    const { watch, emit } = setup();
    for (let i = 0; i < 200; i++) emit("RecordingStateChanged", { recordingId: `x${i}`, state: "active" });
    emit("RecordingStateChanged", { recordingId: "r1", state: "active" });
    const pending = watch.outcome("r1", 1000);
    // The early event was dropped with the overflow; the next one still counts.
    emit("RecordingStateChanged", { recordingId: "r1", state: "inactive" });
    const outcome = await pending;
    assert.equal(outcome.kind === "started" && outcome.state, "inactive");
  });
});
