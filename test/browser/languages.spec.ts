/**
 * The editor in Korean and in Chinese: the palette category and every palette label, and one
 * node's dialog (play), read as a Korean or Chinese browser shows them, against the catalogues in
 * locales/<language>/. A screenshot of each goes to test-results/screenshots/.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { useBrowser, type FlowNode } from "../support/browser";

declare const $: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = join(__dirname, "..", "..");
const NODE_TYPES = Object.keys((JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { "node-red": { nodes: Record<string, string> } })["node-red"].nodes);
const PALETTE_TYPES = NODE_TYPES.filter((t) => t !== "acs-config");

type Catalogue = Record<string, Record<string, unknown> & { paletteLabel?: string; label?: Record<string, string> }> & { palette?: { label: Record<string, string> } };
const catalogue = (language: string, type: string): Catalogue => JSON.parse(readFileSync(join(ROOT, "locales", language, `${type}.json`), "utf8")) as Catalogue;

const FLOW: FlowNode[] = [
  { id: "lang-tab", type: "tab", label: "language" },
  { id: "lang-acs", type: "acs-config", name: "simulator", mode: "simulator" },
  { id: "lang-play", type: "acs-play", z: "lang-tab", acs: "lang-acs", prompt: "Welcome", x: 200, y: 100, wires: [[], []] },
];

for (const language of ["ko", "zh-CN"]) {
  describe(`Browser: the editor in ${language}`, function () {
    this.timeout(120_000);
    const b = useBrowser({ locale: language });

    it("shows the palette category and every node's palette label in that language", async () => {
      const expectedCategory = catalogue(language, "acs-play").palette?.label.Azure_Calling;
      assert.ok(expectedCategory && expectedCategory !== "Azure Calling", "the catalogue translates the category");
      const shown = await b.editor.evaluate(
        (types) => ({
          category: $(".red-ui-palette-header:contains('Azure')").first().text().trim(),
          labels: Object.fromEntries(types.map((t) => [t, $(`.red-ui-palette-node[data-palette-type='${t}'] .red-ui-palette-label`).text().replace(/\s+/g, " ").trim()])),
        }),
        PALETTE_TYPES,
      );
      assert.equal(shown.category, expectedCategory);
      for (const type of PALETTE_TYPES) {
        const expected = catalogue(language, type)[type]?.paletteLabel;
        assert.ok(expected, `${type} has a ${language} palette label`);
        assert.equal(shown.labels[type], expected, `${type}'s palette label`);
      }
      const translated = PALETTE_TYPES.filter((t) => shown.labels[t] !== catalogue("en-US", t)[t]?.paletteLabel);
      assert.ok(translated.length >= PALETTE_TYPES.length - 1, `labels other than English: ${translated.join(", ")}`); // "DTMF" is DTMF everywhere
      await b.editor.screenshot(`palette-${language}`, { of: b.editor.page.locator("#red-ui-palette"), docs: true });
      b.editor.assertNoErrors();
    });

    it("shows the play node's dialog in that language", async () => {
      await b.editor.importFlow(FLOW, { applyNodeDefaults: true });
      await b.editor.showFlow("lang-tab");
      const tray = await b.editor.openDialog("lang-play");
      const labels = (catalogue(language, "acs-play")["acs-play"].label ?? {}) as Record<string, string>;
      const shown = await b.editor.evaluate(
        () => ({
          promptKind: $("label[for='node-input-promptKind'] span").text().trim(),
          acs: $("label[for='node-input-acs'] span").text().trim(),
          options: $("#node-input-promptKind option").map((_: number, o: HTMLOptionElement) => o.textContent?.trim()).get(),
        }),
        null,
      );
      assert.equal(shown.promptKind, labels.promptKind);
      assert.equal(shown.acs, labels.acs);
      const kinds = catalogue(language, "acs-play")["acs-play"].promptKind as Record<string, string>;
      assert.deepEqual(shown.options, [kinds.text, kinds.ssml, kinds.file]);
      await b.editor.screenshot(`dialog-play-${language}`, { of: tray, docs: true });
      await b.editor.closeDialog("cancel");
      b.editor.assertNoErrors();
    });
  });
}
