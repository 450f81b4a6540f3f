import assert from "node:assert/strict";
import { describeRequest, describeResponse, safeUrl, shorten } from "../../lib/trace-requests";

const BASE = "https://contoso.communication.azure.com";
const CALL = "1f2e3d4c-0000-4000-8000-123456789abc";
const CALLBACK = `https://flows.example.org/acs/callbacks/cfg1/${"s".repeat(43)}`;
const body = (b: unknown) => JSON.stringify(b);

describe("trace-requests: what the call trace says about a REST request", () => {
  it("names the operation on a call from its path, with its call and operationContext", () => {
    for (const [path, method, op] of [
      [":play", "POST", "play"],
      [":recognize", "POST", "recognize"],
      [":transferToParticipant", "POST", "transferToParticipant"],
      [":terminate", "POST", "terminate"],
      [":hold", "POST", "hold"],
      [":sendDtmfTones", "POST", "sendDtmfTones"],
      [":cancelAllMediaOperations", "POST", "cancelAllMediaOperations"],
      ["/participants:add", "POST", "participants:add"],
      ["/participants:remove", "POST", "participants:remove"],
      ["/participants", "GET", "participants:list"],
      ["", "DELETE", "hangUp"],
      ["", "GET", "getCall"],
    ] as const) {
      const info = describeRequest(method, `${BASE}/calling/callConnections/${CALL}${path}?api-version=2025-05-15`, body({ operationContext: "ctx-1", callbackUri: CALLBACK }));
      assert.equal(info?.op, op, path);
      assert.equal(info?.callConnectionId, CALL, path);
    }
    const play = describeRequest("POST", `${BASE}/calling/callConnections/${CALL}:play`, body({ operationContext: "ctx-1", playSources: [] }));
    assert.equal(play?.operationContext, "ctx-1");
  });

  it("reads a participant's raw id from an encoded path segment", () => {
    const info = describeRequest("GET", `${BASE}/calling/callConnections/${CALL}/participants/${encodeURIComponent("4:+14255550123")}`, undefined);
    assert.equal(info?.op, "participants:get");
    assert.equal(info?.callConnectionId, CALL);
    assert.deepEqual(info?.settings, { participant: "+14255550123" });
  });

  it("keeps a play's prompt, voice, audience and loop", () => {
    const info = describeRequest(
      "POST",
      `${BASE}/calling/callConnections/${CALL}:play`,
      body({
        playSources: [{ kind: "text", text: { text: "Welcome to Contoso.", voiceName: "en-US-JennyNeural", sourceLocale: "en-US" } }],
        playTo: [],
        playOptions: { loop: true },
        operationContext: "ctx",
        callbackUri: CALLBACK,
      }),
    );
    assert.deepEqual(info?.settings, { prompt: 'text "Welcome to Contoso."', voice: "en-US-JennyNeural", to: "everyone", loop: true });
  });

  it("keeps a recognize's input, prompt, party, timeouts, keys and choices", () => {
    const info = describeRequest(
      "POST",
      `${BASE}/calling/callConnections/${CALL}:recognize`,
      body({
        recognizeInputType: "choices",
        playPrompts: [{ kind: "ssml", ssml: { ssmlText: "<speak>Press 1</speak>" } }],
        recognizeOptions: {
          targetParticipant: { kind: "phoneNumber", phoneNumber: { value: "+14255550123" } },
          initialSilenceTimeoutInSeconds: 5,
          dtmfOptions: { maxTonesToCollect: 4, stopTones: ["pound"] },
          choices: [{ label: "hours", phrases: ["opening hours"], tone: "one" }, { label: "agent", phrases: ["agent"] }],
          speechLanguage: "en-US",
        },
      }),
    );
    assert.deepEqual(info?.settings, {
      input: "choices",
      prompt: 'ssml "<speak>Press 1</speak>"',
      from: "+14255550123",
      initialSilenceTimeout: 5,
      maxTones: 4,
      stopTones: "pound",
      choices: "hours, agent",
      language: "en-US",
    });
  });

  it("says how many keys are sent, never which (a PIN)", () => {
    const info = describeRequest("POST", `${BASE}/calling/callConnections/${CALL}:sendDtmfTones`, body({ tones: ["one", "two", "three", "four"], targetParticipant: { rawId: "4:+14255550123" } }));
    assert.deepEqual(info?.settings, { tones: 4, to: "+14255550123" });
    assert.ok(!/"(one|two|three|four)"/.test(JSON.stringify(info)));
  });

  it("describes calls being created, answered, rejected, redirected and connected, without callback URL or incoming-call context", () => {
    const create = describeRequest(
      "POST",
      `${BASE}/calling/callConnections?api-version=2025-05-15`,
      body({ targets: [{ phoneNumber: { value: "+14255550199" } }], sourceCallerIdNumber: { value: "+18005550100" }, callbackUri: CALLBACK, operationContext: "ctx" }),
    );
    assert.deepEqual(create, { op: "createCall", operationContext: "ctx", from: "+18005550100", to: "+14255550199", settings: undefined });
    const group = describeRequest("POST", `${BASE}/calling/callConnections`, body({ targets: [{ rawId: "8:acs:a" }, { rawId: "8:acs:b" }], callbackUri: CALLBACK }));
    assert.equal(group?.op, "createGroupCall");
    assert.equal(group?.to, "8:acs:a, 8:acs:b");
    const context = "eyJhbGciOiJub25lIn0.incoming-call-context";
    const answer = describeRequest("POST", `${BASE}/calling/callConnections:answer`, body({ incomingCallContext: context, callbackUri: CALLBACK, operationContext: "ctx" }));
    assert.deepEqual(answer, { op: "answer", incomingCallContext: context, operationContext: "ctx" });
    const reject = describeRequest("POST", `${BASE}/calling/callConnections:reject`, body({ incomingCallContext: context, callRejectReason: "busy" }));
    assert.deepEqual(reject?.settings, { reason: "busy" });
    const redirect = describeRequest("POST", `${BASE}/calling/callConnections:redirect`, body({ incomingCallContext: context, target: { rawId: "4:+14255550111" } }));
    assert.deepEqual(redirect?.settings, { target: "+14255550111" });
    const connect = describeRequest("POST", `${BASE}/calling/callConnections:connect`, body({ callLocator: { kind: "serverCallLocator", serverCallId: "srv-1" }, callbackUri: CALLBACK }));
    assert.equal(connect?.serverCallId, "srv-1");
    for (const info of [create, group, answer, reject, redirect, connect]) {
      assert.ok(!JSON.stringify({ ...info, incomingCallContext: undefined }).includes("/acs/callbacks/"), "no callback URL");
    }
  });

  it("describes recordings by call and by recording id; a download is about no call", () => {
    const start = describeRequest(
      "POST",
      `${BASE}/calling/recordings`,
      body({ callConnectionId: CALL, recordingContentType: "audio", recordingChannelType: "mixed", recordingFormatType: "wav", recordingStateCallbackUri: CALLBACK, externalStorage: { recordingDestinationContainerUrl: "https://x.blob.core.windows.net/c?sig=SECRET" } }),
    );
    assert.deepEqual(start, { op: "recording:start", callConnectionId: CALL, serverCallId: undefined, settings: { content: "audio", channels: "mixed", format: "wav" } });
    assert.deepEqual(describeRequest("POST", `${BASE}/calling/recordings/rec-1:pause`, undefined), { op: "recording:pause", recordingId: "rec-1" });
    assert.deepEqual(describeRequest("DELETE", `${BASE}/calling/recordings/rec-1`, undefined), { op: "recording:stop", recordingId: "rec-1" });
    assert.equal(describeRequest("GET", "https://eu.asm.skype.com/v1/objects/abc/content/audio", undefined), undefined);
    assert.equal(describeRequest("GET", "not a url", undefined), undefined);
  });

  it("shows a file prompt without its query string (a SAS token), and cuts long texts", () => {
    const info = describeRequest(
      "POST",
      `${BASE}/calling/callConnections/${CALL}:play`,
      body({ playSources: [{ kind: "file", file: { uri: "https://store.blob.core.windows.net/audio/hello.wav?sv=2024&sig=SECRETSIG%3D" } }] }),
    );
    assert.equal(info?.settings?.prompt, "file https://store.blob.core.windows.net/audio/hello.wav");
    assert.equal(safeUrl("https://h.example/acs/callbacks/cfg/verysecretvalue"), "https://h.example/acs/callbacks/cfg/***");
    const long = shorten("x".repeat(500));
    assert.equal(long.length, 120);
    assert.ok(long.endsWith("…"));
  });

  it("reads ACS's answer: the ids it gives, or its refusal without secrets", () => {
    assert.deepEqual(describeResponse(201, body({ callConnectionId: CALL, serverCallId: "srv", correlationId: "cor", callbackUri: CALLBACK })), {
      status: 201,
      callConnectionId: CALL,
      serverCallId: "srv",
      correlationId: "cor",
      recordingId: undefined,
    });
    assert.deepEqual(describeResponse(400, body({ error: { code: "8523", message: "Invalid request: accesskey=abc123 in the body.\nmore" } })), {
      status: 400,
      errorCode: "8523",
      errorMessage: "Invalid request: accesskey=*** in the body.",
    });
    assert.deepEqual(describeResponse(204, ""), { status: 204 });
    assert.deepEqual(describeResponse(502, "<html>bad gateway</html>"), { status: 502 });
  });
});
