import assert from "node:assert/strict";
import { CallTraceRegistry, type CallTrace, type SentRequest } from "../../lib/call-trace";

const BASE = "https://contoso.communication.azure.com";
const SECRET = "webhook-secret-0123456789abcdef";
const CALLBACK = `https://flows.example.org/acs/callbacks/cfg1/${SECRET}`;
const CONTEXT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.incoming-call-context-token.sig";
const PLAY = "play";
const node = (id: string, type = "acs-play", name?: string) => ({ id, type, name });

function sent(method: string, path: string, body: unknown, status: number, response?: unknown, startedAt = Date.now()): SentRequest {
  return {
    method,
    url: `${BASE}${path}?api-version=2025-05-15`,
    body: body === undefined ? undefined : JSON.stringify(body),
    startedAt,
    status,
    responseText: response === undefined ? "" : JSON.stringify(response),
  };
}

/** An inbound call adopted and answered: callConnectionId "conn-N", serverCallId "srv-N". */
function answeredCall(trace: CallTrace, n: number, t = Date.now() - 1000) {
  trace.incoming({ serverCallId: `srv-${n}`, incomingCallContext: `${CONTEXT}-${n}`, from: "+14255550123", to: "+18005550100" }, t);
  const record = trace.adopt(`srv-${n}`);
  assert.ok(record);
  trace.request(sent("POST", "/calling/callConnections:answer", { incomingCallContext: `${CONTEXT}-${n}`, callbackUri: CALLBACK, operationContext: `answer-${n}` }, 200, { callConnectionId: `conn-${n}`, serverCallId: `srv-${n}`, callbackUri: CALLBACK }, t + 1));
  trace.event({ type: "CallConnected", callConnectionId: `conn-${n}`, serverCallId: `srv-${n}`, operationContext: `answer-${n}`, data: { resultInformation: { code: 200, subCode: 0, message: "Call connected." } } }, t + 2);
  return record;
}

describe("call trace", () => {
  let registry: CallTraceRegistry;
  let trace: CallTrace;
  beforeEach(() => {
    registry = new CallTraceRegistry();
    trace = registry.open("cfg1", { name: "Contoso", mode: "connectionString" });
  });

  describe("an inbound call", () => {
    it("is not traced until a flow takes it; then its IncomingCall is its first step", () => {
      trace.incoming({ serverCallId: "srv-1", incomingCallContext: CONTEXT, from: "+14255550123", to: "+18005550100" }, 1000);
      assert.equal(trace.size, 0, "an IncomingCall alone is not a traced call (every config of the resource gets it)");
      assert.equal(registry.find({ serverCallId: "srv-1" }), undefined);
      const record = trace.adopt("srv-1");
      assert.ok(record);
      assert.equal(trace.adopt("srv-1"), record, "adopting twice gives the same call");
      assert.equal(trace.size, 1);
      assert.equal(registry.find({ serverCallId: "srv-1" }), record);
      const summary = record.summary();
      assert.equal(summary.state, "incoming");
      assert.equal(summary.direction, "inbound");
      assert.equal(summary.from, "+14255550123");
      assert.equal(summary.to, "+18005550100");
      assert.equal(summary.start, 1000);
      assert.deepEqual(record.steps.map((s) => [s.kind, s.event, s.t]), [["event", "IncomingCall", 1000]]);
      assert.equal(trace.adopt("srv-unknown"), undefined);
    });

    it("answered, played to, hung up: every kind of step in time order, and the call's state", () => {
      const t = 10_000;
      const record = answeredCall(trace, 1, t);
      assert.equal(record.state, "connected");
      assert.equal(record.callConnectionId, "conn-1");
      trace.node(record, node("greet", "acs-play", "greeting"), t + 3);
      trace.request(sent("POST", "/calling/callConnections/conn-1:play", { playSources: [{ kind: "text", text: { text: "Hello" } }], operationContext: "p1", callbackUri: CALLBACK }, 202, undefined, t + 4));
      trace.event({ type: "PlayCompleted", callConnectionId: "conn-1", operationContext: "p1", data: { resultInformation: { code: 200, subCode: 0, message: "Action completed successfully." } } }, t + 5);
      trace.outcome(record, node("greet", "acs-play", "greeting"), 0, undefined, t + 6);
      trace.node(record, node("menu", "acs-recognize"), t + 7);
      trace.event({ type: "RecognizeCompleted", callConnectionId: "conn-1", data: { recognitionType: "dtmf", dtmfResult: { tones: ["one", "two", "three", "four"] }, resultInformation: { code: 200, subCode: 8514, message: "Action completed, max digits received." } } }, t + 8);
      trace.outcome(record, node("menu", "acs-recognize"), 2, "noInput", t + 9);
      trace.error(record, node("menu", "acs-recognize"), "recognize failed: ACS answered 400 (8523): bad", t + 10);
      trace.event({ type: "CallDisconnected", callConnectionId: "conn-1", data: { resultInformation: { code: 200, subCode: 7000, message: "The conversation has ended by bot." } } }, t + 11);
      assert.deepEqual(
        record.steps.map((s) => `${s.kind}:${s.event ?? s.op ?? s.nodeId ?? ""}${s.port !== undefined ? `:${s.port}` : ""}`),
        [
          "event:IncomingCall",
          "operation:answer",
          "event:CallConnected",
          "node:greet",
          "operation:play",
          "event:PlayCompleted",
          "outcome:greet:0",
          "node:menu",
          "event:RecognizeCompleted",
          "outcome:menu:2",
          "error:menu",
          "event:CallDisconnected",
        ],
      );
      const seqs = record.steps.map((s) => s.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), "recorded in order");
      const play = record.steps.find((s) => s.op === PLAY);
      assert.deepEqual(play?.settings, { prompt: 'text "Hello"', to: "everyone" });
      assert.equal(play?.context, "p1");
      assert.equal(play?.status, 202);
      const recognized = record.steps.find((s) => s.event === "RecognizeCompleted");
      assert.equal(recognized?.detail, "dtmf: 4 keys", "how many keys, not which");
      assert.equal(recognized?.subCode, 8514);
      assert.equal(record.steps.find((s) => s.kind === "outcome" && s.port === 2)?.reason, "noInput");
      assert.equal(record.state, "ended");
      assert.equal(record.end, t + 11);
      assert.equal(record.summary().last?.event, "CallDisconnected");
    });

    it("a refused answer fails the call; a reject or redirect ends it as such", () => {
      trace.incoming({ serverCallId: "srv-a", incomingCallContext: "ctx-a", from: "+1", to: "+2" });
      trace.incoming({ serverCallId: "srv-b", incomingCallContext: "ctx-b", from: "+1", to: "+2" });
      trace.incoming({ serverCallId: "srv-c", incomingCallContext: "ctx-c", from: "+1", to: "+2" });
      trace.request(sent("POST", "/calling/callConnections:answer", { incomingCallContext: "ctx-a" }, 400, { error: { code: "8587", message: "Call already answered." } }));
      trace.request(sent("POST", "/calling/callConnections:reject", { incomingCallContext: "ctx-b", callRejectReason: "busy" }, 204));
      trace.request(sent("POST", "/calling/callConnections:redirect", { incomingCallContext: "ctx-c", target: { rawId: "4:+14255550111" } }, 204));
      const [c, b, a] = trace.list();
      assert.equal(a.state, "failed");
      const refused = a.steps.find((s) => s.op === "answer");
      assert.equal(refused?.status, 400);
      assert.equal(refused?.code, "8587");
      assert.equal(refused?.error, "Call already answered.");
      assert.equal(b.state, "rejected");
      assert.deepEqual(b.steps.find((s) => s.op === "reject")?.settings, { reason: "busy" });
      assert.equal(c.state, "redirected");
      assert.ok(a.end && b.end && c.end);
    });
  });

  describe("an outbound call", () => {
    it("is traced from the create request, with who calls whom; an event that beats the response joins the same call", () => {
      const t = 5000;
      // CallConnected arrives before ACS's 201 to createCall.
      trace.event({ type: "CallConnected", callConnectionId: "out-1", serverCallId: "srv-out", operationContext: "create-1", data: {} }, t + 5);
      trace.request(
        sent("POST", "/calling/callConnections", { targets: [{ phoneNumber: { value: "+14255550199" } }], sourceCallerIdNumber: { value: "+18005550100" }, callbackUri: CALLBACK, operationContext: "create-1" }, 201, { callConnectionId: "out-1", serverCallId: "srv-out" }, t),
      );
      assert.equal(trace.size, 1);
      const [record] = trace.list();
      assert.equal(record.direction, "outbound");
      assert.equal(record.from, "+18005550100");
      assert.equal(record.to, "+14255550199");
      assert.equal(record.state, "connected");
      assert.deepEqual(
        record.steps.map((s) => s.op ?? s.event),
        ["createCall", "CallConnected"],
        "the request, recorded once ACS answered, goes before the event by time",
      );
      assert.ok(record.steps[0].seq > record.steps[1].seq);
      assert.deepEqual(record.stepsSince(record.steps[1].seq).map((s) => s.op), ["createCall"], "since: only what was recorded later");
    });

    it("a create request ACS refuses is a failed call; a call that is not answered fails by its event", () => {
      trace.request(sent("POST", "/calling/callConnections", { targets: [{ rawId: "4:+14255550199" }], callbackUri: CALLBACK }, 400, { error: { code: "8523", message: "Invalid target." } }));
      trace.request(sent("POST", "/calling/callConnections", { targets: [{ rawId: "4:+14255550198" }], callbackUri: CALLBACK }, 201, { callConnectionId: "out-2" }));
      trace.event({ type: "CreateCallFailed", callConnectionId: "out-2", data: { resultInformation: { code: 408, subCode: 8522, message: "no answer" } } });
      const [second, first] = trace.list();
      assert.equal(first.state, "failed");
      assert.equal(first.steps[0].error, "Invalid target.");
      assert.equal(second.state, "failed");
      assert.equal(second.steps[1].code, 408);
    });

    it("a request that got no answer says why", () => {
      trace.request({ method: "POST", url: `${BASE}/calling/callConnections/c9:play`, body: "{}", startedAt: Date.now(), error: new Error("connect ECONNREFUSED 10.0.0.1:443\nstack") });
      const [record] = trace.list();
      assert.equal(record.steps[0].status, undefined);
      assert.equal(record.steps[0].error, "connect ECONNREFUSED 10.0.0.1:443");
    });
  });

  describe("recordings and other events", () => {
    it("a recording's operations and file event join its call by recording id and serverCallId", () => {
      answeredCall(trace, 7);
      trace.request(sent("POST", "/calling/recordings", { callConnectionId: "conn-7", recordingContentType: "audio", recordingStateCallbackUri: CALLBACK }, 200, { recordingId: "rec-7" }));
      trace.request(sent("POST", "/calling/recordings/rec-7:pause", undefined, 202));
      trace.event({ type: "RecordingFileStatusUpdated", serverCallId: "srv-7", data: { recordingStorageInfo: { recordingChunks: [{}, {}] } } });
      trace.event({ type: "RecordingFileStatusUpdated", serverCallId: "srv-nobody", data: {} });
      assert.equal(trace.size, 1, "an Event Grid event of an unknown call starts nothing");
      const [record] = trace.list();
      assert.deepEqual(
        record.steps.slice(-3).map((s) => s.op ?? `${s.event} ${s.detail}`),
        ["recording:start", "recording:pause", "RecordingFileStatusUpdated 2 files"],
      );
    });

    it("a callback for a call this trace forgot is traced again", () => {
      trace.event({ type: "PlayCompleted", callConnectionId: "conn-x", data: {} });
      assert.equal(trace.size, 1);
      assert.equal(trace.list()[0].callConnectionId, "conn-x");
    });

    it("takes back a duplicate event", () => {
      const record = answeredCall(trace, 3);
      const before = record.steps.length;
      const step = trace.event({ type: "PlayCompleted", callConnectionId: "conn-3", data: {} });
      assert.ok(step);
      trace.retract(step);
      assert.equal(record.steps.length, before);
      trace.retract(step);
      assert.equal(record.steps.length, before, "only once");
    });
  });

  describe("bounds", () => {
    it("keeps the last `calls` calls per config and forgets every id of the others", () => {
      const small = registry.open("cfg2", {}, { calls: 3, steps: 50 });
      for (let n = 1; n <= 5; n++) answeredCall(small, n);
      assert.equal(small.size, 3);
      assert.deepEqual(
        small.list().map((r) => r.callConnectionId),
        ["conn-5", "conn-4", "conn-3"],
        "newest first",
      );
      assert.equal(small.find({ callConnectionId: "conn-1" }), undefined);
      assert.equal(small.lookup("srv-2"), undefined);
      assert.equal(small.lookup(`${CONTEXT}-1`), undefined);
      assert.ok(small.find({ callConnectionId: "conn-3" }));
    });

    it("keeps the last `steps` steps of a call and counts those it dropped", () => {
      const small = registry.open("cfg3", {}, { calls: 5, steps: 10 });
      const record = answeredCall(small, 1);
      for (let i = 0; i < 25; i++) small.event({ type: "ContinuousDtmfRecognitionToneReceived", callConnectionId: "conn-1", data: {} });
      assert.equal(record.steps.length, 10);
      assert.equal(record.dropped, 3 + 25 - 10);
      assert.equal(record.summary().steps, 10);
      assert.equal(record.summary().dropped, 18);
    });

    it("remembers a bounded number of IncomingCalls no flow took", () => {
      const small = registry.open("cfg4", {}, { calls: 2, steps: 10 });
      for (let n = 1; n <= 10; n++) small.incoming({ serverCallId: `srv-${n}`, incomingCallContext: `ctx-${n}`, from: "+1", to: "+2" });
      assert.equal(small.adopt("srv-1"), undefined, "the oldest is forgotten");
      assert.equal(small.adopt("ctx-8"), undefined, "forgotten with its other key");
      assert.ok(small.adopt("ctx-10"));
      assert.ok(small.adopt("srv-9"));
    });
  });

  describe("the registry", () => {
    it("finds a call in whichever config traces it, by trace id too; closing a config forgets its calls", () => {
      const other = registry.open("cfg9");
      const record = answeredCall(other, 9);
      assert.equal(registry.find({ callConnectionId: "conn-9" }), record);
      assert.equal(registry.find({ serverCallId: "srv-9" }), record);
      assert.equal(registry.call(record.id), record);
      assert.equal(registry.find(undefined), undefined);
      registry.close("cfg9");
      assert.equal(registry.find({ callConnectionId: "conn-9" }), undefined);
      assert.equal(registry.size, 1);
    });

    it("keeps a config's trace when it is opened again (redeploy), with new limits and name", () => {
      answeredCall(trace, 1);
      const again = registry.open("cfg1", { name: "Renamed" }, { calls: 7 });
      assert.equal(again, trace);
      assert.equal(again.size, 1);
      assert.equal(again.name, "Renamed");
      assert.equal(again.limits.calls, 7);
    });

    it("clears one config or all", () => {
      const other = registry.open("cfg5");
      answeredCall(trace, 1);
      answeredCall(other, 2);
      registry.clear("cfg5");
      assert.equal(other.size, 0);
      assert.equal(trace.size, 1);
      registry.clear();
      assert.equal(trace.size, 0);
      assert.equal(trace.adopt("srv-1"), undefined);
    });

    it("notifies once for a burst of changes, with the cursor", async () => {
      const seen: number[] = [];
      const notified = new Promise<void>((resolve) => registry.subscribe((cursor) => (seen.push(cursor), resolve())));
      answeredCall(trace, 1);
      answeredCall(trace, 2);
      await notified;
      assert.deepEqual(seen, [registry.cursor]);
    });
  });

  describe("no secrets", () => {
    it("keeps no callback URL, incoming-call context, access key or token; error texts are redacted", () => {
      const record = answeredCall(trace, 1);
      trace.request(sent("POST", "/calling/callConnections/conn-1:play", { playSources: [{ kind: "file", file: { uri: "https://s.blob.core.windows.net/a.wav?sig=SASSECRET" } }], callbackUri: CALLBACK }, 202));
      trace.request(sent("POST", "/calling/callConnections/conn-1:play", {}, 401, { error: { code: "Unauthorized", message: "Denied for endpoint=https://x/;accesskey=ACCESSKEYSECRET" } }));
      trace.error(record, node("n1"), `play failed: posted to ${CALLBACK} with Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload.signature`);
      trace.error(record, node("n1"), "Signature=HMACSECRETVALUE; client_secret=CLIENTSECRET");
      const everything = JSON.stringify({ calls: trace.list().map((r) => r.summary()), steps: record.stepsSince(0) });
      for (const secret of [SECRET, CONTEXT, "SASSECRET", "ACCESSKEYSECRET", "eyJhbGciOiJSUzI1NiJ9", "HMACSECRETVALUE", "CLIENTSECRET", "callbacks/cfg1/w"]) {
        assert.ok(!everything.includes(secret), `no ${secret}`);
      }
      assert.ok(everything.includes("accesskey=***"));
    });
  });
});
