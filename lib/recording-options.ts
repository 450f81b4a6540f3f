/**
 * The settings of a recording start, checked before anything is sent: content, channel and format
 * (the combinations ACS accepts), pause on start, and the channel affinity of an unmixed
 * recording, given as `[{"participant": "+14255550123", "channel": 0}]`.
 */
import { rawIdFromText } from "./identifiers";
import { libText, LocalizedError, type LibText } from "./lib-text";

export type RecordingContentKind = "audio" | "audioVideo";
export type RecordingChannelKind = "mixed" | "unmixed";
export type RecordingFormatKind = "wav" | "mp3" | "mp4";

export interface ChannelAssignment {
  /** Raw id of the participant (4:+E.164, 8:acs:…). */
  participant: string;
  /** Audio channel 0–4; ACS picks one when unset. */
  channel?: number;
}

export interface RecordingSettings {
  content: RecordingContentKind;
  channel: RecordingChannelKind;
  format: RecordingFormatKind;
  pauseOnStart: boolean;
  channelAffinity?: ChannelAssignment[];
}

const CONTENTS: readonly string[] = ["audio", "audioVideo"];
const CHANNELS: readonly string[] = ["mixed", "unmixed"];
const FORMATS: readonly string[] = ["wav", "mp3", "mp4"];
export const MAX_AUDIO_CHANNEL = 4;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Why a content / channel / format combination is not one ACS records, or undefined. */
export function formatProblem(content: string, channel: string, format: string): LibText | undefined {
  if (!CONTENTS.includes(content)) return libText("recordingContent", { value: content });
  if (!CHANNELS.includes(channel)) return libText("recordingChannel", { value: channel });
  if (!FORMATS.includes(format)) return libText("recordingFormat", { value: format });
  if (content === "audioVideo" && format !== "mp4") return libText("audioVideoIsMp4");
  if (content === "audio" && format === "mp4") return libText("audioIsWavOrMp3");
  if (channel === "unmixed" && format !== "wav") return libText("unmixedIsWav");
  return undefined;
}

/**
 * Read a channel affinity: undefined or an empty list is none; otherwise an array of
 * `{participant, channel}`. Throws an Error that says what is wrong.
 */
export function readChannelAffinity(value: unknown): ChannelAssignment[] | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  let list = value;
  if (typeof list === "string") {
    try {
      list = JSON.parse(list);
    } catch {
      throw new LocalizedError(libText("affinityNotJson"));
    }
  }
  if (!Array.isArray(list)) throw new LocalizedError(libText("affinityNotList"));
  if (list.length === 0) return undefined;
  const seenChannels = new Set<number>();
  const seenParticipants = new Set<string>();
  return list.map((entry, i) => {
    if (!isObject(entry)) throw new LocalizedError(libText("affinityItemNotObject", { item: i + 1 }));
    const text = typeof entry.participant === "string" ? entry.participant.trim() : "";
    const participant = text ? rawIdFromText(text) : undefined;
    if (!participant) throw new LocalizedError(libText("affinityItemBadParticipant", { item: i + 1, participant: text }));
    if (seenParticipants.has(participant)) throw new LocalizedError(libText("affinityItemParticipantTwice", { item: i + 1, participant: text }));
    seenParticipants.add(participant);
    if (entry.channel === undefined || entry.channel === null) return { participant };
    const channel = Number(entry.channel);
    if (!Number.isInteger(channel) || channel < 0 || channel > MAX_AUDIO_CHANNEL) {
      throw new LocalizedError(libText("affinityItemBadChannel", { item: i + 1, max: MAX_AUDIO_CHANNEL }));
    }
    if (seenChannels.has(channel)) throw new LocalizedError(libText("affinityItemChannelTwice", { item: i + 1, channel }));
    seenChannels.add(channel);
    return { participant, channel };
  });
}

/** Check a start's settings as a whole; throws an Error that says what is wrong. */
export function checkRecordingSettings(s: RecordingSettings): RecordingSettings {
  const problem = formatProblem(s.content, s.channel, s.format);
  if (problem) throw new LocalizedError(problem);
  if (s.channelAffinity && s.channel !== "unmixed") throw new LocalizedError(libText("affinityNeedsUnmixed"));
  return s;
}
