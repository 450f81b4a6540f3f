/**
 * The examples of the participant and call-info nodes and the number masking scenario, loaded
 * from their shipped JSON files and run through Node-RED against the embedded simulator:
 * examples/nodes/acs-participant.json (+1 800 555 0120), examples/nodes/acs-call-info.json
 * (+1 800 555 0121) and examples/Number masking.json (+1 800 555 0122).
 *
 * The simulator runs 20 times faster than real time here (rings, invitation timeouts), while
 * Node-RED's delay node waits in real time: where a test needs the 20 s delay before the cancel
 * to end first or last, it sets that delay's duration, and says so. Nothing else is changed.
 */
import assert from "node:assert/strict";
import { instrumented } from "../support/examples";
import { errorOf, eventually, RedHarness, type FlowNode, type LegDetail, type ReceivedMessage } from "../support/red";
import { waitFor, type LegSummary } from "../support/harness";

/** The example's delay node set to wait `seconds` instead of its shipped 20. */
const delayOf = (seconds: number) => (n: FlowNode) => (n.type === "delay" ? { ...n, timeout: String(seconds) } : n);

const heard = (leg: LegDetail) => leg.heard.map((h) => h.content);
type FullLeg = LegDetail & { participants: string[] };
/** The first message that reached a debug node of the example (the helper beside it), matching `filter`. */
const debugged = (red: RedHarness, id: string, filter: (m: ReceivedMessage) => boolean = () => true) =>
  waitFor(() => red.from(id).find(filter), `a message at ${id}`, 8000);

describe("participant examples", function () {
  this.timeout(30000);
  const red = RedHarness.forSuite();

  /** The far end's leg ringing for `number` in the call `serverCallId`. */
  const ringingIn = (number: string, serverCallId: string): Promise<LegSummary> =>
    red.waitForLeg((l) => l.to === `4:${number}` && l.state === "ringing" && l.direction === "outbound" && l.serverCallId === serverCallId, `${number} ringing`);

  const fullLeg = async (id: string) => (await red.leg(id)) as FullLeg;

  describe("examples/nodes/acs-participant.json (+1 800 555 0120)", () => {
    const FILE = "nodes/acs-participant.json";
    const CALLER = "+14255550123";
    const AGENT = "+14255550199";
    const LINE = "+18005550120";

    /** Dial the example's number; the caller's leg and its serverCallId once the agent's phone rings. */
    async function callUntilAgentRings(): Promise<{ caller: string; agent: LegSummary; serverCallId: string }> {
      const caller = await red.dial(CALLER, LINE);
      const { serverCallId } = await red.leg(caller);
      const agent = await ringingIn(AGENT, serverCallId);
      return { caller, agent, serverCallId };
    }

    it("the agent answers: added, caller and agent are in the call; the cancel after the delay (here 1 s) comes too late (notPending)", async () => {
      await red.load(instrumented(FILE, delayOf(1)));
      const { caller, agent } = await callUntilAgentRings();
      assert.equal(agent.from, `4:${LINE}`, "the agent's phone shows the line's number as caller id");
      assert.ok(heard(await red.leg(caller)).includes("Please hold while we connect you to an agent."));
      await red.control("POST", `/calls/${agent.id}/answer`);
      const added = await red.next("pa-add", 0);
      assert.deepEqual(added.msg.payload, { added: true, participant: AGENT });
      const late = await red.next("pa-cancel", 1);
      assert.equal((late.msg.payload as { reason: string }).reason, "notPending");
      const leg = await fullLeg(caller);
      assert.equal(leg.state, "connected");
      assert.deepEqual([...leg.participants].sort(), [`4:${AGENT}`, `4:${CALLER}`].sort());
      assert.ok(red.from("pa-outcome").length >= 2, "the outcomes reach the debug node");
      assert.equal(red.from("pa-errors").length, 0);
    });

    it("the agent's phone still rings when the delay ends (here 0.2 s): the invitation is cancelled, the add fails with reason canceled, the caller hears sorry and the call ends", async () => {
      await red.load(instrumented(FILE, delayOf(0.2)));
      const { caller, agent } = await callUntilAgentRings();
      const canceled = await red.next("pa-cancel", 0);
      assert.equal((canceled.msg.payload as { canceled: boolean }).canceled, true);
      const failed = await red.next("pa-add", 1);
      assert.deepEqual(failed.msg.payload, { reason: "canceled", participant: AGENT });
      assert.equal((await red.waitForLegState(agent.id, "ended")).endReason, "canceled");
      const ended = await red.waitForLegState(caller, "ended");
      assert.ok(heard(ended).includes("Sorry, no agent is available right now. Goodbye."));
      assert.equal(red.from("pa-add", 0).length, 0);
      assert.equal(red.from("pa-errors").length, 0);
    });

    it("as shipped, nobody answers within the 60 s invitation timeout: failed (noAnswer), sorry, the call ends", async () => {
      await red.load(instrumented(FILE));
      const { caller, agent } = await callUntilAgentRings();
      const failed = await red.next("pa-add", 1);
      assert.equal((failed.msg.payload as { reason: string }).reason, "noAnswer");
      assert.equal((await red.leg(agent.id)).state, "ended");
      const ended = await red.waitForLegState(caller, "ended");
      assert.ok(heard(ended).includes("Sorry, no agent is available right now. Goodbye."));
      await red.next("pa-hangup", 0);
      assert.equal(red.from("pa-errors").length, 0);
    });

    it("as shipped, the agent declines: failed (declined), sorry, the call ends", async () => {
      await red.load(instrumented(FILE));
      const { caller, agent } = await callUntilAgentRings();
      await red.control("POST", `/calls/${agent.id}/reject`, { reason: "declined" });
      assert.equal(((await red.next("pa-add", 1)).msg.payload as { reason: string }).reason, "declined");
      const ended = await red.waitForLegState(caller, "ended");
      assert.ok(heard(ended).includes("Sorry, no agent is available right now. Goodbye."));
    });

    it("the caller hangs up while the agent's phone rings: it stops ringing, and the cancel after the delay (here 0.3 s) is an error for the catch node", async () => {
      await red.load(instrumented(FILE, delayOf(0.3)));
      const { caller, agent } = await callUntilAgentRings();
      await red.hangup(caller);
      await red.next("pa-answer", 2);
      await red.waitForLegState(agent.id, "ended");
      const caught = await debugged(red, "pa-errors", (m) => errorOf(m).source?.id === "pa-cancel");
      assert.match(errorOf(caught).message, /cancel add participant failed: the call has already ended/);
      assert.equal(red.from("pa-add", 0).length + red.from("pa-add", 1).length, 0);
    });
  });

  describe("examples/nodes/acs-call-info.json (+1 800 555 0121)", () => {
    it("reads the call, speaks its state and participants to the caller, and hangs up", async () => {
      await red.load(instrumented("nodes/acs-call-info.json"));
      const caller = await red.dial("+14255550123", "+18005550121");
      const ended = await red.waitForLegState(caller, "ended");
      assert.deepEqual(heard(ended), ["You called +18005550121. This call is connected, with 1 participant: +14255550123."]);
      const props = await debugged(red, "ci-props");
      const info = props.msg.payload as { state: string; source: string; targets: string[]; serverCallId: string; participants: Array<{ participant: string }> };
      assert.equal(info.state, "connected");
      assert.equal(info.source, "+18005550121");
      assert.deepEqual(info.targets, ["+14255550123"]);
      assert.equal(info.serverCallId, ended.serverCallId);
      assert.deepEqual(
        info.participants.map((p) => p.participant),
        ["+14255550123"],
      );
      await red.next("ci-hangup", 0);
      assert.equal(red.from("ci-errors").length, 0);
    });
  });

  describe("examples/Number masking.json (+1 800 555 0122)", () => {
    const FILE = "Number masking.json";
    const MASKED = "+18005550122";
    const RIDER = "+14255550123";
    const DRIVER = "+14255550188";

    /** `from` dials the masked number; the counterpart's phone rings and answers; both are connected. */
    async function bridged(from: string, counterpart: string): Promise<{ caller: string; other: LegSummary; serverCallId: string }> {
      const caller = await red.dial(from, MASKED);
      const { serverCallId } = await red.leg(caller);
      const other = await ringingIn(counterpart, serverCallId);
      assert.equal(other.from, `4:${MASKED}`, "the counterpart's phone shows the masked number as the caller");
      assert.notEqual(other.from, `4:${from}`, "never the caller's own number");
      assert.ok(heard(await red.leg(caller)).includes("Connecting you now. Please hold."));
      await red.control("POST", `/calls/${other.id}/answer`);
      await red.next("nm-add", 0);
      const leg = await eventually(async () => {
        const l = await fullLeg(other.id);
        return l.participants.length === 2 ? l : undefined;
      }, "both parties in the call");
      assert.deepEqual([...leg.participants].sort(), [`4:${from}`, `4:${counterpart}`].sort());
      assert.equal((await red.leg(caller)).state, "connected");
      return { caller, other, serverCallId };
    }

    it("a rider calls: the driver sees the masked number, they are connected, and when the rider hangs up the call ends for the driver too", async () => {
      await red.load(instrumented(FILE));
      const { caller, other } = await bridged(RIDER, DRIVER);
      const callerLeg = await red.leg(caller);
      assert.equal(callerLeg.to, `4:${MASKED}`, "the rider only ever dialled the masked number");
      await red.hangup(caller);
      const driver = await red.waitForLegState(other.id, "ended");
      assert.equal(driver.endReason, "ended by the application");
      await red.next("nm-hangup", 0);
      await red.next("nm-answer", 2);
      assert.equal(red.from("nm-errors").length, 0);
    });

    it("a driver calls: the rider sees the masked number, and when the rider (the counterpart) hangs up the call ends for the driver", async () => {
      await red.load(instrumented(FILE));
      const { caller, other } = await bridged(DRIVER, RIDER);
      await red.hangup(other.id);
      const driver = await red.waitForLegState(caller, "ended");
      assert.equal(driver.endReason, "ended by the application");
      await red.next("nm-answer", 2);
      assert.equal(red.from("nm-errors").length, 0);
    });

    it("the counterpart declines: the caller hears the apology and the call ends", async () => {
      await red.load(instrumented(FILE));
      const caller = await red.dial(RIDER, MASKED);
      const { serverCallId } = await red.leg(caller);
      const driver = await ringingIn(DRIVER, serverCallId);
      await red.control("POST", `/calls/${driver.id}/reject`, { reason: "declined" });
      const ended = await red.waitForLegState(caller, "ended");
      assert.ok(heard(ended).includes("Sorry, we could not reach them. Please try again later."));
      assert.equal(((await red.next("nm-add", 1)).msg.payload as { reason: string }).reason, "declined");
    });

    it("a caller who is not in the map is rejected, and nobody's phone rings", async () => {
      await red.load(instrumented(FILE));
      const caller = await red.dial("+14255550777", MASKED);
      const ended = await red.waitForLegState(caller, "ended");
      assert.equal(ended.endReason, "rejected (forbidden)");
      await red.next("nm-reject", 0);
      assert.equal((await red.legs()).filter((l) => l.serverCallId === ended.serverCallId && l.direction === "outbound").length, 0);
      assert.equal(red.from("nm-answer").length, 0);
    });
  });
});
