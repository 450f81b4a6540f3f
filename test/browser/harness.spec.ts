/**
 * The browser test harness itself: which Chromium runs, and how the editor's language is chosen
 * (the browser's language, unless the user picked one in Settings › View), checked on Node-RED's
 * own editor texts so the language tests of this package's nodes can rely on it.
 */
import assert from "node:assert/strict";
import { Editor, useBrowser } from "../support/browser";

// Browser-side code refers to the editor's globals.
declare const RED: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const $: any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What the editor shows: its language, and the Deploy button's text. */
async function shown(editor: Editor): Promise<{ lang: string; deploy: string }> {
  return editor.evaluate(() => ({ lang: RED.i18n.lang(), deploy: $("#red-ui-header-button-deploy .red-ui-deploy-button-content span").first().text().trim() }), null);
}

describe("Browser: the test harness", function () {
  this.timeout(120_000);
  const b = useBrowser();

  it("runs a real Node-RED and a headless Chromium (ACS_CHROMIUM, else Debian's, else @sparticuz/chromium)", async () => {
    console.log(`      Chromium ${b.browser.version()} from ${b.binary.source}: ${b.binary.path}`);
    if (process.env.ACS_CHROMIUM) assert.equal(b.binary.source, "ACS_CHROMIUM");
    assert.match(b.browser.version(), /^\d+\./);
    assert.ok(b.red.log().some((line) => /Server now running at http:\/\/127\.0\.0\.1:\d+\//.test(line)), "Node-RED's log is kept");
    assert.deepEqual(await shown(b.editor), { lang: "en-US", deploy: "Deploy" });
    b.editor.assertNoErrors();
  });

  it("reports page errors, console errors and failed requests; the editor cannot reach the Internet", async () => {
    const editor = b.editor;
    await editor.evaluate(async () => {
      setTimeout(() => {
        throw new Error("thrown in the page");
      }, 0);
      console.error("said in the page");
      await fetch("no-such-file.json").catch(() => undefined);
      await fetch("https://example.com/").catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }, null);
    await editor.page.waitForFunction(() => true);
    const errors = editor.takeErrors();
    assert.equal(errors.length, 4, errors.join("\n"));
    assert.match(errors[0], /^Error: thrown in the page/);
    assert.match(errors[1], /^said in the page/);
    assert.ok(errors.some((e) => /^GET 404 http:\/\/127\.0\.0\.1:\d+\/no-such-file\.json$/.test(e)), errors.join("\n"));
    assert.ok(errors.some((e) => /^GET failed https:\/\/example\.com\/: net::ERR_BLOCKED_BY_CLIENT/.test(e)), errors.join("\n"));
    editor.assertNoErrors();
  });

  for (const [locale, deploy] of [
    ["ko", "배포하기"],
    ["zh-CN", "部署"],
  ]) {
    it(`the editor follows the browser's language: ${locale}`, async () => {
      const editor = await Editor.open(b.browser, b.red, { locale });
      try {
        assert.equal(await editor.evaluate(() => navigator.language, null), locale);
        assert.deepEqual(await shown(editor), { lang: locale, deploy });
        editor.assertNoErrors();
      } finally {
        await editor.close();
      }
    });
  }

  it("the language chosen in Settings › View wins over the browser's", async () => {
    const editor = await Editor.open(b.browser, b.red, { locale: "en-US", language: "zh-CN" });
    try {
      assert.deepEqual(await shown(editor), { lang: "zh-CN", deploy: "部署" });
      editor.assertNoErrors();
    } finally {
      await editor.close();
    }
  });
});

describe("Browser: a suite with the runtime in another language", function () {
  this.timeout(120_000);
  const b = useBrowser({ locale: "ko", runtimeLanguage: "ko" });

  it("Node-RED runs in Korean (settings.lang), the editor too, and deploys", async () => {
    assert.deepEqual(await shown(b.editor), { lang: "ko", deploy: "배포하기" });
    await b.editor.importFlow([
      { id: "lang-tab", type: "tab", label: "언어" },
      { id: "lang-inject", type: "inject", z: "lang-tab", x: 120, y: 60, wires: [[]] },
    ], { applyNodeDefaults: true });
    const log = await b.editor.deploy();
    assert.ok(log.some((line) => line.includes("플로우 시작됨")), `"Started flows" in Korean:\n${log.join("\n")}`);
    b.editor.assertNoErrors();
  });
});
