/**
 * acs-answer: answer, reject (with a reason) or redirect the incoming call in msg.call.
 * Answer ports: connected, failed, ended (the call's end, later). Reject/redirect: done, failed.
 */
import { createIdentifierFromRawId } from "@azure/communication-common";
import { AcsActionError, isCallGone } from "../lib/acs-errors";
import { eventForMessage } from "../lib/call-events";
import { callFromProperties, callOf, withCall } from "../lib/call-message";
import { rawIdFromText } from "../lib/identifiers";
import { callFailureReason, failurePayload } from "../lib/outcomes";
import { evaluateText, FlowError, NodeActivity, sendOn, serviceOf, type DoneFn, type NodeMessage, type NodeRedRuntime, type RuntimeNode, type SendFn } from "../lib/node-kit";

interface Def {
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
          msg.payload = { reason: "callGone", message: new AcsActionError(action, err).message };
          delete msg.event;
          activity.end("acs-answer.status.failed", "red");
          sendOn(send, 1, 2, msg);
          return;
        }
        node.status({ fill: "green", shape: "dot", text: RED._(`acs-answer.status.${action}ed`) });
        sendOn(send, 0, 2, msg);
        return;
      }

      activity.begin("acs-answer.status.answering");
      let operated;
      try {
        operated = await service.operate({ terminal: ["CallConnected", "AnswerFailed"], track: activity.track }, (operationContext) =>
          service.client.answerCall(context, service.callbackUrl, {
            operationContext,
            ...(service.cognitiveServicesEndpoint ? { callIntelligenceOptions: { cognitiveServicesEndpoint: service.cognitiveServicesEndpoint } } : {}),
          }),
        );
      } catch (err) {
        activity.end("acs-answer.status.failed", "red");
        // The caller hung up, or another app answered first: an outcome, not a flow error.
        if (isCallGone(err)) {
          msg.payload = { reason: "callGone", message: new AcsActionError("answer", err).message };
          delete msg.event;
          sendOn(send, 1, 3, msg);
          return;
        }
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
        const endedMsg = RED.util.cloneMessage(msg);
        sendOn(send, 0, 3, msg);
        if (merged.callConnectionId) {
          activity.watchEnd(service, merged.callConnectionId, (event) => {
            endedMsg.payload = failurePayload("ended", event);
            endedMsg.event = event ? eventForMessage(event) : undefined;
            sendOn((m) => node.send(m), 2, 3, endedMsg);
          });
        }
        return;
      }
      if (outcome.kind === "canceled") return;
      activity.end("acs-answer.status.failed", "red");
      msg.payload =
        outcome.kind === "event"
          ? failurePayload(callFailureReason(undefined), outcome.event)
          : { reason: outcome.kind === "timeout" ? "timeout" : "ended" };
      if (outcome.kind === "event") msg.event = eventForMessage(outcome.event);
      sendOn(send, 1, 3, msg);
    }

    node.on("input", (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      handle(msg, send).then(
        () => done(),
        (err: Error) => done(err),
      );
    });
    node.on("close", (_removed: boolean, done: () => void) => {
      activity.close();
      done();
    });
  }
  RED.nodes.registerType("acs-answer", AcsAnswerNode);
};
