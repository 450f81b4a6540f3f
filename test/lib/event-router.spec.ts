import assert from "node:assert/strict";
import { EventRouter, type RoutableEvent } from "../../lib/event-router";

let n = 0;
const ev = (type: string, callConnectionId?: string, operationContext?: string, id = `e${++n}`): RoutableEvent => ({
  id,
  type,
  callConnectionId,
  operationContext,
});
const PLAY_END = ["PlayCompleted", "PlayFailed", "PlayCanceled"];

describe("EventRouter", () => {
  it("hands an operation its terminal event, even one that arrives before the REST response", async () => {
    const router = new EventRouter();
    const op = router.begin({ terminal: PLAY_END, timeoutMs: 1000, callConnectionId: "c1" });
    // The event arrives before the caller even awaits the result.
    assert.equal(router.dispatch(ev("PlayCompleted", "c1", op.operationContext)), "claimed");
    const outcome = await op.result;
    assert.equal(outcome.kind, "event");
    assert.equal(outcome.kind === "event" && outcome.event.type, "PlayCompleted");
    assert.equal(router.waiting, 0);
  });

  it("gives every operation its own unique operationContext", () => {
    const router = new EventRouter();
    const ctxs = new Set(Array.from({ length: 100 }, () => router.begin({ terminal: PLAY_END, timeoutMs: 1000 }).operationContext));
    assert.equal(ctxs.size, 100);
    router.close();
    assert.equal(router.waiting, 0);
  });

  it("refuses an operationContext already waiting", () => {
    const router = new EventRouter();
    router.begin({ terminal: PLAY_END, timeoutMs: 1000, operationContext: "same" });
    assert.throws(() => router.begin({ terminal: PLAY_END, timeoutMs: 1000, operationContext: "same" }), /already in use/);
    router.close();
  });

  it("drops a duplicate delivery by CloudEvent id", () => {
    const router = new EventRouter();
    const seen: RoutableEvent[] = [];
    router.onUnclaimed((e) => seen.push(e));
    const e = ev("ParticipantsUpdated", "c1");
    assert.equal(router.dispatch(e), "unclaimed");
    assert.equal(router.dispatch({ ...e }), "duplicate");
    assert.equal(seen.length, 1);
  });

  it("forgets the oldest ids beyond its de-duplication capacity", () => {
    const router = new EventRouter({ dedupeCapacity: 3 });
    const first = ev("X", "c1");
    router.dispatch(first);
    for (let i = 0; i < 3; i++) router.dispatch(ev("X", "c1"));
    assert.equal(router.dispatch({ ...first }), "unclaimed");
  });

  it("passes non-terminal events of an operation to onProgress and to the unclaimed listeners", async () => {
    const router = new EventRouter();
    const progress: string[] = [];
    const unclaimed: string[] = [];
    router.onUnclaimed((e) => unclaimed.push(e.type));
    const op = router.begin({ terminal: PLAY_END, timeoutMs: 1000, onProgress: (e) => progress.push(e.type) });
    assert.equal(router.dispatch(ev("PlayStarted", "c1", op.operationContext)), "progress");
    router.dispatch(ev("PlayCompleted", "c1", op.operationContext));
    assert.deepEqual(progress, ["PlayStarted"]);
    assert.deepEqual(unclaimed, ["PlayStarted"]);
    assert.equal((await op.result).kind, "event");
  });

  it("sends events with an unknown or missing operationContext to the unclaimed listeners", () => {
    const router = new EventRouter();
    const unclaimed: string[] = [];
    router.onUnclaimed((e) => unclaimed.push(e.type));
    assert.equal(router.dispatch(ev("PlayCompleted", "c1", "nobody-waits")), "unclaimed");
    assert.equal(router.dispatch(ev("ParticipantsUpdated", "c1")), "unclaimed");
    assert.deepEqual(unclaimed, ["PlayCompleted", "ParticipantsUpdated"]);
  });

  it("does not let another call's event end an operation with the same context", async () => {
    const router = new EventRouter();
    const op = router.begin({ terminal: PLAY_END, timeoutMs: 1000, callConnectionId: "c1" });
    assert.equal(router.dispatch(ev("PlayCompleted", "c2", op.operationContext)), "unclaimed");
    assert.equal(router.waiting, 1);
    router.dispatch(ev("PlayCompleted", "c1", op.operationContext));
    assert.equal((await op.result).kind, "event");
  });

  it("times out", async () => {
    const router = new EventRouter();
    const op = router.begin({ terminal: PLAY_END, timeoutMs: 10 });
    assert.deepEqual(await op.result, { kind: "timeout" });
    assert.equal(router.waiting, 0);
    // A late event is now nobody's.
    assert.equal(router.dispatch(ev("PlayCompleted", "c1", op.operationContext)), "unclaimed");
  });

  it("releases every wait on a call when its CallDisconnected arrives, and no other call's", async () => {
    const router = new EventRouter();
    const play = router.begin({ terminal: PLAY_END, timeoutMs: 1000, callConnectionId: "c1" });
    const recognize = router.begin({ terminal: ["RecognizeCompleted"], timeoutMs: 1000 });
    recognize.attachCall("c1");
    const learnt = router.begin({ terminal: ["RecognizeCompleted"], timeoutMs: 1000 });
    router.dispatch(ev("RecognizeStarted", "c1", learnt.operationContext)); // links it to c1
    const other = router.begin({ terminal: PLAY_END, timeoutMs: 1000, callConnectionId: "c2" });
    const hangUp = router.begin({ terminal: ["CallDisconnected"], timeoutMs: 1000, callConnectionId: "c1" });

    const disconnected = ev("CallDisconnected", "c1", hangUp.operationContext);
    assert.equal(router.dispatch(disconnected), "claimed");
    assert.equal((await hangUp.result).kind, "event");
    for (const op of [play, recognize, learnt]) {
      const outcome = await op.result;
      assert.equal(outcome.kind, "callEnded");
      assert.equal(outcome.kind === "callEnded" && outcome.event, disconnected);
    }
    assert.equal(router.waiting, 1);
    other.cancel();
    assert.deepEqual(await other.result, { kind: "canceled" });
    assert.equal(router.waiting, 0);
  });

  it("tells call watchers every event of their call, and forgets them when the call ends", () => {
    const router = new EventRouter();
    const seen: string[] = [];
    router.watchCall("c1", (e) => seen.push(e.type));
    router.dispatch(ev("ParticipantsUpdated", "c1"));
    router.dispatch(ev("ParticipantsUpdated", "c2"));
    router.dispatch(ev("CallDisconnected", "c1"));
    router.dispatch(ev("ParticipantsUpdated", "c1"));
    assert.deepEqual(seen, ["ParticipantsUpdated", "CallDisconnected"]);
  });

  it("keeps routing when a listener throws", async () => {
    const router = new EventRouter();
    router.onUnclaimed(() => {
      throw new Error("listener bug");
    });
    router.watchCall("c1", () => {
      throw new Error("watcher bug");
    });
    const op = router.begin({ terminal: PLAY_END, timeoutMs: 1000, callConnectionId: "c1" });
    router.dispatch(ev("ParticipantsUpdated", "c1"));
    assert.equal(router.dispatch(ev("PlayCompleted", "c1", op.operationContext)), "claimed");
    assert.equal((await op.result).kind, "event");
  });

  it("settles an operation once: a second terminal event is nobody's", async () => {
    const router = new EventRouter();
    const op = router.begin({ terminal: PLAY_END, timeoutMs: 1000 });
    router.dispatch(ev("PlayFailed", "c1", op.operationContext));
    assert.equal(router.dispatch(ev("PlayCompleted", "c1", op.operationContext)), "unclaimed");
    const outcome = await op.result;
    assert.equal(outcome.kind === "event" && outcome.event.type, "PlayFailed");
  });

  describe("memory of ended calls", () => {
    /** A router whose timers the test can see: which are armed, which were cleared. */
    function timedRouter(options: { dedupeCapacity?: number } = {}) {
      const armed = new Set<number>();
      let next = 0;
      const router = new EventRouter({
        ...options,
        setTimer: () => {
          armed.add(++next);
          return next;
        },
        clearTimer: (h) => armed.delete(h as number),
      });
      return { router, armed };
    }

    it("knows a call has ended once its CallDisconnected arrived, and only that call", () => {
      const router = new EventRouter();
      assert.equal(router.hasEnded("c1"), false);
      router.dispatch(ev("ParticipantsUpdated", "c1"));
      assert.equal(router.hasEnded("c1"), false);
      router.dispatch(ev("CallDisconnected", "c1"));
      assert.equal(router.hasEnded("c1"), true);
      assert.equal(router.hasEnded("c2"), false);
      // A CallDisconnected without a call id ends nothing.
      router.dispatch(ev("CallDisconnected", undefined));
      assert.equal(router.hasEnded(""), false);
    });

    it("settles at once with callEnded an operation begun on an ended call, and leaves no timer or wait behind", async () => {
      const { router, armed } = timedRouter();
      router.dispatch(ev("CallDisconnected", "c1"));
      const op = router.begin({ terminal: PLAY_END, timeoutMs: 60000, callConnectionId: "c1" });
      assert.deepEqual(await op.result, { kind: "callEnded" });
      assert.equal(router.waiting, 0);
      assert.equal(armed.size, 0, "the time-out timer was cleared");
      // Its context is free again, and a late event for it is nobody's.
      assert.equal(router.dispatch(ev("PlayCompleted", "c1", op.operationContext)), "unclaimed");
    });

    it("settles at once with callEnded when an operation is attached to an ended call", async () => {
      const { router, armed } = timedRouter();
      const op = router.begin({ terminal: ["CallConnected", "CreateCallFailed"], timeoutMs: 60000 });
      assert.equal(router.waiting, 1);
      router.dispatch(ev("CallDisconnected", "c9"));
      op.attachCall("c9");
      assert.deepEqual(await op.result, { kind: "callEnded" });
      assert.equal(router.waiting, 0);
      assert.equal(armed.size, 0);
      // Attaching again, or cancelling, changes nothing.
      op.attachCall("c9");
      op.cancel();
      assert.deepEqual(await op.result, { kind: "callEnded" });
    });

    it("does not end waits on other calls, nor waits attached before the end (those get the event itself)", async () => {
      const router = new EventRouter();
      const before = router.begin({ terminal: PLAY_END, timeoutMs: 1000, callConnectionId: "c1" });
      const other = router.begin({ terminal: PLAY_END, timeoutMs: 1000, callConnectionId: "c2" });
      const disconnected = ev("CallDisconnected", "c1");
      router.dispatch(disconnected);
      const outcome = await before.result;
      assert.equal(outcome.kind === "callEnded" && outcome.event, disconnected);
      assert.equal(router.waiting, 1);
      assert.equal(router.dispatch(ev("PlayCompleted", "c2", other.operationContext)), "claimed");
      assert.equal((await other.result).kind, "event");
    });

    it("remembers ended calls up to its capacity, forgetting the oldest first", async () => {
      const router = new EventRouter({ dedupeCapacity: 2 });
      for (const c of ["c1", "c2", "c3"]) router.dispatch(ev("CallDisconnected", c));
      assert.equal(router.hasEnded("c1"), false);
      assert.equal(router.hasEnded("c2"), true);
      assert.equal(router.hasEnded("c3"), true);
      // A forgotten call is waited on again like any other.
      const op = router.begin({ terminal: PLAY_END, timeoutMs: 1000, callConnectionId: "c1" });
      assert.equal(router.waiting, 1);
      router.dispatch(ev("PlayCompleted", "c1", op.operationContext));
      assert.equal((await op.result).kind, "event");
    });

    it("forgets the call's watchers when it ends, and a duplicate CallDisconnected changes nothing", () => {
      const router = new EventRouter();
      const seen: string[] = [];
      router.watchCall("c1", (e) => seen.push(e.type));
      const end = ev("CallDisconnected", "c1");
      router.dispatch(end);
      assert.equal(router.dispatch({ ...end }), "duplicate");
      assert.deepEqual(seen, ["CallDisconnected"]);
      assert.equal(router.hasEnded("c1"), true);
    });
  });
});
