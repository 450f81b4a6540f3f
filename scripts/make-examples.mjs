// Writes the example flows for the core nodes (examples/nodes/<type>.json) and the scenario
// examples (examples/Appointment reminder.json, examples/Click-to-call.json). Run it once when an
// example changes (`node scripts/make-examples.mjs`); the files are committed. Each example has
// its own id prefix, answers only its own number of the built-in simulator (+1 800 555 01xx) and
// runs on the simulator as it is.
import { mkdirSync, writeFileSync } from "node:fs";
import { simulatorConfig } from "./example-config.mjs";

/** One example flow: a tab, its comment, its nodes and its own simulator connection. */
class Example {
  constructor(prefix, label) {
    this.prefix = prefix;
    this.tab = `${prefix}-tab`;
    this.acs = `${prefix}-acs`;
    this.nodes = [{ id: this.tab, type: "tab", label, disabled: false, info: "", env: [] }];
  }

  id(short) {
    return `${this.prefix}-${short}`;
  }

  /** A node at (x, y) on the tab; `wires` lists the short ids each port leads to. */
  add(short, type, x, y, props, wires = []) {
    this.nodes.push({ id: this.id(short), type, z: this.tab, ...props, x, y, wires: wires.map((port) => port.map((t) => this.id(t))) });
    return this;
  }

  comment(name, info, x, y = 40) {
    return this.add("comment", "comment", x, y, { name, info });
  }

  /** The connection every example uses: the built-in simulator, nothing to fill in. */
  finish() {
    this.nodes.push(simulatorConfig(this.acs));
    return this.nodes;
  }

  // ---- our nodes, with every setting the editor saves

  incoming(short, x, y, name, to, from, wires) {
    return this.add(short, "acs-incoming-call", x, y, { name, acs: this.acs, to, from }, wires);
  }

  answer(short, x, y, name, wires, extra = {}) {
    const action = extra.action ?? "answer";
    return this.add(short, "acs-answer", x, y, { name, acs: this.acs, action, rejectReason: "none", target: "", targetType: "str", outputs: action === "answer" ? 3 : 2, ...extra }, wires);
  }

  createCall(short, x, y, name, targets, targetsType, callerId, wires, extra = {}) {
    return this.add(
      short,
      "acs-create-call",
      x,
      y,
      {
        name,
        acs: this.acs,
        mode: "call",
        targets,
        targetsType,
        callerId,
        callerIdType: "str",
        displayName: "",
        sipHeaders: "",
        sipHeadersType: "json",
        voipHeaders: "",
        voipHeadersType: "json",
        locatorKind: "serverCall",
        locator: "",
        locatorType: "str",
        ...extra,
      },
      wires,
    );
  }

  play(short, x, y, name, prompt, wires, extra = {}) {
    return this.add(
      short,
      "acs-play",
      x,
      y,
      {
        name,
        acs: this.acs,
        callId: "call.callConnectionId",
        callIdType: "msg",
        promptKind: "text",
        prompt,
        promptType: "str",
        voice: "",
        locale: "",
        playTo: "all",
        participant: "call.remoteParty",
        participantType: "msg",
        loop: false,
        interrupt: false,
        ...extra,
      },
      wires,
    );
  }

  recognize(short, x, y, name, settings, wires) {
    const outputs = (settings.inputKind === "choices" ? settings.choices.length : 1) + 3;
    return this.add(
      short,
      "acs-recognize",
      x,
      y,
      {
        name,
        acs: this.acs,
        callId: "call.callConnectionId",
        callIdType: "msg",
        inputKind: "dtmf",
        promptKind: "text",
        prompt: "",
        promptType: "str",
        voice: "",
        locale: "",
        choices: [],
        maxTones: 1,
        stopTones: "",
        interToneTimeout: 2,
        initialSilenceTimeout: 5,
        endSilenceTimeout: "",
        interruptPrompt: true,
        pattern: "",
        retries: 2,
        noInputPrompt: "",
        noMatchPrompt: "",
        participant: "call.remoteParty",
        participantType: "msg",
        ...settings,
        outputs,
      },
      wires,
    );
  }

  transfer(short, x, y, name, target, targetType, wires, extra = {}) {
    return this.add(
      short,
      "acs-transfer",
      x,
      y,
      {
        name,
        acs: this.acs,
        callId: "call.callConnectionId",
        callIdType: "msg",
        target,
        targetType,
        transferee: "",
        transfereeType: "str",
        callerId: "",
        callerIdType: "str",
        sipHeaders: "",
        sipHeadersType: "json",
        voipHeaders: "",
        voipHeadersType: "json",
        ...extra,
      },
      wires,
    );
  }

  hangup(short, x, y, name, forEveryone, wires) {
    return this.add(short, "acs-hangup", x, y, { name, acs: this.acs, callId: "call.callConnectionId", callIdType: "msg", forEveryone }, wires);
  }

  eventIn(short, x, y, name, settings, wires) {
    return this.add(short, "acs-event-in", x, y, { name, acs: this.acs, eventTypes: "", scope: "all", callId: "", unclaimedOnly: false, ...settings }, wires);
  }

  // ---- Node-RED's own nodes

  /** A debug node showing msg.<property> (or the JSONata expression `jsonata`). */
  debug(short, x, y, name, property = "payload", jsonata = false) {
    return this.add(short, "debug", x, y, {
      name,
      active: true,
      tosidebar: true,
      console: false,
      tostatus: false,
      complete: property,
      targetType: jsonata ? "jsonata" : "msg",
      statusVal: "",
      statusType: "auto",
    });
  }

  /** Catch every error of the tab, shown in the debug sidebar. */
  errors(x, y) {
    this.add("catch", "catch", x, y, { name: "errors", scope: null, uncaught: false }, [["errors"]]);
    return this.debug("errors", x + 240, y, "flow errors", "error");
  }

  inject(short, x, y, name, payload, payloadType, wires) {
    return this.add(
      short,
      "inject",
      x,
      y,
      { name, props: [{ p: "payload" }], repeat: "", crontab: "", once: false, onceDelay: 0.1, topic: "", payload, payloadType },
      wires,
    );
  }

  /** A switch on msg.<property> with [type, value, valueType] rules. */
  switch(short, x, y, name, property, rules, wires, propertyType = "msg") {
    return this.add(
      short,
      "switch",
      x,
      y,
      {
        name,
        property,
        propertyType,
        rules: rules.map(([t, v, vt]) => (t === "else" ? { t } : { t, v, vt })),
        checkall: "false",
        repair: false,
        outputs: rules.length,
      },
      wires,
    );
  }

  /** A change node: [action, property, to, toType] rules ("set", "delete"). */
  change(short, x, y, name, rules, wires) {
    return this.add(
      short,
      "change",
      x,
      y,
      {
        name,
        rules: rules.map(([t, p, to, tot]) => (t === "delete" ? { t, p, pt: "msg" } : { t, p, pt: "msg", to, tot })),
        action: "",
        property: "",
        from: "",
        to: "",
        reg: false,
      },
      wires,
    );
  }

  func(short, x, y, name, code, outputs, wires) {
    return this.add(short, "function", x, y, { name, func: code, outputs, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [] }, wires);
  }

  delay(short, x, y, name, seconds, wires, byMessage = false) {
    return this.add(
      short,
      "delay",
      x,
      y,
      {
        name,
        pauseType: byMessage ? "delayv" : "delay",
        timeout: String(seconds),
        timeoutUnits: "seconds",
        rate: "1",
        nbRateUnits: "1",
        rateUnits: "second",
        randomFirst: "1",
        randomLast: "5",
        randomUnits: "seconds",
        drop: false,
        allowrate: false,
        outputs: 1,
      },
      wires,
    );
  }

  httpIn(short, x, y, name, method, url, wires) {
    return this.add(short, "http in", x, y, { name, url, method, upload: false, swaggerDoc: "" }, wires);
  }

  /** A link out node that continues at the link in node `to` (short ids). */
  linkOut(short, x, y, name, to) {
    return this.add(short, "link out", x, y, { name, mode: "link", links: [this.id(to)] });
  }

  linkIn(short, x, y, name, from, wires) {
    return this.add(short, "link in", x, y, { name, links: [this.id(from)] }, wires);
  }

  httpResponse(short, x, y, name) {
    return this.add(short, "http response", x, y, { name, statusCode: "", headers: {} });
  }
}

const lines = (...text) => text.join("\n");
const HOW_TO_CALL = (number) =>
  lines(
    "Try it on the built-in simulator (`npm start` deploys Node-RED with this package; import this example and deploy):",
    "",
    `    npm run call -- --to=${number}`,
    "",
    "or with curl, on Node-RED's admin address:",
    "",
    "    curl -s -X POST http://127.0.0.1:1880/acs-simulator/calls \\",
    "         -H 'content-type: application/json' \\",
    `         -d '{"from":"+14255550123","to":"${number}"}'`,
    "    curl -s http://127.0.0.1:1880/acs-simulator/calls/<id>     # what the caller heard",
  );
const ANSWER_OUTBOUND = lines(
  "An outbound call rings at the simulator's far end until it is answered:",
  "",
  "    curl -s 'http://127.0.0.1:1880/acs-simulator/calls?state=ringing'",
  "    curl -s -X POST http://127.0.0.1:1880/acs-simulator/calls/<id>/answer",
  "    curl -s -X POST http://127.0.0.1:1880/acs-simulator/calls/<id>/reject \\",
  "         -H 'content-type: application/json' -d '{\"reason\":\"busy\"}'    # or declined",
  "",
  "Leave it ringing for 30 seconds and it is not answered (noAnswer).",
);
const AZURE_NOTE = "To run it on Azure, switch the connection to your ACS resource and use phone numbers it owns.";

const examples = {};

// ---------------------------------------------------------------------------- acs-incoming-call
{
  const e = new Example("exinc", "Example: incoming call");
  e.comment(
    "Incoming call: filter by called number and caller",
    lines(
      "Two incoming-call nodes on +1 800 555 0101:",
      "",
      "- \"425 callers\" takes only calls from numbers starting with +1425 (Called: +18005550101, Caller: +1425*). It answers them, says hello and hangs up.",
      "- \"every call to 0101\" has no caller filter: it shows msg.call of every call to the number in the debug sidebar (from, to, serverCallId, incomingCallContext, custom headers) without answering.",
      "",
      "A call reaches every incoming-call node whose filters it passes, so a call from +1425… reaches both. A call from another area code reaches only the second one: nobody answers it and it rings until the caller gives up.",
      "",
      HOW_TO_CALL("+18005550101"),
      "",
      "Call again with --from=+12065550123 to see a caller the first node leaves alone.",
      "",
      AZURE_NOTE,
    ),
    300,
  );
  e.incoming("from425", 160, 120, "425 callers", "+18005550101", "+1425*", [["answer"]]);
  e.answer("answer", 380, 120, "answer", [["hello"], ["log"], ["log"]]);
  e.play("hello", 600, 120, "hello", "Hello, caller from the 425 area. This is the incoming call example. Goodbye.", [["hangup"], ["hangup"]]);
  e.hangup("hangup", 820, 120, "hang up", false, [["log"]]);
  e.debug("log", 1040, 120, "call log");
  e.incoming("every", 160, 220, "every call to 0101", "+18005550101", "", [["showcall"]]);
  e.debug("showcall", 420, 220, "msg.call of every call", "call");
  e.errors(160, 300);
  examples["nodes/acs-incoming-call.json"] = e.finish();
}

// ---------------------------------------------------------------------------- acs-answer
{
  const e = new Example("exans", "Example: answer, reject, redirect");
  e.comment(
    "Answer, reject (busy) or redirect an incoming call",
    lines(
      "Calls to +1 800 555 0102 are sorted by caller:",
      "",
      "- +14255550666 and +14255550667 are blocked: the call is rejected as busy (the caller hears a busy tone).",
      "- +14255550777 is a VIP: the call is redirected, unanswered, to the manager's phone +14255550177.",
      "- Everyone else is answered, hears a short message and is hung up on. The answer node's ended port reports the end of the call, whoever hangs up.",
      "",
      "Edit the switch node to change the lists.",
      "",
      HOW_TO_CALL("+18005550102"),
      "",
      "Call with --from=+14255550666 to be rejected, or --from=+14255550777 to be redirected: the manager's phone then rings in GET /acs-simulator/calls?state=ringing.",
      "",
      AZURE_NOTE,
    ),
    300,
  );
  e.incoming("incoming", 160, 160, "calls to 0102", "+18005550102", "", [["who"]]);
  e.switch(
    "who",
    380,
    160,
    "who is calling?",
    "call.from",
    [
      ["eq", "+14255550666", "str"],
      ["eq", "+14255550667", "str"],
      ["eq", "+14255550777", "str"],
      ["else"],
    ],
    [["reject"], ["reject"], ["redirect"], ["answer"]],
  );
  e.answer("reject", 620, 100, "reject: busy", [["log"], ["log"]], { action: "reject", rejectReason: "busy" });
  e.answer("redirect", 620, 160, "redirect to the manager", [["log"], ["log"]], { action: "redirect", target: "+14255550177", targetType: "str" });
  e.answer("answer", 620, 240, "answer", [["message"], ["log"], ["ended"]]);
  e.play("message", 860, 240, "message", "Thank you for calling. This is the answer example. Goodbye.", [["hangup"], ["hangup"]]);
  e.hangup("hangup", 1080, 240, "hang up", false, [["log"]]);
  e.debug("log", 1300, 160, "call log");
  e.debug("ended", 860, 320, "call ended");
  e.errors(160, 380);
  examples["nodes/acs-answer.json"] = e.finish();
}

// ---------------------------------------------------------------------------- acs-create-call
{
  const e = new Example("excc", "Example: create call");
  e.comment(
    "Create call: call a number, or a group, and handle each outcome",
    lines(
      "Click an inject button to place an outbound call with the caller id +1 800 555 0100:",
      "",
      "- \"call +14255550150\": one number, taken from msg.payload. When it answers it hears a message and the app hangs up.",
      "- \"group call\": two numbers at once (a JSON array in msg.payload). The call connects when the first one answers; the app speaks to everyone, then ends the call for everyone.",
      "",
      "Connected leads to the conversation. Failed says why the call did not connect: msg.payload.reason is declined, busy, noAnswer (or unreachable, canceled, failed, timeout), which the switch sorts. Ended fires later, when the connected call ends.",
      "",
      ANSWER_OUTBOUND,
      "",
      AZURE_NOTE,
    ),
    320,
  );
  e.inject("one", 160, 120, "call +14255550150", "+14255550150", "str", [["call"]]);
  e.createCall("call", 400, 120, "call msg.payload", "payload", "msg", "+18005550100", [["hello"], ["why"], ["ended"]]);
  e.play("hello", 640, 80, "hello", "Hello, this is a call from Node-RED. Goodbye.", [["hangup"], ["hangup"]]);
  e.hangup("hangup", 860, 80, "hang up", false, [["done"]]);
  e.debug("done", 1080, 80, "hung up");
  e.switch(
    "why",
    640,
    200,
    "why did it fail?",
    "payload.reason",
    [
      ["eq", "declined", "str"],
      ["eq", "busy", "str"],
      ["eq", "noAnswer", "str"],
      ["else"],
    ],
    [["declined"], ["busy"], ["noanswer"], ["otherfail"]],
  );
  e.debug("declined", 880, 160, "declined");
  e.debug("busy", 880, 200, "busy");
  e.debug("noanswer", 880, 240, "no answer");
  e.debug("otherfail", 880, 280, "other failure");
  e.debug("ended", 640, 320, "call ended");
  e.inject("group", 160, 400, "group call", '["+14255550151","+14255550152"]', "json", [["groupcall"]]);
  e.createCall("groupcall", 400, 400, "group call", "payload", "msg", "+18005550100", [["everyone"], ["why"], ["ended"]]);
  e.play("everyone", 640, 400, "hello everyone", "Hello everyone, this is a group call from Node-RED. Goodbye.", [["endall"], ["endall"]]);
  e.hangup("endall", 880, 400, "end for everyone", true, [["done"]]);
  e.errors(160, 480);
  examples["nodes/acs-create-call.json"] = e.finish();
}

// ---------------------------------------------------------------------------- acs-play
{
  const e = new Example("explay", "Example: play");
  const ssml =
    '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">' +
    '<voice name="en-US-JennyNeural">This sentence is <emphasis level="strong">SSML</emphasis>.' +
    '<break time="500ms"/><prosody rate="slow">It can speak slowly,</prosody> <prosody rate="fast">or quickly.</prosody></voice></speak>';
  e.comment(
    "Play: text-to-speech, SSML, an audio file, hold music and barge-in",
    lines(
      "Answers +1 800 555 0103 and plays, one after another:",
      "",
      "1. text-to-speech from a JSONata expression, with the caller's number in it;",
      "2. an SSML document (emphasis, a pause, slow and fast speech);",
      "3. an audio file (a WAV URL);",
      "4. hold music on a loop: the node's completed port fires as soon as the music starts;",
      "5. three seconds later, a prompt with Interrupt set (barge-in) stops the music and plays at once;",
      "",
      "then hangs up. The failed ports lead on to the next step as well as to the debug sidebar, so one prompt that cannot play does not stop the call. A caller who hangs up while on hold is gone when the barge-in prompt comes: its error (\"play failed: the call has already ended\") reaches the catch node.",
      "",
      "The file URLs are placeholders: the simulator does not fetch them, Azure does. Put your own WAV files (mono, 16-bit, 16 kHz) there before running this on Azure.",
      "",
      HOW_TO_CALL("+18005550103"),
      "",
      AZURE_NOTE,
    ),
    340,
  );
  e.incoming("incoming", 160, 120, "calls to 0103", "+18005550103", "", [["answer"]]);
  e.answer("answer", 380, 120, "answer", [["tts"], ["log"], ["log"]]);
  e.play("tts", 600, 120, "text-to-speech", '"Hello. You are calling from " & call.from & "."', [["ssml"], ["ssml", "failed"]], { promptType: "jsonata" });
  e.play("ssml", 820, 120, "SSML", ssml, [["file"], ["file", "failed"]], { promptKind: "ssml" });
  e.play("file", 1040, 120, "audio file", "https://example.com/audio/welcome.wav", [["music"], ["music", "failed"]], { promptKind: "file" });
  e.play("music", 160, 220, "hold music (loop)", "https://example.com/audio/hold-music.wav", [["hold"], ["bargein", "failed"]], { promptKind: "file", loop: true });
  e.delay("hold", 400, 220, "on hold for 3 s", 3, [["bargein"]]);
  e.play("bargein", 620, 220, "barge in", "Thank you for holding. That was the play example. Goodbye.", [["hangup"], ["hangup", "failed"]], { interrupt: true });
  e.hangup("hangup", 840, 220, "hang up", false, [["log"]]);
  e.debug("log", 1060, 220, "call log");
  e.debug("failed", 1060, 300, "play failed");
  e.errors(160, 380);
  examples["nodes/acs-play.json"] = e.finish();
}

// ---------------------------------------------------------------------------- acs-recognize
{
  const e = new Example("exrec", "Example: recognize");
  e.comment(
    "Recognize: keys with a pattern, choices, speech, re-prompts",
    lines(
      "Answers +1 800 555 0104 and asks three questions:",
      "",
      "1. Keys (DTMF): a 4-digit account number, ended with #. Accept ^\\d{4}$ turns anything else into no match. Nothing pressed, or a wrong number, and the node asks again (If no input / If no match prompt first), up to 2 more times.",
      "2. Choices: \"press 1 or say yes, press 2 or say no\". Each choice has its own port; no goes back to question 1.",
      "3. Speech: the caller says why they call; the answer is read back to them.",
      "",
      "msg.payload holds the answer (\"1234\", \"yes\", the words said) and msg.recognition the details (kind, tones, phrase, confidence, attempts). No input, no match and failed end the call politely.",
      "",
      HOW_TO_CALL("+18005550104"),
      "",
      "Type 1234# at the prompt, then 1 (or say yes), then say anything (\"say I lost my card\").",
      "",
      "On Azure, speech and choices by voice need an Azure AI services resource connected to ACS (set on the connection). " + AZURE_NOTE,
    ),
    320,
  );
  e.incoming("incoming", 160, 140, "calls to 0104", "+18005550104", "", [["answer"]]);
  e.answer("answer", 380, 140, "answer", [["account"], ["log"], ["log"]]);
  e.recognize(
    "account",
    620,
    140,
    "account number",
    {
      inputKind: "dtmf",
      prompt: "Please enter your 4-digit account number, then press the hash key.",
      maxTones: 8,
      stopTones: "#",
      pattern: "^\\d{4}$",
      retries: 2,
      noInputPrompt: "Sorry, I did not hear anything.",
      noMatchPrompt: "Sorry, an account number has 4 digits.",
    },
    [["confirm", "recognized"], ["sorry"], ["sorry"], ["sorry"]],
  );
  e.recognize(
    "confirm",
    880,
    140,
    "is that right?",
    {
      inputKind: "choices",
      prompt: '"You entered " & $join($split(payload, ""), " ") & ". If that is right, press 1 or say yes. If not, press 2 or say no."',
      promptType: "jsonata",
      choices: [
        { label: "yes", key: "1", phrases: "yes, right, correct" },
        { label: "no", key: "2", phrases: "no, wrong" },
      ],
      retries: 1,
      noInputPrompt: "Sorry, I did not hear anything.",
      noMatchPrompt: "Sorry, please press 1 or 2.",
    },
    [["reason", "recognized"], ["account"], ["sorry"], ["sorry"], ["sorry"]],
  );
  e.recognize(
    "reason",
    1120,
    140,
    "why do you call?",
    {
      inputKind: "speech",
      prompt: "Thank you. In a few words, why are you calling today?",
      endSilenceTimeout: 1,
      retries: 1,
      noInputPrompt: "Sorry, I did not hear anything.",
    },
    [["readback", "recognized"], ["sorry"], ["sorry"], ["sorry"]],
  );
  e.play("readback", 1360, 140, "read it back", '"You said: " & payload & ". Thank you. Goodbye."', [["hangup"], ["hangup"]], { promptType: "jsonata" });
  e.play("sorry", 1120, 280, "sorry, goodbye", "Sorry, I could not understand you. Please call again. Goodbye.", [["hangup"], ["hangup"]]);
  e.hangup("hangup", 1580, 140, "hang up", false, [["log"]]);
  e.debug("recognized", 1360, 60, "msg.recognition", "recognition");
  e.debug("log", 1800, 140, "call log");
  e.errors(160, 380);
  examples["nodes/acs-recognize.json"] = e.finish();
}

// ---------------------------------------------------------------------------- acs-transfer
{
  const e = new Example("exxfer", "Example: transfer");
  e.comment(
    "Transfer: hand the caller over to an agent",
    lines(
      "Answers +1 800 555 0105, asks the caller to hold and transfers the call (a blind transfer) to the agent's phone +14255550155.",
      "",
      "- Accepted: the agent answered; the caller and the agent talk, and this app has left the call (the answer node's ended port fires).",
      "- Failed: the agent declined, was busy or did not answer (msg.payload.reason). The caller is still connected to this app and hears an apology before the app hangs up.",
      "",
      HOW_TO_CALL("+18005550105"),
      "",
      "The agent's phone then rings in GET /acs-simulator/calls?state=ringing: answer it (POST /acs-simulator/calls/<id>/answer) or decline it (POST /acs-simulator/calls/<id>/reject).",
      "",
      AZURE_NOTE,
    ),
    260,
  );
  e.incoming("incoming", 160, 120, "calls to 0105", "+18005550105", "", [["answer"]]);
  e.answer("answer", 380, 120, "answer", [["hold"], ["log"], ["log"]]);
  e.play("hold", 600, 120, "please hold", "Please hold while I transfer you to an agent.", [["transfer"], ["transfer"]]);
  e.transfer("transfer", 820, 120, "to an agent", "+14255550155", "str", [["log"], ["apology", "failed"]]);
  e.play("apology", 1040, 200, "apology", "Sorry, no agent is available right now. Please call again later. Goodbye.", [["hangup"], ["hangup"]]);
  e.hangup("hangup", 1260, 200, "hang up", false, [["log"]]);
  e.debug("log", 1480, 160, "call log");
  e.debug("failed", 1040, 280, "why the transfer failed", "payload");
  e.errors(160, 360);
  examples["nodes/acs-transfer.json"] = e.finish();
}

// ---------------------------------------------------------------------------- acs-hangup
{
  const e = new Example("exhu", "Example: hang up");
  e.comment(
    "Hang up: leave the call, or end it for everyone",
    lines(
      "Leaving the call takes only this app out of it; ending it for everyone drops every participant.",
      "",
      "Inbound, on +1 800 555 0106: press 1 (or say leave) and the app leaves the call, press 2 (or say end) and it ends the call for everyone. In a call between one caller and the app, both end the call.",
      "",
      "The difference shows in a group call: click \"conference, app leaves\" to call +14255550161 and +14255550162 together; once they answer the app speaks and leaves, and the two stay connected. \"conference, end for everyone\" does the same but drops them both.",
      "",
      HOW_TO_CALL("+18005550106"),
      "",
      ANSWER_OUTBOUND,
      "",
      AZURE_NOTE,
    ),
    300,
  );
  e.incoming("incoming", 160, 140, "calls to 0106", "+18005550106", "", [["answer"]]);
  e.answer("answer", 380, 140, "answer", [["choose"], ["log"], ["log"]]);
  e.recognize(
    "choose",
    620,
    140,
    "leave or end?",
    {
      inputKind: "choices",
      prompt: "Press 1 or say leave, and I will leave the call. Press 2 or say end, and I will end the call for everyone.",
      choices: [
        { label: "leave", key: "1", phrases: "leave" },
        { label: "end", key: "2", phrases: "end, end the call, everyone" },
      ],
      retries: 1,
      noInputPrompt: "Sorry, I did not hear anything.",
      noMatchPrompt: "Sorry, please press 1 or 2.",
    },
    [["byeleave"], ["byeend"], ["endall"], ["endall"], ["endall"]],
  );
  e.play("byeleave", 860, 100, "goodbye, leaving", "Goodbye. I am leaving the call.", [["leave"], ["leave"]]);
  e.play("byeend", 860, 180, "goodbye, ending", "Goodbye. I am ending the call for everyone.", [["endall"], ["endall"]]);
  e.hangup("leave", 1100, 100, "leave the call", false, [["log"]]);
  e.hangup("endall", 1100, 180, "end for everyone", true, [["log"]]);
  e.debug("log", 1320, 140, "call log");
  e.inject("confleave", 160, 300, "conference, app leaves", '["+14255550161","+14255550162"]', "json", [["callleave"]]);
  e.createCall("callleave", 420, 300, "call both", "payload", "msg", "+18005550106", [["sayleave"], ["conflog"], ["conflog"]]);
  e.play("sayleave", 660, 300, "announce, then leave", "This conference was started by Node-RED. The app now leaves the call, and you stay connected.", [["confleavehangup"], ["confleavehangup"]]);
  e.hangup("confleavehangup", 900, 300, "leave the call", false, [["conflog"]]);
  e.inject("confend", 160, 380, "conference, end for everyone", '["+14255550161","+14255550162"]', "json", [["callend"]]);
  e.createCall("callend", 420, 380, "call both", "payload", "msg", "+18005550106", [["sayend"], ["conflog"], ["conflog"]]);
  e.play("sayend", 660, 380, "announce, then end", "This conference was started by Node-RED. The app now ends the call for everyone.", [["confendhangup"], ["confendhangup"]]);
  e.hangup("confendhangup", 900, 380, "end for everyone", true, [["conflog"]]);
  e.debug("conflog", 1140, 340, "conference log");
  e.errors(160, 460);
  examples["nodes/acs-hangup.json"] = e.finish();
}

// ---------------------------------------------------------------------------- acs-event-in
{
  const e = new Example("exevt", "Example: event in");
  e.comment(
    "Event in: every event of a call, a type filter, unclaimed events",
    lines(
      "Answers +1 800 555 0107, plays a short message and hangs up. Three event-in nodes show the events in the debug sidebar (the topic is the event type):",
      "",
      "- \"all events of these calls\" follows the calls whose messages reach its input (wired from the answer node's connected port): every Call Automation event of them until each ends.",
      "- \"calls starting and ending\" passes only IncomingCall and CallDisconnected, of every call on this connection (other examples' calls too).",
      "- \"unclaimed events\" follows the same calls but keeps only the events no node was waiting for (ParticipantsUpdated, PlayStarted, CallDisconnected…): the rest of the call's story.",
      "",
      HOW_TO_CALL("+18005550107"),
      "",
      AZURE_NOTE,
    ),
    320,
  );
  e.incoming("incoming", 160, 120, "calls to 0107", "+18005550107", "", [["answer"]]);
  e.answer("answer", 380, 120, "answer", [["message", "all", "unclaimed"], ["log"], ["log"]]);
  e.play("message", 620, 100, "message", "Hello. The events of this call are shown in the debug sidebar. Goodbye.", [["hangup"], ["hangup"]]);
  e.hangup("hangup", 840, 100, "hang up", false, [["log"]]);
  e.debug("log", 1060, 100, "call log");
  e.eventIn("all", 640, 180, "all events of these calls", { scope: "input" }, [["showall"]]);
  e.debug("showall", 900, 180, "all events");
  e.eventIn("unclaimed", 640, 240, "unclaimed events", { scope: "input", unclaimedOnly: true }, [["showunclaimed"]]);
  e.debug("showunclaimed", 900, 240, "unclaimed");
  e.eventIn("startend", 200, 320, "calls starting and ending", { eventTypes: "IncomingCall, CallDisconnected" }, [["showstartend"]]);
  e.debug("showstartend", 460, 320, "start and end");
  e.errors(160, 400);
  examples["nodes/acs-event-in.json"] = e.finish();
}

// ---------------------------------------------------------------------------- Appointment reminder
{
  const e = new Example("exrem", "Appointment reminder");
  const check = [
    "// The request body: {to, name, time}. A bad request gets a 400 and no call.",
    "const body = msg.payload !== null && typeof msg.payload === \"object\" ? msg.payload : {};",
    "const text = (v) => (typeof v === \"string\" ? v.trim() : \"\");",
    "const to = text(body.to), name = text(body.name), time = text(body.time);",
    "const problems = [];",
    "if (!/^\\+[1-9]\\d{6,14}$/.test(to)) problems.push(\"to must be a phone number in E.164 form, such as +14255550123\");",
    "if (!name || name.length > 60) problems.push(\"name must be a text of 1 to 60 characters\");",
    "if (!time || time.length > 60) problems.push(\"time must be a text of 1 to 60 characters, such as tomorrow at 10 AM\");",
    "if (problems.length) {",
    "    msg.statusCode = 400;",
    "    msg.payload = { error: problems.join(\"; \") };",
    "    return [null, msg];",
    "}",
    "msg.payload = { to, name, time };",
    "return [msg, null];",
  ].join("\n");
  const record = [
    "// The latest result per number, in flow context (reminderResults), and to the debug sidebar.",
    "const results = flow.get(\"reminderResults\") || {};",
    "const reminder = msg.reminder || {};",
    "results[reminder.to] = { name: reminder.name, time: reminder.time, result: msg.result, attempts: msg.attempt, at: new Date().toISOString() };",
    "flow.set(\"reminderResults\", results);",
    "msg.payload = { to: reminder.to, ...results[reminder.to] };",
    "return msg;",
  ].join("\n");
  e.comment(
    "Appointment reminder: call, confirm or reschedule, retry",
    lines(
      "Calls a patient with the caller id +1 800 555 0108 to remind them of an appointment, and asks them to press 1 (or say confirm) to confirm, or 2 (or say reschedule) to reschedule.",
      "",
      "- 1: \"confirmed\", and the result is recorded.",
      "- 2: the call is transferred to the scheduling desk (+14255550188); if the desk does not answer, the patient hears that we will call back.",
      "- No answer after two re-prompts: a voicemail-style message with the number to call back, then hang up.",
      "- Not answered or busy: a note in the debug sidebar, and another try after a minute (msg.delay, in milliseconds, changes the wait), up to 3 calls. Declined: no retry.",
      "",
      "Every result (confirmed, transferred to the scheduling desk, call back to reschedule, no response, declined, not reached) is kept per number in the flow context reminderResults and shown in the debug sidebar.",
      "",
      "Start it with the inject button, or from another system:",
      "",
      "    curl -s -X POST http://127.0.0.1:1880/reminder -H 'content-type: application/json' \\",
      "         -d '{\"to\":\"+14255550123\",\"name\":\"Alex\",\"time\":\"tomorrow at 10 AM\"}'",
      "",
      "It answers 202 at once with {status, to}, or 400 with {error} when to, name or time is missing or wrong.",
      "",
      ANSWER_OUTBOUND,
      "",
      "and press keys with POST /acs-simulator/calls/<id>/dtmf {\"tones\":\"1\"}.",
      "",
      AZURE_NOTE + " Protect the /reminder endpoint (httpNodeAuth or httpNodeMiddleware in Node-RED's settings) before exposing it.",
    ),
    320,
  );
  e.httpIn("request", 160, 120, "POST /reminder", "post", "/reminder", [["check"]]);
  e.func("check", 380, 120, "check the request", check, 2, [["accepted", "prepare"], ["respond"]]);
  e.change("accepted", 620, 80, "202 Accepted", [
    ["set", "statusCode", "202", "num"],
    ["set", "payload", '{"status": "calling", "to": payload.to}', "jsonata"],
  ], [["respond"]]);
  e.httpResponse("respond", 860, 80, "reply");
  e.inject("test", 160, 200, "test reminder", '{"to":"+14255550123","name":"Alex","time":"tomorrow at 10 AM"}', "json", [["prepare"]]);
  e.change("prepare", 620, 160, "prepare the reminder", [
    ["set", "reminder", "payload", "msg"],
    ["set", "attempt", "1", "num"],
    ["delete", "req"],
    ["delete", "res"],
  ], [["call"]]);
  e.createCall("call", 860, 160, "call the patient", "reminder.to", "msg", "+18005550108", [["ask"], ["isdeclined"], []]);
  e.recognize(
    "ask",
    1100,
    160,
    "confirm or reschedule?",
    {
      inputKind: "choices",
      prompt:
        '"Hello " & reminder.name & ". This is Contoso Clinic with a reminder of your appointment " & reminder.time & ". To confirm, press 1 or say confirm. To reschedule, press 2 or say reschedule."',
      promptType: "jsonata",
      choices: [
        { label: "confirm", key: "1", phrases: "confirm, yes" },
        { label: "reschedule", key: "2", phrases: "reschedule, change, no" },
      ],
      retries: 2,
      noInputPrompt: "Sorry, I did not hear anything.",
      noMatchPrompt: "Sorry, that is not one of the options.",
    },
    [["confirmed"], ["holdon"], ["voicemail"], ["voicemail"], ["voicemail"]],
  );
  e.play("confirmed", 1360, 100, "confirmed", "Thank you. Your appointment is confirmed. Goodbye.", [["hangupconfirmed"], ["hangupconfirmed"]]);
  e.hangup("hangupconfirmed", 1580, 100, "hang up", false, [["resconfirmed"]]);
  e.change("resconfirmed", 1800, 100, "confirmed", [["set", "result", "confirmed", "str"]], [["record"]]);
  e.play("holdon", 1360, 180, "please hold", "Please hold. I am connecting you to our scheduling desk.", [["desk"], ["desk"]]);
  e.transfer("desk", 1580, 180, "to the scheduling desk", "+14255550188", "str", [["restransferred"], ["callback"]]);
  e.change("restransferred", 1800, 160, "transferred", [["set", "result", "transferred to the scheduling desk", "str"]], [["record"]]);
  e.play("callback", 1800, 220, "we will call back", "Sorry, the scheduling desk is busy. We will call you back to reschedule. Goodbye.", [["hangupcallback"], ["hangupcallback"]]);
  e.hangup("hangupcallback", 2020, 220, "hang up", false, [["rescallback"]]);
  e.change("rescallback", 2240, 220, "call back", [["set", "result", "call back to reschedule", "str"]], [["record"]]);
  e.play(
    "voicemail",
    1360,
    280,
    "voicemail message",
    '"This is Contoso Clinic with a reminder of your appointment " & reminder.time & ". Please call us at 800 555 0108 to confirm or reschedule. Goodbye."',
    [["hangupvoicemail"], ["hangupvoicemail"]],
    { promptType: "jsonata" },
  );
  e.hangup("hangupvoicemail", 1580, 280, "hang up", false, [["resnoresponse"]]);
  e.change("resnoresponse", 1800, 280, "no response", [["set", "result", "no response: message left", "str"]], [["record"]]);
  e.switch("isdeclined", 1100, 360, "declined?", "payload.reason", [["eq", "declined", "str"], ["else"]], [["resdeclined"], ["retry"]]);
  e.change("resdeclined", 1360, 360, "declined", [["set", "result", "declined", "str"]], [["record"]]);
  e.switch("retry", 1360, 440, "try again?", "attempt", [["lt", "3", "num"], ["else"]], [["again"], ["resunreached"]]);
  e.change("again", 1580, 420, "next attempt", [
    ["set", "attempt", "attempt + 1", "jsonata"],
    ["delete", "call"],
  ], [["wait", "retrynote"]]);
  e.debug("retrynote", 1820, 400, "retry note", '"Could not reach " & reminder.to & " (" & payload.reason & "): calling again, attempt " & attempt', true);
  e.delay("wait", 1820, 460, "wait a minute", 60, [["callagain"]], true);
  e.linkOut("callagain", 2000, 460, "call again", "retrycall");
  e.linkIn("retrycall", 660, 240, "call again", "callagain", [["call"]]);
  e.change("resunreached", 1580, 500, "not reached", [["set", "result", "not reached after 3 calls", "str"]], [["record"]]);
  e.func("record", 2240, 360, "record the result", record, 1, [["results"]]);
  e.debug("results", 2460, 360, "reminder results");
  e.errors(160, 560);
  examples["Appointment reminder.json"] = e.finish();
}

// ---------------------------------------------------------------------------- Click-to-call
{
  const e = new Example("exc2c", "Click-to-call");
  const check = [
    "// The request body: {agent, customer}, two phone numbers. A bad request gets a 400 and no call.",
    "const body = msg.payload !== null && typeof msg.payload === \"object\" ? msg.payload : {};",
    "const e164 = /^\\+[1-9]\\d{6,14}$/;",
    "const agent = typeof body.agent === \"string\" ? body.agent.trim() : \"\";",
    "const customer = typeof body.customer === \"string\" ? body.customer.trim() : \"\";",
    "const problems = [];",
    "if (!e164.test(agent)) problems.push(\"agent must be a phone number in E.164 form, such as +14255550123\");",
    "if (!e164.test(customer)) problems.push(\"customer must be a phone number in E.164 form, such as +14255550123\");",
    "if (!problems.length && agent === customer) problems.push(\"agent and customer must be different numbers\");",
    "if (problems.length) {",
    "    msg.statusCode = 400;",
    "    msg.payload = { error: problems.join(\"; \") };",
    "    return [null, msg];",
    "}",
    "msg.clickToCall = { agent, customer };",
    "return [msg, null];",
  ].join("\n");
  e.comment(
    "Click-to-call: call the agent, then connect the customer",
    lines(
      "A web page or CRM asks Node-RED to connect an agent with a customer:",
      "",
      "    curl -s -X POST http://127.0.0.1:1880/click-to-call -H 'content-type: application/json' \\",
      "         -d '{\"agent\":\"+14255550140\",\"customer\":\"+14255550141\"}'",
      "",
      "It answers 202 at once ({status, agent, customer}), or 400 with {error} when a number is missing or not in E.164 form; then no call is placed.",
      "",
      "The flow calls the agent with the caller id +1 800 555 0109. When the agent answers, they hear \"Connecting you to your customer\", and the call is transferred (a blind transfer) to the customer with the same caller id, so the customer sees the business number. The agent and the customer then talk; this app has left the call.",
      "",
      "If the agent does not answer, or the customer does not take the call, the reason goes to the debug sidebar (and the agent hears an apology).",
      "",
      ANSWER_OUTBOUND,
      "",
      AZURE_NOTE + " Protect the /click-to-call endpoint (httpNodeAuth or httpNodeMiddleware in Node-RED's settings) before exposing it.",
    ),
    300,
  );
  e.httpIn("request", 160, 120, "POST /click-to-call", "post", "/click-to-call", [["check"]]);
  e.func("check", 400, 120, "check the numbers", check, 2, [["accepted", "callagent"], ["respond"]]);
  e.change("accepted", 640, 60, "202 Accepted", [
    ["set", "statusCode", "202", "num"],
    ["set", "payload", '{"status": "calling the agent", "agent": clickToCall.agent, "customer": clickToCall.customer}', "jsonata"],
  ], [["respond"]]);
  e.httpResponse("respond", 880, 60, "reply");
  e.createCall("callagent", 640, 160, "call the agent", "clickToCall.agent", "msg", "+18005550109", [["connecting"], ["agentfailed"], []]);
  e.play("connecting", 880, 140, "connecting", "Connecting you to your customer.", [["customer"], ["customer"]]);
  e.transfer("customer", 1100, 140, "to the customer", "clickToCall.customer", "msg", [["connected"], ["sorry", "customerfailed"]], { callerId: "+18005550109" });
  e.debug("connected", 1340, 100, "agent and customer connected", '"Connected " & clickToCall.agent & " with " & clickToCall.customer', true);
  e.play("sorry", 1340, 180, "sorry", "Sorry, your customer did not answer. Goodbye.", [["hangup"], ["hangup"]]);
  e.hangup("hangup", 1560, 180, "hang up", false, []);
  e.debug("customerfailed", 1340, 240, "customer not reached", '"Customer " & clickToCall.customer & " not reached: " & payload.reason', true);
  e.debug("agentfailed", 880, 240, "agent not reached", '"Agent " & clickToCall.agent & " not reached: " & payload.reason', true);
  e.errors(160, 320);
  examples["Click-to-call.json"] = e.finish();
}

const root = new URL("../examples/", import.meta.url);
mkdirSync(new URL("nodes/", root), { recursive: true });
for (const [file, flow] of Object.entries(examples)) {
  writeFileSync(new URL(file, root), JSON.stringify(flow, null, 2) + "\n");
}
