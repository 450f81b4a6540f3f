/**
 * The recognize node's logic without Node-RED or the SDK: what a RecognizeCompleted means (the
 * input, a choice, or no match), and the re-prompt policy (on no input or no match, ask again
 * up to N times, with the no-input or no-match prompt before the question).
 */
import { keysOfTones } from "./dtmf";
import { recognizeFailureKind } from "./outcomes";
import { libText, LocalizedError } from "./lib-text";

export type InputKind = "dtmf" | "choices" | "speech" | "speechOrDtmf";

export interface Recognized {
  /** What goes in msg.payload: the keys ("123"), the choice label, or the words said. */
  value: string;
  kind: "dtmf" | "choice" | "speech";
  tones?: string[];
  label?: string;
  phrase?: string;
  confidence?: number;
}

export type AttemptResult =
  | { kind: "input"; recognized: Recognized }
  | { kind: "noInput" }
  | { kind: "noMatch"; heard?: string }
  | { kind: "failed" };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** Read a RecognizeCompleted event's data (as the SDK parses it). */
export function readRecognizeCompleted(data: Record<string, unknown>): Recognized | undefined {
  const dtmf = data.dtmfResult;
  if (isObject(dtmf) && Array.isArray(dtmf.tones)) {
    const tones = dtmf.tones.filter((t): t is string => typeof t === "string");
    return { value: keysOfTones(tones), kind: "dtmf", tones };
  }
  const choice = data.choiceResult;
  if (isObject(choice) && typeof choice.label === "string") {
    return {
      value: choice.label,
      kind: "choice",
      label: choice.label,
      ...(typeof choice.recognizedPhrase === "string" ? { phrase: choice.recognizedPhrase } : {}),
      ...(typeof choice.confidence === "number" ? { confidence: choice.confidence } : {}),
    };
  }
  const speech = data.speechResult;
  if (isObject(speech) && typeof speech.speech === "string") {
    return { value: speech.speech, kind: "speech", ...(typeof speech.confidence === "number" ? { confidence: speech.confidence } : {}) };
  }
  return undefined;
}

/**
 * Judge one attempt: a completed recognition is input unless it fails the pattern or names no
 * configured choice; a RecognizeFailed is no input, no match or a failure by its sub-code.
 */
export function judgeAttempt(
  event: { type: string; data: Record<string, unknown> },
  options: { pattern?: RegExp; choiceLabels?: readonly string[] },
): AttemptResult {
  if (event.type === "RecognizeCompleted") {
    const recognized = readRecognizeCompleted(event.data);
    if (!recognized || recognized.value === "") return { kind: "noInput" };
    if (options.choiceLabels && recognized.kind === "choice" && !options.choiceLabels.includes(recognized.value)) {
      return { kind: "noMatch", heard: recognized.value };
    }
    if (options.pattern && recognized.kind !== "choice" && !options.pattern.test(recognized.value)) {
      return { kind: "noMatch", heard: recognized.value };
    }
    return { kind: "input", recognized };
  }
  if (event.type === "RecognizeFailed") {
    const info = isObject(event.data.resultInformation) ? event.data.resultInformation : {};
    const kind = recognizeFailureKind(typeof info.subCode === "number" ? info.subCode : undefined);
    return kind === "failed" ? { kind: "failed" } : { kind };
  }
  return { kind: "failed" };
}

export interface RepromptPolicy {
  /** How many times to ask again after no input or no match (0 = ask once). */
  retries: number;
}

/** Whether to ask again after `attempt` (1-based) ended with `result`. */
export function shouldAskAgain(result: AttemptResult, attempt: number, policy: RepromptPolicy): boolean {
  return (result.kind === "noInput" || result.kind === "noMatch") && attempt <= policy.retries;
}

/** Compile a user's pattern (anchored as written); a clear error when it is not a regular expression. */
export function compilePattern(pattern: string | undefined): RegExp | undefined {
  if (!pattern || pattern.trim() === "") return undefined;
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new LocalizedError(libText("badPattern", { reason: (err as Error).message }));
  }
}
