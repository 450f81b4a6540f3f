// The floor: the least code that runs the same IVR script against the same simulator. node:http
// for the webhooks, fetch for the REST calls, the HMAC request signature written out by hand; no
// SDK, no framework, and no checking of the callbacks' JWT (the other two targets verify it).
// What it costs is, near enough, what the simulator and HTTP cost.
//
// Environment: ACS_CONNECTION_STRING (the simulator's). Prints "listening on http://127.0.0.1:PORT";
// Event Grid goes to /events, callbacks to /callbacks.
import { createHash, createHmac } from "node:crypto";
import { createServer } from "node:http";
import { ivrScript as ivr } from "../ivr-script.mjs";

const API_VERSION = "2026-03-12";
const [, endpoint, accessKey] = /endpoint=([^;]+);accesskey=([^;]+)/i.exec(process.env.ACS_CONNECTION_STRING);
const key = Buffer.from(accessKey, "base64");
const say = (text) => ({ kind: "text", text: { text, voiceName: ivr.voice, sourceLocale: ivr.locale } });
/** The caller of each call, by serverCallId: the menu listens to them. */
const callers = new Map();
let callbackUri = "";

/** POST to the Call Automation REST API, signed as the SDK signs (HMAC-SHA256 over method, path, date, host, body hash). */
async function acs(path, body) {
  const url = new URL(`${path}?api-version=${API_VERSION}`, endpoint);
  const text = body === undefined ? "" : JSON.stringify(body);
  const date = new Date().toUTCString();
  const hash = createHash("sha256").update(text).digest("base64");
  const signature = createHmac("sha256", key).update(`POST\n${url.pathname}${url.search}\n${date};${url.host};${hash}`).digest("base64");
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-ms-date": date,
      "x-ms-content-sha256": hash,
      authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
    },
    body: text,
  });
  const reply = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${reply}`);
}

const connection = (id) => `/calling/callConnections/${encodeURIComponent(id)}`;
const play = (id, text, step) => acs(`${connection(id)}:play`, { playSources: [say(text)], playTo: [], playOptions: { loop: false }, operationContext: step });

/** The script: each event that ends a step starts the next one. */
function next(type, data) {
  const id = data.callConnectionId;
  switch (type) {
    case "Microsoft.Communication.CallConnected":
      return play(id, ivr.greeting, "greeting");
    case "Microsoft.Communication.PlayCompleted":
      if (data.operationContext === "greeting") {
        return acs(`${connection(id)}:recognize`, {
          recognizeInputType: "choices",
          playPrompts: [say(ivr.menu.prompt)],
          recognizeOptions: {
            targetParticipant: callers.get(data.serverCallId),
            interruptPrompt: ivr.menu.interruptPrompt,
            initialSilenceTimeoutInSeconds: ivr.menu.initialSilenceTimeoutInSeconds,
            speechLanguage: ivr.locale,
            choices: ivr.menu.choices,
          },
          operationContext: "menu",
        });
      }
      if (data.operationContext === "hours") return play(id, ivr.goodbye, "goodbye");
      if (data.operationContext === "goodbye") return acs(`${connection(id)}:terminate`);
      return;
    case "Microsoft.Communication.RecognizeCompleted":
      return data.choiceResult?.label === "hours" ? play(id, ivr.hours, "hours") : play(id, ivr.goodbye, "goodbye");
    case "Microsoft.Communication.RecognizeFailed":
      return play(id, ivr.goodbye, "goodbye");
    case "Microsoft.Communication.PlayFailed":
      return acs(`${connection(id)}:terminate`);
    case "Microsoft.Communication.CallDisconnected":
      callers.delete(data.serverCallId);
      return;
  }
}

function onEvents(events, res) {
  const validation = events.find((e) => e.eventType === "Microsoft.EventGrid.SubscriptionValidationEvent");
  if (validation) return reply(res, 200, JSON.stringify({ validationResponse: validation.data.validationCode }));
  reply(res, 200);
  for (const e of events) {
    if (e.eventType !== "Microsoft.Communication.IncomingCall" || e.data.to.rawId !== `4:${ivr.number}`) continue;
    callers.set(e.data.serverCallId, e.data.from);
    acs("/calling/callConnections:answer", { incomingCallContext: e.data.incomingCallContext, callbackUri, operationContext: "answer" }).catch((err) => {
      callers.delete(e.data.serverCallId);
      console.error(`answer: ${err.message}`);
    });
  }
}

function onCallbacks(events, res) {
  reply(res, 200);
  for (const e of events) Promise.resolve(next(e.type, e.data)).catch((err) => console.error(`${e.type}: ${err.message}`));
}

function reply(res, status, body) {
  res.writeHead(status, body ? { "content-type": "application/json" } : {});
  res.end(body);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    let events;
    try {
      events = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return reply(res, 400);
    }
    if (!Array.isArray(events)) return reply(res, 400);
    if (req.method === "POST" && req.url === "/events") return onEvents(events, res);
    if (req.method === "POST" && req.url === "/callbacks") return onCallbacks(events, res);
    reply(res, 404);
  });
});
server.listen(0, "127.0.0.1", () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  callbackUri = `${base}/callbacks`;
  console.log(`listening on ${base}`);
});
