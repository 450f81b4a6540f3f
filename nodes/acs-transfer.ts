/**
 * acs-transfer: blind transfer of the call (or of one participant of a group call) to a phone
 * number, ACS user or Teams user, with custom SIP/VoIP headers. Ports: accepted, failed.
 */
import { createIdentifierFromRawId } from "@azure/communication-common";
import { toCustomCallingContext } from "../lib/acs-client";
import { AcsActionError } from "../lib/acs-errors";
import { eventForMessage } from "../lib/call-events";
import { rawIdFromText } from "../lib/identifiers";
import { callIdOf, evaluateText, FlowError, NodeActivity, sendOn, serviceOf, type NodeMessage, type NodeRedRuntime, type RuntimeNode, type SendFn, handleMessages, callerAndHeadersOf, type CallNodeDef, type CallerAndHeadersDef } from "../lib/node-kit";
import { callFailurePayload } from "../lib/outcomes";
import { isMissingParty } from "../lib/party-not-found";

interface Def extends CallNodeDef, CallerAndHeadersDef {
  target?: string;
  targetType?: string;
  transferee?: string;
  transfereeType?: string;
}

export = function register(RED: NodeRedRuntime): void {
  function AcsTransferNode(this: RuntimeNode, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const activity = new NodeActivity(node, RED);

    async function handle(msg: NodeMessage, send: SendFn): Promise<void> {
      const service = await serviceOf(RED, def.acs);
      const callId = await callIdOf(RED, node, def, msg);
      const targetText = await evaluateText(RED, node, def.target, def.targetType || "str", msg);
      const targetRaw = targetText ? rawIdFromText(targetText) : undefined;
      if (!targetRaw) throw new FlowError(RED._("acs-transfer.error.badTarget", { target: targetText ?? "" }));
      const transfereeText = def.transfereeType ? await evaluateText(RED, node, def.transferee, def.transfereeType, msg) : undefined;
      const transfereeRaw = transfereeText ? rawIdFromText(transfereeText) : undefined;
      if (transfereeText && !transfereeRaw) throw new FlowError(RED._("acs-transfer.error.badTransferee", { transferee: transfereeText }));
      const { callerId, headers } = await callerAndHeadersOf(RED, node, def, msg, "acs-transfer.error.badCallerId");
      const connection = service.client.getCallConnection(callId);

      activity.begin("acs-transfer.status.transferring");
      let operated;
      try {
        operated = await service.operate({ callConnectionId: callId, terminal: ["CallTransferAccepted", "CallTransferFailed"], track: activity.track }, (operationContext) =>
          connection.transferCallToParticipant(createIdentifierFromRawId(targetRaw), {
            operationContext,
            ...(transfereeRaw ? { transferee: createIdentifierFromRawId(transfereeRaw) } : {}),
            ...(callerId ? { sourceCallIdNumber: callerId } : {}),
            ...(headers ? { customCallingContext: toCustomCallingContext(headers) } : {}),
          }),
        );
      } catch (err) {
        activity.end("acs-transfer.status.failed", "red");
        // ACS answers "not found" both for an ended call and for a transferee who is not in it.
        if (transfereeRaw && isMissingParty(err)) throw new FlowError(RED._("acs-transfer.error.transfereeNotInCall", { transferee: transfereeText ?? "" }));
        throw new AcsActionError("transfer", err);
      }
      const { outcome } = operated;
      if (outcome.kind === "callEnded") return activity.end("acs-transfer.status.callEnded", "grey");
      if (outcome.kind === "canceled") return;
      if (outcome.kind === "event" && outcome.event.type === "CallTransferAccepted") {
        msg.payload = { accepted: true, target: targetText };
        msg.event = eventForMessage(outcome.event);
        activity.end("acs-transfer.status.accepted");
        return sendOn(send, 0, 2, msg);
      }
      activity.end("acs-transfer.status.failed", "red");
      if (outcome.kind === "timeout") msg.payload = { reason: "timeout" };
      else {
        msg.payload = callFailurePayload(outcome.event);
        msg.event = eventForMessage(outcome.event);
      }
      sendOn(send, 1, 2, msg);
    }

    handleMessages(RED, node, handle, () => activity.close());
  }
  RED.nodes.registerType("acs-transfer", AcsTransferNode);
};
