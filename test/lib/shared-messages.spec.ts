import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { callIdOf, serviceOf, SHARED_MESSAGES, sharedMessage, type NodeRedRuntime } from "../../lib/node-kit";
import { runtimeTranslator } from "../support/editor-i18n";

/** Enough of RED for callIdOf and serviceOf, with a given RED._. */
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

describe("runtime messages of lib/node-kit, in the server's language", () => {
  it("has the English text in the en-US catalogue, word for word", () => {
    const en = JSON.parse(readFileSync(join(__dirname, "..", "..", "locales", "en-US", "acs-config.json"), "utf8")) as { "acs-config": { shared: Record<string, string> } };
    assert.deepEqual(en["acs-config"].shared, SHARED_MESSAGES);
  });

  it("translates with the runtime's RED._, from any node", async () => {
    const ko = runtime(await runtimeTranslator("ko", "acs-play"));
    const zh = runtime(await runtimeTranslator("zh-CN", "acs-hangup"));
    assert.equal(sharedMessage(ko, "noConnection"), "ACS 연결이 없습니다: 이 노드의 설정에서 acs-config 노드를 고르세요.");
    await assert.rejects(callIdOf(ko, {}, {}, { payload: 1 }), { name: "FlowError", message: /^통화 ID가 없습니다: msg\.call\.callConnectionId 값이 비어 있습니다\./ });
    await assert.rejects(callIdOf(zh, {}, {}, { payload: 1 }), { message: /^没有呼叫 ID：msg\.call\.callConnectionId 为空。/ });
    await assert.rejects(serviceOf(zh, undefined), { name: "FlowError", message: "没有 ACS 连接：请在此节点的设置中选择一个 acs-config 节点。" });
    const en = runtime(await runtimeTranslator("en-US", "acs-play"));
    await assert.rejects(callIdOf(en, {}, {}, { payload: 1 }), { message: SHARED_MESSAGES.noCallId.replace("__where__", "msg.call.callConnectionId") });
  });

  it("falls back to English where no catalogue is loaded (RED._ gives the key back)", async () => {
    const bare = runtime((key) => key);
    assert.equal(sharedMessage(bare, "noConnection"), SHARED_MESSAGES.noConnection);
    await assert.rejects(callIdOf(bare, {}, { callId: "ticket.call", callIdType: "flow" }, {}), {
      message: "No call id: flow.ticket.call is empty. Wire this node after an answer or create-call node, or set where the call id comes from.",
    });
  });
});
