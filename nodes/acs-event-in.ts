/**
 * acs-event-in: one message per Call Automation or Event Grid event, filtered by type and call.
 * "Calls" scope "all" sees every call; "input" follows only the calls whose messages reach the
 * node's input (until each call ends; their recordings' file-ready events, which come after the
 * end, too). Optionally only events no node was waiting for. A recording's file-ready event gives
 * its chunks, start, duration and call in msg.payload (and msg.recording).
 */
import type { ObservedEvent } from "../lib/acs-service";
import { callOf } from "../lib/call-message";
import { RECORDING_FILE_EVENT, recordingFileOf } from "../lib/recording-file";
import { RecentSet } from "../lib/recent-set";
import { listenOnConnection, type DoneFn, type NodeMessage, type NodeRedRuntime, type RuntimeNode } from "../lib/node-kit";

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
    // Server calls of followed calls: kept after the call ends (bounded), for Event Grid events
    // such as a recording's file-ready, which name only the server call and come after the end.
    const followedServerCalls = new RecentSet(MAX_FOLLOWED);
    let count = 0;

    const onEvent = (event: ObservedEvent) => {
      if (def.unclaimedOnly && event.claimed) return;
      const callId = event.callConnectionId;
      if (scope === "input" && !(callId ? followed.has(callId) : !!event.serverCallId && followedServerCalls.has(event.serverCallId))) return;
      if (fixedCall && callId !== fixedCall && event.serverCallId !== fixedCall) return;
      if (event.type === "CallDisconnected" && callId) followed.delete(callId);
      if (types.size > 0 && !types.has(event.type)) return;
      count += 1;
      node.status({ fill: "green", shape: "dot", text: `${event.type} (${count})` });
      const head = { type: event.type, id: event.id, ...(event.time ? { time: event.time } : {}) };
      const file = event.type === RECORDING_FILE_EVENT ? recordingFileOf(event.data, event.subject) : undefined;
      node.send({
        topic: event.type,
        payload: file ? { ...head, ...file } : { ...head, ...event.data },
        event: { type: event.type, id: event.id, source: event.source, claimed: event.claimed, ...(event.time ? { time: event.time } : {}), ...(event.subject ? { subject: event.subject } : {}), ...event.data },
        call: { callConnectionId: callId, serverCallId: event.serverCallId, correlationId: event.correlationId },
        ...(file ? { recording: file } : {}),
      });
    };

    const connection = listenOnConnection(RED, node, def.acs, (service) => service.onEvent(onEvent));

    node.on("input", (msg: NodeMessage, _send: unknown, done: DoneFn) => {
      const { callConnectionId: callId, serverCallId } = callOf(msg);
      if (!callId) {
        done(new Error(RED._("acs-event-in.error.noCall")));
        return;
      }
      // Its recordings' files are ready after the call ends: follow its server call even then.
      if (serverCallId) followedServerCalls.add(serverCallId);
      // A call that has already ended has no events left to follow.
      if (connection.service?.router.hasEnded(callId)) {
        done();
        return;
      }
      followed.add(callId);
      done();
    });
    node.on("close", (_removed: boolean, done: () => void) => {
      connection.close();
      followed.clear();
      followedServerCalls.clear();
      node.status({});
      done();
    });
  }
  RED.nodes.registerType("acs-event-in", AcsEventInNode);
};
