/**
 * The editor in a real browser: every node type of package.json is in the palette, in one
 * category; every node's dialog opens and closes (Done and Cancel) without a page error, for each
 * choice of the selects that change what the node does (its action, mode, prompt kind…), and the
 * config node's dialog in each connection mode.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Editor, useBrowser, type FlowNode } from "../support/browser";

// Browser-side code refers to the editor's globals.
declare const RED: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const $: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = join(__dirname, "..", "..");
const NODE_TYPES = Object.keys((JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { "node-red": { nodes: Record<string, string> } })["node-red"].nodes);
const CONFIG_TYPE = "acs-config";
const CATEGORY = "Azure Calling";

/**
 * The selects that change what a node does, by node type; each choice of each is tried. `when`:
 * the other selects' values under which this one is shown.
 */
const BEHAVIOUR_SELECTS: Record<string, Array<{ field: string; when?: Record<string, string> }>> = {
  "acs-config": [{ field: "mode" }, { field: "authMethod", when: { mode: "entra" } }],
  "acs-answer": [{ field: "action" }],
  "acs-create-call": [{ field: "mode" }, { field: "locatorKind", when: { mode: "connect" } }],
  "acs-play": [{ field: "promptKind" }, { field: "playTo" }],
  "acs-recognize": [{ field: "inputKind" }, { field: "promptKind" }],
  "acs-recording": [{ field: "action" }],
  "acs-participant": [{ field: "action" }],
  "acs-call-info": [{ field: "query" }],
  "acs-media": [{ field: "action" }, { field: "musicKind", when: { action: "hold" } }],
  "acs-dtmf": [{ field: "action" }],
  "acs-streaming": [{ field: "action" }],
  "acs-event-in": [{ field: "scope" }],
};

/** One node of each type on a tab, with their types' defaults (as dragged from the palette), all on one config node. */
function dialogFlow(): FlowNode[] {
  const flow: FlowNode[] = [{ id: "dlg-tab", type: "tab", label: "dialogs" }, { id: "dlg-acs", type: CONFIG_TYPE, name: "simulator", mode: "simulator" }];
  NODE_TYPES.filter((t) => t !== CONFIG_TYPE).forEach((type, i) => {
    flow.push({ id: `dlg-${type}`, type, z: "dlg-tab", acs: "dlg-acs", x: 200 + 260 * (i % 4), y: 80 + 80 * Math.floor(i / 4), wires: [] });
  });
  return flow;
}
const idOf = (type: string) => (type === CONFIG_TYPE ? "dlg-acs" : `dlg-${type}`);

describe("Browser: palette and node dialogs", function () {
  this.timeout(120_000);
  const b = useBrowser();

  before(async () => {
    await b.editor.importFlow(dialogFlow(), { applyNodeDefaults: true });
    await b.editor.showFlow("dlg-tab");
  });

  it("every node type of package.json is registered; the flow nodes are in the palette, in one category", async () => {
    const palette = await b.editor.evaluate(
      (types) =>
        types.map((type) => {
          const def = RED.nodes.getType(type);
          const entry = $(`.red-ui-palette-node[data-palette-type='${type}']`);
          return {
            type,
            registered: Boolean(def),
            category: def?.category,
            color: def?.color,
            inPalette: entry.length,
            paletteCategory: entry.closest(".red-ui-palette-category").attr("id"),
            label: entry.find(".red-ui-palette-label").text().trim(),
            visible: entry.is(":visible"),
          };
        }),
      NODE_TYPES,
    );
    for (const p of palette) assert.ok(p.registered, `${p.type} is registered in the editor`);
    const config = palette.find((p) => p.type === CONFIG_TYPE)!;
    assert.equal(config.category, "config", "acs-config is a config node");
    assert.equal(config.inPalette, 0, "config nodes are not in the palette");

    const flowNodes = palette.filter((p) => p.type !== CONFIG_TYPE);
    assert.equal(flowNodes.length, NODE_TYPES.length - 1);
    for (const p of flowNodes) {
      assert.equal(p.category, CATEGORY, `${p.type}'s category`);
      assert.equal(p.inPalette, 1, `${p.type} is in the palette once`);
      assert.ok(p.visible, `${p.type} is visible in the palette`);
      assert.ok(p.label && !/^acs-[\w-]+\./.test(p.label), `${p.type} has a palette label, not a message key: "${p.label}"`);
    }
    assert.deepEqual([...new Set(flowNodes.map((p) => p.paletteCategory))], [flowNodes[0].paletteCategory], "all in one palette category");
    assert.deepEqual([...new Set(flowNodes.map((p) => p.color))], [flowNodes[0].color], "all the same colour");
    const heading = await b.editor.evaluate((id) => $(`#${id} .red-ui-palette-header span`).first().text().trim(), flowNodes[0].paletteCategory!);
    assert.equal(heading, CATEGORY);
    b.editor.assertNoErrors();
  });

  // The dialogs take time mostly in the editor's own tray animations, so four pages (four
  // editors on the same Node-RED, nothing deployed) share the node types; each type's outcome is
  // then reported by its own test.
  const outcomes = new Map<string, Promise<string[]>>();
  before(async function () {
    this.timeout(300_000);
    const queue = [...NODE_TYPES];
    const worker = async () => {
      const editor = await Editor.open(b.browser, b.red);
      try {
        await editor.importFlow(dialogFlow(), { applyNodeDefaults: true });
        await editor.showFlow("dlg-tab");
        for (let type = queue.shift(); type; type = queue.shift()) {
          let done!: (tried: string[]) => void;
          let failed!: (err: unknown) => void;
          outcomes.set(type, new Promise((resolve, reject) => ((done = resolve), (failed = reject))));
          outcomes.get(type)!.catch(() => undefined);
          try {
            done(await exerciseDialog(editor, type));
          } catch (err) {
            failed(err);
            // Leave no dialog open for the next type.
            await editor.closeAllDialogs().catch(() => undefined);
            editor.takeErrors();
          }
        }
      } finally {
        await editor.close();
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  });

  for (const type of NODE_TYPES) {
    const selects = BEHAVIOUR_SELECTS[type] ?? [];
    it(`${type}: the dialog opens and closes with Done and Cancel${selects.length ? ` for each ${selects.map((s) => s.field).join(" and ")}` : ""}`, async () => {
      const tried = await outcomes.get(type)!;
      assert.equal(tried.length > 0, selects.length > 0, `${type}: choices tried: ${tried.join(", ")}`);
    });
  }
});

/**
 * A node's dialog: for each choice of each behaviour select, choose it and Cancel (nothing
 * changes), choose it and Done (the node takes it; its outputs and label say what it does); a
 * node without such a select: open and Cancel, open and Done. No page error at any point.
 * Returns the choices tried.
 */
async function exerciseDialog(editor: Editor, type: string): Promise<string[]> {
  const id = idOf(type);
  const selects = BEHAVIOUR_SELECTS[type] ?? [];
  if (!selects.length) {
    await editor.openDialog(id);
    await editor.closeDialog("cancel");
    await editor.openDialog(id);
    await editor.closeDialog("done");
    editor.assertNoErrors(`${type}: open, Cancel, open, Done`);
  }

  const tried: string[] = [];
  for (const { field, when } of selects) {
    const select = `#node-${prefix(type)}-${field}`;
    // Put the selects this one depends on in place, through the dialog.
    if (when) {
      await editor.openDialog(id);
      for (const [other, value] of Object.entries(when)) await editor.page.selectOption(`#node-${prefix(type)}-${other}`, value);
      await editor.closeDialog("done");
    }
    let choices: string[] | undefined;
    for (let i = 0; !choices || i < choices.length; i++) {
      const before = await editor.node(id);
      // Choose it, then Cancel: nothing changes.
      await editor.openDialog(id);
      if (!choices) {
        assert.ok(await editor.page.locator(select).isVisible(), `${type}: the ${field} select is shown`);
        choices = await editor.page.locator(`${select} option`).evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
        assert.ok(choices.length >= 2, `${type}: ${field} offers choices: ${choices.join(", ")}`);
      }
      const value = choices[i];
      await editor.page.selectOption(select, value);
      await editor.closeDialog("cancel");
      assert.deepEqual(await editor.node(id), before, `${type}: Cancel keeps ${field} as it was`);
      // Choose it, then Done: the node takes it, and its ports and label say what it does.
      await editor.openDialog(id);
      await editor.page.selectOption(select, value);
      await editor.closeDialog("done");
      const after = await editor.node(id);
      assert.equal(after[field], value, `${type}: Done saves ${field} = ${value}`);
      if (type !== CONFIG_TYPE) {
        const ports = await editor.outputLabels(id);
        assert.ok(ports.length > 0, `${type} ${field}=${value}: has outputs`);
        for (const [n, label] of ports.entries()) assert.ok(label && !/^acs-[\w-]+\./.test(label), `${type} ${field}=${value}: output ${n + 1} is labelled: "${label}"`);
        const label = await editor.nodeLabel(id);
        assert.ok(label && !/^acs-[\w-]+\./.test(label), `${type} ${field}=${value}: a label, not a message key: "${label}"`);
      }
      editor.assertNoErrors(`${type} ${field}=${value}`);
      tried.push(`${field}=${value}`);
    }
  }
  return tried;
}

/** Config nodes' dialog fields are node-config-input-*, flow nodes' node-input-*. */
function prefix(type: string): string {
  return type === CONFIG_TYPE ? "config-input" : "input";
}
