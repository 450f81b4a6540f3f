/**
 * Runtime messages in the server's language, end to end: a real Node-RED process (not the test
 * helper, whose RED._ gives keys back) with `lang` set to Korean or Chinese, this package's
 * catalogues, and the embedded simulator through the real SDK. Each case sends a message into a
 * node that fails, and a Catch node answers the HTTP request with the error it caught; so what a
 * flow author sees in Catch, the debug sidebar and the log is checked as words, including the
 * parts lib/ code builds (an ACS refusal, a call that has ended, a validator's reason).
 */
import assert from "node:assert/strict";
import { startNodeRed, type NodeRed } from "../support/node-red-process";

const CONFIG = { id: "acs", type: "acs-config", name: "simulator", mode: "simulator", voice: "en-US-JennyNeural", locale: "en-US", operationTimeout: 300 };

/** The node each case sends its message to (msg.call and msg.recording come from the request body). */
const CASES: Record<string, Record<string, unknown>> = {
  play: { type: "acs-play", promptKind: "text", prompt: "Hello", promptType: "str" },
  ssml: { type: "acs-play", promptKind: "ssml", prompt: "Hello without speak", promptType: "str" },
  keys: { type: "acs-dtmf", action: "send", tones: "12x", tonesType: "str", participant: "+14255550123", participantType: "str" },
  state: { type: "acs-recording", action: "state" },
  invite: { type: "acs-participant", action: "add", participant: "+14255550123", participantType: "str", callerId: "+18005550100", callerIdType: "str", invitationTimeout: "999", outputs: 3 },
};

/**
 * For each case: http in → change (msg.call, msg.recording from the body) → the node. One Catch
 * node answers with the caught error's message; a recording start set to unmixed mp3 reports its
 * settings at deploy, in the log.
 */
function flows(): unknown[] {
  const nodes: unknown[] = [{ id: "tab", type: "tab", label: "languages" }, CONFIG];
  for (const [name, props] of Object.entries(CASES)) {
    nodes.push(
      { id: `in-${name}`, type: "http in", z: "tab", url: `/language/${name}`, method: "post", wires: [[`body-${name}`]] },
      {
        id: `body-${name}`,
        type: "change",
        z: "tab",
        rules: [
          { t: "set", p: "call", pt: "msg", to: "payload.call", tot: "msg" },
          { t: "set", p: "recording", pt: "msg", to: "payload.recording", tot: "msg" },
        ],
        wires: [[`node-${name}`]],
      },
      { id: `node-${name}`, z: "tab", acs: "acs", wires: [["unexpected"], ["unexpected"], ["unexpected"]], ...props },
    );
  }
  nodes.push(
    { id: "caught", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["message"]] },
    { id: "message", type: "change", z: "tab", rules: [{ t: "set", p: "payload", pt: "msg", to: "error.message", tot: "msg" }], wires: [["reply"]] },
    { id: "unexpected", type: "change", z: "tab", rules: [{ t: "set", p: "payload", pt: "msg", to: "no error", tot: "str" }], wires: [["reply"]] },
    { id: "reply", type: "http response", z: "tab", statusCode: "200", wires: [] },
    { id: "unmixed-mp3", type: "acs-recording", z: "tab", acs: "acs", action: "start", content: "audio", channel: "unmixed", format: "mp3", wires: [[], []] },
  );
  return nodes;
}

describe("runtime messages in the server's language (a real Node-RED with lang set)", function () {
  this.timeout(60_000);

  for (const lang of ["ko", "zh-CN"] as const) {
    describe(lang, () => {
      let red: NodeRed;

      before(async () => {
        red = await startNodeRed({ settings: { lang, disableEditor: true }, flows: flows() });
        // The recording node set to unmixed mp3 is created last, and reports its settings as it starts.
        await red.waitForLog(/\[acs-recording:unmixed-mp3\]/);
      });
      after(async () => red?.stop());

      /** The message a Catch node caught for `name`'s node, given msg.call / msg.recording. */
      async function caught(name: string, body: Record<string, unknown>): Promise<string> {
        // Node-RED gives Catch nodes the error as text: "AcsActionError: <message>".
        const res = await fetch(`${red.base}/language/${name}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
        assert.equal(res.status, 200);
        return (await res.text()).replace(/^\w+: /, "");
      }

      const call = { call: { callConnectionId: "no-such-call" } };
      const expected = {
        ko: {
          play: /^재생 실패: 통화가 이미 끝났습니다 \(callConnectionId no-such-call\)$/,
          noCallId: /^통화 ID가 없습니다: msg\.call\.callConnectionId 값이 비어 있습니다\./,
          ssml: /^안내 .*: SSML은 <speak> 요소로 시작해야 합니다$/,
          keys: /^키 "12x"을\(를\) 보낼 수 없습니다: "x"은\(는\) DTMF 키가 아닙니다 \(0-9, \*, #, A-D를 사용하세요\)$/,
          state: /^녹음 상태 조회 실패: ACS 응답 404 \(\d+\): /,
          invite: /^초대 제한 시간은 1에서 180 사이의 정수\(초\)여야 합니다\. "999"은\(는\) 사용할 수 없습니다\.$/,
          deploy: /녹음을 시작할 수 없습니다: 분리\(unmixed\) 녹음은 wav로만 녹음됩니다/,
        },
        "zh-CN": {
          play: /^播放失败：呼叫已经结束（callConnectionId no-such-call）$/,
          noCallId: /^没有呼叫 ID：msg\.call\.callConnectionId 为空。/,
          ssml: /：SSML 必须以 <speak> 元素开头$/,
          keys: /^无法发送按键“12x”：“x”不是 DTMF 按键（请使用 0-9、\*、# 或 A-D）$/,
          state: /^获取录制状态失败：ACS 返回 404（\d+）：/,
          invite: /^邀请超时必须是 1 到 180 之间的整数秒，而不是“999”。$/,
          deploy: /无法开始录制：分声道（unmixed）录制只能是 wav/,
        },
      }[lang];

      it("an operation on a call that has ended, and a message without a call id", async () => {
        assert.match(await caught("play", call), expected.play);
        assert.match(await caught("play", {}), expected.noCallId);
      });

      it("ACS's refusal: the action and the status in the language, ACS's own words as ACS gave them", async () => {
        const message = await caught("state", { recording: { recordingId: "no-such-recording" } });
        assert.match(message, expected.state);
        assert.match(message, /[A-Za-z]/, "ACS's explanation follows, in English as ACS sent it");
      });

      it("the reasons lib code gives: a prompt, keys to send, an invitation timeout", async () => {
        assert.match(await caught("ssml", call), expected.ssml);
        assert.match(await caught("keys", call), expected.keys);
        assert.match(await caught("invite", call), expected.invite);
      });

      it("a node's settings checked at deploy, in the log", () => {
        assert.match(red.output(), expected.deploy);
      });
    });
  }
});
