/**
 * acs-recording: record a call and handle its files. Actions: start (ports: done, failed), and
 * pause, resume, stop, state, download, delete (port: done). Start waits for ACS's verdict on
 * the new recording (RecordingStateChanged, or StartRecordingFailed); the other actions finish
 * with ACS's answer to the request. ACS refusing a request (unknown recording, a recording that
 * has stopped, a call that has ended) and a download that cannot be fetched or saved are errors
 * for Catch nodes. The file-ready event (RecordingFileStatusUpdated) reaches event-in nodes.
 */
import type { CallRecording, StartRecordingOptions } from "@azure/communication-call-automation";
import { createIdentifierFromRawId } from "@azure/communication-common";
import type { AcsService } from "../lib/acs-service";
import { AcsActionError, CallEndedError, isCallGone } from "../lib/acs-errors";
import { eventForMessage, type CallEvent } from "../lib/call-events";
import { callOf } from "../lib/call-message";
import { failurePayload } from "../lib/outcomes";
import {
  checkRecordingSettings,
  formatProblem,
  readChannelAffinity,
  type RecordingChannelKind,
  type RecordingContentKind,
  type RecordingFormatKind,
  type RecordingSettings,
} from "../lib/recording-options";
import { exists, FileExistsError, readAll, recordingUrlProblem, resolveDownloadPath, saveStream, storageFailure } from "../lib/recording-storage";
import { RecordingStartWatch, type WatchedEvent } from "../lib/recording-watch";
import {
  callIdOf,
  describeProperty,
  evaluate,
  evaluateText,
  FlowError,
  handleMessages,
  NodeActivity,
  sendOn,
  serviceOf,
  type CallNodeDef,
  type NodeMessage,
  type NodeRedRuntime,
  type RuntimeNode,
  type SendFn,
  errorText,
  localText,
} from "../lib/node-kit";
import { statusKey } from "../lib/status-text";

type Action = "start" | "pause" | "resume" | "stop" | "state" | "download" | "delete";

interface Def extends CallNodeDef {
  action?: Action;
  content?: RecordingContentKind;
  channel?: RecordingChannelKind;
  format?: RecordingFormatKind;
  pauseOnStart?: boolean;
  channelAffinity?: string;
  channelAffinityType?: string;
  recordingId?: string;
  recordingIdType?: string;
  location?: string;
  locationType?: string;
  saveTo?: "file" | "buffer";
  path?: string;
  pathType?: string;
  overwrite?: boolean;
  deleteLocation?: string;
  deleteLocationType?: string;
}

/** Where each input is read from unless the node says otherwise. */
const DEFAULT_RECORDING_ID = "recording.recordingId";
const DEFAULT_CONTENT_LOCATION = "payload.chunks[0].contentLocation";
const DEFAULT_DELETE_LOCATION = "payload.chunks[0].deleteLocation";

/** What msg.recording carries from node to node. */
interface RecordingInfo {
  recordingId: string;
  state?: string;
  [key: string]: unknown;
}

export = function register(RED: NodeRedRuntime): void {
  function AcsRecordingNode(this: RuntimeNode, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const action: Action = def.action ?? "start";
    const outputs = action === "start" ? 2 : 1;
    const activity = new NodeActivity(node, RED);
    const watches = new Set<RecordingStartWatch>();
    const content = def.content || "audio";
    const channel = def.channel || "mixed";
    const format = def.format || (content === "audioVideo" ? "mp4" : "wav");

    // A content / channel / format combination ACS does not record is reported at deploy and on each message.
    const settingsProblem = action === "start" ? formatProblem(content, channel, format) : undefined;
    if (settingsProblem) {
      node.status({ fill: "red", shape: "ring", text: statusKey("acs-recording.status.badSettings") });
      node.error(RED._("acs-recording.error.badSettings", { reason: localText(RED, settingsProblem) }));
    }

    /** Evaluate a TypedInput that defaults to a msg property; a lookup that throws counts as unset. */
    function textFrom(value: string | undefined, type: string | undefined, fallback: string, msg: NodeMessage): Promise<string | undefined> {
      const v = type ? value : fallback;
      return evaluateText(RED, node, v, type || "msg", msg).catch(() => undefined);
    }

    async function recordingIdOf(msg: NodeMessage): Promise<string> {
      const id = await textFrom(def.recordingId, def.recordingIdType, DEFAULT_RECORDING_ID, msg);
      if (!id) {
        const where = describeProperty(RED, def.recordingIdType ? def.recordingId : DEFAULT_RECORDING_ID, def.recordingIdType || "msg");
        throw new FlowError(RED._("acs-recording.error.noRecordingId", { where }));
      }
      return id;
    }

    /** A storage location from the node's setting or its default, checked as the SDK would. */
    async function locationOf(msg: NodeMessage, value: string | undefined, type: string | undefined, fallback: string): Promise<string> {
      const location = await textFrom(value, type, fallback, msg);
      if (!location) throw new FlowError(RED._("acs-recording.error.noLocation", { where: describeProperty(RED, type ? value : fallback, type || "msg") }));
      const problem = recordingUrlProblem(location);
      if (problem) throw new FlowError(RED._("acs-recording.error.badLocation", { location: location.slice(0, 200), reason: localText(RED, problem) }));
      return location;
    }

    /** Update msg.recording (or start it) with what this node learnt about the recording. */
    function noteRecording(msg: NodeMessage, fields: RecordingInfo): void {
      const current = msg.recording as RecordingInfo | undefined;
      const same = typeof current === "object" && current !== null && current.recordingId === fields.recordingId;
      msg.recording = same ? { ...current, ...fields } : { ...fields };
    }

    /** The call to record: msg.call (by server call id, else by call connection id), or the configured call id. */
    async function recordedCallOf(msg: NodeMessage): Promise<{ serverCallId?: string; callConnectionId?: string }> {
      // The editor stores the default source (msg.call.callConnectionId) explicitly.
      const configured = def.callIdType && !(def.callIdType === "msg" && def.callId === "call.callConnectionId");
      if (configured) return { callConnectionId: await callIdOf(RED, node, def, msg) };
      const call = callOf(msg);
      const serverCallId = typeof call.serverCallId === "string" && call.serverCallId.trim() !== "" ? call.serverCallId.trim() : undefined;
      if (serverCallId) return { serverCallId, ...(call.callConnectionId ? { callConnectionId: call.callConnectionId } : {}) };
      return { callConnectionId: await callIdOf(RED, node, def, msg) };
    }

    async function start(service: AcsService, msg: NodeMessage, send: SendFn): Promise<void> {
      if (settingsProblem) throw new FlowError(RED._("acs-recording.error.badSettings", { reason: localText(RED, settingsProblem) }));
      let settings: RecordingSettings;
      try {
        const affinity = readChannelAffinity(await evaluate(RED, node, def.channelAffinity, def.channelAffinityType || "json", msg));
        settings = checkRecordingSettings({ content, channel, format, pauseOnStart: Boolean(def.pauseOnStart), channelAffinity: affinity });
      } catch (err) {
        throw new FlowError(RED._("acs-recording.error.badSettings", { reason: errorText(RED, err) }));
      }
      const call = await recordedCallOf(msg);
      if (call.callConnectionId && service.router.hasEnded(call.callConnectionId)) {
        throw new AcsActionError("startRecording", new CallEndedError(call.callConnectionId));
      }
      const options: StartRecordingOptions = {
        ...(call.serverCallId ? { callLocator: { id: call.serverCallId, kind: "serverCallLocator" as const } } : { callConnectionId: call.callConnectionId }),
        // The state events come to this connection's callback URL, whichever way the call is named.
        recordingStateCallbackEndpointUrl: service.callbackUrl,
        recordingContent: settings.content,
        recordingChannel: settings.channel,
        recordingFormat: settings.format,
        pauseOnStart: settings.pauseOnStart,
        ...(settings.channelAffinity
          ? {
              channelAffinity: settings.channelAffinity.map((a) => ({
                ...(a.channel !== undefined ? { channel: a.channel } : {}),
                targetParticipant: createIdentifierFromRawId(a.participant),
              })),
            }
          : {}),
      };

      // Listen before asking: the verdict may come before the answer.
      const watch = new RecordingStartWatch((listener) => service.onEvent(listener), call);
      watches.add(watch);
      activity.begin("acs-recording.status.starting");
      try {
        let started;
        try {
          started = await recording(service).start(options);
        } catch (err) {
          watch.cancel();
          activity.end("acs-recording.status.failed", "red");
          if (call.callConnectionId && isCallGone(err)) throw new AcsActionError("startRecording", new CallEndedError(call.callConnectionId));
          throw new AcsActionError("startRecording", err);
        }
        const outcome = await watch.outcome(started.recordingId, service.operationTimeoutMs, settings.pauseOnStart ? "inactive" : "active");
        const fromEvent = "event" in outcome && outcome.event ? outcome.event.data.recordingId : undefined;
        const recordingId = started.recordingId || (typeof fromEvent === "string" ? fromEvent : "");
        if (outcome.kind === "canceled") return;
        if (outcome.kind === "callEnded") return activity.end("acs-recording.status.callEnded", "grey");
        if (outcome.kind === "started") {
          const state = outcome.state || started.recordingState;
          const kind = started.recordingKind ? { kind: started.recordingKind } : {};
          msg.payload = { recordingId, state, ...kind };
          noteRecording(msg, {
            recordingId,
            state,
            ...kind,
            ...call,
            content: settings.content,
            channel: settings.channel,
            format: settings.format,
            pauseOnStart: settings.pauseOnStart,
          });
          msg.event = eventOf(outcome.event);
          activity.end(state === "active" ? "acs-recording.status.recording" : "acs-recording.status.paused");
          return sendOn(send, 0, outputs, msg);
        }
        activity.end("acs-recording.status.failed", "red");
        if (outcome.kind === "timeout") {
          msg.payload = { reason: "timeout", recordingId };
        } else {
          msg.payload = { ...failurePayload("failed", outcome.event as CallEvent), recordingId };
          msg.event = eventOf(outcome.event);
        }
        sendOn(send, 1, outputs, msg);
      } finally {
        watches.delete(watch);
      }
    }

    /** pause / resume / stop: ACS's answer (202 / 204) is the outcome. */
    async function change(service: AcsService, msg: NodeMessage, send: SendFn, verb: "pause" | "resume" | "stop"): Promise<void> {
      const recordingId = await recordingIdOf(msg);
      const callId = callOf(msg).callConnectionId;
      if (callId && service.router.hasEnded(callId)) throw new AcsActionError(`${verb}Recording`, new CallEndedError(callId));
      const rec = recording(service);
      try {
        if (verb === "pause") await rec.pause(recordingId);
        else if (verb === "resume") await rec.resume(recordingId);
        else await rec.stop(recordingId);
      } catch (err) {
        node.status({ fill: "red", shape: "ring", text: statusKey("acs-recording.status.failed") });
        throw new AcsActionError(`${verb}Recording`, err);
      }
      const state = verb === "resume" ? "active" : "inactive";
      msg.payload = { recordingId, state, ...(verb === "stop" ? { stopped: true } : {}) };
      noteRecording(msg, { recordingId, state, ...(verb === "stop" ? { stopped: true } : {}) });
      const doneKey = verb === "stop" ? "acs-recording.status.stopped" : verb === "pause" ? "acs-recording.status.paused" : "acs-recording.status.recording";
      node.status({ fill: "green", shape: "dot", text: statusKey(doneKey) });
      sendOn(send, 0, outputs, msg);
    }

    async function state(service: AcsService, msg: NodeMessage, send: SendFn): Promise<void> {
      const recordingId = await recordingIdOf(msg);
      let result;
      try {
        result = await recording(service).getState(recordingId);
      } catch (err) {
        node.status({ fill: "red", shape: "ring", text: statusKey("acs-recording.status.failed") });
        throw new AcsActionError("getRecordingState", err);
      }
      msg.payload = { recordingId, state: result.recordingState, ...(result.recordingKind ? { kind: result.recordingKind } : {}) };
      noteRecording(msg, { recordingId, state: result.recordingState });
      // ACS says "active" or "inactive" (paused): show it in the editor's words.
      node.status({ fill: "green", shape: "dot", text: statusKey(result.recordingState === "active" ? "acs-recording.status.recording" : "acs-recording.status.paused") });
      sendOn(send, 0, outputs, msg);
    }

    async function download(service: AcsService, msg: NodeMessage, send: SendFn): Promise<void> {
      const location = await locationOf(msg, def.location, def.locationType, DEFAULT_CONTENT_LOCATION);
      let path: string | undefined;
      if (def.saveTo !== "buffer") {
        const given = await evaluateText(RED, node, def.path, def.pathType || "str", msg);
        if (!given) throw new FlowError(RED._("acs-recording.error.noPath"));
        path = resolveDownloadPath(given, typeof RED.settings.userDir === "string" ? RED.settings.userDir : undefined);
        // Refuse before downloading; the write itself refuses too (a file may appear meanwhile).
        if (!def.overwrite && (await exists(path))) throw new FlowError(RED._("acs-recording.error.fileExists", { path }));
      }
      activity.begin("acs-recording.status.downloading");
      try {
        let stream: NodeJS.ReadableStream;
        try {
          stream = await recording(service).downloadStreaming(location);
        } catch (err) {
          throw new AcsActionError("downloadRecording", storageFailure(err));
        }
        if (path === undefined) {
          try {
            msg.payload = await readAll(stream);
          } catch (err) {
            throw new AcsActionError("downloadRecording", err);
          }
        } else {
          let bytes: number;
          try {
            bytes = await saveStream(stream, path, Boolean(def.overwrite));
          } catch (err) {
            if (err instanceof FileExistsError) throw new FlowError(RED._("acs-recording.error.fileExists", { path }));
            throw new FlowError(RED._("acs-recording.error.cannotWrite", { path, reason: errorText(RED, err) }));
          }
          msg.payload = { path, bytes, location };
          msg.filename = path;
        }
      } catch (err) {
        activity.end("acs-recording.status.failed", "red");
        throw err;
      }
      activity.end("acs-recording.status.downloaded");
      sendOn(send, 0, outputs, msg);
    }

    async function remove(service: AcsService, msg: NodeMessage, send: SendFn): Promise<void> {
      const location = await locationOf(msg, def.deleteLocation, def.deleteLocationType, DEFAULT_DELETE_LOCATION);
      try {
        await recording(service).delete(location);
      } catch (err) {
        node.status({ fill: "red", shape: "ring", text: statusKey("acs-recording.status.failed") });
        throw new AcsActionError("deleteRecording", storageFailure(err));
      }
      msg.payload = { deleted: true, location };
      node.status({ fill: "green", shape: "dot", text: statusKey("acs-recording.status.deleted") });
      sendOn(send, 0, outputs, msg);
    }

    async function handle(msg: NodeMessage, send: SendFn): Promise<void> {
      const service = await serviceOf(RED, def.acs);
      switch (action) {
        case "start":
          return start(service, msg, send);
        case "pause":
        case "resume":
        case "stop":
          return change(service, msg, send, action);
        case "state":
          return state(service, msg, send);
        case "download":
          return download(service, msg, send);
        case "delete":
          return remove(service, msg, send);
        default:
          throw new FlowError(RED._("acs-recording.error.badAction", { action: String(action) }));
      }
    }

    handleMessages(RED, node, handle, () => {
      for (const watch of [...watches]) watch.cancel();
      watches.clear();
      activity.close();
    });
  }
  RED.nodes.registerType("acs-recording", AcsRecordingNode);
};

function recording(service: AcsService): CallRecording {
  return service.client.getCallRecording();
}

/** What a flow gets in msg.event: the type, id and time beside the event's data. */
function eventOf(event: WatchedEvent): Record<string, unknown> {
  return eventForMessage(event as CallEvent);
}
