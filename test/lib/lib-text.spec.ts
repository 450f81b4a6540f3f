import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RestError } from "@azure/core-rest-pipeline";
import { AuthenticationRequiredError, CredentialUnavailableError } from "@azure/identity";
import { AcsActionError, CallEndedError } from "../../lib/acs-errors";
import { CallbackJwtVerifier } from "../../lib/callback-auth";
import { tonesToSend } from "../../lib/dtmf";
import { createEntraCredential } from "../../lib/entra-credential";
import { readCustomHeaders } from "../../lib/headers-input";
import { readInvitationTimeout } from "../../lib/invitation";
import { LIB_TEXTS, libText, LocalizedError, renderText, textOfError } from "../../lib/lib-text";
import { callIdOf, describeProperty, errorText, localizeError, localText, serviceOf, sharedMessage, type NodeRedRuntime } from "../../lib/node-kit";
import { playSourceOf } from "../../lib/play-sources";
import { compilePattern } from "../../lib/recognize-policy";
import { checkRecordingSettings, readChannelAffinity } from "../../lib/recording-options";
import { recordingUrlProblem } from "../../lib/recording-storage";
import { buildStreamingOptions } from "../../lib/streaming-options";
import { runtimeTranslator } from "../support/editor-i18n";

/** Enough of RED for the node-kit helpers, with a given RED._. */
function runtime(_: NodeRedRuntime["_"]): NodeRedRuntime {
  return {
    _,
    nodes: { createNode() {}, registerType() {}, getNode: () => null },
    util: {
      evaluateNodeProperty: (value, _type, _node, msg, cb) => cb(null, String(value).split(".").reduce<unknown>((at, k) => (at as Record<string, unknown> | undefined)?.[k], msg)),
      cloneMessage: (m) => m,
    },
    settings: {},
    log: { warn() {}, info() {}, error() {} },
  };
}

/** What `fn` throws, in the language of `RED`. */
function thrown(RED: NodeRedRuntime, fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return errorText(RED, err);
  }
  return assert.fail("expected an error");
}

/** A refusal as the SDK throws it: status, ACS sub-code and ACS's own words. */
const refusal = (status: number, code: string, message: string) => new RestError(message, { statusCode: status, code });

describe("runtime messages of lib/ code, in the server's language", () => {
  let ko: NodeRedRuntime;
  let zh: NodeRedRuntime;
  before(async () => {
    ko = runtime(await runtimeTranslator("ko", "acs-play"));
    zh = runtime(await runtimeTranslator("zh-CN", "acs-hangup"));
  });

  it("has the English text in the en-US catalogue, word for word", () => {
    const en = JSON.parse(readFileSync(join(__dirname, "..", "..", "locales", "en-US", "acs-config.json"), "utf8")) as { "acs-config": { shared: unknown } };
    assert.deepEqual(en["acs-config"].shared, LIB_TEXTS);
  });

  it("renders a text's values first (an action's name, a reason), then the text", () => {
    const text = libText("actionFailed", { action: libText("action.hangUp"), reason: libText("callEnded", { callConnectionId: "c-1" }) });
    assert.equal(renderText(text), "hang up failed: the call has already ended (callConnectionId c-1)");
    assert.equal(renderText(libText("tooManyKeys", { max: 18, count: 19 })), "at most 18 keys can be sent at once, not 19");
    // A translation is asked for with the values already in words.
    const asked: Array<[string, Record<string, string>]> = [];
    renderText(text, (id, values) => {
      asked.push([id, values]);
      return undefined;
    });
    assert.deepEqual(asked.at(-1), ["actionFailed", { action: "hang up", reason: "the call has already ended (callConnectionId c-1)" }]);
  });

  it("translates with the runtime's RED._, from any node", async () => {
    assert.equal(sharedMessage(ko, "noConnection"), "ACS 연결이 없습니다: 이 노드의 설정에서 acs-config 노드를 고르세요.");
    await assert.rejects(callIdOf(ko, {}, {}, { payload: 1 }), { name: "FlowError", message: /^통화 ID가 없습니다: msg\.call\.callConnectionId 값이 비어 있습니다\./ });
    await assert.rejects(callIdOf(zh, {}, {}, { payload: 1 }), { message: /^没有呼叫 ID：msg\.call\.callConnectionId 为空。/ });
    await assert.rejects(callIdOf(zh, {}, { callId: "x", callIdType: "jsonata" }, { payload: 1 }), { message: /^没有呼叫 ID：所配置的值 为空。/ });
    await assert.rejects(serviceOf(zh, undefined), { name: "FlowError", message: "没有 ACS 连接：请在此节点的设置中选择一个 acs-config 节点。" });
    assert.equal(describeProperty(ko, "x", "str"), "설정된 값");
    const en = runtime(await runtimeTranslator("en-US", "acs-play"));
    await assert.rejects(callIdOf(en, {}, {}, { payload: 1 }), { message: LIB_TEXTS.noCallId.replace("__where__", "msg.call.callConnectionId") });
  });

  it("falls back to English where no catalogue is loaded (RED._ gives the key back)", async () => {
    const bare = runtime((key) => key);
    assert.equal(sharedMessage(bare, "noConnection"), LIB_TEXTS.noConnection);
    await assert.rejects(callIdOf(bare, {}, { callId: "ticket.call", callIdType: "flow" }, {}), {
      message: "No call id: flow.ticket.call is empty. Wire this node after an answer or create-call node, or set where the call id comes from.",
    });
    assert.equal(errorText(bare, new CallEndedError("c-2")), "the call has already ended (callConnectionId c-2)");
  });

  it("says ACS's refusals with the action and status translated and ACS's own words kept", () => {
    const err = new AcsActionError("sendDtmf", refusal(400, "8523", "DTMF tones can only be sent to a phone number participant."));
    assert.equal(err.message, "send DTMF failed: ACS answered 400 (8523): DTMF tones can only be sent to a phone number participant.", "English stays the message until translated");
    assert.equal(errorText(ko, err), "DTMF 보내기 실패: ACS 응답 400 (8523): DTMF tones can only be sent to a phone number participant.");
    assert.equal(errorText(zh, err), "发送 DTMF失败：ACS 返回 400（8523）：DTMF tones can only be sent to a phone number participant.");
    assert.equal(errorText(ko, new AcsActionError("hangUp", new RestError("Gone.", { statusCode: 404 }))), "끊기 실패: ACS 응답 404: Gone.");
    assert.equal(errorText(zh, new AcsActionError("play", new CallEndedError("c-3"))), "播放失败：呼叫已经结束（callConnectionId c-3）");
    // A network error is not ACS's answer: its own words after the translated action.
    assert.equal(errorText(ko, new AcsActionError("answer", new Error("socket hang up"))), "응답 실패: socket hang up");
    // Every action has its name in every language.
    for (const action of Object.keys(LIB_TEXTS.action) as Array<keyof typeof LIB_TEXTS.action>) {
      for (const RED of [ko, zh]) assert.doesNotMatch(errorText(RED, new AcsActionError(action, new Error("x"))), /failed/, action);
    }
  });

  it("says Entra sign-in failures in the language, with Entra's explanation as Entra gave it", () => {
    const msal = "invalid_client: Error(s): 7000215 - Timestamp: 2026-01-01 - Description: AADSTS7000215: Invalid client secret provided. Trace ID: 1 Correlation ID: 2";
    const required = new AcsActionError("answer", new AuthenticationRequiredError({ scopes: ["https://communication.azure.com//.default"], message: msal }));
    assert.equal(errorText(ko, required), "응답 실패: Microsoft Entra ID 로그인 실패 (invalid_client): AADSTS7000215: Invalid client secret provided.");
    const unreachable = new AcsActionError("play", new CredentialUnavailableError("endpoints_resolution_error: See https://aka.ms/msal.js.errors"));
    assert.equal(errorText(zh, unreachable), "播放失败：Microsoft Entra ID 登录失败：无法读取颁发机构主机的 OpenID 配置（请检查颁发机构主机、网络，以及是否信任其 TLS 证书）");
    assert.equal(thrown(ko, () => createEntraCredential({ method: "clientSecret", tenantId: "t", clientId: "", clientSecret: "" })), "Entra ID 클라이언트 암호 로그인에는 clientId, clientSecret이(가) 필요합니다");
  });

  it("says the validators' reasons in the language", () => {
    assert.equal(thrown(ko, () => tonesToSend("12x")), '"x"은(는) DTMF 키가 아닙니다 (0-9, *, #, A-D를 사용하세요)');
    assert.equal(thrown(zh, () => tonesToSend("1".repeat(19))), "一次最多只能发送 18 个按键，而不是 19 个");
    assert.equal(thrown(zh, () => playSourceOf("ssml", "hello")), "SSML 必须以 <speak> 元素开头");
    assert.equal(thrown(ko, () => playSourceOf("file", "welcome.wav")), '"welcome.wav"은(는) 오디오 파일의 절대 URL이 아닙니다');
    assert.equal(thrown(ko, () => readCustomHeaders('{"X-A": {"b": 1}}', undefined)), "SIP 헤더: X-A의 값은 텍스트여야 합니다");
    assert.equal(thrown(zh, () => readCustomHeaders(undefined, "not json")), "VoIP 头必须是由头名称和文本值组成的 JSON 对象");
    assert.equal(thrown(ko, () => readInvitationTimeout("999")), '초대 제한 시간은 1에서 180 사이의 정수(초)여야 합니다. "999"은(는) 사용할 수 없습니다.');
    assert.match(thrown(zh, () => compilePattern("([")), /^输入模式不是有效的正则表达式：/);
    assert.equal(thrown(zh, () => readChannelAffinity('[{"participant":"+14255550123","channel":7}]')), "声道分配第 1 项：声道必须是 0 到 4 之间的整数");
    assert.equal(thrown(ko, () => checkRecordingSettings({ content: "audio", channel: "mixed", format: "wav", pauseOnStart: false, channelAffinity: [{ participant: "4:+14255550123" }] })), "채널 할당은 분리(unmixed) 녹음에만 적용됩니다");
    assert.equal(localText(zh, recordingUrlProblem("https://example.com/x") ?? libText("notAUrl")), "example.com 不是 ACS 录制存储（*.asm.skype.com）");
    assert.equal(
      thrown(ko, () => buildStreamingOptions({ media: { transportUrl: "https://example.com/ws" } }, "en-US")),
      "미디어 스트리밍 전송 URL은 wss://로 시작해야 합니다 (지금은 https://로 시작합니다): ACS는 보안 WebSocket 서버로만 스트리밍합니다.",
    );
    assert.equal(
      thrown(zh, () => buildStreamingOptions({ transcription: { transportUrl: "wss://t.example.com/", locale: "english" } }, "en-US")),
      "转录区域设置：“english”不是语音区域设置：请使用语言加地区，例如 en-US、es-ES 或 fr-FR。",
    );
  });

  it("says why a callback was refused in the language", async () => {
    const verifier = new CallbackJwtVerifier({ issuer: "https://issuer.example", audience: "resource" });
    const verdict = await verifier.verify(undefined);
    assert.equal(verdict.ok, false);
    if (verdict.ok) return;
    assert.equal(localText(ko, libText("callbackRefused", { reason: verdict.reason })), "콜백 거부: Bearer 토큰이 없습니다");
    assert.equal(localText(zh, libText("callbackRefused", { reason: verdict.reason })), "已拒绝回调：缺少 Bearer 令牌");
  });

  it("translates an error once, so a node may add to its message; other errors keep their message", () => {
    const err = new AcsActionError("startTranscription", refusal(400, "8501", "Action is invalid when call is not in Established state."));
    assert.equal(localizeError(ko, err), err);
    err.message += " 이 통화에 전사가 설정되어 있나요?";
    localizeError(ko, err);
    assert.equal(err.message, "전사 시작 실패: ACS 응답 400 (8501): Action is invalid when call is not in Established state. 이 통화에 전사가 설정되어 있나요?");
    assert.equal(err.name, "AcsActionError");
    assert.ok(err instanceof AcsActionError && err.status === 400 && err.code === "8501", "the error keeps its class, status and code");

    const plain = new Error("something else");
    assert.equal(localizeError(ko, plain).message, "something else");
    assert.equal(errorText(ko, "a text"), "a text");
    assert.equal(textOfError(plain), undefined);
    assert.deepEqual(textOfError(new LocalizedError(libText("noKeysToSend"))), { id: "noKeysToSend" });
  });
});
