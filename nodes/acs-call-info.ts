/**
 * acs-call-info: the call's properties (ids, state, source, targets, answeredBy, media streaming
 * and transcription state) and/or its participants, in msg.payload, for a Switch or a prompt.
 * Port: info. An unknown or ended call is an error for Catch nodes.
 */
import { AcsActionError } from "../lib/acs-errors";
import { callPropertiesOf, participantsOf, type CallProperties, type ParticipantInfo } from "../lib/call-info";
import { callIdOf, handleMessages, serviceOf, type CallNodeDef, type NodeMessage, type NodeRedRuntime, type RuntimeNode, type SendFn } from "../lib/node-kit";
import { countedStatus, statusKey } from "../lib/status-text";

type Query = "all" | "call" | "participants";

interface Def extends CallNodeDef {
  query?: Query;
}

export = function register(RED: NodeRedRuntime): void {
  function AcsCallInfoNode(this: RuntimeNode, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const query: Query = def.query === "call" || def.query === "participants" ? def.query : "all";

    async function handle(msg: NodeMessage, send: SendFn): Promise<void> {
      const service = await serviceOf(RED, def.acs);
      const callId = await callIdOf(RED, node, def, msg);
      const connection = service.client.getCallConnection(callId);
      let properties: CallProperties | undefined;
      let participants: ParticipantInfo[] | undefined;
      try {
        const [props, listed] = await service.request(callId, () =>
          Promise.all([
            query === "participants" ? undefined : connection.getCallConnectionProperties(),
            query === "call" ? undefined : connection.listParticipants(),
          ]),
        );
        if (props) properties = callPropertiesOf(props);
        if (listed) participants = participantsOf(listed.values);
      } catch (err) {
        node.status({ fill: "red", shape: "ring", text: statusKey("acs-call-info.status.failed") });
        throw new AcsActionError("callInfo", err);
      }
      if (query === "participants") msg.payload = participants;
      else if (query === "call") msg.payload = properties;
      else msg.payload = { ...properties, participants };
      const state = properties?.state;
      const count = participants?.length;
      node.status({
        fill: "green",
        shape: "dot",
        // The call state is an ACS word ("connected"), shown as it is; the count the editor translates.
        text: [state, count === undefined ? undefined : countedStatus("acs-call-info.status.participants", count)].filter((t) => t).join(" · "),
      });
      send(msg);
    }

    handleMessages(RED, node, handle, () => node.status({}));
  }
  RED.nodes.registerType("acs-call-info", AcsCallInfoNode);
};
