/**
 * acs-create-call: call one target or a group (phone numbers, ACS users, Teams users) with a
 * caller id and custom SIP/VoIP headers; or connect to an existing server call, group call or
 * room. Ports: connected, failed (declined, busy, no answer...), ended (the call's end, later).
 */
import type { CallLocator, CallInvite } from "@azure/communication-call-automation";
import { createIdentifierFromRawId, type CommunicationIdentifier } from "@azure/communication-common";
import { AcsActionError } from "../lib/acs-errors";
import { eventForMessage } from "../lib/call-events";
import { callFromProperties, withCall } from "../lib/call-message";
import { readTargets } from "../lib/headers-input";
import { rawIdFromText, textFromRawId } from "../lib/identifiers";
import { evaluate, evaluateText, FlowError, NodeActivity, sendOn, serviceOf, type NodeMessage, type NodeRedRuntime, type RuntimeNode, type SendFn, handleMessages, callerAndHeadersOf, type CallerAndHeadersDef } from "../lib/node-kit";
import { callFailurePayload } from "../lib/outcomes";
import { streamingOptionsOf, type StreamingDef } from "../lib/streaming-options";

interface Def extends CallerAndHeadersDef, StreamingDef {
  acs?: string;
  mode?: "call" | "connect";
  targets?: string;
  targetsType?: string;
  callerId?: string;
  callerIdType?: string;
  displayName?: string;
  sipHeaders?: string;
  sipHeadersType?: string;
  voipHeaders?: string;
  voipHeadersType?: string;
  locatorKind?: "serverCall" | "group" | "room";
  locator?: string;
  locatorType?: string;
}

export = function register(RED: NodeRedRuntime): void {
  function AcsCreateCallNode(this: RuntimeNode, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const activity = new NodeActivity(node, RED);
    const mode = def.mode ?? "call";

    async function handle(msg: NodeMessage, send: SendFn): Promise<void> {
      const service = await serviceOf(RED, def.acs);
      const cognitive = service.cognitiveServicesEndpoint ? { callIntelligenceOptions: { cognitiveServicesEndpoint: service.cognitiveServicesEndpoint } } : {};
      // Media streaming and live transcription are set up when the call is created or connected, or never.
      const streaming = await streamingOptionsOf(RED, node, def, msg, service.defaultLocale);
      let start: (operationContext: string) => Promise<unknown>;
      let terminal: string[];
      let callFields: Record<string, string | undefined>;

      if (mode === "connect") {
        const id = await evaluateText(RED, node, def.locator, def.locatorType || "str", msg);
        if (!id) throw new FlowError(RED._("acs-create-call.error.noLocator"));
        const kind = def.locatorKind ?? "serverCall";
        const locator: CallLocator = { id, kind: kind === "group" ? "groupCallLocator" : kind === "room" ? "roomCallLocator" : "serverCallLocator" };
        start = (operationContext) => service.client.connectCall(locator, service.callbackUrl, { operationContext, ...cognitive, ...streaming });
        terminal = ["CallConnected", "ConnectFailed"];
        callFields = { direction: "connect" };
      } else {
        const targetTexts = readTargets(await evaluate(RED, node, def.targets, def.targetsType || "str", msg));
        if (targetTexts.length === 0) throw new FlowError(RED._("acs-create-call.error.noTargets"));
        const rawIds = targetTexts.map((t) => {
          const raw = rawIdFromText(t);
          if (!raw) throw new FlowError(RED._("acs-create-call.error.badTarget", { target: t }));
          return raw;
        });
        const targets = rawIds.map((r) => createIdentifierFromRawId(r));
        const { callerText, callerId, headers } = await callerAndHeadersOf(RED, node, def, msg, "acs-create-call.error.badCallerId");
        if (!callerId && rawIds.some((r) => r.startsWith("4:"))) throw new FlowError(RED._("acs-create-call.error.callerIdNeeded"));
        const displayName = def.displayName?.trim() || undefined;
        start = (operationContext) =>
          service.withCreateCallHeaders(operationContext, headers, () =>
            targets.length === 1
              ? service.client.createCall(
                  { targetParticipant: targets[0] as CallInvite["targetParticipant"], ...(callerId ? { sourceCallIdNumber: callerId } : {}), ...(displayName ? { sourceDisplayName: displayName } : {}) },
                  service.callbackUrl,
                  { operationContext, ...cognitive, ...streaming },
                )
              : service.client.createGroupCall(targets as CommunicationIdentifier[], service.callbackUrl, {
                  operationContext,
                  ...(callerId ? { sourceCallIdNumber: callerId } : {}),
                  ...(displayName ? { sourceDisplayName: displayName } : {}),
                  ...cognitive,
                  ...streaming,
                }),
          );
        terminal = ["CallConnected", "CreateCallFailed"];
        const remote = rawIds.map(textFromRawId).join(",");
        callFields = { direction: "outbound", to: remote, remoteParty: rawIds.length === 1 ? textFromRawId(rawIds[0]) : undefined, ...(callerText ? { from: callerText } : {}) };
      }

      activity.begin(mode === "connect" ? "acs-create-call.status.connecting" : "acs-create-call.status.ringing");
      let operated;
      try {
        operated = await service.operate({ terminal, track: activity.track }, start);
      } catch (err) {
        activity.end("acs-create-call.status.failed", "red");
        throw new AcsActionError(mode === "connect" ? "connect" : "createCall", err);
      }
      const { outcome, response } = operated;
      if (outcome.kind === "canceled") return;
      if (outcome.kind === "event" && outcome.event.type === "CallConnected") {
        const props = callFromProperties((response as { callConnectionProperties?: unknown } | undefined)?.callConnectionProperties);
        const call = withCall(msg, {
          ...callFields,
          callConnectionId: props.callConnectionId ?? outcome.event.callConnectionId,
          serverCallId: outcome.event.serverCallId ?? props.serverCallId,
          correlationId: outcome.event.correlationId ?? props.correlationId,
        });
        msg.payload = { connected: true, callConnectionId: call.callConnectionId };
        msg.event = eventForMessage(outcome.event);
        activity.end("acs-create-call.status.connected");
        if (call.callConnectionId) activity.sendWhenEnded(service, call.callConnectionId, msg, 2, 3);
        sendOn(send, 0, 3, msg);
        return;
      }
      activity.end("acs-create-call.status.failed", "red");
      const props = callFromProperties((response as { callConnectionProperties?: unknown } | undefined)?.callConnectionProperties);
      withCall(msg, { ...callFields, callConnectionId: props.callConnectionId });
      if (outcome.kind === "event") {
        msg.payload = callFailurePayload(outcome.event);
        msg.event = eventForMessage(outcome.event);
      } else {
        const ended = outcome.kind === "callEnded" ? outcome.event : undefined;
        msg.payload = ended ? callFailurePayload(ended) : { reason: outcome.kind === "timeout" ? "timeout" : "ended" };
        if (ended) msg.event = eventForMessage(ended);
      }
      sendOn(send, 1, 3, msg);
    }

    handleMessages(RED, node, handle, () => activity.close());
  }
  RED.nodes.registerType("acs-create-call", AcsCreateCallNode);
};
