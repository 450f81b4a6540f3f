/** acs-incoming-call: one message per IncomingCall (from Event Grid) that passes the filters. */
import type { IncomingCall } from "../lib/acs-service";
import { listenOnConnection, traceSent, type NodeMessage, type NodeRedRuntime, type RuntimeNode } from "../lib/node-kit";
import { countedStatus, statusKey } from "../lib/status-text";
import { partyFilter } from "../lib/party-filter";

interface Def {
  acs?: string;
  to?: string;
  from?: string;
}

export = function register(RED: NodeRedRuntime): void {
  function AcsIncomingCallNode(this: RuntimeNode, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const toMatches = partyFilter(def.to);
    const fromMatches = partyFilter(def.from);
    let count = 0;

    const onCall = (call: IncomingCall) => {
      if (!toMatches(call.to) || !fromMatches(call.from)) return;
      count += 1;
      node.status({ fill: "green", shape: "dot", text: countedStatus("acs-incoming-call.status.calls", count) });
      const msg: NodeMessage = {
        payload: { from: call.from, to: call.to },
        call: {
          direction: "inbound",
          from: call.from,
          to: call.to,
          remoteParty: call.from,
          incomingCallContext: call.incomingCallContext,
          serverCallId: call.serverCallId,
          correlationId: call.correlationId,
          ...(call.callerDisplayName ? { callerDisplayName: call.callerDisplayName } : {}),
          sipHeaders: call.sipHeaders,
          voipHeaders: call.voipHeaders,
          ...(call.onBehalfOf ? { onBehalfOf: call.onBehalfOf } : {}),
        },
        event: { type: "IncomingCall", id: call.eventId, ...call.data },
      };
      // This flow takes the call: it enters the call trace, with this node as its first step.
      if (connection.service?.trace?.adopt(call.serverCallId ?? call.incomingCallContext)) traceSent(node, msg, true);
      node.send(msg);
    };

    node.status({ fill: "grey", shape: "ring", text: statusKey("acs-incoming-call.status.connecting") });
    const connection = listenOnConnection(RED, node, def.acs, (service) => service.onIncomingCall(onCall));

    node.on("close", (_removed: boolean, done: () => void) => {
      connection.close();
      node.status({});
      done();
    });
  }
  RED.nodes.registerType("acs-incoming-call", AcsIncomingCallNode);
};
