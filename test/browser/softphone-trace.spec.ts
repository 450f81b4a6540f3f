/**
 * A call from the editor's sidebar softphone through the IVR example, watched in the call trace:
 * the caller dials from the phone tab, sees the greeting and the menu as they play, presses 1 on
 * the keypad, hears the opening hours (the branch taken) and goodbye, and the call ends. The trace
 * tab then lists the call; its timeline shows the nodes the call passed through, the operations
 * and events, and a click on a node step reveals that node on the canvas.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { useBrowser, type FlowNode } from "../support/browser";
import { poll } from "../support/processes";

declare const RED: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const IVR = JSON.parse(readFileSync(join(__dirname, "..", "..", "examples", "IVR menu.json"), "utf8")) as FlowNode[];
const prompt = (id: string) => String(IVR.find((n) => n.id === id)?.prompt);

describe("Browser: the sidebar softphone calls the IVR example, and the call trace shows the call", function () {
  this.timeout(120_000);
  const b = useBrowser({ viewport: { width: 1440, height: 900 } });

  before(async () => {
    await b.editor.importFlow(IVR);
    await b.editor.deploy();
    const config = IVR.find((n) => n.type === "acs-config")!.id;
    await poll(async () => {
      const subs = (await b.red.admin<Array<{ url: string }>>("GET", "/acs-simulator/subscriptions")).body;
      return subs.some((s) => s.url.includes(`/acs/events/${config}/`)) ? true : undefined;
    }, "the IVR's acs-config to subscribe to the simulator", 30_000);
    await b.editor.showFlow(String(IVR.find((n) => n.type === "tab")!.id));
    await b.editor.page.locator(".red-ui-flow-node").first().waitFor();
  });

  it("dial from the phone tab, see the prompts, press 1, hear the hours branch and goodbye; the call ends", async () => {
    const page = b.editor.page;
    await b.editor.evaluate(() => RED.sidebar.show("acs-softphone"), null);
    const phone = page.locator("[data-testid=softphone]");
    await phone.waitFor();
    await phone.locator("[data-testid=to]").fill(String(IVR.find((n) => n.type === "acs-incoming-call")!.to));
    await phone.locator("[data-testid=from]").fill("+14255550123");
    await phone.locator("[data-testid=dial]").click();

    const prompts = phone.locator("[data-testid=prompt]");
    await poll(async () => ((await prompts.allTextContents()).some((t) => t.includes(prompt("ivr-menu"))) ? true : undefined), "the menu prompt in the phone", 30_000);
    assert.ok((await prompts.first().textContent())?.includes(prompt("ivr-greet")), "the greeting came first");
    // Press 1 once the flow listens for keys.
    await phone.locator("[data-testid=listening][data-keys=true]").waitFor({ timeout: 30_000 });
    await phone.locator("[data-testid=key-1]").click();
    const pressed = phone.locator("[data-testid=caller-input][data-input=keys]");
    await pressed.first().waitFor();
    assert.equal(await pressed.count(), 1, "one key pressed");
    assert.equal(await pressed.getAttribute("data-heard"), "true", "the flow was listening when it was pressed");

    await poll(async () => ((await prompts.allTextContents()).some((t) => t.includes(prompt("ivr-hours"))) ? true : undefined), "the opening hours in the phone", 30_000);
    await b.editor.screenshot("softphone", { docs: true });

    await phone.locator("[data-testid=call-state][data-state=ended]").waitFor({ timeout: 30_000 });
    const heard = (await prompts.allTextContents()).map((t) => t.replace(/\s+/g, " "));
    for (const id of ["ivr-greet", "ivr-menu", "ivr-hours", "ivr-goodbye"]) {
      assert.ok(heard.some((t) => t.includes(prompt(id))), `the phone showed ${id}: ${heard.join(" | ")}`);
    }
    assert.ok(!heard.some((t) => t.includes(prompt("ivr-hold"))), "not the agent branch");
    b.editor.assertNoErrors();
  });

  it("the call trace lists the call; its timeline shows the nodes, operations and events, and a node step reveals its node", async () => {
    const page = b.editor.page;
    await b.editor.evaluate(() => RED.sidebar.show("acs-trace"), null);
    const trace = page.locator("[data-testid=acs-trace]");
    await trace.waitFor();
    const call = trace.locator("[data-testid=acs-trace-call][data-state=ended]").first();
    await call.waitFor({ timeout: 30_000 });
    await call.click();
    const steps = trace.locator("[data-testid=acs-trace-step]");
    await poll(async () => ((await steps.count()) > 10 ? true : undefined), "the call's timeline");
    const nodeSteps = await trace.locator("[data-testid=acs-trace-step][data-kind=node]").evaluateAll((els) => els.map((e) => e.getAttribute("data-node-id")));
    for (const id of ["ivr-answer", "ivr-greet", "ivr-menu", "ivr-hours", "ivr-goodbye"]) assert.ok(nodeSteps.includes(id), `${id} in the timeline (${nodeSteps.join(", ")})`);
    assert.ok(!nodeSteps.includes("ivr-hold"), "the agent branch was not taken");
    const kinds = new Set(await steps.evaluateAll((els) => els.map((e) => e.getAttribute("data-kind"))));
    for (const kind of ["node", "outcome", "operation", "event"]) assert.ok(kinds.has(kind), `a ${kind} step`);
    const texts = (await steps.allTextContents()).join("\n");
    assert.match(texts, /RecognizeCompleted/);
    assert.match(texts, /CallDisconnected/);

    await b.editor.evaluate(() => {
      const w = window as unknown as { revealed: string[] };
      w.revealed = [];
      const reveal = RED.view.reveal;
      RED.view.reveal = function (id: string, ...rest: unknown[]) {
        w.revealed.push(id);
        return reveal.call(this, id, ...rest);
      };
    }, null);
    await trace.locator("[data-testid=acs-trace-step][data-kind=node][data-node-id=ivr-hours]").first().click();
    const revealed = await b.editor.evaluate(() => (window as unknown as { revealed: string[] }).revealed, null);
    assert.deepEqual(revealed, ["ivr-hours"]);
    await b.editor.screenshot("trace", { docs: true });
    b.editor.assertNoErrors();
  });
});
