/**
 * The simulator's picture of the telephone world.
 *
 * - A `Leg` is one far-end phone: a caller who dialled in, or a target the application rang.
 *   The control API calls these "calls"; people and tests play the far end through them.
 * - A `ServerCall` is the conversation the legs and the application share (serverCallId).
 * - A `Connection` is the application's own leg in a server call (callConnectionId): the thing
 *   the Call Automation REST API acts on and sends callback events about.
 */
import type { IdentifierModel } from "../lib/identifiers";
import type { Cancel } from "./clock";
import type { CloudEvent } from "./delivery";

export type LegState = "ringing" | "connected" | "ended";

/** What a far-end party heard: one prompt, in the order played. */
export interface HeardPrompt {
  at: string;
  kind: "text" | "ssml" | "file";
  /** The text of a text prompt, the SSML document, or the file URL. */
  content: string;
  voiceName?: string;
  locale?: string;
  via: "play" | "recognize" | "hold";
  operationContext?: string;
}

/** A line in a leg's own timeline (what happened at the far end). */
export interface LegEvent {
  at: string;
  what: string;
  detail?: Record<string, unknown>;
}

export interface CustomContext {
  sipHeaders?: Record<string, string>;
  voipHeaders?: Record<string, string>;
}

/** How a ringing leg reports back to whoever rang it. */
export interface RingHandler {
  onAnswer(): void;
  onReject(reason: RejectReason): void;
  /** The ring timed out: nobody answered. */
  onNoAnswer(): void;
}

export type RejectReason = "declined" | "busy";

export interface Leg {
  id: string;
  direction: "inbound" | "outbound";
  /** Raw id of the party that placed the call. */
  from: string;
  /** Raw id of the party rung. */
  to: string;
  /** Raw id of the person this leg is (the caller for inbound legs, the callee for outbound). */
  identity: string;
  state: LegState;
  endReason?: string;
  createdAt: string;
  answeredAt?: string;
  endedAt?: string;
  call?: ServerCall;
  heard: HeardPrompt[];
  /** The entry of `heard` sounding now (a prompt, hold music), if any. */
  playing?: HeardPrompt;
  timeline: LegEvent[];
  /** DTMF tones the application sent to this party (sendDtmfTones). */
  tonesReceived: string[];
  customContext?: CustomContext;
  isMuted: boolean;
  isOnHold: boolean;
  ring?: { handler: RingHandler; cancelTimeout: Cancel };
}

export type ConnectionState =
  | "connecting"
  | "connected"
  | "transferring"
  | "transferAccepted"
  | "disconnecting"
  | "disconnected";

export interface SubscriptionState {
  id: string;
  state: "disabled" | "inactive" | "active";
  locale?: string;
  options?: Record<string, unknown>;
  /** The start that made it active (a later failure carries its operationContext). */
  startedBy?: { operationContext?: string; callbackUri?: string };
  /** The application's WebSocket server at the transport URL cannot be reached (control API). */
  transportDown?: boolean;
}

export interface ServerCall {
  serverCallId: string;
  correlationId: string;
  /** Group calls survive the application leaving; 1:1 calls end when anyone leaves. */
  kind: "p2p" | "group";
  /** `group:<id>` or `room:<id>` for calls reached through a group or room locator. */
  locatorKey?: string;
  participants: Map<string, Leg>;
  connections: Set<ConnectionLike>;
  ended: boolean;
  /** Every callback event sent about this call, newest last (bounded). */
  events: CloudEvent[];
}

/** The parts of a connection other modules rely on (the class lives in engine.ts). */
export interface ConnectionLike {
  id: string;
  call: ServerCall;
  state: ConnectionState;
  callbackUri: string;
}

const TONE_NAMES: Record<string, string> = {
  "0": "zero",
  "1": "one",
  "2": "two",
  "3": "three",
  "4": "four",
  "5": "five",
  "6": "six",
  "7": "seven",
  "8": "eight",
  "9": "nine",
  a: "a",
  b: "b",
  c: "c",
  d: "d",
  "#": "pound",
  "*": "asterisk",
};
export const TONE_NAME_SET = new Set(Object.values(TONE_NAMES));

/** "12#" → ["one","two","pound"]; undefined if a character is not a DTMF key. */
export function toneNamesFromKeys(keys: string): string[] | undefined {
  const names: string[] = [];
  for (const ch of keys.toLowerCase()) {
    const name = TONE_NAMES[ch];
    if (!name) return undefined;
    names.push(name);
  }
  return names;
}

/** Normalise a tone name as the SDK sends it ("Pound", "pound", "five"). */
export function normaliseToneName(tone: unknown): string | undefined {
  if (typeof tone !== "string") return undefined;
  const lower = tone.toLowerCase();
  return TONE_NAME_SET.has(lower) ? lower : undefined;
}

export interface PlaySourceModel {
  kind?: string;
  file?: { uri?: string };
  text?: { text?: string; sourceLocale?: string; voiceKind?: string; voiceName?: string };
  ssml?: { ssmlText?: string };
  playSourceCacheId?: string;
}

export type TargetModel = IdentifierModel;

/** Words per minute of the simulated text-to-speech voice. */
const TTS_MS_PER_WORD = 350;
const MIN_PROMPT_MS = 600;

export function spokenWords(text: string): number {
  return text.replace(/<[^>]*>/g, " ").split(/\s+/).filter(Boolean).length;
}

/** How long a prompt takes to play, in simulated milliseconds. */
export function promptDurationMs(source: HeardPrompt, fileDurationMs: number): number {
  if (source.kind === "file") return fileDurationMs;
  return Math.max(MIN_PROMPT_MS, spokenWords(source.content) * TTS_MS_PER_WORD);
}

export const nowIso = (): string => new Date().toISOString();
