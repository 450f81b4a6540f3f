/**
 * acs-answer: answer, reject (with a reason) or redirect the incoming call in msg.call.
 * Answer ports: connected, failed, ended (the call's end, later). Reject/redirect: done, failed.
 */
import { createIdentifierFromRawId } from "@azure/communication-common";
import { AcsActionError, isCallGone } from "../lib/acs-errors";
import type { ActionId } from "../lib/lib-text";
import { eventForMessage } from "../lib/call-events";
import { callFromProperties, callOf, withCall } from "../lib/call-message";
import { rawIdFromText } from "../lib/identifiers";
import { failurePayload } from "../lib/outcomes";
import { errorText, evaluateText, FlowError, NodeActivity, sendOn, serviceOf, type NodeMessage, type NodeRedRuntime, type RuntimeNode, type SendFn, handleMessages } from "../lib/node-kit";
import { statusKey } from "../lib/status-text";
import { streamingOptionsOf, type StreamingDef } from "../lib/streaming-options";

interface Def extends StreamingDef {
  acs?: string;
  action?: "answer" | "reject" | "redirect";
  rejectReason?: "none" | "busy" | "forbidden";
  target?: string;
  targetType?: string;
}

export = function register(RED: NodeRedRuntime): void {
  function AcsAnswerNode(this: RuntimeNode, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const action = def.action ?? "answer";
    const activity = new NodeActivity(node, RED);

    /** The caller hung up, or the call was handled elsewhere: the "failed" port, not an error. */
    function sendCallGone(msg: NodeMessage, send: SendFn, what: ActionId, err: unknown, outputs: number): void {
      msg.payload = { reason: "callGone", message: errorText(RED, new AcsActionError(what, err)) };
      delete msg.event;
      sendOn(send, 1, outputs, msg);
    }

    async function handle(msg: NodeMessage, send: SendFn): Promise<void> {
      const service = await serviceOf(RED, def.acs);
      const call = callOf(msg);
      const context = call.incomingCallContext;
      if (!context) throw new FlowError(RED._("acs-answer.error.noContext"));

      if (action === "reject" || action === "redirect") {
        try {
          if (action === "reject") {
            await service.client.rejectCall(context, { callRejectReason: def.rejectReason ?? "none" });
            msg.payload = { rejected: true, rejectReason: def.rejectReason ?? "none" };
          } else {
            const targetText = await evaluateText(RED, node, def.target, def.targetType || "str", msg);
            const rawId = targetText ? rawIdFromText(targetText) : undefined;
            if (!rawId) throw new FlowError(RED._("acs-answer.error.badTarget", { target: targetText ?? "" }));
            await service.client.redirectCall(context, { targetParticipant: createIdentifierFromRawId(rawId) as never });
            msg.payload = { redirected: true, target: targetText };
          }
        } catch (err) {
          if (err instanceof FlowError) throw err;
          if (!isCallGone(err)) throw new AcsActionError(action, err);
          activity.end("acs-answer.status.failed", "red");
          return sendCallGone(msg, send, action, err, 2);
        }
        node.status({ fill: "green", shape: "dot", text: statusKey(`acs-answer.status.${action}ed`) });
        sendOn(send, 0, 2, msg);
        return;
      }

      // Media streaming and live transcription are set up when the call is answered, or never.
      const streaming = await streamingOptionsOf(RED, node, def, msg, service.defaultLocale);
      activity.begin("acs-answer.status.answering");
      let operated;
      try {
        operated = await service.operate({ terminal: ["CallConnected", "AnswerFailed"], track: activity.track }, (operationContext) =>
          service.client.answerCall(context, service.callbackUrl, {
            operationContext,
            ...(service.cognitiveServicesEndpoint ? { callIntelligenceOptions: { cognitiveServicesEndpoint: service.cognitiveServicesEndpoint } } : {}),
            ...streaming,
          }),
        );
      } catch (err) {
        activity.end("acs-answer.status.failed", "red");
        // The caller hung up, or another app answered first: an outcome, not a flow error.
        if (isCallGone(err)) return sendCallGone(msg, send, "answer", err, 3);
        throw new AcsActionError("answer", err);
      }
      const { outcome, response } = operated;
      if (outcome.kind === "event" && outcome.event.type === "CallConnected") {
        const props = callFromProperties(response?.callConnectionProperties);
        const merged = withCall(msg, {
          callConnectionId: props.callConnectionId ?? outcome.event.callConnectionId,
          serverCallId: props.serverCallId ?? outcome.event.serverCallId,
          correlationId: props.correlationId ?? outcome.event.correlationId,
          incomingCallContext: undefined,
        });
        delete merged.incomingCallContext;
        msg.payload = { connected: true, callConnectionId: merged.callConnectionId };
        msg.event = eventForMessage(outcome.event);
        activity.end("acs-answer.status.connected");
        if (merged.callConnectionId) activity.sendWhenEnded(service, merged.callConnectionId, msg, 2, 3);
        sendOn(send, 0, 3, msg);
        return;
      }
      if (outcome.kind === "canceled") return;
      activity.end("acs-answer.status.failed", "red");
      msg.payload =
        outcome.kind === "event"
          ? failurePayload("failed", outcome.event)
          : { reason: outcome.kind === "timeout" ? "timeout" : "ended" };
      if (outcome.kind === "event") msg.event = eventForMessage(outcome.event);
      sendOn(send, 1, 3, msg);
    }

    handleMessages(RED, node, handle, () => activity.close());
  }
  RED.nodes.registerType("acs-answer", AcsAnswerNode);
};
