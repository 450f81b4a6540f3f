/**
 * The settings of a recording start, checked before anything is sent: content, channel and format
 * (the combinations ACS accepts), pause on start, and the channel affinity of an unmixed
 * recording, given as `[{"participant": "+14255550123", "channel": 0}]`.
 */
import { rawIdFromText } from "./identifiers";

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
export function formatProblem(content: string, channel: string, format: string): string | undefined {
  if (!CONTENTS.includes(content)) return `content must be audio or audioVideo, not "${content}"`;
  if (!CHANNELS.includes(channel)) return `channel must be mixed or unmixed, not "${channel}"`;
  if (!FORMATS.includes(format)) return `format must be wav, mp3 or mp4, not "${format}"`;
  if (content === "audioVideo" && format !== "mp4") return "audio and video is recorded as mp4 only";
  if (content === "audio" && format === "mp4") return "audio only is recorded as wav or mp3";
  if (channel === "unmixed" && format !== "wav") return "an unmixed recording is wav only";
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
      throw new Error("channel affinity is not JSON");
    }
  }
  if (!Array.isArray(list)) throw new Error('channel affinity must be a list such as [{"participant":"+14255550123","channel":0}]');
  if (list.length === 0) return undefined;
  const seenChannels = new Set<number>();
  const seenParticipants = new Set<string>();
  return list.map((entry, i) => {
    if (!isObject(entry)) throw new Error(`channel affinity item ${i + 1} must be an object with participant and channel`);
    const text = typeof entry.participant === "string" ? entry.participant.trim() : "";
    const participant = text ? rawIdFromText(text) : undefined;
    if (!participant) throw new Error(`channel affinity item ${i + 1}: "${text}" is not a phone number (+E.164) or an id such as 8:acs:…`);
    if (seenParticipants.has(participant)) throw new Error(`channel affinity item ${i + 1}: ${text} is listed twice`);
    seenParticipants.add(participant);
    if (entry.channel === undefined || entry.channel === null) return { participant };
    const channel = Number(entry.channel);
    if (!Number.isInteger(channel) || channel < 0 || channel > MAX_AUDIO_CHANNEL) {
      throw new Error(`channel affinity item ${i + 1}: channel must be a whole number from 0 to ${MAX_AUDIO_CHANNEL}`);
    }
    if (seenChannels.has(channel)) throw new Error(`channel affinity item ${i + 1}: channel ${channel} is given twice`);
    seenChannels.add(channel);
    return { participant, channel };
  });
}

/** Check a start's settings as a whole; throws an Error that says what is wrong. */
export function checkRecordingSettings(s: RecordingSettings): RecordingSettings {
  const problem = formatProblem(s.content, s.channel, s.format);
  if (problem) throw new Error(problem);
  if (s.channelAffinity && s.channel !== "unmixed") throw new Error("channel affinity applies to unmixed recordings only");
  return s;
}
