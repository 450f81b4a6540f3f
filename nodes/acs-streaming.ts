/**
 * acs-streaming: start or stop media streaming, and start, update (locale, custom speech model)
 * or stop live transcription on a call that was set up for it when it was answered or created.
 * Ports: started / stopped / updated, and failed.
 */
import { AcsActionError } from "../lib/acs-errors";
import { eventForMessage } from "../lib/call-events";
import { callIdOf, evaluateText, FlowError, localizeError, localText, NodeActivity, sendOn, serviceOf, type NodeMessage, type NodeRedRuntime, type RuntimeNode, type SendFn, handleMessages, type CallNodeDef } from "../lib/node-kit";
import { isStreamingAction, STREAMING_ACTIONS, streamingFailure, streamingResult, type StreamingAction } from "../lib/streaming-actions";
import { localeProblem, speechModelIdProblem } from "../lib/streaming-options";

interface Def extends CallNodeDef {
  action?: StreamingAction;
  locale?: string;
  localeType?: string;
  speechModelId?: string;
  speechModelIdType?: string;
}

/** Status while waiting, and after success, by the success port's name. */
const WAITING = { started: "acs-streaming.status.starting", stopped: "acs-streaming.status.stopping", updated: "acs-streaming.status.updating" } as const;
const DONE = { started: "acs-streaming.status.started", stopped: "acs-streaming.status.stopped", updated: "acs-streaming.status.updated" } as const;

export = function register(RED: NodeRedRuntime): void {
  function AcsStreamingNode(this: RuntimeNode, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const action: StreamingAction = isStreamingAction(def.action) ? def.action : "startTranscription";
    const spec = STREAMING_ACTIONS[action];
    const activity = new NodeActivity(node, RED);

    /** The locale and custom speech model a transcription start or update asks for. */
    async function speechOf(msg: NodeMessage): Promise<{ locale?: string; speechModelEndpointId?: string }> {
      if (action !== "startTranscription" && action !== "updateTranscription") return {};
      // A property path that leads nowhere (msg.speech.lang without msg.speech) is "not set", like an empty one.
      const text = (value: string | undefined, type: string | undefined) => evaluateText(RED, node, value, type || "str", msg).catch(() => undefined);
      const locale = await text(def.locale, def.localeType);
      if (!locale && action === "updateTranscription") throw new FlowError(RED._("acs-streaming.error.noLocale"));
      const badLocale = locale ? localeProblem(locale) : undefined;
      if (badLocale) throw new FlowError(localText(RED, badLocale));
      const model = await text(def.speechModelId, def.speechModelIdType);
      const badModel = model ? speechModelIdProblem(model) : undefined;
      if (badModel) throw new FlowError(localText(RED, badModel));
      return { ...(locale ? { locale } : {}), ...(model ? { speechModelEndpointId: model } : {}) };
    }

    async function handle(msg: NodeMessage, send: SendFn): Promise<void> {
      const service = await serviceOf(RED, def.acs);
      const callId = await callIdOf(RED, node, def, msg);
      const asked = await speechOf(msg);
      const media = service.client.getCallConnection(callId).getCallMedia();
      const start = (operationContext: string): Promise<void> => {
        switch (action) {
          case "startMediaStreaming":
            return media.startMediaStreaming({ operationContext });
          case "stopMediaStreaming":
            return media.stopMediaStreaming({ operationContext });
          case "startTranscription":
            return media.startTranscription({ operationContext, locale: asked.locale, speechRecognitionModelEndpointId: asked.speechModelEndpointId });
          case "updateTranscription":
            return media.updateTranscription(asked.locale as string, { operationContext, speechRecognitionModelEndpointId: asked.speechModelEndpointId });
          case "stopTranscription":
            return media.stopTranscription({ operationContext });
        }
      };

      activity.begin(WAITING[spec.port]);
      let operated;
      try {
        operated = await service.operate({ callConnectionId: callId, terminal: [spec.success, spec.failure], track: activity.track }, start);
      } catch (err) {
        activity.end("acs-streaming.status.failed", "red");
        // The action's name is its message id ("start transcription failed: …").
        const error = localizeError(RED, new AcsActionError(action, err));
        // ACS refuses to start what the call was not set up for when it was answered or created.
        // (8500: it is already running; a call that has ended is a CallEndedError, with no status.)
        if (action.startsWith("start") && error.status === 400 && error.code !== "8500") {
          error.message += ` ${RED._(spec.subject === "transcription" ? "acs-streaming.error.transcriptionNotSetUp" : "acs-streaming.error.mediaNotSetUp")}`;
        }
        throw error;
      }
      const { outcome } = operated;
      if (outcome.kind === "callEnded") return activity.end("acs-streaming.status.callEnded", "grey");
      if (outcome.kind === "canceled") return;
      if (outcome.kind === "event" && outcome.event.type === spec.success) {
        msg.payload = streamingResult(action, outcome.event, asked);
        msg.event = eventForMessage(outcome.event);
        activity.end(DONE[spec.port]);
        return sendOn(send, 0, 2, msg);
      }
      activity.end("acs-streaming.status.failed", "red");
      if (outcome.kind === "event") {
        msg.payload = streamingFailure(action, outcome.event, asked);
        msg.event = eventForMessage(outcome.event);
      } else {
        msg.payload = streamingFailure(action, undefined, asked);
        delete msg.event;
      }
      sendOn(send, 1, 2, msg);
    }

    handleMessages(RED, node, handle, () => activity.close());
  }
  RED.nodes.registerType("acs-streaming", AcsStreamingNode);
};
