/**
 * acs-dtmf: DTMF in the middle of a call.
 *
 * - send: send keys ("12#") to a participant (a phone number). Ports: sent, failed.
 * - startContinuous: listen to every key a participant presses, for as long as the recognition
 *   runs. Ports: started (once ACS accepted), tone (one message per key, in the order pressed),
 *   stopped (ContinuousDtmfRecognitionStopped), failed (ContinuousDtmfRecognitionToneFailed;
 *   listening goes on). Tone events carry a sequenceId; callbacks that arrive out of order are put
 *   back in order (lib/tone-sequencer). The node stops listening when the recognition stops, the
 *   call ends (nothing is sent then) or the node closes.
 * - stopContinuous: stop listening. Port: stopped (once ACS accepted; ACS sends
 *   ContinuousDtmfRecognitionStopped only if a recognition was running, and the starting node
 *   reports that).
 */
import type { DtmfTone } from "@azure/communication-call-automation";
import { createIdentifierFromRawId } from "@azure/communication-common";
import { AcsActionError } from "../lib/acs-errors";
import type { AcsService } from "../lib/acs-service";
import { eventForMessage, type CallEvent } from "../lib/call-events";
import { keyOfTone, keysOfTones, tonesToSend } from "../lib/dtmf";
import { failurePayload } from "../lib/outcomes";
import { participantOf } from "../lib/participant-input";
import { ToneSequencer } from "../lib/tone-sequencer";
import { callIdOf, errorText, evaluateText, FlowError, handleMessages, NodeActivity, sendFrom, sendOn, serviceOf, type CallNodeDef, type NodeMessage, type NodeRedRuntime, type RuntimeNode, type SendFn } from "../lib/node-kit";
import { statusKey } from "../lib/status-text";

type Action = "send" | "startContinuous" | "stopContinuous";

interface Def extends CallNodeDef {
  action?: Action;
  participant?: string;
  participantType?: string;
  tones?: string;
  tonesType?: string;
}

/** How long tones wait for a missing earlier tone before going out without it. */
const GAP_WAIT_MS = 500;

/** startContinuous ports. */
const STARTED = 0;
const TONE = 1;
const STOPPED = 2;
const FAILED = 3;
const LISTEN_OUTPUTS = 4;

/** One continuous recognition this node listens to (at most one per call). */
interface Session {
  callId: string;
  participant: string;
  /** The message that started it; each output is a copy. */
  template: NodeMessage;
  sequencer: ToneSequencer<CallEvent>;
  /** Tones that came before "started" went out, sent right after it. */
  early?: CallEvent[];
  gapTimer?: ReturnType<typeof setTimeout>;
  unwatch: () => void;
}

export = function register(RED: NodeRedRuntime): void {
  function AcsDtmfNode(this: RuntimeNode, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const action: Action = def.action === "startContinuous" || def.action === "stopContinuous" ? def.action : "send";
    const activity = new NodeActivity(node, RED);
    const sessions = new Map<string, Session>();
    let closed = false;

    async function targetOf(msg: NodeMessage) {
      const setting = def.participantType ? await evaluateText(RED, node, def.participant, def.participantType, msg) : undefined;
      const { text, rawId } = participantOf(setting, msg);
      if (!text) throw new FlowError(RED._("acs-dtmf.error.noParticipant"));
      if (!rawId) throw new FlowError(RED._("acs-dtmf.error.badParticipant", { participant: text }));
      return { text, identifier: createIdentifierFromRawId(rawId) };
    }

    // ------------------------------------------------------------------ continuous recognition

    const live = (session: Session): boolean => !closed && sessions.get(session.callId) === session;

    function endSession(session: Session): void {
      if (sessions.get(session.callId) === session) sessions.delete(session.callId);
      session.unwatch();
      if (session.gapTimer) clearTimeout(session.gapTimer);
      session.gapTimer = undefined;
    }

    function output(session: Session, port: number, fill: (m: NodeMessage) => void): void {
      const m = RED.util.cloneMessage(session.template);
      fill(m);
      sendOn(sendFrom(node), port, LISTEN_OUTPUTS, m);
    }

    function sendTones(session: Session, events: CallEvent[]): void {
      if (session.early) {
        session.early.push(...events);
        return;
      }
      for (const event of events) {
        const tone = String(event.data.tone ?? "");
        const key = keyOfTone(tone);
        const sequenceId = typeof event.data.sequenceId === "number" ? event.data.sequenceId : undefined;
        output(session, TONE, (m) => {
          m.payload = key;
          m.dtmf = { key, tone, ...(sequenceId !== undefined ? { sequenceId } : {}), participant: session.participant };
          m.event = eventForMessage(event);
        });
        node.status({ fill: "green", shape: "dot", text: `DTMF ${key}` });
      }
    }

    /** While tones wait for a missing one, give up on it after GAP_WAIT_MS. */
    function watchGap(session: Session): void {
      if (!session.sequencer.holding) {
        if (session.gapTimer) clearTimeout(session.gapTimer);
        session.gapTimer = undefined;
        return;
      }
      if (session.gapTimer) return;
      session.gapTimer = setTimeout(() => {
        session.gapTimer = undefined;
        if (!live(session)) return;
        sendTones(session, session.sequencer.skipGap());
        watchGap(session);
      }, GAP_WAIT_MS);
    }

    function onEvent(session: Session, event: CallEvent): void {
      if (!live(session)) return;
      switch (event.type) {
        case "ContinuousDtmfRecognitionToneReceived": {
          const sequenceId = typeof event.data.sequenceId === "number" ? event.data.sequenceId : undefined;
          sendTones(session, session.sequencer.push(sequenceId, event));
          watchGap(session);
          return;
        }
        case "ContinuousDtmfRecognitionToneFailed":
          output(session, FAILED, (m) => {
            m.payload = { ...failurePayload("toneFailed", event), participant: session.participant };
            m.event = eventForMessage(event);
          });
          node.status({ fill: "red", shape: "ring", text: statusKey("acs-dtmf.status.toneFailed") });
          return;
        case "ContinuousDtmfRecognitionStopped":
          sendTones(session, session.sequencer.drain());
          endSession(session);
          if (session.early) return; // stopped before it was reported started: the start handler says so
          output(session, STOPPED, (m) => {
            m.payload = { stopped: true, participant: session.participant };
            m.event = eventForMessage(event);
          });
          node.status({ fill: "grey", shape: "dot", text: statusKey("acs-dtmf.status.stopped") });
          return;
        case "CallDisconnected":
          // The call's end: stop listening and send nothing (tones held for a gap are dropped too).
          endSession(session);
          node.status({ fill: "grey", shape: "ring", text: statusKey("acs-dtmf.status.callEnded") });
          return;
      }
    }

    async function startContinuous(msg: NodeMessage, send: SendFn, service: AcsService, callId: string): Promise<void> {
      const target = await targetOf(msg);
      const media = service.client.getCallConnection(callId).getCallMedia();
      const previous = sessions.get(callId);
      if (previous) endSession(previous);
      const session: Session = {
        callId,
        participant: target.text,
        template: RED.util.cloneMessage(msg),
        sequencer: new ToneSequencer<CallEvent>(),
        early: [],
        unwatch: () => undefined,
      };
      // Listen before asking: the first tone may come before ACS's answer to the request.
      session.unwatch = service.router.watchCall(callId, (event) => onEvent(session, event));
      sessions.set(callId, session);
      activity.begin("acs-dtmf.status.starting");
      try {
        await service.request(callId, () => media.startContinuousDtmfRecognition(target.identifier));
      } catch (err) {
        endSession(session);
        activity.end("acs-dtmf.status.failed", "red");
        throw new AcsActionError("startContinuousDtmf", err);
      }
      const early = session.early ?? [];
      session.early = undefined;
      if (!live(session)) {
        // The call ended (or the recognition stopped, or the node closed) before ACS answered.
        activity.end(service.router.hasEnded(callId) ? "acs-dtmf.status.callEnded" : "acs-dtmf.status.stopped", "grey");
        return;
      }
      activity.end("acs-dtmf.status.listening");
      msg.payload = { started: true, participant: target.text };
      delete msg.event;
      sendOn(send, STARTED, LISTEN_OUTPUTS, msg);
      sendTones(session, early);
    }

    // ------------------------------------------------------------------ send and stop

    async function sendKeys(msg: NodeMessage, send: SendFn, service: AcsService, callId: string): Promise<void> {
      const keys = await evaluateText(RED, node, def.tones, def.tonesType || "str", msg);
      if (!keys) throw new FlowError(RED._("acs-dtmf.error.noTones"));
      let tones: string[];
      try {
        tones = tonesToSend(keys);
      } catch (err) {
        throw new FlowError(RED._("acs-dtmf.error.badTones", { tones: keys.slice(0, 40), reason: errorText(RED, err) }));
      }
      const target = await targetOf(msg);
      const media = service.client.getCallConnection(callId).getCallMedia();
      activity.begin("acs-dtmf.status.sending");
      let operated;
      try {
        operated = await service.operate(
          { callConnectionId: callId, terminal: ["SendDtmfTonesCompleted", "SendDtmfTonesFailed"], track: activity.track },
          (operationContext) => media.sendDtmfTones(tones as DtmfTone[], target.identifier, { operationContext }),
        );
      } catch (err) {
        activity.end("acs-dtmf.status.failed", "red");
        throw new AcsActionError("sendDtmf", err);
      }
      const { outcome } = operated;
      if (outcome.kind === "callEnded") return activity.end("acs-dtmf.status.callEnded", "grey");
      if (outcome.kind === "canceled") return;
      if (outcome.kind === "event" && outcome.event.type === "SendDtmfTonesCompleted") {
        msg.payload = { sent: true, tones: keysOfTones(tones), participant: target.text };
        msg.event = eventForMessage(outcome.event);
        activity.end("acs-dtmf.status.sent");
        return sendOn(send, 0, 2, msg);
      }
      activity.end("acs-dtmf.status.failed", "red");
      if (outcome.kind === "timeout") {
        msg.payload = { reason: "timeout", participant: target.text };
        delete msg.event;
      } else {
        msg.payload = { ...failurePayload("failed", outcome.event), participant: target.text };
        msg.event = eventForMessage(outcome.event);
      }
      sendOn(send, 1, 2, msg);
    }

    async function stopContinuous(msg: NodeMessage, send: SendFn, service: AcsService, callId: string): Promise<void> {
      const target = await targetOf(msg);
      const media = service.client.getCallConnection(callId).getCallMedia();
      activity.begin("acs-dtmf.status.stopping");
      try {
        await service.request(callId, () => media.stopContinuousDtmfRecognition(target.identifier));
      } catch (err) {
        activity.end("acs-dtmf.status.failed", "red");
        throw new AcsActionError("stopContinuousDtmf", err);
      }
      msg.payload = { stopped: true, participant: target.text };
      delete msg.event;
      activity.end("acs-dtmf.status.stopped");
      send(msg);
    }

    async function handle(msg: NodeMessage, send: SendFn): Promise<void> {
      const service = await serviceOf(RED, def.acs);
      const callId = await callIdOf(RED, node, def, msg);
      if (action === "startContinuous") return startContinuous(msg, send, service, callId);
      if (action === "stopContinuous") return stopContinuous(msg, send, service, callId);
      return sendKeys(msg, send, service, callId);
    }

    handleMessages(RED, node, handle, () => {
      closed = true;
      for (const session of [...sessions.values()]) endSession(session);
      activity.close();
    });
  }
  RED.nodes.registerType("acs-dtmf", AcsDtmfNode);
};
