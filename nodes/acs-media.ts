/**
 * acs-media: mid-call media control. "hold" puts a participant on hold, with optional music
 * (text-to-speech, SSML or an audio file); "unhold" takes them off hold; "cancelMedia" cancels
 * every play and recognize running or queued on the call (their own nodes report "canceled").
 *
 * Hold ports: done, failed. ACS sends no event when a hold succeeds, only HoldFailed when it
 * fails (the music cannot be played …), so "done" leaves when ACS accepts the request, and a
 * HoldFailed that comes later leaves from "failed" (a second message). Unhold and cancelMedia:
 * done. A call that ends meanwhile sends nothing.
 */
import { createIdentifierFromRawId } from "@azure/communication-common";
import { AcsActionError } from "../lib/acs-errors";
import type { AcsService } from "../lib/acs-service";
import { eventForMessage, type CallEvent } from "../lib/call-events";
import { failurePayload } from "../lib/outcomes";
import { participantOf } from "../lib/participant-input";
import { playSourceOf, type PlaySource, type PromptKind } from "../lib/play-sources";
import { callIdOf, errorText, evaluateText, FlowError, handleMessages, NodeActivity, sendFrom, sendOn, serviceOf, type CallNodeDef, type NodeMessage, type NodeRedRuntime, type RuntimeNode, type SendFn } from "../lib/node-kit";
import { statusKey } from "../lib/status-text";

type Action = "hold" | "unhold" | "cancelMedia";

interface Def extends CallNodeDef {
  action?: Action;
  participant?: string;
  participantType?: string;
  musicKind?: "none" | PromptKind;
  music?: string;
  musicType?: string;
  voice?: string;
  locale?: string;
}

/** The value of a promise that has already settled (an event that beat the REST response), else undefined. */
function settledValue<T>(promise: Promise<T>): Promise<T | undefined> {
  // Reactions run in the order they were added: an already-settled `promise` wins the race.
  return Promise.race([promise, Promise.resolve(undefined)]);
}

export = function register(RED: NodeRedRuntime): void {
  function AcsMediaNode(this: RuntimeNode, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const action: Action = def.action === "unhold" || def.action === "cancelMedia" ? def.action : "hold";
    const activity = new NodeActivity(node, RED);

    async function targetOf(msg: NodeMessage) {
      const setting = def.participantType ? await evaluateText(RED, node, def.participant, def.participantType, msg) : undefined;
      const { text, rawId } = participantOf(setting, msg);
      if (!text) throw new FlowError(RED._("acs-media.error.noParticipant"));
      if (!rawId) throw new FlowError(RED._("acs-media.error.badParticipant", { participant: text }));
      return { text, identifier: createIdentifierFromRawId(rawId) };
    }

    async function musicOf(msg: NodeMessage, service: AcsService): Promise<PlaySource | undefined> {
      const kind = def.musicKind ?? "none";
      if (kind === "none") return undefined;
      const value = await evaluateText(RED, node, def.music, def.musicType || "str", msg);
      if (!value) throw new FlowError(RED._("acs-media.error.noMusic"));
      try {
        return playSourceOf(kind, value, { voice: def.voice || service.defaultVoice, locale: def.locale || service.defaultLocale });
      } catch (err) {
        throw new FlowError(RED._("acs-media.error.badMusic", { reason: errorText(RED, err) }));
      }
    }

    async function hold(msg: NodeMessage, send: SendFn, service: AcsService, callId: string): Promise<void> {
      const target = await targetOf(msg);
      const music = await musicOf(msg, service);
      const media = service.client.getCallConnection(callId).getCallMedia();
      activity.begin("acs-media.status.holding");
      let started;
      try {
        started = await service.startOperation({ callConnectionId: callId, terminal: ["HoldFailed"], track: activity.track }, (operationContext) =>
          media.hold(target.identifier, { operationContext, ...(music ? { playSource: music } : {}) }),
        );
      } catch (err) {
        activity.end("acs-media.status.failed", "red");
        throw new AcsActionError("hold", err);
      }
      const sendFailed = (m: NodeMessage, event: CallEvent) => {
        m.payload = { ...failurePayload("failed", event), participant: target.text };
        m.event = eventForMessage(event);
        sendOn(sendFrom(node), 1, 2, m);
      };
      const early = await settledValue(started.outcome);
      if (early?.kind === "event") {
        activity.end("acs-media.status.holdFailed", "red");
        return sendFailed(msg, early.event);
      }
      if (early?.kind === "callEnded") return activity.end("acs-media.status.callEnded", "grey");
      if (early?.kind === "canceled") return; // the node closed meanwhile
      msg.payload = { onHold: true, participant: target.text, music: music !== undefined };
      delete msg.event;
      const later = RED.util.cloneMessage(msg);
      activity.end("acs-media.status.onHold");
      sendOn(send, 0, 2, msg);
      // A HoldFailed while the call lasts (up to the operation time-out) is a second message.
      void started.outcome.then((outcome) => {
        if (outcome.kind !== "event") return;
        node.status({ fill: "red", shape: "ring", text: statusKey("acs-media.status.holdFailed") });
        sendFailed(later, outcome.event);
      });
    }

    async function handle(msg: NodeMessage, send: SendFn): Promise<void> {
      const service = await serviceOf(RED, def.acs);
      const callId = await callIdOf(RED, node, def, msg);
      if (action === "hold") return hold(msg, send, service, callId);

      const media = service.client.getCallConnection(callId).getCallMedia();
      if (action === "unhold") {
        const target = await targetOf(msg);
        activity.begin("acs-media.status.unholding");
        try {
          await service.request(callId, () => media.unhold(target.identifier));
        } catch (err) {
          activity.end("acs-media.status.failed", "red");
          throw new AcsActionError("unhold", err);
        }
        msg.payload = { onHold: false, participant: target.text };
        activity.end("acs-media.status.offHold");
      } else {
        activity.begin("acs-media.status.canceling");
        try {
          await service.request(callId, () => media.cancelAllOperations());
        } catch (err) {
          activity.end("acs-media.status.failed", "red");
          throw new AcsActionError("cancelMedia", err);
        }
        msg.payload = { canceled: true };
        activity.end("acs-media.status.canceled");
      }
      delete msg.event;
      send(msg);
    }

    handleMessages(RED, node, handle, () => activity.close());
  }
  RED.nodes.registerType("acs-media", AcsMediaNode);
};
