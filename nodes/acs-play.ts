/**
 * acs-play: play a prompt (text-to-speech, SSML or an audio file) to everyone or to one
 * participant. Ports: completed, failed. A looping prompt leaves from "completed" as soon as it
 * starts (it plays until another media operation or a cancel). A call that ends while the prompt
 * plays sends nothing: the answer/create-call node's "ended" port reports the end.
 */
import { createIdentifierFromRawId } from "@azure/communication-common";
import { AcsActionError } from "../lib/acs-errors";
import { eventForMessage } from "../lib/call-events";
import { callOf } from "../lib/call-message";
import { rawIdFromText } from "../lib/identifiers";
import { failurePayload } from "../lib/outcomes";
import { playSourceOf, type PromptKind } from "../lib/play-sources";
import { callIdOf, errorText, evaluateText, FlowError, NodeActivity, sendOn, serviceOf, type NodeMessage, type NodeRedRuntime, type RuntimeNode, type SendFn, handleMessages, type CallNodeDef } from "../lib/node-kit";

interface Def extends CallNodeDef {
  promptKind?: PromptKind;
  prompt?: string;
  promptType?: string;
  voice?: string;
  locale?: string;
  playTo?: "all" | "participant";
  participant?: string;
  participantType?: string;
  loop?: boolean;
  interrupt?: boolean;
}

export = function register(RED: NodeRedRuntime): void {
  function AcsPlayNode(this: RuntimeNode, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const activity = new NodeActivity(node, RED);

    async function handle(msg: NodeMessage, send: SendFn): Promise<void> {
      const service = await serviceOf(RED, def.acs);
      const callId = await callIdOf(RED, node, def, msg);
      const kind = def.promptKind ?? "text";
      const value = await evaluateText(RED, node, def.prompt, def.promptType || "str", msg);
      if (!value) throw new FlowError(RED._("acs-play.error.noPrompt"));
      let source;
      try {
        source = playSourceOf(kind, value, { voice: def.voice || service.defaultVoice, locale: def.locale || service.defaultLocale });
      } catch (err) {
        throw new FlowError(RED._("acs-play.error.badPrompt", { reason: errorText(RED, err) }));
      }
      let participant: ReturnType<typeof createIdentifierFromRawId> | undefined;
      if (def.playTo === "participant") {
        // Like recognize: by default the far end of the call (msg.call.remoteParty).
        const text = def.participantType ? await evaluateText(RED, node, def.participant, def.participantType, msg) : callOf(msg).remoteParty;
        const rawId = text ? rawIdFromText(text) : undefined;
        if (!rawId) throw new FlowError(RED._("acs-play.error.badParticipant", { participant: text ?? "" }));
        participant = createIdentifierFromRawId(rawId);
      }
      const loop = Boolean(def.loop);
      const media = service.client.getCallConnection(callId).getCallMedia();

      activity.begin("acs-play.status.playing");
      let operated;
      try {
        operated = await service.operate(
          {
            callConnectionId: callId,
            terminal: loop ? ["PlayStarted", "PlayCompleted", "PlayFailed", "PlayCanceled"] : ["PlayCompleted", "PlayFailed", "PlayCanceled"],
            track: activity.track,
          },
          (operationContext) =>
            participant
              ? media.play([source], [participant], { operationContext, loop })
              : media.playToAll([source], { operationContext, loop, interruptCallMediaOperation: Boolean(def.interrupt) }),
        );
      } catch (err) {
        activity.end("acs-play.status.failed", "red");
        throw new AcsActionError("play", err);
      }
      const { outcome } = operated;
      if (outcome.kind === "callEnded") return activity.end("acs-play.status.callEnded", "grey");
      if (outcome.kind === "canceled") return;
      if (outcome.kind === "event" && (outcome.event.type === "PlayCompleted" || outcome.event.type === "PlayStarted")) {
        msg.payload = { completed: outcome.event.type === "PlayCompleted", ...(loop ? { looping: true } : {}) };
        msg.event = eventForMessage(outcome.event);
        activity.end("acs-play.status.completed");
        sendOn(send, 0, 2, msg);
        return;
      }
      activity.end("acs-play.status.failed", "red");
      if (outcome.kind === "timeout") msg.payload = { reason: "timeout" };
      else {
        msg.payload = failurePayload(outcome.event.type === "PlayCanceled" ? "canceled" : "failed", outcome.event);
        msg.event = eventForMessage(outcome.event);
      }
      sendOn(send, 1, 2, msg);
    }

    handleMessages(RED, node, handle, () => activity.close());
  }
  RED.nodes.registerType("acs-play", AcsPlayNode);
};
