/**
 * The control API (the far end of every call): each endpoint with good input, and bad input to
 * each answered with a clear 4xx `{error:{code,message}}`, never a crash or a 500.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { CallInvite } from "@azure/communication-call-automation";
import { accessKeyOf } from "../support/signed-fetch";
import { Harness, type LegView, type LegSummary } from "../support/harness";

const OWNED = "+18005550100";
const CALLER = "+14255550100";

type ErrorBody = { error: { code: string; message: string } };

const pstn = (number: string): CallInvite => ({ targetParticipant: { phoneNumber: number }, sourceCallIdNumber: { phoneNumber: OWNED } });

describe("simulator control API", function () {
  let h: Harness;

  beforeEach(async () => {
    h = await Harness.start({ speed: 50 });
  });
  afterEach(async () => {
    await h.stop();
  });

  /** A raw request to the control API (body sent verbatim when a string). */
  async function raw(method: string, path: string, body?: string): Promise<{ status: number; contentType: string | null; text: string; json: unknown }> {
    const res = await fetch(`${h.sim.controlBase}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body,
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, contentType: res.headers.get("content-type"), text, json };
  }

  /** Expect a clear 4xx: the status, JSON, `{error:{code,message}}` with a message matching `message`. */
  async function expectError(method: string, path: string, body: unknown, status: number, message?: RegExp): Promise<ErrorBody> {
    const reply = await raw(method, path, body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body));
    const what = `${method} ${path} ${typeof body === "string" ? body : JSON.stringify(body)}`;
    assert.equal(reply.status, status, `${what}: ${reply.status} ${reply.text}`);
    assert.match(reply.contentType ?? "", /application\/json/, what);
    const err = (reply.json as ErrorBody | undefined)?.error;
    assert.ok(err && typeof err.code === "string" && err.code !== "" && typeof err.message === "string" && err.message !== "", `${what}: ${reply.text}`);
    if (message) assert.match(err.message, message, what);
    return reply.json as ErrorBody;
  }

  /** An outbound call from the app (SDK createCall) that rings at the far end. */
  async function outboundRinging(number = "+14255550150") {
    const created = await h.client.createCall(pstn(number), h.callbackUrl());
    const id = created.callConnectionProperties.callConnectionId as string;
    const legs = (await h.control<LegSummary[]>("GET", "/calls?state=ringing")).body;
    const leg = legs.find((l) => l.callConnectionIds.includes(id));
    assert.ok(leg, "the outbound call rings at the far end");
    return { callConnectionId: id, legId: leg.id, leg };
  }

  it("GET / describes the simulator without secrets", async () => {
    const { status, body } = await h.control<Record<string, unknown>>("GET", "/");
    assert.equal(status, 200);
    assert.equal(body.endpoint, h.sim.endpoint);
    assert.equal(body.controlBase, h.sim.controlBase);
    assert.equal(body.issuer, h.sim.issuer);
    assert.equal(body.resourceId, h.sim.resourceId);
    assert.deepEqual(body.ownedNumbers, [OWNED]);
    const text = JSON.stringify(body);
    const key = accessKeyOf(h.sim.connectionString);
    assert.ok(!text.includes(key), "no access key");
    assert.ok(!text.includes(Buffer.from(key, "base64").toString("base64url")), "no access key in another encoding");
    assert.ok(!/accesskey/i.test(text), "no connection string");
    for (const c of h.sim.entraClients) assert.ok(!text.includes(c.clientSecret), "no Entra client secret");
    const bare = await raw("GET", "");
    assert.equal(bare.status, 200);
  });

  describe("subscriptions", () => {
    it("adds, lists and deletes a subscription", async () => {
      const before = (await h.control<Array<{ id: string; url: string }>>("GET", "/subscriptions")).body;
      assert.equal(before.length, 1, "the harness's own subscription");
      const url = `${h.eventGridUrl}?second=1`;
      const added = await h.control<{ id: string; url: string; eventTypes?: string[] }>("POST", "/subscriptions", {
        url,
        eventTypes: ["Microsoft.Communication.IncomingCall"],
      });
      assert.equal(added.status, 201);
      assert.equal(added.body.url, url);
      assert.deepEqual(added.body.eventTypes, ["Microsoft.Communication.IncomingCall"]);
      const listed = (await h.control<Array<{ id: string }>>("GET", "/subscriptions")).body;
      assert.deepEqual(listed.map((s) => s.id).sort(), [before[0].id, added.body.id].sort());

      // Both subscriptions get the next IncomingCall.
      const leg = await h.control<LegSummary>("POST", "/calls", { from: CALLER, to: OWNED });
      await h.waitFor(async () => h.eventGrid.filter((e) => e.data.serverCallId === leg.body.serverCallId).length === 2, "two deliveries");

      const removed = await raw("DELETE", `/subscriptions/${added.body.id}`);
      assert.equal(removed.status, 204);
      assert.deepEqual((await h.control<Array<{ id: string }>>("GET", "/subscriptions")).body.map((s) => s.id), [before[0].id]);
      await expectError("DELETE", `/subscriptions/${added.body.id}`, undefined, 404);

      // After the delete only one subscription gets an IncomingCall.
      const next = await h.control<LegSummary>("POST", "/calls", { from: CALLER, to: OWNED });
      await h.waitForEventGrid((e) => e.data.serverCallId === next.body.serverCallId, "IncomingCall");
      await h.waitFor(
        async () =>
          (await h.control<Array<{ eventType: string; delivered: boolean; attempts: number }>>("GET", "/deliveries")).body.filter((d) => d.eventType.endsWith("IncomingCall")).length === 3,
        "delivery records",
      );
      assert.equal(h.eventGrid.filter((e) => e.data.serverCallId === next.body.serverCallId).length, 1);
    });

    it("refuses bad subscriptions with 400", async () => {
      await expectError("POST", "/subscriptions", {}, 400, /url/);
      await expectError("POST", "/subscriptions", { url: "" }, 400, /url/);
      await expectError("POST", "/subscriptions", { url: 42 }, 400, /url/);
      await expectError("POST", "/subscriptions", { url: "not a url" }, 400, /url/);
      await expectError("POST", "/subscriptions", { url: "ftp://127.0.0.1/hook" }, 400, /http/);
      await expectError("POST", "/subscriptions", { url: h.eventGridUrl, eventTypes: "Microsoft.Communication.IncomingCall" }, 400, /eventTypes/);
      await expectError("POST", "/subscriptions", { url: h.eventGridUrl, eventTypes: [1] }, 400, /eventTypes/);
      await expectError("POST", "/subscriptions", { url: "http://127.0.0.1:1/unreachable" }, 400, /handshake/);
      await expectError("POST", "/subscriptions", "{url:", 400, /JSON/);
      await expectError("POST", "/subscriptions", `["${h.eventGridUrl}"]`, 400, /object/);
      await expectError("POST", "/subscriptions", '"text"', 400, /object/);
      await expectError("DELETE", "/subscriptions/nope", undefined, 404);
      await expectError("PUT", "/subscriptions", { url: h.eventGridUrl }, 405);
      await expectError("GET", "/subscriptions/some-id", undefined, 405);
      assert.equal((await h.control<unknown[]>("GET", "/subscriptions")).body.length, 1);
    });
  });

  describe("calls", () => {
    it("POST /calls dials a number: the call rings and IncomingCall is delivered", async () => {
      const { status, body } = await h.control<LegSummary>("POST", "/calls", { from: CALLER, to: OWNED });
      assert.equal(status, 201);
      assert.ok(body.id);
      assert.equal(body.direction, "inbound");
      assert.equal(body.state, "ringing");
      assert.equal(body.from, `4:${CALLER}`);
      assert.equal(body.to, `4:${OWNED}`);
      const incoming = await h.waitForEventGrid((e) => e.data.serverCallId === body.serverCallId, "IncomingCall");
      assert.equal(incoming.eventType, "Microsoft.Communication.IncomingCall");
      assert.equal((incoming.data.from as { rawId: string }).rawId, `4:${CALLER}`);
      // An ACS user can dial in too.
      const user = "8:acs:11111111-2222-3333-4444-555555555555_00000000-0000-0000-0000-000000000009";
      const fromUser = await h.control<LegSummary>("POST", "/calls", { from: user, to: OWNED });
      assert.equal(fromUser.status, 201);
      assert.equal(fromUser.body.from, user);
    });

    it("POST /calls carries custom SIP and VoIP headers", async () => {
      const sipHeaders = { "User-To-User": "abc123;encoding=hex", "X-MS-Custom-Order": "42" };
      const voipHeaders = { ticket: "T-7" };
      const { status, body } = await h.control<LegSummary>("POST", "/calls", { from: CALLER, to: OWNED, sipHeaders, voipHeaders });
      assert.equal(status, 201);
      const incoming = await h.waitForEventGrid((e) => e.data.serverCallId === body.serverCallId, "IncomingCall");
      assert.deepEqual(incoming.data.customContext, { sipHeaders, voipHeaders });
      const full = await h.leg(body.id);
      assert.deepEqual(full.customContext, { sipHeaders, voipHeaders });
    });

    it("POST /calls joins a group call or a room, which the app can connect to", async () => {
      const groupCallId = randomUUID();
      const joined = await h.control<LegSummary>("POST", "/calls", { from: CALLER, groupCallId });
      assert.equal(joined.status, 201);
      assert.equal(joined.body.state, "connected");
      const connected = await h.client.connectCall({ kind: "groupCallLocator", id: groupCallId }, h.callbackUrl());
      const id = connected.callConnectionProperties.callConnectionId as string;
      await h.waitForCallback(id, "CallConnected");
      const participants = await h.client.getCallConnection(id).listParticipants();
      assert.ok((participants.values ?? []).some((p) => (p.identifier as { phoneNumber?: string }).phoneNumber === CALLER));
      assert.ok((await h.leg(joined.body.id)).callConnectionIds.includes(id));

      const room = await h.control<LegSummary>("POST", "/calls", { from: "+14255550111", roomId: "room-1" });
      assert.equal(room.status, 201);
      assert.equal(room.body.state, "connected");
      const second = await h.control<LegSummary>("POST", "/calls", { from: "+14255550112", roomId: "room-1" });
      assert.equal(second.body.serverCallId, room.body.serverCallId, "the same room is the same call");
    });

    it("refuses bad dial-ins with 400", async () => {
      const before = (await h.control<unknown[]>("GET", "/calls")).body.length;
      await expectError("POST", "/calls", {}, 400, /from/);
      await expectError("POST", "/calls", { to: OWNED }, 400, /from/);
      await expectError("POST", "/calls", { from: "hello", to: OWNED }, 400, /from/);
      await expectError("POST", "/calls", { from: 14255550100, to: OWNED }, 400, /from/);
      await expectError("POST", "/calls", { from: "+0123", to: OWNED }, 400, /from/);
      await expectError("POST", "/calls", { from: "4:abc", to: OWNED }, 400, /from/);
      await expectError("POST", "/calls", { from: "8:", to: OWNED }, 400, /from/);
      await expectError("POST", "/calls", { from: CALLER, to: "4:" }, 400, /to/);
      await expectError("POST", "/calls", { from: CALLER }, 400, /to/);
      await expectError("POST", "/calls", { from: CALLER, to: "" }, 400, /to/);
      await expectError("POST", "/calls", { from: CALLER, to: "18005550100" }, 400, /to/);
      await expectError("POST", "/calls", { from: CALLER, to: ["+18005550100"] }, 400, /to/);
      await expectError("POST", "/calls", { from: CALLER, to: OWNED, sipHeaders: { a: 1 } }, 400, /sipHeaders/);
      await expectError("POST", "/calls", { from: CALLER, to: OWNED, voipHeaders: "x" }, 400, /voipHeaders/);
      await expectError("POST", "/calls", { from: CALLER, groupCallId: "g", roomId: "r" }, 400, /not both/);
      await expectError("POST", "/calls", { from: CALLER, groupCallId: 5 }, 400, /groupCallId/);
      await expectError("POST", "/calls", "{", 400, /JSON/);
      await expectError("POST", "/calls", "[]", 400, /object/);
      await expectError("POST", "/calls", "null", 400, /object/);
      await expectError("POST", "/calls", "", 400, /from/);
      await expectError("PUT", "/calls", { from: CALLER, to: OWNED }, 405);
      await expectError("DELETE", "/calls", undefined, 405);
      assert.equal((await h.control<unknown[]>("GET", "/calls")).body.length, before, "no call was made");
    });

    it("GET /calls lists inbound and outbound calls, filtered by state", async () => {
      const inbound = await h.control<LegSummary>("POST", "/calls", { from: CALLER, to: OWNED });
      const { legId: outboundId } = await outboundRinging();
      const answered = await h.dialInAndAnswer("+14255550160");
      const all = (await h.control<LegSummary[]>("GET", "/calls")).body;
      const byId = new Map(all.map((l) => [l.id, l]));
      assert.equal(byId.get(inbound.body.id)?.direction, "inbound");
      assert.equal(byId.get(outboundId)?.direction, "outbound");
      assert.equal(byId.get(answered.legId)?.state, "connected");

      const ringing = (await h.control<LegSummary[]>("GET", "/calls?state=ringing")).body;
      assert.deepEqual(ringing.map((l) => l.id).sort(), [inbound.body.id, outboundId].sort());
      const connected = (await h.control<LegSummary[]>("GET", "/calls?state=connected")).body;
      assert.deepEqual(connected.map((l) => l.id), [answered.legId]);
      await h.control("POST", `/calls/${answered.legId}/hangup`);
      const ended = (await h.control<LegSummary[]>("GET", "/calls?state=ended")).body;
      assert.deepEqual(ended.map((l) => l.id), [answered.legId]);
      await expectError("GET", "/calls?state=bogus", undefined, 400, /state/);
    });

    it("GET /calls/{id} shows what the caller heard, the events, participants and timeline", async () => {
      const { legId, callConnectionId, connection } = await h.dialInAndAnswer();
      await connection.getCallMedia().playToAll([{ kind: "textSource", text: "Welcome to the clinic." }], { operationContext: "welcome" });
      await h.waitForCallback(callConnectionId, "PlayCompleted");
      const leg: LegView = await h.leg(legId);
      assert.equal(leg.id, legId);
      assert.equal(leg.state, "connected");
      assert.equal(leg.heard.length, 1);
      assert.equal(leg.heard[0].kind, "text");
      assert.equal(leg.heard[0].content, "Welcome to the clinic.");
      const types = leg.events.map((e) => e.type);
      for (const t of ["CallConnected", "ParticipantsUpdated", "PlayCompleted"]) assert.ok(types.includes(t), `${t} in ${types.join(",")}`);
      assert.ok(leg.participants.includes(`4:${CALLER}`));
      assert.ok(leg.timeline.length >= 2);
      assert.ok(leg.timeline.every((t) => typeof t.what === "string"));
      assert.deepEqual(leg.callConnectionIds, [callConnectionId]);

      await expectError("GET", `/calls/${randomUUID()}`, undefined, 404);
      await expectError("DELETE", `/calls/${legId}`, undefined, 405);
      await expectError("PUT", `/calls/${legId}`, {}, 405);
    });
  });

  describe("far-end actions", () => {
    it("/dtmf presses keys given as a string or as tone names", async () => {
      const { legId, callConnectionId, connection } = await h.dialInAndAnswer();
      await connection.getCallMedia().startContinuousDtmfRecognition({ phoneNumber: CALLER });
      const pressed = await h.control<{ tones: string[]; outcomes: string[] }>("POST", `/calls/${legId}/dtmf`, { tones: "12#" });
      assert.equal(pressed.status, 200);
      assert.deepEqual(pressed.body.tones, ["one", "two", "pound"]);
      assert.deepEqual(pressed.body.outcomes, ["recognized", "recognized", "recognized"]);
      const names = await h.control<{ tones: string[] }>("POST", `/calls/${legId}/dtmf`, { tones: ["Nine", "asterisk", "a"] });
      assert.equal(names.status, 200);
      assert.deepEqual(names.body.tones, ["nine", "asterisk", "a"]);
      await h.waitForCallback(callConnectionId, "ContinuousDtmfRecognitionToneReceived", 5000, 6);
      const tones = h
        .eventsOf(callConnectionId)
        .filter((e) => e.type === "ContinuousDtmfRecognitionToneReceived")
        .map((e) => (e.raw.data as { tone: string }).tone);
      assert.deepEqual(tones, ["one", "two", "pound", "nine", "asterisk", "a"]);
    });

    it("/dtmf refuses invalid tones (400), an unknown call (404) and a call that is not connected (409)", async () => {
      const { legId } = await h.dialInAndAnswer();
      await expectError("POST", `/calls/${legId}/dtmf`, {}, 400, /tones/);
      await expectError("POST", `/calls/${legId}/dtmf`, { tones: "" }, 400, /tones/);
      await expectError("POST", `/calls/${legId}/dtmf`, { tones: "12x" }, 400, /tones/);
      await expectError("POST", `/calls/${legId}/dtmf`, { tones: [] }, 400, /tones/);
      await expectError("POST", `/calls/${legId}/dtmf`, { tones: ["one", "eleven"] }, 400, /tones/);
      await expectError("POST", `/calls/${legId}/dtmf`, { tones: [1] }, 400, /tones/);
      await expectError("POST", `/calls/${legId}/dtmf`, { tones: 5 }, 400, /tones/);
      await expectError("POST", `/calls/${legId}/dtmf`, { tones: "1".repeat(51) }, 400, /tones/);
      await expectError("POST", `/calls/${legId}/dtmf`, "not json", 400, /JSON/);
      await expectError("POST", `/calls/${randomUUID()}/dtmf`, { tones: "1" }, 404);
      const ringing = await h.control<LegSummary>("POST", "/calls", { from: "+14255550170", to: OWNED });
      await expectError("POST", `/calls/${ringing.body.id}/dtmf`, { tones: "1" }, 409);
      await expectError("GET", `/calls/${legId}/dtmf`, undefined, 405);
      assert.deepEqual((await h.leg(legId)).timeline.filter((t) => t.what === "pressed"), []);
    });

    it("/speech says something to a speech recognizer; empty speech is refused", async () => {
      const { legId, callConnectionId, connection } = await h.dialInAndAnswer();
      await connection.getCallMedia().startRecognizing({ phoneNumber: CALLER }, {
        kind: "callMediaRecognizeSpeechOptions",
        operationContext: "say",
      });
      await h.waitFor(async () => JSON.stringify((await h.leg(legId)).media).includes('"listening"'), "listening");
      const said = await h.control<{ text: string; outcome: string }>("POST", `/calls/${legId}/speech`, { text: "  I need an appointment " });
      assert.equal(said.status, 200);
      assert.equal(said.body.text, "I need an appointment");
      assert.equal(said.body.outcome, "recognized");
      const done = await h.waitForCallback(callConnectionId, "RecognizeCompleted");
      assert.equal((done.raw.data as { speechResult?: { speech: string } }).speechResult?.speech, "I need an appointment");

      await expectError("POST", `/calls/${legId}/speech`, {}, 400, /text/);
      await expectError("POST", `/calls/${legId}/speech`, { text: "" }, 400, /text/);
      await expectError("POST", `/calls/${legId}/speech`, { text: "   " }, 400, /text/);
      await expectError("POST", `/calls/${legId}/speech`, { text: 7 }, 400, /text/);
      await expectError("POST", `/calls/${legId}/speech`, { text: "a".repeat(1001) }, 400, /text/);
      await expectError("POST", `/calls/${randomUUID()}/speech`, { text: "hi" }, 404);
      const ringing = await h.control<LegSummary>("POST", "/calls", { from: "+14255550171", to: OWNED });
      await expectError("POST", `/calls/${ringing.body.id}/speech`, { text: "hello?" }, 409);
    });

    it("/answer answers an outbound call; an inbound or answered call is a 409", async () => {
      const { callConnectionId, legId } = await outboundRinging();
      const answered = await h.control<LegSummary>("POST", `/calls/${legId}/answer`);
      assert.equal(answered.status, 200);
      assert.equal(answered.body.state, "connected");
      await h.waitForCallback(callConnectionId, "CallConnected");
      const props = await h.client.getCallConnection(callConnectionId).getCallConnectionProperties();
      assert.equal(props.callConnectionState, "connected");

      await expectError("POST", `/calls/${legId}/answer`, undefined, 409, /connected/);
      const inbound = await h.control<LegSummary>("POST", "/calls", { from: CALLER, to: OWNED });
      await expectError("POST", `/calls/${inbound.body.id}/answer`, undefined, 409);
      assert.equal((await h.leg(inbound.body.id)).state, "ringing", "the refused answer changed nothing");
      await expectError("POST", `/calls/${randomUUID()}/answer`, undefined, 404);
      await expectError("POST", `/calls/${legId}/answer`, "[1]", 400, /object/);
      await expectError("GET", `/calls/${legId}/answer`, undefined, 405);
    });

    it("/reject declines an outbound call (declined or busy); a bad reason is a 400", async () => {
      const first = await outboundRinging("+14255550180");
      await expectError("POST", `/calls/${first.legId}/reject`, { reason: "maybe" }, 400, /reason/);
      assert.equal((await h.leg(first.legId)).state, "ringing");
      const declined = await h.control<LegSummary>("POST", `/calls/${first.legId}/reject`);
      assert.equal(declined.status, 200);
      assert.equal(declined.body.state, "ended");
      const failed = await h.waitForCallback(first.callConnectionId, "CreateCallFailed");
      assert.ok(failed.raw.data);
      await expectError("POST", `/calls/${first.legId}/reject`, {}, 409);

      const second = await outboundRinging("+14255550181");
      const busy = await h.control<LegSummary>("POST", `/calls/${second.legId}/reject`, { reason: "busy" });
      assert.equal(busy.status, 200);
      const busyFailed = await h.waitForCallback(second.callConnectionId, "CreateCallFailed");
      assert.notDeepEqual(busyFailed.raw.data, failed.raw.data);
      const inbound = await h.control<LegSummary>("POST", "/calls", { from: CALLER, to: OWNED });
      await expectError("POST", `/calls/${inbound.body.id}/reject`, {}, 409);
      await expectError("POST", `/calls/${randomUUID()}/reject`, {}, 404);
    });

    it("/hangup ends a connected call; hanging up an ended call is a 409", async () => {
      const { legId, callConnectionId } = await h.dialInAndAnswer();
      const hung = await h.control<LegSummary>("POST", `/calls/${legId}/hangup`);
      assert.equal(hung.status, 200);
      assert.equal(hung.body.state, "ended");
      await h.waitForCallback(callConnectionId, "CallDisconnected");
      await expectError("POST", `/calls/${legId}/hangup`, undefined, 409, /ended/);
      await expectError("POST", `/calls/${randomUUID()}/hangup`, undefined, 404);
      await expectError("DELETE", `/calls/${legId}/hangup`, undefined, 405);

      // A caller who gives up while the call still rings.
      const ringing = await h.control<LegSummary>("POST", "/calls", { from: "+14255550190", to: OWNED });
      const gaveUp = await h.control<LegSummary>("POST", `/calls/${ringing.body.id}/hangup`);
      assert.equal(gaveUp.status, 200);
      assert.equal(gaveUp.body.state, "ended");
    });
  });

  it("GET /deliveries lists each delivery with its outcome", async () => {
    const { callConnectionId } = await h.dialInAndAnswer();
    const connected = await h.waitForCallback(callConnectionId, "CallConnected");
    const { status, body } = await h.control<Array<{ url: string; eventType: string; eventId: string; attempts: number; delivered: boolean; status?: number }>>("GET", "/deliveries");
    assert.equal(status, 200);
    const record = body.find((d) => d.eventId === connected.raw.id);
    assert.ok(record, JSON.stringify(body));
    assert.equal(record.eventType, "Microsoft.Communication.CallConnected");
    assert.equal(record.attempts, 1);
    assert.equal(record.delivered, true);
    assert.equal(record.status, 200);
    assert.ok(!record.url.includes("secret-main"), "the callback secret is not shown");
    assert.ok(body.some((d) => d.eventType === "Microsoft.Communication.IncomingCall" && d.delivered));
    await expectError("POST", "/deliveries", {}, 405);
  });

  describe("faults", () => {
    it("adds, lists and clears faults", async () => {
      const added = await h.control<{ id: number; path: string; status: number; stage: string; remaining: number; method?: string }>("POST", "/faults", {
        path: ":play",
        method: "post",
        status: 500,
        stage: "after",
        times: 2,
      });
      assert.equal(added.status, 201);
      assert.equal(added.body.path, ":play");
      assert.equal(added.body.method, "POST");
      assert.equal(added.body.stage, "after");
      assert.equal(added.body.remaining, 2);
      const defaults = await h.control<{ status: number; stage: string; remaining: number }>("POST", "/faults", { path: ":recognize" });
      assert.deepEqual([defaults.body.status, defaults.body.stage, defaults.body.remaining], [503, "before", 1]);
      const listed = (await h.control<Array<{ id: number }>>("GET", "/faults")).body;
      assert.deepEqual(listed.map((f) => f.id), [added.body.id, (defaults.body as unknown as { id: number }).id]);

      const cleared = await raw("DELETE", "/faults");
      assert.equal(cleared.status, 204);
      assert.deepEqual((await h.control<unknown[]>("GET", "/faults")).body, []);

      // A fault takes effect on the next matching REST request, once.
      const { legId, connection } = await h.dialInAndAnswer();
      await h.control("POST", "/faults", { path: ":play", status: 409 });
      await assert.rejects(connection.getCallMedia().playToAll([{ kind: "textSource", text: "Refused." }]), (err: { statusCode?: number }) => {
        assert.equal(err.statusCode, 409);
        return true;
      });
      assert.deepEqual((await h.control<unknown[]>("GET", "/faults")).body, []);
      assert.deepEqual((await h.leg(legId)).heard, [], "a 'before' fault refuses without acting");
      await connection.getCallMedia().playToAll([{ kind: "textSource", text: "No fault now." }]);
      await h.waitFor(async () => (await h.leg(legId)).heard.length === 1, "the prompt");
    });

    it("refuses bad faults with 400", async () => {
      await expectError("POST", "/faults", {}, 400, /path/);
      await expectError("POST", "/faults", { path: "" }, 400, /path/);
      await expectError("POST", "/faults", { path: ":play", status: 200 }, 400, /status/);
      await expectError("POST", "/faults", { path: ":play", status: 600 }, 400, /status/);
      await expectError("POST", "/faults", { path: ":play", status: "503" }, 400, /status/);
      await expectError("POST", "/faults", { path: ":play", status: 503.5 }, 400, /status/);
      await expectError("POST", "/faults", { path: ":play", times: 0 }, 400, /times/);
      await expectError("POST", "/faults", { path: ":play", times: 101 }, 400, /times/);
      await expectError("POST", "/faults", { path: ":play", stage: "middle" }, 400, /stage/);
      await expectError("POST", "/faults", { path: ":play", retryAfterSeconds: -1 }, 400, /retryAfterSeconds/);
      await expectError("POST", "/faults", { path: ":play", retryAfterSeconds: "1" }, 400, /retryAfterSeconds/);
      await expectError("POST", "/faults", { path: ":play", method: 5 }, 400, /method/);
      await expectError("POST", "/faults", { stage: "delivery", eventType: "PlayCompleted", delivery: "never" }, 400, /delivery/);
      await expectError("POST", "/faults", { stage: "delivery", delivery: "late" }, 400, /eventType/);
      await expectError("POST", "/faults", { stage: "delivery", eventType: "PlayCompleted", delivery: "twice", times: 0 }, 400, /times/);
      await expectError("POST", "/faults", "[]", 400, /object/);
      await expectError("PUT", "/faults", { path: ":play" }, 405);
      assert.deepEqual((await h.control<unknown[]>("GET", "/faults")).body, []);
    });
  });

  it("answers unknown paths with 404 and keeps serving", async () => {
    await expectError("GET", "/nothing", undefined, 404);
    await expectError("POST", "/calls/x/y/z", {}, 404);
    await expectError("PATCH", "/", {}, 405);
    await expectError("POST", `/calls/${randomUUID()}/sing`, {}, 404);
    const { status } = await h.control("GET", "/calls");
    assert.equal(status, 200);
  });
});
