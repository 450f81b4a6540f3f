/**
 * acs-config: its three connection modes, the embedded simulator shared between config nodes,
 * the control API on the admin server, and redeploys that keep the webhook routes working.
 */
import { EMBEDDED_NUMBERS } from "../../lib/embedded-simulator";
import assert from "node:assert/strict";
import helper = require("node-red-node-test-helper");
import { RedHarness, type FlowNode } from "../support/red";

describe("acs-config", function () {
  this.timeout(20000);
  const red = RedHarness.forSuite();

  function answerAndGreet(config: string, prefix: string): FlowNode[] {
    const ans = RedHarness.outputs(`${prefix}answer`, 3);
    const play = RedHarness.outputs(`${prefix}play`, 2);
    return [
      { id: `${prefix}incoming`, type: "acs-incoming-call", acs: config, to: "", wires: [[`${prefix}answer`]] },
      { id: `${prefix}answer`, type: "acs-answer", acs: config, action: "answer", wires: [[`${prefix}play`, ...ans.wires[0]], ans.wires[1], ans.wires[2]] },
      { id: `${prefix}play`, type: "acs-play", acs: config, promptKind: "text", prompt: `Hello from ${prefix}`, promptType: "str", wires: play.wires },
      ...ans.nodes,
      ...play.nodes,
    ];
  }

  it("connection string mode: a standalone simulator's connection string, resource id and a subscribed Event Grid URL", async () => {
    const sim = await red.sim();
    const flow: FlowNode[] = [
      { id: "cs", type: "acs-config", mode: "connectionString", callbackBaseUrl: red.base, resourceId: sim.resourceId },
      ...answerAndGreet("cs", "cs-"),
    ];
    await red.load(flow, { cs: { connectionString: sim.connectionString } });
    const service = await red.service("cs");
    // Unlike simulator mode, nothing subscribes for us: the user pastes the Event Grid URL (here, through the control API).
    const sub = await red.control<{ id: string }>("POST", "/subscriptions", { url: service.eventGridUrl });
    assert.equal(sub.status, 201);
    try {
      const leg = await red.dial();
      const played = await red.next("cs-play", 0);
      assert.equal((played.msg.payload as { completed: boolean }).completed, true);
      const heard = await red.leg(leg);
      assert.deepEqual(heard.heard.map((h) => h.content), ["Hello from cs-"]);
    } finally {
      await red.control("DELETE", `/subscriptions/${sub.body.id}`);
    }
  });

  it("will not start an Azure connection without the ACS resource id its callbacks are verified against", async () => {
    const sim = await red.sim();
    await red.load([{ id: "noaud", type: "acs-config", mode: "connectionString", callbackBaseUrl: red.base }], { noaud: { connectionString: sim.connectionString } }).catch(() => undefined);
    await assert.rejects(red.service("noaud"), /^Error: No ACS resource id is set on the ACS connection, so callback tokens cannot be verified$/);
    // Its webhooks were never registered: a callback for it finds no endpoint.
    const res = await fetch(`${red.base}acs/callbacks/noaud/whatever`, { method: "POST", body: "[]" });
    assert.equal(res.status, 404);
  });

  it("says what is missing: no callback URL for Azure, no connection string", async () => {
    await red.load([
      { id: "nobase", type: "acs-config", mode: "connectionString" },
      { id: "nocs", type: "acs-config", mode: "connectionString", callbackBaseUrl: "https://example.org/", resourceId: "r" },
      { id: "noendpoint", type: "acs-config", mode: "entra", callbackBaseUrl: "https://example.org/", resourceId: "r" },
    ]).catch(() => undefined);
    await assert.rejects(red.service("nobase"), /^Error: No callback base URL: set the public https:\/\/ address at which Azure reaches this Node-RED/);
    await assert.rejects(red.service("nocs"), /^Error: No connection string: paste the ACS resource's connection string/);
    await assert.rejects(red.service("noendpoint"), /^Error: No endpoint: Microsoft Entra ID sign-in needs the ACS resource endpoint/);
  });

  it("two simulator-mode config nodes share one simulator, and each gets the incoming calls", async () => {
    await red.load([
      red.configNode({ id: "simA" }),
      red.configNode({ id: "simB" }),
      { id: "a-incoming", type: "acs-incoming-call", acs: "simA", wires: [["a-seen:0"]] },
      { id: "b-incoming", type: "acs-incoming-call", acs: "simB", wires: [["b-seen:0"]] },
      { id: "a-seen:0", type: "helper" },
      { id: "b-seen:0", type: "helper" },
    ]);
    const [a, b] = await Promise.all([red.service("simA"), red.service("simB")]);
    assert.notEqual(a.callbackUrl, b.callbackUrl);
    const subs = await red.control<Array<{ url: string }>>("GET", "/subscriptions");
    assert.equal(subs.body.filter((s) => s.url === a.eventGridUrl || s.url === b.eventGridUrl).length, 2);
    await red.dial("+14255550111", "+18005550100");
    await red.next("a-seen", 0);
    await red.next("b-seen", 0);
  });

  it("mounts the simulator's control API at /acs-simulator on the admin server", async () => {
    await red.load([red.configNode(), ...answerAndGreet("acs", "m-")]);
    const info = (await (helper.request().get("/acs-simulator/") as unknown as Promise<{ status: number; body: { ownedNumbers: string[] } }>));
    assert.equal(info.status, 200);
    assert.deepEqual(info.body.ownedNumbers, [...EMBEDDED_NUMBERS]);
    assert.equal(info.body.ownedNumbers.length, 50);
    const dialed = (await ((helper.request().post("/acs-simulator/calls") as unknown as { send(b: unknown): Promise<{ status: number; body: { id: string } }> }).send({ from: "+14255550100", to: "+18005550100" })));
    assert.equal(dialed.status, 201);
    await red.next("m-play", 0);
    const bad = (await ((helper.request().post("/acs-simulator/calls") as unknown as { send(b: unknown): Promise<{ status: number }> }).send({ from: "nobody" })));
    assert.equal(bad.status, 400);
  });

  it("keeps working across redeploys: the routes stay, the new config node answers, the old one is gone", async () => {
    await red.load([red.configNode(), ...answerAndGreet("acs", "r1-")]);
    const first = await red.service();
    await red.dial();
    await red.next("r1-play", 0);
    await red.unload();
    await red.load([red.configNode(), ...answerAndGreet("acs", "r2-")]);
    const second = await red.service();
    assert.notEqual(first, second);
    await red.dial();
    await red.next("r2-play", 0);
    // The first config node's Event Grid subscription went with it.
    const subs = await red.control<Array<{ url: string }>>("GET", "/subscriptions");
    assert.equal(subs.body.filter((s) => s.url === first.eventGridUrl).length, 0);
  });
});
