// Writes examples/IVR menu.json (run once when the example changes; the file is committed).
import { writeFileSync } from "node:fs";
import { simulatorConfig } from "./example-config.mjs";

const tab = "ivr-tab";
const n = (id, type, x, y, props, wires) => ({ id, type, z: tab, x, y, ...props, ...(wires ? { wires } : {}) });
const acs = "ivr-acs";
const text = (prompt) => ({ acs, promptKind: "text", prompt, promptType: "str", voice: "", locale: "", playTo: "all", loop: false, interrupt: false, callId: "", callIdType: "" });

const flow = [
  { id: tab, type: "tab", label: "IVR menu", info: "" },
  n("ivr-comment", "comment", 200, 60, {
    name: "IVR menu on the built-in ACS simulator",
    info:
      "Answers a call to +1 800 555 0100: a greeting, then a menu by key or by voice.\n\n" +
      "- 1 or \"opening hours\": plays the opening hours, then goodbye.\n" +
      "- 2 or \"agent\": transfers the caller to the agent number +14255550199.\n" +
      "- Nothing or something else, three times: goodbye and hang up.\n\n" +
      "Place a call with the simulator's control API (see the README, or `npm run call`):\n" +
      "POST /acs-simulator/calls {\"from\":\"+14255550123\",\"to\":\"+18005550100\"}",
  }),
  n("ivr-incoming", "acs-incoming-call", 150, 140, { name: "+1 800 555 0100", acs, to: "+18005550100", from: "" }, [["ivr-answer"]]),
  n("ivr-answer", "acs-answer", 330, 140, { name: "", acs, action: "answer", rejectReason: "none", target: "", targetType: "str", outputs: 3 }, [["ivr-greet"], ["ivr-log"], ["ivr-log"]]),
  n("ivr-greet", "acs-play", 530, 140, { name: "greeting", ...text("Thank you for calling Contoso.") }, [["ivr-menu"], ["ivr-hangup"]]),
  n(
    "ivr-menu",
    "acs-recognize",
    740,
    140,
    {
      name: "main menu",
      acs,
      callId: "",
      callIdType: "",
      inputKind: "choices",
      promptKind: "text",
      prompt: "For our opening hours, press 1 or say opening hours. To speak to an agent, press 2 or say agent.",
      promptType: "str",
      voice: "",
      locale: "",
      choices: [
        { label: "hours", key: "1", phrases: "opening hours, hours, information" },
        { label: "agent", key: "2", phrases: "agent, representative, person" },
      ],
      maxTones: 1,
      stopTones: "",
      interToneTimeout: 2,
      initialSilenceTimeout: 5,
      endSilenceTimeout: "",
      interruptPrompt: true,
      pattern: "",
      retries: 2,
      noInputPrompt: "Sorry, I did not hear anything.",
      noMatchPrompt: "Sorry, that is not one of the options.",
      participant: "",
      participantType: "",
      outputs: 5,
    },
    [["ivr-hours"], ["ivr-hold"], ["ivr-goodbye"], ["ivr-goodbye"], ["ivr-hangup"]],
  ),
  n("ivr-hours", "acs-play", 990, 80, { name: "opening hours", ...text("We are open Monday to Friday, from 9 AM to 5 PM.") }, [["ivr-goodbye"], ["ivr-goodbye"]]),
  n("ivr-hold", "acs-play", 990, 160, { name: "please hold", ...text("Please hold while I connect you to an agent.") }, [["ivr-transfer"], ["ivr-transfer"]]),
  n(
    "ivr-transfer",
    "acs-transfer",
    1190,
    160,
    { name: "to an agent", acs, callId: "", callIdType: "", target: "+14255550199", targetType: "str", transferee: "", transfereeType: "", callerId: "", callerIdType: "str", sipHeaders: "", sipHeadersType: "json", voipHeaders: "", voipHeadersType: "json" },
    [["ivr-log"], ["ivr-sorry"]],
  ),
  n("ivr-sorry", "acs-play", 1390, 220, { name: "no agent", ...text("Sorry, no agent is available right now.") }, [["ivr-goodbye"], ["ivr-goodbye"]]),
  n("ivr-goodbye", "acs-play", 1190, 280, { name: "goodbye", ...text("Thank you for calling. Goodbye.") }, [["ivr-hangup"], ["ivr-hangup"]]),
  n("ivr-hangup", "acs-hangup", 1390, 300, { name: "", acs, callId: "", callIdType: "", forEveryone: true }, [["ivr-log"]]),
  n("ivr-log", "debug", 1390, 40, { name: "call log", active: true, tosidebar: true, console: false, tostatus: false, complete: "true", targetType: "full", statusVal: "", statusType: "auto" }, []),
  simulatorConfig(acs),
];

writeFileSync(new URL("../examples/IVR menu.json", import.meta.url), JSON.stringify(flow, null, 2) + "\n");
