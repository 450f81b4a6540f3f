/**
 * The phone page the simulator serves: `{control base}/phone` (HTML), `phone.js` (the one
 * softphone script, also loaded by the Node-RED sidebar), `phone.css`, and `phone/messages` (the
 * acs-softphone catalogue in the language asked for). Over real HTTP from the standalone server.
 */
import assert from "node:assert/strict";
import { Script } from "node:vm";
import { pickLanguage } from "../../simulator/phone-assets";
import { accessKeyOf } from "../support/signed-fetch";
import { Harness } from "../support/harness";

describe("simulator phone page", function () {
  let h: Harness;

  before(async () => {
    h = await Harness.start({ speed: 50 }, false);
  });
  after(async () => {
    await h.stop();
  });

  const get = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${h.sim.controlBase}${path}`, { redirect: "manual", ...init });
    return { res, text: await res.text() };
  };

  it("GET /phone: the page, loading only its own script and style sheet, with a strict content security policy", async () => {
    const { res, text } = await get("/phone");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html; charset=utf-8/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/, "no inline script");
    assert.match(csp, /style-src 'self'(;|$)/, "no inline style");
    assert.match(text, /<script src="phone\.js"><\/script>/);
    assert.match(text, /<link rel="stylesheet" href="phone\.css"/);
    assert.match(text, /data-acs-softphone-page/);
    assert.doesNotMatch(text, /<script>[^<]/, "no inline script in the page");
    assert.doesNotMatch(text, /style="/, "no inline style in the page");
    const key = accessKeyOf(h.sim.connectionString);
    assert.ok(!text.includes(key), "no access key");
  });

  it("GET /phone.js: one script that compiles, defines AcsSoftphone and never writes HTML from data", async () => {
    const { res, text } = await get("/phone.js");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/javascript; charset=utf-8/);
    assert.doesNotThrow(() => new Script(text, { filename: "phone.js" }));
    assert.match(text, /window\.AcsSoftphone = \{ mount/);
    assert.doesNotMatch(text, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/, "text goes in as text only");
    for (const testId of ["from", "to", "dial", "call-list", "call-state", "prompt-list", "keypad", "say-text", "say", "hangup", "answer", "decline", "busy"]) {
      assert.match(text, new RegExp(`"data-testid": "${testId}"`), `data-testid ${testId}`);
    }
  });

  it("GET /phone.css and HEAD /phone; /phone/ is sent to /phone (its relative URLs need it)", async () => {
    const css = await get("/phone.css");
    assert.equal(css.res.status, 200);
    assert.match(css.res.headers.get("content-type") ?? "", /^text\/css/);
    assert.match(css.text, /\.acs-softphone/);
    const head = await get("/phone", { method: "HEAD" });
    assert.equal(head.res.status, 200);
    assert.equal(head.text, "");
    assert.ok(Number(head.res.headers.get("content-length")) > 100);
    const slash = await get("/phone/");
    assert.equal(slash.res.status, 302);
    assert.equal(slash.res.headers.get("location"), "../phone");
  });

  it("GET /phone/messages: the acs-softphone catalogue, in the language asked for or en-US", async () => {
    const { res, text } = await get("/phone/messages");
    assert.equal(res.status, 200);
    const body = JSON.parse(text) as { lang: string; messages: { "acs-softphone": { phone: Record<string, unknown> } } };
    assert.equal(body.lang, "en-US");
    assert.equal(body.messages["acs-softphone"].phone.dial, "Dial");
    const korean = JSON.parse((await get("/phone/messages", { headers: { "accept-language": "ko-KR,ko;q=0.9" } })).text) as typeof body;
    assert.equal(korean.lang, "ko");
    assert.equal(korean.messages["acs-softphone"].phone.dial, "전화 걸기");
    const chinese = JSON.parse((await get("/phone/messages?lang=zh-CN")).text) as typeof body;
    assert.equal(chinese.lang, "zh-CN");
    assert.equal(chinese.messages["acs-softphone"].phone.dial, "拨号");
    const unknown = JSON.parse((await get("/phone/messages?lang=xx-YY")).text) as { lang: string };
    assert.equal(unknown.lang, "en-US");
    const byHeader = JSON.parse((await get("/phone/messages", { headers: { "accept-language": "xx;q=0.9, en-GB;q=0.8" } })).text) as { lang: string };
    assert.equal(byHeader.lang, "en-US", "en-GB → en-US (same language)");
  });

  it("picks the best language: exact, then the same language, then en-US", () => {
    const available = ["en-US", "ko", "zh-CN"];
    assert.equal(pickLanguage("ko", available), "ko");
    assert.equal(pickLanguage("ko-KR", available), "ko");
    assert.equal(pickLanguage("zh-cn", available), "zh-CN");
    assert.equal(pickLanguage("zh", available), "zh-CN");
    assert.equal(pickLanguage("fr-FR,ko;q=0.5", available), "ko");
    assert.equal(pickLanguage("fr", available), "en-US");
    assert.equal(pickLanguage(undefined, available), "en-US");
    assert.equal(pickLanguage("../../etc", available), "en-US");
  });

  it("other methods and paths are the control API's: a clear JSON 4xx", async () => {
    for (const [method, path] of [["POST", "/phone"], ["GET", "/phone.json"], ["GET", "/phone/other"]]) {
      const { res, text } = await get(path, { method });
      assert.ok(res.status >= 400 && res.status < 500, `${method} ${path}: ${res.status}`);
      assert.match(res.headers.get("content-type") ?? "", /application\/json/);
      assert.ok((JSON.parse(text) as { error: { message: string } }).error.message);
    }
  });
});
