/**
 * acs-event-in: one message per Call Automation or Event Grid event, filtered by type and call.
 * "Calls" scope "all" sees every call; "input" follows only the calls whose messages reach the
 * node's input (until each call ends). Optionally only events no node was waiting for.
 */
import type { AcsService, ObservedEvent } from "../lib/acs-service";
import { callOf } from "../lib/call-message";
import { RecentSet } from "../lib/recent-set";
import { serviceOf, type DoneFn, type NodeMessage, type NodeRedRuntime, type RuntimeNode } from "../lib/node-kit";

interface Def {
  acs?: string;
  eventTypes?: string;
  scope?: "all" | "input";
  callId?: string;
  unclaimedOnly?: boolean;
}

const MAX_FOLLOWED = 10000;

export = function register(RED: NodeRedRuntime): void {
  function AcsEventInNode(this: RuntimeNode, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const types = new Set(
      (def.eventTypes ?? "")
        .split(/[\s,]+/)
        .map((t) => t.trim().replace(/^Microsoft\.Communication\./, ""))
        .filter((t) => t !== ""),
    );
    const scope = def.scope ?? "all";
    const fixedCall = def.callId?.trim() || undefined;
    const followed = new RecentSet(MAX_FOLLOWED);
    let unsubscribe: (() => void) | undefined;
    let service: AcsService | undefined;
    let closed = false;
    let count = 0;

    const onEvent = (event: ObservedEvent) => {
      if (def.unclaimedOnly && event.claimed) return;
      const callId = event.callConnectionId;
      if (scope === "input" && !(callId && followed.has(callId))) return;
      if (fixedCall && callId !== fixedCall && event.serverCallId !== fixedCall) return;
      if (event.type === "CallDisconnected" && callId) followed.delete(callId);
      if (types.size > 0 && !types.has(event.type)) return;
      count += 1;
      node.status({ fill: "green", shape: "dot", text: `${event.type} (${count})` });
      node.send({
        topic: event.type,
        payload: { type: event.type, id: event.id, ...(event.time ? { time: event.time } : {}), ...event.data },
        event: { type: event.type, id: event.id, source: event.source, claimed: event.claimed, ...(event.time ? { time: event.time } : {}), ...event.data },
        call: { callConnectionId: callId, serverCallId: event.serverCallId, correlationId: event.correlationId },
      });
    };

    serviceOf(RED, def.acs)
      .then((ready) => {
        if (closed) return;
        service = ready;
        unsubscribe = ready.onEvent(onEvent);
        node.status({ fill: "green", shape: "ring", text: RED._("acs-event-in.status.listening") });
      })
      .catch((err: Error) => {
        node.status({ fill: "red", shape: "ring", text: RED._("acs-event-in.status.noConnection") });
        node.error(err.message);
      });

    node.on("input", (msg: NodeMessage, _send: unknown, done: DoneFn) => {
      const callId = callOf(msg).callConnectionId;
      if (!callId) {
        done(new Error(RED._("acs-event-in.error.noCall")));
        return;
      }
      // A call that has already ended has no events left to follow.
      if (service?.router.hasEnded(callId)) {
        done();
        return;
      }
      followed.add(callId);
      done();
    });
    node.on("close", (_removed: boolean, done: () => void) => {
      closed = true;
      unsubscribe?.();
      followed.clear();
      node.status({});
      done();
    });
  }
  RED.nodes.registerType("acs-event-in", AcsEventInNode);
};
