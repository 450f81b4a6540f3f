/**
 * The scenario examples (examples/Appointment reminder.json, examples/Click-to-call.json), run as
 * shipped in Node-RED against the embedded simulator: started by HTTP requests into the flow (the
 * harness forwards them to RED.httpNode) or by the inject button, the far end played through the
 * simulator's control API.
 */
import assert from "node:assert/strict";
import { instrumented } from "../support/examples";
import { sleep } from "../support/harness";
import { RedHarness, type LegDetail } from "../support/red";

const PATIENT = "+14255550123";
const DESK = "+14255550188";
const AGENT = "+14255550140";
const CUSTOMER = "+14255550141";

const contents = (leg: LegDetail) => leg.heard.map((h) => h.content);

describe("scenario examples", function () {
  this.timeout(30000);
  const red = RedHarness.forSuite();

  const noErrors = (prefix: string) =>
    assert.deepEqual(
      red.from(`${prefix}-errors`).map((m) => String((m.msg.error as { message?: string } | undefined)?.message)),
      [],
    );

  /** The far end's phone ringing for an outbound call or transfer to `number` (optionally the n-th such call). */
  const ringing = (number: string, except: string[] = []) =>
    red.waitForLeg((l) => l.to === `4:${number}` && l.state === "ringing" && l.direction === "outbound" && !except.includes(l.id), `${number} to ring`);

  const answerLeg = async (id: string) => assert.equal((await red.control("POST", `/calls/${id}/answer`)).status, 200);
  const rejectLeg = async (id: string, reason: "busy" | "declined") => assert.equal((await red.control("POST", `/calls/${id}/reject`, { reason })).status, 200);

  async function post(path: string, body: unknown, contentType = "application/json"): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${red.base}${path}`, { method: "POST", headers: { "content-type": contentType }, body: typeof body === "string" ? body : JSON.stringify(body) });
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** The far-end calls that existed before this test (the simulator keeps ended calls for a while). */
  let earlier = new Set<string>();
  beforeEach(async () => {
    earlier = new Set((await red.legs()).map((l) => l.id));
  });

  /** Outbound calls placed in this test with a caller id, seen from the far end. */
  const callsFrom = async (callerId: string) => (await red.legs()).filter((l) => !earlier.has(l.id) && l.direction === "outbound" && l.from === `4:${callerId}`);

  describe("Appointment reminder", () => {
    beforeEach(async () => red.load(instrumented("Appointment reminder.json")));

    type Result = { name: string; time: string; result: string; attempts: number; at: string };
    const results = (): Record<string, Result> =>
      (red.node<{ context(): { flow: { get(key: string): unknown } } }>("exrem-record").context().flow.get("reminderResults") as Record<string, Result> | undefined) ?? {};
    /** The result recorded for `to` (once the flow records one). */
    const recorded = async (to = PATIENT): Promise<Result> => {
      await red.next("exrem-results", 0, (m) => (m.msg.payload as { to?: string }).to === to, 15000);
      return results()[to];
    };
    const reminder = "Hello Alex. This is Contoso Clinic with a reminder of your appointment tomorrow at 10 AM. To confirm, press 1 or say confirm. To reschedule, press 2 or say reschedule.";

    it("POST /reminder: 202 at once, a call with the caller id +18005550108; pressing 1 confirms and the result is recorded", async () => {
      const reply = await post("reminder", { to: PATIENT, name: "Alex", time: "tomorrow at 10 AM" });
      assert.equal(reply.status, 202);
      assert.deepEqual(reply.body, { status: "calling", to: PATIENT });
      const leg = await ringing(PATIENT);
      assert.equal(leg.from, "4:+18005550108");
      await answerLeg(leg.id);
      await red.waitForRecognize(leg.id);
      assert.deepEqual(contents(await red.leg(leg.id)), [reminder]);
      await red.press(leg.id, "1");
      const ended = await red.waitForLegState(leg.id, "ended");
      assert.equal(contents(ended).at(-1), "Thank you. Your appointment is confirmed. Goodbye.");
      const result = await recorded();
      assert.equal(result.result, "confirmed");
      assert.equal(result.name, "Alex");
      assert.equal(result.time, "tomorrow at 10 AM");
      assert.equal(result.attempts, 1);
      noErrors("exrem");
    });

    for (const [what, body, message] of [
      ["no name", { to: PATIENT, time: "tomorrow" }, /name must be/],
      ["a number that is not E.164", { to: "4255550123", name: "Alex", time: "tomorrow" }, /to must be a phone number in E\.164 form/],
      ["a body that is not an object", "[1,2]", /to must be.*name must be.*time must be/],
    ] as const) {
      it(`POST /reminder with ${what}: 400 with a clear message, and no call`, async () => {
        const reply = await post("reminder", body);
        assert.equal(reply.status, 400);
        assert.match(String(reply.body.error), message);
        assert.equal(red.from("exrem-prepare").length, 0);
        assert.deepEqual(await callsFrom("+18005550108"), []);
        noErrors("exrem");
      });
    }

    it("the test button; saying reschedule transfers the patient to the scheduling desk", async () => {
      red.inject("exrem-test", {});
      const leg = await ringing(PATIENT);
      await answerLeg(leg.id);
      await red.waitForRecognize(leg.id);
      await red.say(leg.id, "I need to reschedule");
      const desk = await ringing(DESK);
      assert.equal(contents(await red.leg(leg.id)).at(-1), "Please hold. I am connecting you to our scheduling desk.");
      await answerLeg(desk.id);
      const result = await recorded();
      assert.equal(result.result, "transferred to the scheduling desk");
      const patient = await red.leg(leg.id);
      assert.equal(patient.state, "connected");
      assert.equal((await red.leg(desk.id)).serverCallId, patient.serverCallId, "the patient talks to the desk");
      noErrors("exrem");
    });

    it("reschedule, and the desk does not take the call: \"we will call you back\"", async () => {
      red.inject("exrem-test", {});
      const leg = await ringing(PATIENT);
      await answerLeg(leg.id);
      await red.waitForRecognize(leg.id);
      await red.press(leg.id, "2");
      await rejectLeg((await ringing(DESK)).id, "busy");
      const ended = await red.waitForLegState(leg.id, "ended");
      assert.equal(contents(ended).at(-1), "Sorry, the scheduling desk is busy. We will call you back to reschedule. Goodbye.");
      assert.equal((await recorded()).result, "call back to reschedule");
      noErrors("exrem");
    });

    it("no answer to the question after two re-prompts: a voicemail-style message, hang-up, \"no response\"", async () => {
      red.inject("exrem-test", {});
      const leg = await ringing(PATIENT);
      await answerLeg(leg.id);
      const ended = await red.waitForLegState(leg.id, "ended", 20000);
      const heard = contents(ended);
      assert.equal(heard.filter((h) => h === reminder).length, 3, "asked three times");
      assert.equal(heard.filter((h) => h === "Sorry, I did not hear anything.").length, 2);
      assert.equal(heard.at(-1), "This is Contoso Clinic with a reminder of your appointment tomorrow at 10 AM. Please call us at 800 555 0108 to confirm or reschedule. Goodbye.");
      assert.equal((await recorded()).result, "no response: message left");
      noErrors("exrem");
    });

    /** Start a reminder whose retries wait 20 ms instead of a minute (msg.delay). */
    const startQuickRetries = () => red.inject("exrem-prepare", { payload: { to: PATIENT, name: "Alex", time: "tomorrow at 10 AM" }, delay: 20 });

    it("busy, then answered on the second call: a retry note, and the reminder goes on", async () => {
      startQuickRetries();
      const first = await ringing(PATIENT);
      await rejectLeg(first.id, "busy");
      const note = await red.next("exrem-retrynote", 0);
      assert.equal(note.msg.attempt, 2);
      assert.equal((note.msg.payload as { reason: string }).reason, "busy");
      const second = await ringing(PATIENT, [first.id]);
      await answerLeg(second.id);
      await red.waitForRecognize(second.id);
      await red.press(second.id, "1");
      const result = await recorded();
      assert.equal(result.result, "confirmed");
      assert.equal(result.attempts, 2);
      noErrors("exrem");
    });

    it("never reached: three calls, two retry notes, then \"not reached\"", async () => {
      startQuickRetries();
      const tried: string[] = [];
      for (let i = 0; i < 3; i++) {
        const leg = await ringing(PATIENT, tried);
        tried.push(leg.id);
        await rejectLeg(leg.id, "busy");
      }
      const result = await recorded();
      assert.equal(result.result, "not reached after 3 calls");
      assert.equal(result.attempts, 3);
      assert.equal(red.from("exrem-retrynote").length, 2);
      await sleep(100);
      assert.equal((await callsFrom("+18005550108")).length, 3, "no fourth call");
      noErrors("exrem");
    });

    it("declined: no retry, \"declined\" is recorded", async () => {
      startQuickRetries();
      await rejectLeg((await ringing(PATIENT)).id, "declined");
      assert.equal((await recorded()).result, "declined");
      assert.equal(red.from("exrem-retrynote").length, 0);
      await sleep(100);
      assert.equal((await callsFrom("+18005550108")).length, 1);
      noErrors("exrem");
    });
  });

  describe("Click-to-call", () => {
    beforeEach(async () => red.load(instrumented("Click-to-call.json")));

    it("202 at once; the agent's phone rings with the business number; the customer is connected with the business number as caller", async () => {
      const reply = await post("click-to-call", { agent: AGENT, customer: CUSTOMER });
      assert.equal(reply.status, 202);
      assert.deepEqual(reply.body, { status: "calling the agent", agent: AGENT, customer: CUSTOMER });
      const agent = await ringing(AGENT);
      assert.equal(agent.from, "4:+18005550109");
      assert.equal(red.from("exc2c-callagent").length, 0, "nothing happens until the agent answers");
      await answerLeg(agent.id);
      const customer = await ringing(CUSTOMER);
      assert.equal(customer.from, "4:+18005550109", "the customer sees the business number");
      assert.deepEqual(contents(await red.leg(agent.id)), ["Connecting you to your customer."]);
      await answerLeg(customer.id);
      const connected = await red.next("exc2c-connected", 0);
      assert.deepEqual(connected.msg.payload, { accepted: true, target: CUSTOMER });
      const [a, c] = [await red.leg(agent.id), await red.leg(customer.id)];
      assert.equal(a.state, "connected");
      assert.equal(c.state, "connected");
      assert.equal(a.serverCallId, c.serverCallId, "agent and customer are in one call");
      const left = await red.next("exc2c-callagent", 2);
      assert.equal((left.msg.payload as { reason: string }).reason, "ended", "the app has left the call");
      noErrors("exc2c");
    });

    for (const [what, body, message] of [
      ["no customer", { agent: AGENT }, /customer must be a phone number/],
      ["an agent number that is not E.164", { agent: "555-0140", customer: CUSTOMER }, /agent must be a phone number/],
      ["the same number twice", { agent: AGENT, customer: AGENT }, /must be different numbers/],
      ["a body that is not JSON", "agent=me", /agent must be.*customer must be/],
    ] as const) {
      it(`${what}: 400 with a clear message, and no call`, async () => {
        const reply = await post("click-to-call", body, typeof body === "string" ? "text/plain" : "application/json");
        assert.equal(reply.status, 400);
        assert.match(String(reply.body.error), message);
        assert.equal(red.from("exc2c-callagent").length, 0);
        assert.deepEqual(await callsFrom("+18005550109"), []);
        noErrors("exc2c");
      });
    }

    it("the agent declines: logged, and the customer is never called", async () => {
      await post("click-to-call", { agent: AGENT, customer: CUSTOMER });
      await rejectLeg((await ringing(AGENT)).id, "declined");
      const shown = await red.next("exc2c-agentfailed", 0);
      assert.equal((shown.msg.payload as { reason: string }).reason, "declined");
      await sleep(100);
      assert.deepEqual((await callsFrom("+18005550109")).map((l) => l.to), [`4:${AGENT}`]);
      noErrors("exc2c");
    });

    it("the customer is busy: logged, and the agent hears an apology before the app hangs up", async () => {
      await post("click-to-call", { agent: AGENT, customer: CUSTOMER });
      const agent = await ringing(AGENT);
      await answerLeg(agent.id);
      await rejectLeg((await ringing(CUSTOMER)).id, "busy");
      const shown = await red.next("exc2c-customerfailed", 0);
      assert.equal((shown.msg.payload as { reason: string }).reason, "busy");
      const ended = await red.waitForLegState(agent.id, "ended");
      assert.deepEqual(contents(ended), ["Connecting you to your customer.", "Sorry, your customer did not answer. Goodbye."]);
      noErrors("exc2c");
    });
  });
});
