/**
 * `GET /simulator/changes`: the long-poll a live client (the softphone) uses instead of polling
 * every call. A request returns as soon as a call changes (dialed, ringing at the far end, a
 * prompt starts or stops, the application starts or stops listening, the call ends), with what
 * changed: `heardCount`, `playing` (the prompt sounding now) and `listening` (keys, speech) in
 * each call's summary. Waiting requests are bounded, and forgotten when their client goes away.
 */
import assert from "node:assert/strict";
import type { CallInvite } from "@azure/communication-call-automation";
import { Harness, type LegSummary, waitFor } from "../support/harness";

const OWNED = "+18005550100";
const CALLER = "+14255550100";

interface Summary extends LegSummary {
  heardCount: number;
  playing?: number;
  listening?: { keys: boolean; speech: boolean };
  lastHeard?: { kind: string; content: string; via: string };
}
interface Changes {
  cursor: string;
  snapshot: boolean;
  calls: Summary[];
}
type ErrorBody = { error: { code: string; message: string } };

const pstn = (number: string): CallInvite => ({ targetParticipant: { phoneNumber: number }, sourceCallIdNumber: { phoneNumber: OWNED } });

describe("simulator control API: GET /changes (live clients)", function () {
  let h: Harness;

  beforeEach(async () => {
    h = await Harness.start({ speed: 50, fileDurationMs: 600_000 });
  });
  afterEach(async () => {
    await h.stop();
  });

  const changes = (query = "") => h.control<Changes>("GET", `/changes${query}`);
  const cursorNow = async (): Promise<string> => (await changes()).body.cursor;

  /** Follow the long-poll from now until `legId` shows what `check` wants; return that summary. */
  async function watchUntil(legId: string, check: (leg: Summary) => boolean, what: string): Promise<Summary> {
    let cursor = await cursorNow();
    const now = (await h.control<Summary>("GET", `/calls/${legId}`)).body;
    if (check(now)) return now;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const reply = await changes(`?since=${cursor}&wait=5`);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.equal(reply.body.snapshot, false);
      cursor = reply.body.cursor;
      const leg = reply.body.calls.find((c) => c.id === legId);
      if (leg && check(leg)) return leg;
    }
    throw new Error(`Timed out watching for ${what}`);
  }

  it("without a cursor: a snapshot of the calls not ended, and a cursor to wait from", async () => {
    const ringing = await h.control<Summary>("POST", "/calls", { from: CALLER, to: OWNED });
    const gone = await h.control<Summary>("POST", "/calls", { from: "+14255550101", to: OWNED });
    await h.control("POST", `/calls/${gone.body.id}/hangup`);
    const reply = await changes();
    assert.equal(reply.status, 200);
    assert.equal(reply.body.snapshot, true);
    assert.match(reply.body.cursor, /^[0-9a-f]{8}\.\d+$/);
    assert.deepEqual(reply.body.calls.map((c) => c.id), [ringing.body.id], "the ringing call, not the ended one");
    assert.equal(reply.body.calls[0].state, "ringing");
    assert.equal(reply.body.calls[0].heardCount, 0);
  });

  it("a waiting request returns as soon as a call is dialed, with that call", async () => {
    const cursor = await cursorNow();
    const waiting = changes(`?since=${cursor}&wait=30`);
    await waitFor(() => h.sim.engine.changes.watching === 1 || undefined, "the request to wait");
    const dialed = await h.control<Summary>("POST", "/calls", { from: CALLER, to: OWNED });
    const reply = await waiting;
    assert.equal(reply.status, 200);
    assert.equal(reply.body.snapshot, false);
    assert.notEqual(reply.body.cursor, cursor);
    const leg = reply.body.calls.find((c) => c.id === dialed.body.id);
    assert.ok(leg, "the dialed call is in the reply");
    assert.equal(leg.direction, "inbound");
    assert.equal(h.sim.engine.changes.watching, 0);
  });

  it("returns at once what changed since the cursor; with nothing new, an empty reply after the wait (or at once with wait=0)", async () => {
    const cursor = await cursorNow();
    const dialed = await h.control<Summary>("POST", "/calls", { from: CALLER, to: OWNED });
    const first = await changes(`?since=${cursor}&wait=30`);
    assert.deepEqual(first.body.calls.map((c) => c.id), [dialed.body.id]);

    const idle = await changes(`?since=${first.body.cursor}&wait=0`);
    assert.deepEqual(idle.body, { cursor: first.body.cursor, snapshot: false, calls: [] });
    const waited = await changes(`?since=${first.body.cursor}&wait=0.2`);
    assert.deepEqual(waited.body, { cursor: first.body.cursor, snapshot: false, calls: [] });
    const plain = await changes(`?since=${first.body.cursor}`);
    assert.deepEqual(plain.body.calls, [], "no wait given: no waiting");
  });

  it("an outbound call the application makes rings here: direction outbound, state ringing; answering it is a change too", async () => {
    const cursor = await cursorNow();
    const waiting = changes(`?since=${cursor}&wait=30`);
    await waitFor(() => h.sim.engine.changes.watching === 1 || undefined, "the request to wait");
    const created = await h.client.createCall(pstn("+14255550150"), h.callbackUrl());
    const reply = await waiting;
    const leg = reply.body.calls.find((c) => c.callConnectionIds.includes(created.callConnectionProperties.callConnectionId as string));
    assert.ok(leg, "the ringing target is reported");
    assert.equal(leg.direction, "outbound");
    assert.equal(leg.state, "ringing");
    assert.equal(leg.to, "4:+14255550150");

    const after = changes(`?since=${reply.body.cursor}&wait=30`);
    await h.control("POST", `/calls/${leg.id}/answer`);
    const answered = (await after).body.calls.find((c) => c.id === leg.id);
    assert.equal(answered?.state, "connected");
  });

  it("a prompt as it plays: heardCount and playing while it sounds, playing gone once it is canceled; the end of the call", async () => {
    const { legId, connection } = await h.dialInAndAnswer(CALLER, OWNED);
    await connection.getCallMedia().playToAll([{ kind: "fileSource", url: "https://media.example.invalid/audio/welcome%20message.wav?sig=secret" }], { operationContext: "music" });
    const playing = await watchUntil(legId, (l) => l.heardCount === 1, "the prompt to play");
    assert.equal(playing.playing, 0, "the first prompt sounds now");
    assert.equal(playing.lastHeard?.kind, "file");

    await connection.getCallMedia().cancelAllOperations();
    const silent = await watchUntil(legId, (l) => l.playing === undefined, "the prompt to stop");
    assert.equal(silent.heardCount, 1, "what was heard stays heard");
    assert.equal((await h.control<Summary>("GET", `/calls/${legId}`)).body.playing, undefined);

    await connection.hangUp(true);
    const ended = await watchUntil(legId, (l) => l.state === "ended", "the call to end");
    assert.equal(ended.listening, undefined);
  });

  it("listening: keys while a DTMF recognizer listens (and during a prompt it lets keys interrupt), none once it has its key", async () => {
    const { legId, callConnectionId, connection } = await h.dialInAndAnswer(CALLER, OWNED);
    await connection.getCallMedia().startRecognizing({ phoneNumber: CALLER }, {
      kind: "callMediaRecognizeDtmfOptions",
      maxTonesToCollect: 1,
      interruptPrompt: true,
      playPrompt: { kind: "fileSource", url: "https://media.example.invalid/menu.wav" },
      initialSilenceTimeoutInSeconds: 300,
      operationContext: "menu",
    });
    const prompting = await watchUntil(legId, (l) => l.heardCount === 1, "the menu prompt");
    assert.equal(prompting.playing, 0);
    assert.deepEqual(prompting.listening, { keys: true, speech: false }, "keys interrupt this prompt");

    await h.control("POST", `/calls/${legId}/dtmf`, { tones: "1" });
    await h.waitForCallback(callConnectionId, "RecognizeCompleted");
    const done = await watchUntil(legId, (l) => l.listening === undefined, "the recognizer to stop listening");
    assert.equal(done.playing, undefined, "the key cut the prompt short");
  });

  it("listening: keys only after a prompt that keys do not interrupt; speech for a speech recognizer; keys for continuous DTMF", async () => {
    const { legId, connection } = await h.dialInAndAnswer(CALLER, OWNED);
    const media = connection.getCallMedia();
    await media.startRecognizing({ phoneNumber: CALLER }, {
      kind: "callMediaRecognizeDtmfOptions",
      maxTonesToCollect: 1,
      interruptPrompt: false,
      playPrompt: { kind: "textSource", text: "Press one." },
      initialSilenceTimeoutInSeconds: 300,
    });
    const heard = await watchUntil(legId, (l) => l.heardCount === 1, "the prompt");
    assert.ok(heard.listening === undefined || heard.playing === undefined, "not listening while an uninterruptible prompt plays");
    const listening = await watchUntil(legId, (l) => l.listening !== undefined, "the recognizer to listen");
    assert.deepEqual(listening.listening, { keys: true, speech: false });
    assert.equal(listening.playing, undefined);

    await media.cancelAllOperations();
    await watchUntil(legId, (l) => l.listening === undefined, "the recognizer to be canceled");
    await media.startRecognizing({ phoneNumber: CALLER }, { kind: "callMediaRecognizeSpeechOptions", initialSilenceTimeoutInSeconds: 300 });
    const speech = await watchUntil(legId, (l) => l.listening !== undefined, "the speech recognizer");
    assert.deepEqual(speech.listening, { keys: false, speech: true });

    await media.cancelAllOperations();
    await watchUntil(legId, (l) => l.listening === undefined, "the speech recognizer to be canceled");
    await media.startContinuousDtmfRecognition({ phoneNumber: CALLER });
    const continuous = await watchUntil(legId, (l) => l.listening !== undefined, "continuous DTMF");
    assert.deepEqual(continuous.listening, { keys: true, speech: false });
  });

  it("hold music plays until the caller is taken off hold", async () => {
    const { legId, connection } = await h.dialInAndAnswer(CALLER, OWNED);
    const media = connection.getCallMedia();
    await media.hold({ phoneNumber: CALLER }, { playSource: { kind: "fileSource", url: "https://media.example.invalid/hold.wav" } });
    const held = await watchUntil(legId, (l) => l.heardCount === 1, "hold music");
    assert.equal(held.playing, 0);
    assert.equal(held.lastHeard?.via, "hold");
    await media.unhold({ phoneNumber: CALLER });
    const back = await watchUntil(legId, (l) => l.playing === undefined, "the music to stop");
    assert.equal(back.heardCount, 1);
  });

  it("a cursor of another run (a restarted simulator), or ahead of this one, gets a snapshot", async () => {
    const dialed = await h.control<Summary>("POST", "/calls", { from: CALLER, to: OWNED });
    const stale = await changes("?since=00000000.3&wait=30");
    assert.equal(stale.status, 200);
    assert.equal(stale.body.snapshot, true);
    assert.deepEqual(stale.body.calls.map((c) => c.id), [dialed.body.id]);
    const epoch = stale.body.cursor.split(".")[0];
    const ahead = await changes(`?since=${epoch}.999999&wait=30`);
    assert.equal(ahead.body.snapshot, true);
  });

  it("bad input gets a clear 400", async () => {
    const cursor = await cursorNow();
    for (const query of ["?since=abc", "?since=", "?since=12345678", `?since=${cursor}x`]) {
      const reply = await h.control<ErrorBody>("GET", `/changes${query}`);
      assert.equal(reply.status, 400, query);
      assert.match(reply.body.error.message, /since/, query);
    }
    for (const wait of ["-1", "61", "abc", "", "Infinity"]) {
      const reply = await h.control<ErrorBody>("GET", `/changes?since=${cursor}&wait=${wait}`);
      assert.equal(reply.status, 400, `wait=${wait}`);
      assert.match(reply.body.error.message, /wait must be a number of seconds from 0 to 60/, `wait=${wait}`);
    }
    const post = await h.control<ErrorBody>("POST", "/changes", {});
    assert.equal(post.status, 405);
  });

  it("a request whose client goes away is forgotten at once", async () => {
    const cursor = await cursorNow();
    const abort = new AbortController();
    const request = fetch(`${h.sim.controlBase}/changes?since=${cursor}&wait=60`, { signal: abort.signal }).catch((err: Error) => err);
    await waitFor(() => h.sim.engine.changes.watching === 1 || undefined, "the request to wait");
    assert.equal((await h.control<{ watching: number }>("GET", "/")).body.watching, 1);
    abort.abort();
    assert.ok((await request) instanceof Error);
    await waitFor(() => h.sim.engine.changes.watching === 0 || undefined, "the request to be forgotten");
    // Still serving: the next change reaches a new request.
    const next = changes(`?since=${cursor}&wait=30`);
    await h.control("POST", "/calls", { from: CALLER, to: OWNED });
    assert.equal((await next).body.calls.length, 1);
  });

  it("stopping the simulator answers the requests still waiting", async () => {
    const cursor = await cursorNow();
    const waiting = fetch(`${h.sim.controlBase}/changes?since=${cursor}&wait=60`).then((r) => r.status, () => "closed");
    await waitFor(() => h.sim.engine.changes.watching === 1 || undefined, "the request to wait");
    await h.sim.stop();
    assert.equal(h.sim.engine.changes.watching, 0);
    assert.ok([200, "closed"].includes(await waiting));
  });
});

describe("simulator control API: GET /changes is bounded", function () {
  let h: Harness;

  beforeEach(async () => {
    h = await Harness.start({ speed: 50, maxWatchers: 2 });
  });
  afterEach(async () => {
    await h.stop();
  });

  it("more waiting requests than maxWatchers get 503; those waiting are served, and room frees up", async () => {
    const cursor = (await h.control<Changes>("GET", "/changes")).body.cursor;
    const first = h.control<Changes>("GET", `/changes?since=${cursor}&wait=30`);
    const second = h.control<Changes>("GET", `/changes?since=${cursor}&wait=30`);
    await waitFor(() => h.sim.engine.changes.watching === 2 || undefined, "two requests to wait");
    const third = await h.control<ErrorBody>("GET", `/changes?since=${cursor}&wait=30`);
    assert.equal(third.status, 503);
    assert.equal(third.body.error.code, "TooManyWatchers");
    assert.match(third.body.error.message, /Too many clients are watching \(2\)/);
    // A request that need not wait is still answered.
    assert.equal((await h.control<Changes>("GET", `/changes?since=${cursor}&wait=0`)).status, 200);

    const dialed = await h.control<Summary>("POST", "/calls", { from: CALLER, to: OWNED });
    for (const reply of await Promise.all([first, second])) {
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body.calls.map((c) => c.id), [dialed.body.id]);
    }
    assert.equal(h.sim.engine.changes.watching, 0);
    const again = h.control<Changes>("GET", `/changes?since=${(await first).body.cursor}&wait=30`);
    await waitFor(() => h.sim.engine.changes.watching === 1 || undefined, "a new request to wait");
    await h.control("POST", `/calls/${dialed.body.id}/hangup`);
    assert.equal((await again).body.calls[0].state, "ended");
  });
});
