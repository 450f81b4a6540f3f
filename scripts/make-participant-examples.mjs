// Writes examples/nodes/acs-participant.json, examples/nodes/acs-call-info.json and
// examples/Number masking.json (run once when an example changes; the files are committed).
import { mkdirSync, writeFileSync } from "node:fs";
import { simulatorConfig } from "./example-config.mjs";


/** Helpers for one example tab: every node gets the tab, a position and the example's acs-config. */
function tab(prefix) {
  const z = `${prefix}-tab`;
  const acs = `${prefix}-acs`;
  const n = (id, type, x, y, props, wires) => ({ id: `${prefix}-${id}`, type, z, x, y, ...props, ...(wires ? { wires: wires.map((port) => port.map((to) => `${prefix}-${to}`)) } : {}) });
  return {
    z,
    acs,
    n,
    config: simulatorConfig(acs),
    incoming: (x, y, number, to) => n("incoming", "acs-incoming-call", x, y, { name: number.replace(/^\+1(\d{3})(\d{3})(\d{4})$/, "+1 $1 $2 $3"), acs, to: number, from: "" }, [[to]]),
    answer: (id, x, y, wires, extra = {}) => n(id, "acs-answer", x, y, { name: "", acs, action: "answer", rejectReason: "none", target: "", targetType: "str", outputs: 3, ...extra }, wires),
    say: (id, x, y, name, prompt, wires, promptType = "str") =>
      n(id, "acs-play", x, y, { name, acs, promptKind: "text", prompt, promptType, voice: "", locale: "", playTo: "all", loop: false, interrupt: false, callId: "", callIdType: "" }, wires),
    hangup: (id, x, y, wires, forEveryone = true) => n(id, "acs-hangup", x, y, { name: forEveryone ? "end for everyone" : "", acs, callId: "", callIdType: "", forEveryone }, wires),
    participant: (id, x, y, props, wires) =>
      n(
        id,
        "acs-participant",
        x,
        y,
        {
          name: "",
          acs,
          callId: "",
          callIdType: "",
          action: "add",
          participant: "",
          participantType: "str",
          callerId: "",
          callerIdType: "str",
          displayName: "",
          invitationTimeout: "",
          sipHeaders: "",
          sipHeadersType: "json",
          voipHeaders: "",
          voipHeadersType: "json",
          invitationId: "invitation.invitationId",
          invitationIdType: "msg",
          outputs: wires.length,
          ...props,
        },
        wires,
      ),
    debug: (id, x, y, name, complete = "true") =>
      n(id, "debug", x, y, { name, active: true, tosidebar: true, console: false, tostatus: false, complete, targetType: complete === "true" ? "full" : "msg", statusVal: "", statusType: "auto" }, []),
    catcher: (x, y, to) => n("catch", "catch", x, y, { name: "errors", scope: null, uncaught: false }, [[to]]),
    func: (id, x, y, name, func, outputs, wires) => n(id, "function", x, y, { name, func, outputs, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [] }, wires),
  };
}

function write(path, flow) {
  mkdirSync(new URL("../examples/nodes/", import.meta.url), { recursive: true });
  writeFileSync(new URL(`../examples/${path}`, import.meta.url), JSON.stringify(flow, null, 2) + "\n");
}

// ---------------------------------------------------------------- participant: add, cancel, outcomes
{
  const t = tab("pa");
  const { n } = t;
  write("nodes/acs-participant.json", [
    { id: t.z, type: "tab", label: "participant: add, cancel", info: "" },
    n("comment", "comment", 220, 40, {
      name: "participant: add an agent to the call, cancel if nobody answers in 20 s",
      info:
        "Answers a call to +1 800 555 0120, asks the caller to hold, and adds the agent +14255550199 to the call, with the\n" +
        "number that was called as the caller id (a number of the resource).\n\n" +
        "- The agent answers: *added*, and caller and agent talk (the app stays in the call).\n" +
        "- The agent declines, is busy or does not answer within 60 s: *failed* (reason declined, busy, noAnswer): the caller hears\n" +
        "  \"sorry\" and the call ends.\n" +
        "- The *invited* port fires at once with msg.invitation; 20 s later the delay node sends it to a \"cancel a pending add\"\n" +
        "  node. If the agent's phone still rings, the invitation is cancelled: the cancel node's *canceled* port fires, and the add\n" +
        "  node's *failed* port with reason canceled (so the caller hears \"sorry\" too). If the agent already answered (or declined),\n" +
        "  the cancel leaves from *failed* with reason notPending. If the caller hung up meanwhile, the cancel is an error for the\n" +
        "  catch node (the call has ended).\n\n" +
        "Try it on the simulator: `npm run call -- --to=+18005550120`, then answer (or let ring) the agent's phone +14255550199\n" +
        "in the simulator phone in the editor sidebar, or with the control API:\n" +
        "GET /acs-simulator/calls?state=ringing, then POST /acs-simulator/calls/{id}/answer (or /reject).",
    }),
    t.incoming(130, 120, "+18005550120", "answer"),
    t.answer("answer", 310, 120, [["hold"], ["log"], ["log"]]),
    t.say("hold", 490, 120, "please hold", "Please hold while we connect you to an agent.", [["add"], ["add"]]),
    t.participant("add", 690, 120, { name: "add the agent", participant: "+14255550199", callerId: "+18005550120", invitationTimeout: "60" }, [["outcome"], ["outcome", "sorry"], ["wait"]]),
    n("wait", "delay", 690, 220, { name: "", pauseType: "delay", timeout: "20", timeoutUnits: "seconds", rate: "1", nbRateUnits: "1", rateUnits: "second", randomFirst: "1", randomLast: "5", randomUnits: "seconds", drop: false, allowrate: false, outputs: 1 }, [["cancel"]]),
    t.participant("cancel", 890, 220, { name: "cancel the invitation", action: "cancelAdd" }, [["outcome"], ["outcome"]]),
    t.say("sorry", 890, 120, "no agent", "Sorry, no agent is available right now. Goodbye.", [["hangup"], ["hangup"]]),
    t.hangup("hangup", 1090, 120, [["log"]]),
    t.debug("outcome", 1090, 200, "add / cancel outcome"),
    t.debug("log", 1090, 40, "call log"),
    t.catcher(890, 300, "errors"),
    t.debug("errors", 1090, 300, "errors"),
    t.config,
  ]);
}

// ---------------------------------------------------------------- call-info: read and speak the call's properties
{
  const t = tab("ci");
  const { n } = t;
  write("nodes/acs-call-info.json", [
    { id: t.z, type: "tab", label: "call info", info: "" },
    n("comment", "comment", 200, 40, {
      name: "call info: read the call's properties and participants",
      info:
        "Answers a call to +1 800 555 0121 and reads the call: its ids, state, the number called (source), who called (targets)\n" +
        "and the participants. A switch on msg.payload.state goes on only with a connected call; a function turns the\n" +
        "properties into a sentence, which is spoken to the caller before the call ends. The debug node shows msg.payload.\n\n" +
        "Try it on the simulator: `npm run call -- --to=+18005550121`",
    }),
    t.incoming(130, 120, "+18005550121", "answer"),
    t.answer("answer", 310, 120, [["info"], ["log"], ["log"]]),
    n("info", "acs-call-info", 480, 120, { name: "", acs: t.acs, callId: "", callIdType: "", query: "all" }, [["connected", "props"]]),
    n(
      "connected",
      "switch",
      650,
      120,
      { name: "connected?", property: "payload.state", propertyType: "msg", rules: [{ t: "eq", v: "connected", vt: "str" }, { t: "else" }], checkall: "false", repair: false, outputs: 2 },
      [["describe"], ["log"]],
    ),
    t.func(
      "describe",
      830,
      100,
      "describe the call",
      [
        "// msg.payload is what the call-info node read: state, source, targets, participants…",
        "const call = msg.payload;",
        "const people = call.participants.map((p) => p.participant);",
        "msg.prompt = `You called ${call.source}. This call is ${call.state}, with ${people.length} participant${people.length === 1 ? \"\" : \"s\"}: ${people.join(\", \")}.`;",
        "return msg;",
      ].join("\n"),
      1,
      [["speak"]],
    ),
    t.say("speak", 1010, 100, "speak it", "prompt", [["hangup"], ["hangup"]], "msg"),
    t.hangup("hangup", 1190, 100, [["log"]], false),
    t.debug("props", 650, 200, "call properties", "payload"),
    t.debug("log", 1190, 40, "call log"),
    t.catcher(830, 200, "errors"),
    t.debug("errors", 1010, 200, "errors"),
    t.config,
  ]);
}

// ---------------------------------------------------------------- number masking
{
  const t = tab("nm");
  const { n } = t;
  write("Number masking.json", [
    { id: t.z, type: "tab", label: "Number masking", info: "" },
    n("comment", "comment", 220, 40, {
      name: "Number masking: rider and driver talk without seeing each other's number",
      info:
        "A rider or a driver dials the masked number +1 800 555 0122. The \"find the counterpart\" function looks the caller up\n" +
        "in a rider → driver map kept in the function itself (a real flow asks its booking system instead): +14255550123 ↔\n" +
        "+14255550188. Callers not in the map are rejected.\n\n" +
        "The flow answers, says \"connecting you\", and adds the counterpart with the masked number as the caller id: the\n" +
        "counterpart's phone shows +1 800 555 0122, never the caller's number, and the caller only ever dialled the masked number.\n" +
        "Once the counterpart is in the call, an event-in node follows the call's ParticipantsUpdated events: when either of them\n" +
        "hangs up, fewer than two phones are left and the call ends for everyone. If the counterpart does not answer (45 s),\n" +
        "declines or is busy, the caller hears an apology and the call ends.\n\n" +
        "Try it on the simulator: `npm run call -- --to=+18005550122 --from=+14255550123`, then answer the driver's phone\n" +
        "+14255550188 in the simulator phone in the editor sidebar, or with the control API:\n" +
        "GET /acs-simulator/calls?state=ringing, then POST /acs-simulator/calls/{id}/answer.",
    }),
    t.incoming(130, 120, "+18005550122", "lookup"),
    t.func(
      "lookup",
      320,
      120,
      "find the counterpart",
      [
        "// Who does this caller talk to? Here a small rider → driver map (both ways) kept in the flow;",
        "// a real flow asks its booking system. Output 1: found (msg.counterpart); output 2: unknown caller.",
        "const RIDER_TO_DRIVER = { \"+14255550123\": \"+14255550188\" };",
        "const pairs = { ...RIDER_TO_DRIVER };",
        "for (const [rider, driver] of Object.entries(RIDER_TO_DRIVER)) pairs[driver] = rider;",
        "const counterpart = pairs[msg.call.from];",
        "if (!counterpart) return [null, msg];",
        "msg.counterpart = counterpart;",
        "return [msg, null];",
      ].join("\n"),
      2,
      [["answer"], ["reject"]],
    ),
    t.answer("answer", 520, 100, [["connecting"], ["log"], ["log"]]),
    t.answer("reject", 520, 180, [["log"], ["log"]], { name: "unknown caller", action: "reject", rejectReason: "forbidden", outputs: 2 }),
    t.say("connecting", 700, 100, "connecting you", "Connecting you now. Please hold.", [["add"], ["add"]]),
    t.participant(
      "add",
      900,
      100,
      { name: "add the counterpart", participant: "counterpart", participantType: "msg", callerId: "+18005550122", invitationTimeout: "45" },
      [["follow", "log"], ["unavailable"], []],
    ),
    n("follow", "acs-event-in", 1100, 60, { name: "who is in the call", acs: t.acs, eventTypes: "ParticipantsUpdated", scope: "input", callId: "", unclaimedOnly: false }, [["left"]]),
    t.func(
      "left",
      1290,
      60,
      "someone left?",
      [
        "// ParticipantsUpdated of a bridged call: while both phones are in the call, nothing to do.",
        "// When either party hangs up, fewer than two phones are left: end the call for everyone.",
        "const phones = (msg.payload.participants || []).filter((p) => p.identifier && p.identifier.phoneNumber);",
        "return phones.length < 2 ? msg : null;",
      ].join("\n"),
      1,
      [["hangup"]],
    ),
    t.say("unavailable", 1100, 160, "not reachable", "Sorry, we could not reach them. Please try again later.", [["hangup"], ["hangup"]]),
    t.hangup("hangup", 1470, 120, [["log"]]),
    t.debug("log", 1470, 200, "call log"),
    t.catcher(1100, 260, "errors"),
    t.debug("errors", 1290, 260, "errors"),
    t.config,
  ]);
}

