/**
 * acs-recognize: ask a question and collect the answer by keys (DTMF), by voice, or as one of a
 * list of choices. Ports: one per choice (choices mode) or "input"; then no input, no match,
 * failed. The built-in re-prompt policy asks again up to N times after no input or no match,
 * with the no-input or no-match prompt first. A call that ends meanwhile sends nothing.
 */
import type { CallMediaRecognizeChoiceOptions, CallMediaRecognizeDtmfOptions, CallMediaRecognizeSpeechOptions, CallMediaRecognizeSpeechOrDtmfOptions, DtmfTone, RecognitionChoice } from "@azure/communication-call-automation";
import { createIdentifierFromRawId } from "@azure/communication-common";
import { AcsActionError, CallEndedError } from "../lib/acs-errors";
import { eventForMessage, type CallEvent } from "../lib/call-events";
import { callOf } from "../lib/call-message";
import { toneOfKey, tonesOfKeys } from "../lib/dtmf";
import { rawIdFromText } from "../lib/identifiers";
import { callIdOf, errorText, evaluateText, FlowError, NodeActivity, sendOn, serviceOf, type NodeMessage, type NodeRedRuntime, type RuntimeNode, type SendFn, handleMessages, type CallNodeDef } from "../lib/node-kit";
import { statusKey } from "../lib/status-text";
import { failurePayload } from "../lib/outcomes";
import { playSourceOf, type PlaySource, type PromptKind } from "../lib/play-sources";
import { compilePattern, judgeAttempt, shouldAskAgain, type AttemptResult, type InputKind } from "../lib/recognize-policy";

interface ChoiceDef {
  label: string;
  key?: string;
  phrases?: string;
}

interface Def extends CallNodeDef {
  inputKind?: InputKind;
  promptKind?: PromptKind;
  prompt?: string;
  promptType?: string;
  voice?: string;
  locale?: string;
  choices?: ChoiceDef[];
  maxTones?: number | string;
  stopTones?: string;
  interToneTimeout?: number | string;
  initialSilenceTimeout?: number | string;
  endSilenceTimeout?: number | string;
  interruptPrompt?: boolean;
  pattern?: string;
  retries?: number | string;
  noInputPrompt?: string;
  noMatchPrompt?: string;
  participant?: string;
  participantType?: string;
}

const num = (v: unknown, fallback: number): number => (v === undefined || v === "" || !Number.isFinite(Number(v)) ? fallback : Number(v));

export = function register(RED: NodeRedRuntime): void {
  function AcsRecognizeNode(this: RuntimeNode, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const activity = new NodeActivity(node, RED);
    const inputKind: InputKind = def.inputKind ?? "dtmf";
    const choices = inputKind === "choices" ? (def.choices ?? []).filter((c) => c.label && c.label.trim() !== "") : [];
    const labels = choices.map((c) => c.label.trim());
    const outputs = (inputKind === "choices" ? choices.length : 1) + 3;
    const NO_INPUT = outputs - 3;
    const NO_MATCH = outputs - 2;
    const FAILED = outputs - 1;
    const retries = Math.max(0, Math.min(10, Math.floor(num(def.retries, 2))));

    // Configuration problems are reported once at deploy and again on each message.
    let configError: string | undefined;
    let pattern: RegExp | undefined;
    let stopTones: string[] = [];
    let recognitionChoices: RecognitionChoice[] = [];
    try {
      pattern = compilePattern(def.pattern);
      stopTones = def.stopTones ? tonesOfKeys(def.stopTones) : [];
      if (inputKind === "choices") {
        if (choices.length === 0) throw new Error(RED._("acs-recognize.error.noChoices"));
        if (new Set(labels).size !== labels.length) throw new Error(RED._("acs-recognize.error.duplicateLabels"));
        recognitionChoices = choices.map((c) => {
          const tone = c.key && c.key.trim() !== "" ? toneOfKey(c.key) : undefined;
          if (c.key && c.key.trim() !== "" && !tone) throw new Error(RED._("acs-recognize.error.badKey", { key: c.key }));
          const phrases = (c.phrases ?? "").split(",").map((p) => p.trim()).filter((p) => p !== "");
          return { label: c.label.trim(), phrases: phrases.length ? phrases : [c.label.trim()], ...(tone ? { tone: tone as DtmfTone } : {}) };
        });
      }
    } catch (err) {
      configError = errorText(RED, err);
      node.status({ fill: "red", shape: "ring", text: statusKey("acs-recognize.status.badConfig") });
      node.error(configError);
    }

    function options(prompts: PlaySource[], operationContext: string, speechLanguage: string) {
      const common = {
        operationContext,
        playPrompts: prompts,
        interruptPrompt: def.interruptPrompt !== false,
        initialSilenceTimeoutInSeconds: num(def.initialSilenceTimeout, 5),
      };
      const dtmf = {
        maxTonesToCollect: Math.max(1, Math.floor(num(def.maxTones, 1))),
        interToneTimeoutInSeconds: num(def.interToneTimeout, 2),
        ...(stopTones.length ? { stopDtmfTones: stopTones as DtmfTone[] } : {}),
      };
      const endSilence = def.endSilenceTimeout !== undefined && def.endSilenceTimeout !== "" ? { endSilenceTimeoutInSeconds: num(def.endSilenceTimeout, 1) } : {};
      switch (inputKind) {
        case "dtmf":
          return { ...common, ...dtmf, kind: "callMediaRecognizeDtmfOptions" } as CallMediaRecognizeDtmfOptions;
        case "choices":
          return { ...common, choices: recognitionChoices, speechLanguage, kind: "callMediaRecognizeChoiceOptions" } as CallMediaRecognizeChoiceOptions;
        case "speech":
          return { ...common, ...endSilence, speechLanguage, kind: "callMediaRecognizeSpeechOptions" } as CallMediaRecognizeSpeechOptions;
        case "speechOrDtmf":
          return { ...common, ...dtmf, ...endSilence, speechLanguage, kind: "callMediaRecognizeSpeechOrDtmfOptions" } as CallMediaRecognizeSpeechOrDtmfOptions;
      }
    }

    async function handle(msg: NodeMessage, send: SendFn): Promise<void> {
      if (configError) throw new FlowError(configError);
      const service = await serviceOf(RED, def.acs);
      const callId = await callIdOf(RED, node, def, msg);
      const defaults = { voice: def.voice || service.defaultVoice, locale: def.locale || service.defaultLocale };

      const participantText = def.participantType
        ? await evaluateText(RED, node, def.participant, def.participantType, msg)
        : callOf(msg).remoteParty;
      const participantRawId = participantText ? rawIdFromText(participantText) : undefined;
      if (!participantRawId) throw new FlowError(RED._("acs-recognize.error.noParticipant"));
      const target = createIdentifierFromRawId(participantRawId);

      const promptText = await evaluateText(RED, node, def.prompt, def.promptType || "str", msg);
      let question: PlaySource | undefined;
      let noInputPrompt: PlaySource | undefined;
      let noMatchPrompt: PlaySource | undefined;
      try {
        question = promptText ? playSourceOf(def.promptKind ?? "text", promptText, defaults) : undefined;
        noInputPrompt = def.noInputPrompt?.trim() ? playSourceOf("text", def.noInputPrompt.trim(), defaults) : undefined;
        noMatchPrompt = def.noMatchPrompt?.trim() ? playSourceOf("text", def.noMatchPrompt.trim(), defaults) : undefined;
      } catch (err) {
        throw new FlowError(RED._("acs-recognize.error.badPrompt", { reason: errorText(RED, err) }));
      }

      const media = service.client.getCallConnection(callId).getCallMedia();
      activity.begin("acs-recognize.status.waiting");
      let last: AttemptResult = { kind: "noInput" };
      let lastEvent: CallEvent | undefined;
      for (let attempt = 1; ; attempt++) {
        const before = attempt === 1 ? undefined : last.kind === "noMatch" ? noMatchPrompt : noInputPrompt;
        const prompts = [before, question].filter((p): p is PlaySource => p !== undefined);
        let operated;
        try {
          operated = await service.operate(
            { callConnectionId: callId, terminal: ["RecognizeCompleted", "RecognizeFailed", "RecognizeCanceled"], track: activity.track },
            (operationContext) => media.startRecognizing(target, options(prompts, operationContext, defaults.locale)),
          );
        } catch (err) {
          // The caller hung up between two attempts: the call's end, not a flow error.
          if (attempt > 1 && err instanceof CallEndedError) return activity.end("acs-recognize.status.callEnded", "grey");
          activity.end("acs-recognize.status.failed", "red");
          throw new AcsActionError("recognize", err);
        }
        const { outcome } = operated;
        if (outcome.kind === "callEnded") return activity.end("acs-recognize.status.callEnded", "grey");
        if (outcome.kind === "canceled") return;
        if (outcome.kind === "timeout") {
          activity.end("acs-recognize.status.failed", "red");
          msg.payload = { reason: "timeout", attempts: attempt };
          return sendOn(send, FAILED, outputs, msg);
        }
        lastEvent = outcome.event;
        if (outcome.event.type === "RecognizeCanceled") {
          activity.end("acs-recognize.status.failed", "red");
          msg.payload = { ...failurePayload("canceled", outcome.event), attempts: attempt };
          msg.event = eventForMessage(outcome.event);
          return sendOn(send, FAILED, outputs, msg);
        }
        last = judgeAttempt(outcome.event, { pattern, choiceLabels: inputKind === "choices" ? labels : undefined });
        if (last.kind === "input") {
          const r = last.recognized;
          msg.payload = r.value;
          msg.recognition = { ...r, attempts: attempt };
          msg.event = eventForMessage(outcome.event);
          activity.end("acs-recognize.status.recognized");
          const port = inputKind === "choices" ? labels.indexOf(r.value) : 0;
          return sendOn(send, port < 0 ? NO_MATCH : port, outputs, msg);
        }
        if (last.kind === "failed") {
          activity.end("acs-recognize.status.failed", "red");
          msg.payload = { ...failurePayload("failed", outcome.event), attempts: attempt };
          msg.event = eventForMessage(outcome.event);
          return sendOn(send, FAILED, outputs, msg);
        }
        if (!shouldAskAgain(last, attempt, { retries })) {
          activity.end(last.kind === "noMatch" ? "acs-recognize.status.noMatch" : "acs-recognize.status.noInput", "yellow");
          msg.payload = { reason: last.kind, attempts: attempt, ...(last.kind === "noMatch" && last.heard !== undefined ? { heard: last.heard } : {}) };
          if (lastEvent) msg.event = eventForMessage(lastEvent);
          return sendOn(send, last.kind === "noMatch" ? NO_MATCH : NO_INPUT, outputs, msg);
        }
      }
    }

    handleMessages(RED, node, handle, () => activity.close());
  }
  RED.nodes.registerType("acs-recognize", AcsRecognizeNode);
};
