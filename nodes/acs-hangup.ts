/**
 * acs-hangup: leave the call, or end it for everyone. Port: done. A call that has already ended
 * is not an error (msg.payload.alreadyEnded is true).
 */
import { AcsActionError, isCallGone } from "../lib/acs-errors";
import { callIdOf, serviceOf, type NodeMessage, type NodeRedRuntime, type RuntimeNode, type SendFn, handleMessages, type CallNodeDef } from "../lib/node-kit";
import { statusKey } from "../lib/status-text";

interface Def extends CallNodeDef {
  forEveryone?: boolean;
}

export = function register(RED: NodeRedRuntime): void {
  function AcsHangupNode(this: RuntimeNode, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const forEveryone = Boolean(def.forEveryone);

    async function handle(msg: NodeMessage, send: SendFn): Promise<void> {
      const service = await serviceOf(RED, def.acs);
      const callId = await callIdOf(RED, node, def, msg);
      let alreadyEnded = false;
      try {
        await service.client.getCallConnection(callId).hangUp(forEveryone);
      } catch (err) {
        if (!isCallGone(err)) throw new AcsActionError("hangUp", err);
        alreadyEnded = true;
      }
      msg.payload = { hungUp: true, forEveryone, ...(alreadyEnded ? { alreadyEnded: true } : {}) };
      node.status({ fill: "green", shape: "dot", text: statusKey(forEveryone ? "acs-hangup.status.ended" : "acs-hangup.status.left") });
      send(msg);
    }

    handleMessages(RED, node, handle, () => node.status({}));
  }
  RED.nodes.registerType("acs-hangup", AcsHangupNode);
};
