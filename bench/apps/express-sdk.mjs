// The hand-written alternative to the Node-RED flow: an Express app with the Call Automation SDK
// running the same IVR script (answer, greeting, menu, the hours prompt, goodbye, hang up for
// everyone), written as an experienced developer would: callbacks verified by their JWT with jose
// (as the plugin does), events read with the SDK's parseCallAutomationEvent, one operationContext
// per step. It does not re-prompt on no input or transfer to an agent: the benchmark's caller presses 1.
//
// Environment: ACS_CONNECTION_STRING (the simulator's), ACS_RESOURCE_ID (the callbacks' JWT audience).
// Prints "listening on http://127.0.0.1:PORT"; Event Grid goes to /events, callbacks to /callbacks.
import express from "express";
import { CallAutomationClient, parseCallAutomationEvent } from "@azure/communication-call-automation";
import { createIdentifierFromRawId } from "@azure/communication-common";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { ivrScript as ivr } from "../ivr-script.mjs";

const connectionString = process.env.ACS_CONNECTION_STRING;
const resourceId = process.env.ACS_RESOURCE_ID;
// Real ACS signs callbacks as https://acscallautomation.communication.azure.com; the simulator as its own origin.
const issuer = new URL(/endpoint=([^;]+)/i.exec(connectionString)[1]).origin;
const signingKeys = createRemoteJWKSet(new URL("/calling/keys", issuer));
const client = new CallAutomationClient(connectionString, { allowInsecureConnection: true });

const say = (text) => ({ kind: "textSource", text, voiceName: ivr.voice, sourceLocale: ivr.locale });
/** The caller of each call, by serverCallId: the menu listens to them. */
const callers = new Map();
let callbackUrl = "";

const app = express();
app.use(express.json({ limit: "1mb" }));

app.post("/events", (req, res) => {
  const events = Array.isArray(req.body) ? req.body : [];
  const validation = events.find((e) => e.eventType === "Microsoft.EventGrid.SubscriptionValidationEvent");
  if (validation) return res.json({ validationResponse: validation.data.validationCode });
  res.sendStatus(200);
  for (const e of events) {
    if (e.eventType === "Microsoft.Communication.IncomingCall" && e.data.to.rawId === `4:${ivr.number}`) void answer(e.data);
  }
});

app.post("/callbacks", async (req, res) => {
  if (!(await verified(req.headers.authorization))) return res.sendStatus(401);
  res.sendStatus(200);
  for (const raw of Array.isArray(req.body) ? req.body : []) {
    let event;
    try {
      event = parseCallAutomationEvent(raw);
    } catch {
      continue; // an event type this SDK version does not know
    }
    next(event).catch((err) => console.error(`${event.kind}: ${err.message}`));
  }
});

async function verified(authorization) {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
  if (!token) return false;
  try {
    await jwtVerify(token, signingKeys, { issuer, audience: resourceId, algorithms: ["RS256"] });
    return true;
  } catch {
    return false;
  }
}

async function answer(call) {
  callers.set(call.serverCallId, createIdentifierFromRawId(call.from.rawId));
  try {
    await client.answerCall(call.incomingCallContext, callbackUrl, { operationContext: "answer" });
  } catch (err) {
    callers.delete(call.serverCallId);
    console.error(`answer: ${err.message}`);
  }
}

/** The script: each event that ends a step starts the next one. */
async function next(event) {
  const call = client.getCallConnection(event.callConnectionId);
  const media = call.getCallMedia();
  const play = (text, step) => media.playToAll([say(text)], { operationContext: step });
  switch (event.kind) {
    case "CallConnected":
      return play(ivr.greeting, "greeting");
    case "PlayCompleted":
      if (event.operationContext === "greeting") {
        return media.startRecognizing(callers.get(event.serverCallId), {
          kind: "callMediaRecognizeChoiceOptions",
          choices: ivr.menu.choices,
          playPrompts: [say(ivr.menu.prompt)],
          interruptPrompt: ivr.menu.interruptPrompt,
          initialSilenceTimeoutInSeconds: ivr.menu.initialSilenceTimeoutInSeconds,
          speechLanguage: ivr.locale,
          operationContext: "menu",
        });
      }
      if (event.operationContext === "hours") return play(ivr.goodbye, "goodbye");
      if (event.operationContext === "goodbye") return call.hangUp(true);
      return;
    case "RecognizeCompleted":
      return event.choiceResult?.label === "hours" ? play(ivr.hours, "hours") : play(ivr.goodbye, "goodbye");
    case "RecognizeFailed":
      return play(ivr.goodbye, "goodbye");
    case "PlayFailed":
      return call.hangUp(true);
    case "CallDisconnected":
      callers.delete(event.serverCallId);
      return;
  }
}

const server = app.listen(0, "127.0.0.1", () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  callbackUrl = `${base}/callbacks`;
  console.log(`listening on ${base}`);
});
