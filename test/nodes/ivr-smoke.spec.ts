import assert from "node:assert/strict";
import { RedHarness, stopSimulator, type FlowNode } from "../support/red";

describe("play and recognize (smoke)", function () {
  let red: RedHarness;
  before(async () => {
    red = await RedHarness.start();
  });
  afterEach(async () => red.unload());
  after(async () => {
    await red.stop();
    await stopSimulator();
  });

  it("greets, asks for a choice by key, and routes to the choice's port", async () => {
    const ans = RedHarness.outputs("answer", 3);
    const play = RedHarness.outputs("play", 2);
    const rec = RedHarness.outputs("menu", 5);
    const flow: FlowNode[] = [
      red.configNode(),
      { id: "incoming", type: "acs-incoming-call", acs: "acs", wires: [["answer"]] },
      { id: "answer", type: "acs-answer", acs: "acs", wires: [["play", ...ans.wires[0]], ans.wires[1], ans.wires[2]] },
      { id: "play", type: "acs-play", acs: "acs", promptKind: "text", prompt: "Welcome to Contoso.", promptType: "str", wires: [["menu", ...play.wires[0]], play.wires[1]] },
      {
        id: "menu",
        type: "acs-recognize",
        acs: "acs",
        inputKind: "choices",
        prompt: "Press 1 for hours, 2 for an agent.",
        promptType: "str",
        choices: [
          { label: "hours", key: "1", phrases: "hours, opening hours" },
          { label: "agent", key: "2", phrases: "agent, person" },
        ],
        retries: 1,
        noInputPrompt: "Sorry, I did not hear you.",
        noMatchPrompt: "Sorry, that is not an option.",
        wires: rec.wires,
      },
      ...ans.nodes,
      ...play.nodes,
      ...rec.nodes,
    ];
    await red.load(flow);
    const leg = await red.dial();
    await red.next("play", 0);
    await red.waitForRecognize(leg);
    await red.press(leg, "2");
    const choice = await red.next("menu", 1);
    assert.equal(choice.msg.payload, "agent");
    assert.equal(red.from("menu", 0).length, 0);
  });
});
