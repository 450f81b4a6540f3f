/**
 * Node statuses are message keys the editor translates into its user's language (not text the
 * runtime translated into the server's): the status texts the nodes send, while two calls run
 * through incoming call → answer → recognize and call info, and what an editor in English, Korean
 * or Chinese shows for each of them.
 */
import assert from "node:assert/strict";
import { waitFor } from "../support/harness";
import { RedHarness } from "../support/red";
import { loggedProblems, statusesOf } from "../support/examples";
import { EDITOR_LANGUAGES, editorTranslator } from "../support/editor-i18n";

const NS = "node-red-contrib-acs-call-automation";
const FIRST = "+14255550181";
const SECOND = "+14255550182";

const textsOf = (id: string) => statusesOf(id).map((s) => s.text as string | undefined);
const lastOf = (id: string) => statusesOf(id).at(-1) ?? {};

describe("node status texts, translated by the editor", function () {
  this.timeout(30000);
  const red = RedHarness.forSuite();

  it("sends namespaced keys, and the number of calls a node waits on as a count the editor translates too", async () => {
    const rec = RedHarness.outputs("rec", 4);
    const info = RedHarness.outputs("info", 1);
    await red.load([
      red.configNode(),
      { id: "incoming", type: "acs-incoming-call", acs: "acs", wires: [["answer"]] },
      { id: "answer", type: "acs-answer", acs: "acs", action: "answer", wires: [["rec", "info"], [], []] },
      {
        id: "rec",
        type: "acs-recognize",
        acs: "acs",
        inputKind: "dtmf",
        prompt: "Press a key.",
        promptType: "str",
        maxTones: 1,
        stopTones: "",
        initialSilenceTimeout: 300,
        interToneTimeout: 20,
        retries: 0,
        wires: rec.wires,
      },
      { id: "info", type: "acs-call-info", acs: "acs", wires: info.wires },
      ...rec.nodes,
      ...info.nodes,
      ...RedHarness.catcher(),
    ]);
    const waiting = `${NS}/acs-recognize:acs-recognize.status.waiting`;

    await waitFor(() => textsOf("incoming").includes(`${NS}/acs-incoming-call:acs-incoming-call.status.listening`), "incoming call listening");
    const first = await red.dial(FIRST);
    await red.waitForRecognize(first);
    await waitFor(() => lastOf("rec").text === waiting, "recognize waiting on one call");

    const second = await red.dial(SECOND);
    await red.waitForRecognize(second);
    await waitFor(() => lastOf("rec").text === `x2 $t(${waiting})`, "recognize waiting on two calls");
    assert.deepEqual(lastOf("rec"), { fill: "yellow", shape: "ring", text: `x2 $t(${waiting})` });

    await red.press(first, "1");
    await red.next("rec", 0, (m) => m.msg.payload === "1");
    await waitFor(() => lastOf("rec").text === waiting, "back to one call");

    await red.press(second, "2");
    await red.next("rec", 0, (m) => m.msg.payload === "2");
    await waitFor(() => lastOf("rec").text === `${NS}/acs-recognize:acs-recognize.status.recognized`, "recognized");
    assert.deepEqual(lastOf("rec"), { fill: "green", shape: "dot", text: `${NS}/acs-recognize:acs-recognize.status.recognized` });

    assert.deepEqual(textsOf("incoming").slice(-2), [`x1 $t(${NS}/acs-incoming-call:acs-incoming-call.status.calls)`, `x2 $t(${NS}/acs-incoming-call:acs-incoming-call.status.calls)`]);
    assert.ok(textsOf("answer").includes(`${NS}/acs-answer:acs-answer.status.answering`));
    assert.equal(lastOf("answer").text, `${NS}/acs-answer:acs-answer.status.connected`);
    await red.next("info", 0);
    assert.match(String(lastOf("info").text), new RegExp(`^[a-z]+ · x\\d+ \\$t\\(${NS}/acs-call-info:acs-call-info\\.status\\.participants\\)$`));
    assert.deepEqual(red.from("catch"), []);

    // What an editor in each language shows for every status these nodes sent.
    const types: Record<string, string> = { incoming: "acs-incoming-call", answer: "acs-answer", rec: "acs-recognize", info: "acs-call-info" };
    const sent = Object.entries(types).flatMap(([id, type]) => statusesOf(id).map((s) => ({ type, text: String(s.text ?? "") })));
    assert.ok(sent.length >= 8);
    for (const lang of EDITOR_LANGUAGES) {
      const show = await editorTranslator(lang);
      const shown = sent.filter((s) => s.text !== "").map((s) => show(s.type, s.text));
      assert.deepEqual(shown.filter((t) => t.includes(NS) || t.includes("$t(")), [], `${lang}: a status the editor could not translate`);
      if (lang === "ko") {
        assert.ok(shown.includes("x2 입력 기다리는 중"), JSON.stringify(shown));
        assert.ok(shown.includes("x2 통화"));
        assert.ok(shown.includes("인식함"));
      }
      if (lang === "zh-CN") {
        assert.ok(shown.includes("x2 等待输入"), JSON.stringify(shown));
        assert.ok(shown.includes("已连接"));
      }
      if (lang === "en-US") assert.ok(shown.includes("x2 waiting for input"), JSON.stringify(shown));
    }
  });

  it("the listening nodes without a connection: a red status the editor translates, and the reason in the log", async () => {
    await red.load([
      { id: "incoming", type: "acs-incoming-call", acs: "", wires: [[]] },
      { id: "events", type: "acs-event-in", acs: "", wires: [[]] },
    ]);
    for (const [id, type] of [["incoming", "acs-incoming-call"], ["events", "acs-event-in"]]) {
      await waitFor(() => lastOf(id).fill === "red", `${id} says it has no connection`);
      assert.deepEqual(lastOf(id), { fill: "red", shape: "ring", text: `${NS}/${type}:${type}.status.noConnection` });
      await waitFor(() => loggedProblems().some((p) => p.id === id), `${id} logs why`);
      assert.deepEqual(
        loggedProblems().filter((p) => p.id === id).map((p) => p.msg),
        ["No ACS connection: choose an acs-config node in this node's settings."],
      );
    }
  });
});
