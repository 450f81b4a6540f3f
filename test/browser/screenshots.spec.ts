/**
 * Screenshots of the editor for the README, taken from the real editor on every run into
 * test-results/screenshots/ (gitignored); `npm run docs:images` also copies them to docs/images/.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { useBrowser, type FlowNode } from "../support/browser";

// Browser-side code refers to the editor's globals.
declare const RED: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const $: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const IVR = join(__dirname, "..", "..", "examples", "IVR menu.json");

/** A PNG's size, from its IHDR header. */
function pngSize(file: string): { width: number; height: number } {
  const png = readFileSync(file);
  assert.equal(png.subarray(1, 4).toString("latin1"), "PNG", `${file} is a PNG`);
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe("Browser: screenshots for the README", function () {
  this.timeout(120_000);
  const b = useBrowser({ viewport: { width: 1600, height: 1000 } });
  const flow = JSON.parse(readFileSync(IVR, "utf8")) as FlowNode[];
  const tab = flow.find((n) => n.type === "tab")!.id;

  before(async () => {
    const editor = b.editor;
    await editor.importFlow(flow);
    await editor.removeEmptyFlows();
    await editor.deploy();
    await editor.showFlow(tab);
    // The scene: only this package's palette category open, no sidebar, the whole flow in view.
    // Each category header toggles its category; an open one has an "expanded" arrow (Node-RED 4 and 5 alike).
    await editor.evaluate(() => {
      $(".red-ui-palette-category:visible").each(function (this: unknown) {
        const category = $(this);
        const open = category.find(".red-ui-palette-header i.expanded").length > 0;
        const ours = category.find(".red-ui-palette-node[data-palette-type='acs-play']").length > 0;
        if (open !== ours) category.find(".red-ui-palette-header").trigger("click");
      });
    }, null);
    await editor.evaluate(() => RED.menu.setSelected("menu-item-sidebar", false), null);
    await editor.page.click("#red-ui-view-zoom-out");
    await editor.page.waitForFunction(() => $(":animated").length === 0);
    // The incoming-call node says it listens once its connection is up.
    const incoming = flow.find((n) => n.type === "acs-incoming-call")!.id;
    await editor.page.waitForFunction((id) => RED.nodes.node(id).status?.fill === "green", incoming);
  });

  it("the IVR example on the canvas (ivr-flow.png)", async () => {
    const file = await b.editor.screenshot("ivr-flow", { docs: true });
    assert.deepEqual(pngSize(file), { width: 1600, height: 1000 });
    // The scene: one palette category open, and it is this package's.
    const open = await b.editor.evaluate(
      () =>
        $(".red-ui-palette-category:visible")
          .filter(function (this: unknown) {
            return $(this).find(".red-ui-palette-header i.expanded").length > 0;
          })
          .map(function (this: unknown) {
            return $(this).find(".red-ui-palette-node[data-palette-type='acs-play']").length > 0 ? "ours" : "other";
          })
          .get(),
      null,
    );
    assert.deepEqual(open, ["ours"]);
    b.editor.assertNoErrors();
  });

  it("the recognize node's dialog (dialog-recognize.png)", async () => {
    const menu = flow.find((n) => n.type === "acs-recognize")!;
    const tray = await b.editor.openDialog(menu.id);
    const file = await b.editor.screenshot("dialog-recognize", { of: tray, docs: true });
    await b.editor.closeDialog("cancel");
    const size = pngSize(file);
    assert.ok(size.width >= 400 && size.height >= 400, `the dialog is ${size.width} × ${size.height}`);
    b.editor.assertNoErrors();
  });
});
