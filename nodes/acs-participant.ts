/**
 * acs-participant: one participant action on a call, chosen by `action`.
 * - add: invite a phone number (with a caller id), an ACS user or a Teams user. Ports: added,
 *   failed (declined, busy, noAnswer, canceled…), invited (at once, with msg.invitation, so a
 *   flow can cancel the invitation while it rings).
 * - cancelAdd: cancel a pending invitation (msg.invitation.invitationId). Ports: canceled, failed.
 *   The add node whose invitation is cancelled sends from its "failed" port (reason "canceled").
 * - remove: take a participant out of the call. Ports: removed, failed.
 * - mute: mute a participant (ACS answers at once). Port: done.
 * - get / list: one participant, or all of them, in msg.payload. Port: participant / participants.
 */
import type { CallConnection } from "@azure/communication-call-automation";
import { createIdentifierFromRawId } from "@azure/communication-common";
import { toCustomCallingContext } from "../lib/acs-client";
import { AcsActionError } from "../lib/acs-errors";
import type { ActionId } from "../lib/lib-text";
import type { AcsService } from "../lib/acs-service";
import { participantInfoOf, participantsOf } from "../lib/call-info";
import { eventForMessage, type CallEvent } from "../lib/call-events";
import type { Operation } from "../lib/event-router";
import { rawIdFromText, textFromRawId } from "../lib/identifiers";
import { addParticipantWaitMs, cancelsInvitation, readInvitationTimeout } from "../lib/invitation";
import {
  callerAndHeadersOf,
  callIdOf,
  evaluateText,
  FlowError,
  handleMessages,
  NodeActivity,
  sendOn,
  serviceOf,
  type CallerAndHeadersDef,
  type CallNodeDef,
  type NodeMessage,
  type NodeRedRuntime,
  type RuntimeNode,
  type SendFn,
  errorText,
} from "../lib/node-kit";
import { callFailurePayload, failurePayload } from "../lib/outcomes";
import { isMissingParty } from "../lib/party-not-found";
import { countedStatus, statusKey } from "../lib/status-text";

type Action = "add" | "cancelAdd" | "remove" | "mute" | "get" | "list";

/** The ports of each action, in order (the editor has the same table). */
const PORTS: Record<Action, string[]> = {
  add: ["added", "failed", "invited"],
  cancelAdd: ["canceled", "failed"],
  remove: ["removed", "failed"],
  mute: ["done"],
  get: ["participant"],
  list: ["participants"],
};

interface Def extends CallNodeDef, CallerAndHeadersDef {
  action?: Action;
  participant?: string;
  participantType?: string;
  displayName?: string;
  invitationTimeout?: string | number;
  invitationId?: string;
  invitationIdType?: string;
}

export = function register(RED: NodeRedRuntime): void {
  function AcsParticipantNode(this: RuntimeNode, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const action: Action = def.action && Object.hasOwn(PORTS, def.action) ? def.action : "add";
    const outputs = PORTS[action].length;
    const activity = new NodeActivity(node, RED);

    /** The participant the node is set to act on, as a raw id and as text. */
    async function participantOf(msg: NodeMessage): Promise<{ rawId: string; text: string }> {
      const text = await evaluateText(RED, node, def.participant, def.participantType || "str", msg);
      const rawId = text ? rawIdFromText(text) : undefined;
      if (!rawId) throw new FlowError(RED._(text ? "acs-participant.error.badParticipant" : "acs-participant.error.noParticipant", { participant: text ?? "" }));
      return { rawId, text: textFromRawId(rawId) };
    }

    /**
     * A request ACS answers at once (mute, get, list): a party ACS does not know is a clear
     * FlowError; a call that has ended, and any other refusal, an AcsActionError.
     */
    async function ask<T>(what: ActionId, service: AcsService, callId: string, party: string | undefined, request: () => Promise<T>): Promise<T> {
      try {
        return await service.request(callId, request);
      } catch (err) {
        if (party !== undefined && isMissingParty(err)) throw new FlowError(RED._("acs-participant.error.notInCall", { participant: party }));
        throw new AcsActionError(what, err);
      }
    }

    async function add(msg: NodeMessage, send: SendFn, service: AcsService, callId: string, connection: CallConnection): Promise<void> {
      const target = await participantOf(msg);
      const { callerId, headers } = await callerAndHeadersOf(RED, node, def, msg, "acs-participant.error.badCallerId");
      let invitationTimeout: number | undefined;
      try {
        invitationTimeout = readInvitationTimeout(def.invitationTimeout);
      } catch (err) {
        throw new FlowError(errorText(RED, err));
      }
      const displayName = def.displayName?.trim() || undefined;

      // The invitation is cancelled by another node (cancelAdd): its CancelAddParticipantSucceeded
      // carries the invitation id, not this wait's operationContext, so the node watches the call
      // for it and ends its own wait. ACS may also send AddParticipantFailed; whichever comes first wins.
      let operation: Operation<CallEvent> | undefined;
      let canceledBy: CallEvent | undefined;
      let stopWatching: (() => void) | undefined;
      const track = {
        add: (op: Operation<CallEvent>) => {
          operation = op;
          activity.track.add(op);
        },
        delete: (op: Operation<CallEvent>) => activity.track.delete(op),
      };

      let invitation: { invitationId: string; participant: string } | undefined;
      activity.begin("acs-participant.status.adding");
      let operated;
      try {
        operated = await service.operate(
          { callConnectionId: callId, terminal: ["AddParticipantSucceeded", "AddParticipantFailed"], timeoutMs: addParticipantWaitMs(service.operationTimeoutMs, invitationTimeout), track },
          async (operationContext) => {
            const result = await connection.addParticipant(
              {
                targetParticipant: createIdentifierFromRawId(target.rawId) as never,
                ...(callerId ? { sourceCallIdNumber: callerId } : {}),
                ...(displayName ? { sourceDisplayName: displayName } : {}),
                ...(headers ? { customCallingContext: toCustomCallingContext(headers) } : {}),
              },
              { operationContext, ...(invitationTimeout !== undefined ? { invitationTimeoutInSeconds: invitationTimeout } : {}) },
            );
            if (result.invitationId) {
              const invitationId = result.invitationId;
              invitation = { invitationId, participant: target.text };
              stopWatching = service.router.watchCall(callId, (event) => {
                if (!cancelsInvitation(event, invitationId)) return;
                canceledBy = event;
                operation?.cancel();
              });
              const invited = RED.util.cloneMessage(msg);
              invited.invitation = { ...invitation };
              invited.payload = { invited: true, ...invitation };
              sendOn(send, 2, outputs, invited);
            }
            return result;
          },
        );
      } catch (err) {
        activity.end("acs-participant.status.failed", "red");
        throw new AcsActionError("addParticipant", err);
      } finally {
        stopWatching?.();
      }
      const { outcome } = operated;
      if (invitation) msg.invitation = { ...invitation };
      if (outcome.kind === "callEnded") return activity.end("acs-participant.status.callEnded", "grey");
      if (outcome.kind === "canceled" && !canceledBy) return; // the node closed
      if (outcome.kind === "event" && outcome.event.type === "AddParticipantSucceeded") {
        msg.payload = { added: true, participant: target.text };
        msg.event = eventForMessage(outcome.event);
        activity.end("acs-participant.status.added");
        return sendOn(send, 0, outputs, msg);
      }
      if (canceledBy) {
        msg.payload = { reason: "canceled", participant: target.text };
        msg.event = eventForMessage(canceledBy);
        activity.end("acs-participant.status.canceled", "grey");
      } else if (outcome.kind === "event") {
        msg.payload = { ...callFailurePayload(outcome.event), participant: target.text };
        msg.event = eventForMessage(outcome.event);
        activity.end("acs-participant.status.failed", "red");
      } else {
        msg.payload = { reason: "timeout", participant: target.text };
        activity.end("acs-participant.status.failed", "red");
      }
      sendOn(send, 1, outputs, msg);
    }

    async function cancelAdd(msg: NodeMessage, send: SendFn, service: AcsService, callId: string, connection: CallConnection): Promise<void> {
      const value = def.invitationIdType ? def.invitationId : "invitation.invitationId";
      const invitationId = await evaluateText(RED, node, value, def.invitationIdType || "msg", msg).catch(() => undefined);
      if (!invitationId) throw new FlowError(RED._("acs-participant.error.noInvitation"));
      activity.begin("acs-participant.status.canceling");
      let operated;
      try {
        operated = await service.operate(
          { callConnectionId: callId, terminal: ["CancelAddParticipantSucceeded", "CancelAddParticipantFailed"], track: activity.track },
          (operationContext) => connection.cancelAddParticipantOperation(invitationId, { operationContext }),
        );
      } catch (err) {
        // Not found in a call that goes on: answered, declined, timed out or already cancelled,
        // too late to cancel, which is not a flow error.
        if (!isMissingParty(err)) {
          activity.end("acs-participant.status.failed", "red");
          throw new AcsActionError("cancelAddParticipant", err);
        }
        msg.payload = { reason: "notPending", invitationId, message: errorText(RED, new AcsActionError("cancelAddParticipant", err)) };
        delete msg.event;
        activity.end("acs-participant.status.notPending", "grey");
        return sendOn(send, 1, outputs, msg);
      }
      const { outcome } = operated;
      if (outcome.kind === "callEnded") return activity.end("acs-participant.status.callEnded", "grey");
      if (outcome.kind === "canceled") return;
      if (outcome.kind === "event" && outcome.event.type === "CancelAddParticipantSucceeded") {
        msg.payload = { canceled: true, invitationId };
        msg.event = eventForMessage(outcome.event);
        activity.end("acs-participant.status.canceled");
        return sendOn(send, 0, outputs, msg);
      }
      msg.payload = outcome.kind === "event" ? { ...failurePayload("failed", outcome.event), invitationId } : { reason: "timeout", invitationId };
      if (outcome.kind === "event") msg.event = eventForMessage(outcome.event);
      activity.end("acs-participant.status.failed", "red");
      sendOn(send, 1, outputs, msg);
    }

    async function remove(msg: NodeMessage, send: SendFn, service: AcsService, callId: string, connection: CallConnection): Promise<void> {
      const target = await participantOf(msg);
      activity.begin("acs-participant.status.removing");
      let operated;
      try {
        operated = await service.operate(
          { callConnectionId: callId, terminal: ["RemoveParticipantSucceeded", "RemoveParticipantFailed"], track: activity.track },
          (operationContext) => connection.removeParticipant(createIdentifierFromRawId(target.rawId), { operationContext }),
        );
      } catch (err) {
        activity.end("acs-participant.status.failed", "red");
        if (isMissingParty(err)) throw new FlowError(RED._("acs-participant.error.notInCall", { participant: target.text }));
        throw new AcsActionError("removeParticipant", err);
      }
      const { outcome } = operated;
      if (outcome.kind === "callEnded") return activity.end("acs-participant.status.callEnded", "grey");
      if (outcome.kind === "canceled") return;
      if (outcome.kind === "event" && outcome.event.type === "RemoveParticipantSucceeded") {
        msg.payload = { removed: true, participant: target.text };
        msg.event = eventForMessage(outcome.event);
        activity.end("acs-participant.status.removed");
        return sendOn(send, 0, outputs, msg);
      }
      msg.payload = outcome.kind === "event" ? { ...failurePayload("failed", outcome.event), participant: target.text } : { reason: "timeout", participant: target.text };
      if (outcome.kind === "event") msg.event = eventForMessage(outcome.event);
      activity.end("acs-participant.status.failed", "red");
      sendOn(send, 1, outputs, msg);
    }

    async function handle(msg: NodeMessage, send: SendFn): Promise<void> {
      const service = await serviceOf(RED, def.acs);
      const callId = await callIdOf(RED, node, def, msg);
      const connection = service.client.getCallConnection(callId);
      switch (action) {
        case "add":
          return add(msg, send, service, callId, connection);
        case "cancelAdd":
          return cancelAdd(msg, send, service, callId, connection);
        case "remove":
          return remove(msg, send, service, callId, connection);
        case "mute": {
          const target = await participantOf(msg);
          await ask("muteParticipant", service, callId, target.text, () => connection.muteParticipant(createIdentifierFromRawId(target.rawId)));
          msg.payload = { muted: true, participant: target.text };
          node.status({ fill: "green", shape: "dot", text: statusKey("acs-participant.status.muted") });
          return send(msg);
        }
        case "get": {
          const target = await participantOf(msg);
          const found = await ask("getParticipant", service, callId, target.text, () => connection.getParticipant(createIdentifierFromRawId(target.rawId)));
          const info = participantInfoOf(found);
          if (!info) throw new FlowError(RED._("acs-participant.error.notInCall", { participant: target.text }));
          msg.payload = info;
          node.status({ fill: "green", shape: "dot", text: info.participant });
          return send(msg);
        }
        case "list": {
          const listed = await ask("listParticipants", service, callId, undefined, () => connection.listParticipants());
          const participants = participantsOf(listed.values);
          msg.payload = participants;
          node.status({ fill: "green", shape: "dot", text: countedStatus("acs-participant.status.listed", participants.length) });
          return send(msg);
        }
      }
    }

    handleMessages(RED, node, handle, () => activity.close());
  }
  RED.nodes.registerType("acs-participant", AcsParticipantNode);
};
