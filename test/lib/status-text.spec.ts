import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { catalogueNamespace, countedStatus, MODULE_NAME, statusKey } from "../../lib/status-text";
import { editorTranslator } from "../support/editor-i18n";

const NS = "node-red-contrib-acs-call-automation";

describe("status texts the editor translates", () => {
  it("names the catalogues after the package, as Node-RED does", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { name: string; "node-red": { nodes: Record<string, string> } };
    assert.equal(MODULE_NAME, pkg.name);
    // The node set's name is its key in package.json: the node type.
    assert.ok(Object.keys(pkg["node-red"].nodes).includes("acs-play"));
    assert.equal(catalogueNamespace("acs-play"), `${NS}/acs-play`);
  });

  it("prefixes a key with its node type's catalogue namespace", () => {
    assert.equal(statusKey("acs-play.status.playing"), `${NS}/acs-play:acs-play.status.playing`);
    assert.equal(statusKey("acs-incoming-call.status.listening"), `${NS}/acs-incoming-call:acs-incoming-call.status.listening`);
    // Already namespaced (Node-RED's own common texts, for example): left alone.
    assert.equal(statusKey("node-red:common.status.connected"), "node-red:common.status.connected");
  });

  it("refuses what is not a node message key", () => {
    assert.throws(() => statusKey("playing"), /not a node message key/);
    assert.throws(() => statusKey("Playing now."), /not a node message key/);
    assert.throws(() => statusKey("play.status.playing"), /not a node message key/);
  });

  it("writes a count before a nested key, starting with a letter so the editor translates it", () => {
    assert.equal(countedStatus("acs-play.status.playing", 3), `x3 $t(${NS}/acs-play:acs-play.status.playing)`);
    assert.equal(countedStatus("acs-incoming-call.status.calls", 0), `x0 $t(${NS}/acs-incoming-call:acs-incoming-call.status.calls)`);
    assert.match(countedStatus("acs-play.status.playing", 12), /^[@a-zA-Z]/);
  });

  describe("as the editor shows them", () => {
    it("in English, Korean and Chinese", async () => {
      const [en, ko, zh] = await Promise.all([editorTranslator("en-US"), editorTranslator("ko"), editorTranslator("zh-CN")]);
      const playing = statusKey("acs-play.status.playing");
      assert.deepEqual([en("acs-play", playing), ko("acs-play", playing), zh("acs-play", playing)], ["playing", "재생 중", "正在播放"]);
      const two = countedStatus("acs-play.status.playing", 2);
      assert.deepEqual([en("acs-play", two), ko("acs-play", two), zh("acs-play", two)], ["x2 playing", "x2 재생 중", "x2 正在播放"]);
      const calls = countedStatus("acs-incoming-call.status.calls", 5);
      assert.deepEqual([en("acs-incoming-call", calls), ko("acs-incoming-call", calls), zh("acs-incoming-call", calls)], ["x5 calls", "x5 통화", "x5 来电"]);
    });

    it("whichever node shows the text: a subflow or a config node passes another node's status on", async () => {
      const ko = await editorTranslator("ko");
      assert.equal(ko("acs-config", statusKey("acs-recording.status.recording")), "녹음 중");
      assert.equal(ko("acs-config", countedStatus("acs-participant.status.listed", 3)), "x3 참가자");
    });

    it("leaves texts that are not keys as they are", async () => {
      const ko = await editorTranslator("ko");
      assert.equal(ko("acs-event-in", "CallConnected (3)"), "CallConnected (3)");
      assert.equal(ko("acs-dtmf", "DTMF 5"), "DTMF 5");
      assert.equal(ko("acs-participant", "+14255550123"), "+14255550123");
      assert.equal(ko("acs-call-info", `connected · ${countedStatus("acs-call-info.status.participants", 2)}`), "connected · x2 참가자");
    });

    it("shows a key that no catalogue has as it was sent", async () => {
      const ko = await editorTranslator("ko");
      assert.equal(ko("acs-play", `${NS}/acs-play:acs-play.status.noSuchKey`), `${NS}/acs-play:acs-play.status.noSuchKey`);
    });
  });
});
