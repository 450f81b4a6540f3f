/**
 * Media operations of one call connection, queued the way ACS queues them: play and recognize
 * requests run one after another; `interruptCallMediaOperation` cancels what is running or
 * queued; cancelAllMediaOperations cancels everything. Each operation ends with the events and
 * result codes of the Call Automation docs (PlayCompleted 200/0, RecognizeCompleted 200/8531 …).
 */
import type { Cancel, SimClock } from "./clock";
import { type HeardPrompt, type Leg, nowIso, promptDurationMs } from "./model";

export interface ResultInformation {
  code: number;
  subCode: number;
  message: string;
}

const result = (code: number, subCode: number, message: string): ResultInformation => ({ code, subCode, message });

export const RESULTS = {
  playCompleted: result(200, 0, "Action completed successfully."),
  canceled: result(400, 8508, "Action failed, the operation was canceled."),
  fileDownloadFailed: result(400, 8536, "Action failed, file could not be downloaded."),
  invalidFileFormat: result(400, 8535, "Action failed, file format is invalid."),
  maxTones: result(200, 8531, "Action completed, max digits received."),
  stopTone: result(200, 8514, "Action completed as stop tone was detected."),
  dtmfChoice: result(200, 8533, "Action completed, DTMF option matched."),
  speechChoice: result(200, 8545, "Action completed, speech option matched."),
  speech: result(200, 8569, "Action completed, speech recognized."),
  interToneTimeout: result(400, 8532, "Action failed, inter-digit silence timeout reached."),
  initialSilence: result(400, 8510, "Action failed, initial silence timeout reached."),
  incorrectTone: result(500, 8534, "Action failed, incorrect tone entered."),
  noChoiceMatched: result(400, 8547, "Action failed, the phrase did not match any choice."),
  promptFailed: result(500, 8511, "Action failed, encountered failure while trying to play the prompt."),
};

export interface Choice {
  label: string;
  phrases: string[];
  tone?: string;
}

interface BaseOp {
  operationContext?: string;
  callbackUri?: string;
  cancelTimer?: Cancel;
  /** The prompt this operation is playing now, and to whom (Leg.playing). */
  sounding?: Array<{ leg: Leg; entry: HeardPrompt }>;
}

export interface PlayOp extends BaseOp {
  kind: "play";
  prompts: HeardPrompt[];
  /** Raw ids to play to; empty means everyone in the call. */
  playTo: string[];
  loop: boolean;
}

export interface RecognizeOp extends BaseOp {
  kind: "recognize";
  inputType: "dtmf" | "choices" | "speech" | "speechOrDtmf";
  prompts: HeardPrompt[];
  target: string;
  interruptPrompt: boolean;
  initialSilenceMs: number;
  interToneMs: number;
  maxTones: number;
  stopTones: string[];
  choices: Choice[];
  phase: "queued" | "prompt" | "listening";
  tones: string[];
}

export type MediaOp = PlayOp | RecognizeOp;

/** What the media session needs from its connection. */
export interface MediaHost {
  clock: SimClock;
  fileDurationMs: number;
  /** Connected far-end legs to play to: all of them, or those whose identity is listed. */
  recipients(playTo: string[]): Leg[];
  /** Send a callback event about this connection. */
  emit(type: string, data: Record<string, unknown>, op: BaseOp): void;
  /** Optional file check (validateMediaUrls): resolves to a failure result or undefined. */
  checkFile?(url: string): Promise<ResultInformation | undefined>;
  /** What these legs hear or may say changed (a prompt starts or stops, a recognizer listens). */
  changed?(legs: Leg[]): void;
}

export class MediaSession {
  private readonly queue: MediaOp[] = [];
  private current?: MediaOp;
  private closed = false;

  constructor(private readonly host: MediaHost) {}

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Is a recognize running or queued? */
  get recognizing(): boolean {
    return [this.current, ...this.queue].some((op) => op?.kind === "recognize");
  }

  /**
   * What the running operation would take from a party now: keys, speech, or undefined when it
   * is not listening to that party (nothing runs, a play, or a prompt that keys do not interrupt).
   */
  listensTo(identity: string): { keys: boolean; speech: boolean } | undefined {
    const op = this.current;
    if (!op || op.kind !== "recognize" || op.target !== identity) return undefined;
    if (op.phase !== "listening" && !(op.phase === "prompt" && op.interruptPrompt)) return undefined;
    return { keys: op.inputType !== "speech", speech: op.inputType !== "dtmf" };
  }

  /** The running operation and the queue, for the control API. */
  describe(): Array<{ kind: string; phase: string; operationContext?: string }> {
    const rows = [];
    if (this.current) rows.push(this.row(this.current, "running"));
    for (const op of this.queue) rows.push(this.row(op, "queued"));
    return rows;
  }

  private row(op: MediaOp, phase: string): { kind: string; phase: string; operationContext?: string } {
    return { kind: op.kind, phase: op.kind === "recognize" && phase === "running" ? op.phase : phase, operationContext: op.operationContext };
  }

  enqueue(op: MediaOp, interrupt: boolean): void {
    if (this.closed) return;
    if (interrupt) this.cancelAll();
    this.queue.push(op);
    if (!this.current) this.next();
  }

  /** Cancel what runs and what waits, each with its Canceled event. */
  cancelAll(): void {
    const ops = [...(this.current ? [this.current] : []), ...this.queue.splice(0)];
    this.current = undefined;
    for (const op of ops) {
      op.cancelTimer?.();
      this.silence(op);
      this.host.emit(op.kind === "play" ? "PlayCanceled" : "RecognizeCanceled", { resultInformation: RESULTS.canceled }, op);
    }
  }

  /** The call ended: stop everything silently (no events follow CallDisconnected). */
  close(): void {
    this.closed = true;
    this.current?.cancelTimer?.();
    if (this.current) this.silence(this.current);
    this.current = undefined;
    this.queue.splice(0);
  }

  /** A far-end party pressed a key. Returns what the recognizer did with it. */
  onTone(leg: Leg, tone: string): "recognized" | "ignored" {
    const op = this.current;
    if (!op || op.kind !== "recognize" || op.target !== leg.identity) return "ignored";
    if (op.inputType === "speech") return "ignored";
    if (op.phase === "prompt") {
      if (!op.interruptPrompt) return "ignored";
      op.cancelTimer?.();
      op.phase = "listening";
      this.silence(op);
    }
    op.cancelTimer?.();
    if (op.inputType === "choices") {
      const choice = op.choices.find((c) => c.tone === tone);
      if (choice) this.finishRecognize(op, "RecognizeCompleted", RESULTS.dtmfChoice, { recognitionType: "choices", choiceResult: { label: choice.label } });
      else this.finishRecognize(op, "RecognizeFailed", RESULTS.incorrectTone, {});
      return "recognized";
    }
    if (op.stopTones.includes(tone)) {
      this.finishDtmf(op, RESULTS.stopTone);
      return "recognized";
    }
    op.tones.push(tone);
    if (op.tones.length >= op.maxTones) {
      this.finishDtmf(op, RESULTS.maxTones);
    } else {
      op.cancelTimer = this.host.clock.after(op.interToneMs, () => this.finishDtmf(op, RESULTS.interToneTimeout));
    }
    return "recognized";
  }

  /** A far-end party said something. */
  onSpeech(leg: Leg, text: string): "recognized" | "ignored" {
    const op = this.current;
    if (!op || op.kind !== "recognize" || op.target !== leg.identity) return "ignored";
    if (op.inputType === "dtmf") return "ignored";
    if (op.phase === "prompt") {
      if (!op.interruptPrompt) return "ignored";
      op.phase = "listening";
      this.silence(op);
    }
    op.cancelTimer?.();
    if (op.inputType === "choices") {
      const said = normalisePhrase(text);
      let matched: { label: string; phrase: string } | undefined;
      for (const c of op.choices) {
        const phrase = c.phrases.find((p) => phraseMatches(said, normalisePhrase(p)));
        if (phrase !== undefined) {
          matched = { label: c.label, phrase };
          break;
        }
      }
      if (matched) {
        this.finishRecognize(op, "RecognizeCompleted", RESULTS.speechChoice, {
          recognitionType: "choices",
          choiceResult: { label: matched.label, recognizedPhrase: matched.phrase, confidence: 0.92 },
        });
      } else {
        this.finishRecognize(op, "RecognizeFailed", RESULTS.noChoiceMatched, {});
      }
      return "recognized";
    }
    this.finishRecognize(op, "RecognizeCompleted", RESULTS.speech, {
      recognitionType: "speech",
      speechResult: { speech: text, confidence: 0.92 },
    });
    return "recognized";
  }

  private next(): void {
    if (this.closed || this.current) return;
    const op = this.queue.shift();
    if (!op) return;
    this.current = op;
    if (op.kind === "play") void this.runPlay(op);
    else void this.runRecognize(op);
  }

  private done(op: MediaOp): void {
    if (this.current !== op) return;
    op.cancelTimer?.();
    this.silence(op);
    this.current = undefined;
    this.next();
  }

  /** The operation's prompt stops sounding (it ended, was interrupted or canceled). */
  private silence(op: MediaOp): void {
    const sounding = op.sounding;
    if (!sounding || sounding.length === 0) return;
    op.sounding = [];
    for (const { leg, entry } of sounding) {
      if (leg.playing === entry) leg.playing = undefined;
    }
    this.host.changed?.(sounding.map((s) => s.leg));
  }

  /**
   * With file checking on (validateMediaUrls), the first file prompt that cannot be fetched or is
   * not audio: its index and the failure, or undefined when all are fine.
   */
  private async badFile(prompts: HeardPrompt[]): Promise<{ index: number; failure: ResultInformation } | undefined> {
    if (!this.host.checkFile) return undefined;
    for (let index = 0; index < prompts.length; index++) {
      if (prompts[index].kind !== "file") continue;
      const failure = await this.host.checkFile(prompts[index].content);
      if (failure) return { index, failure };
    }
    return undefined;
  }

  private async runPlay(op: PlayOp): Promise<void> {
    const bad = await this.badFile(op.prompts);
    if (this.current !== op) return;
    if (bad) {
      this.host.emit("PlayFailed", { resultInformation: bad.failure, failedPlaySourceIndex: bad.index }, op);
      this.done(op);
      return;
    }
    this.host.emit("PlayStarted", { resultInformation: RESULTS.playCompleted }, op);
    this.playPrompts(op, op.prompts, op.playTo, () => {
      if (op.loop) return true;
      this.host.emit("PlayCompleted", { resultInformation: RESULTS.playCompleted }, op);
      this.done(op);
      return false;
    });
  }

  /**
   * Play prompts one by one to the recipients; `after` runs when the last one ends and returns
   * true to play them all again (loop).
   */
  private playPrompts(op: MediaOp, prompts: HeardPrompt[], playTo: string[], after: () => boolean): void {
    const playAt = (index: number): void => {
      if (this.current !== op) return;
      this.silence(op);
      if (index >= prompts.length) {
        if (after()) playAt(0);
        return;
      }
      const prompt = prompts[index];
      const legs = this.host.recipients(playTo);
      op.sounding = legs.map((leg) => {
        const entry = { ...prompt, at: nowIso() };
        leg.heard.push(entry);
        leg.playing = entry;
        return { leg, entry };
      });
      this.host.changed?.(legs);
      op.cancelTimer = this.host.clock.after(promptDurationMs(prompt, this.host.fileDurationMs), () => playAt(index + 1));
    };
    playAt(0);
  }

  private async runRecognize(op: RecognizeOp): Promise<void> {
    const bad = await this.badFile(op.prompts);
    if (this.current !== op) return;
    if (bad) {
      this.finishRecognize(op, "RecognizeFailed", RESULTS.promptFailed, { failedPlaySourceIndex: bad.index });
      return;
    }
    if (op.prompts.length === 0) {
      this.listen(op);
      return;
    }
    op.phase = "prompt";
    this.playPrompts(op, op.prompts, [op.target], () => {
      this.listen(op);
      return false;
    });
  }

  private listen(op: RecognizeOp): void {
    op.phase = "listening";
    this.host.changed?.(this.host.recipients([op.target]));
    op.cancelTimer = this.host.clock.after(op.initialSilenceMs, () => {
      this.finishRecognize(op, "RecognizeFailed", RESULTS.initialSilence, {});
    });
  }

  private finishDtmf(op: RecognizeOp, info: ResultInformation): void {
    this.finishRecognize(op, "RecognizeCompleted", info, {
      recognitionType: "dtmf",
      dtmfResult: { tones: [...op.tones] },
    });
  }

  private finishRecognize(op: RecognizeOp, type: string, info: ResultInformation, data: Record<string, unknown>): void {
    if (this.current !== op) return;
    op.cancelTimer?.();
    this.host.emit(type, { ...data, resultInformation: info }, op);
    this.done(op);
  }
}

function normalisePhrase(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** A phrase matches when the words said equal it or contain it as whole words. */
function phraseMatches(said: string, phrase: string): boolean {
  if (!phrase) return false;
  return said === phrase || ` ${said} `.includes(` ${phrase} `);
}
