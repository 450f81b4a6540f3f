/**
 * Media streaming and live transcription, as set up when a call is answered, created or connected
 * (acs-answer, acs-create-call): the node settings turned into the SDK's `mediaStreamingOptions`
 * and `transcriptionOptions`, and the checks acs-streaming shares (transport URL, locale, speech
 * model endpoint id). ACS starts neither on a call that was not set up for it.
 *
 * Messages never echo a transport URL: its query string may hold a token for the WebSocket server.
 */
import type { MediaStreamingOptions, TranscriptionOptions } from "@azure/communication-call-automation";
import { evaluateText, FlowError, type NodeMessage, type NodeRedRuntime } from "./node-kit";

/** The streaming settings of a node (acs-answer, acs-create-call), as the editor saves them. */
export interface StreamingDef {
  streamMedia?: boolean;
  mediaTransportUrl?: string;
  mediaTransportUrlType?: string;
  /** "mixed" (one stream of everyone) or "unmixed" (one per participant). */
  mediaAudioChannel?: string;
  /** "" (ACS's default, 16 kHz), "pcm16KMono" or "pcm24KMono". */
  mediaAudioFormat?: string;
  mediaStartAtOnce?: boolean;
  mediaBidirectional?: boolean;
  mediaDtmfTones?: boolean;
  transcribe?: boolean;
  transcriptionTransportUrl?: string;
  transcriptionTransportUrlType?: string;
  transcriptionLocale?: string;
  transcriptionLocaleType?: string;
  transcriptionModelId?: string;
  transcriptionModelIdType?: string;
  transcriptionStartAtOnce?: boolean;
  transcriptionIntermediateResults?: boolean;
}

/** The settings with their TypedInputs evaluated; a part left out is not set up. */
export interface StreamingSettings {
  media?: { transportUrl?: string; audioChannel?: string; audioFormat?: string; startAtOnce?: boolean; bidirectional?: boolean; dtmfTones?: boolean };
  transcription?: { transportUrl?: string; locale?: string; speechModelEndpointId?: string; startAtOnce?: boolean; intermediateResults?: boolean };
}

/** What goes into answerCall / createCall / createGroupCall / connectCall options. */
export interface CallStreamingOptions {
  mediaStreamingOptions?: MediaStreamingOptions;
  transcriptionOptions?: TranscriptionOptions;
}

export const AUDIO_CHANNELS = ["mixed", "unmixed"] as const;
export const AUDIO_FORMATS = ["pcm16KMono", "pcm24KMono"] as const;

/** A speech locale: language, optional script, region ("en-US", "zh-Hans-CN", "es-419"). */
const LOCALE = /^[a-z]{2,3}(-[a-z]{4})?-([a-z]{2}|\d{3})$/i;
/** A custom speech model's endpoint id (a GUID from Speech Studio). */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why `url` cannot be a transport URL (ACS connects only to a secure WebSocket), or undefined. `what`: "media streaming" or "transcription". */
export function transportUrlProblem(url: string, what: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `The ${what} transport URL is not a URL: use the wss:// address of your WebSocket server (wss://host/path).`;
  }
  if (parsed.protocol !== "wss:") {
    return `The ${what} transport URL must start with wss:// (it starts with ${parsed.protocol}//): ACS streams only to a secure WebSocket server.`;
  }
  if (!parsed.hostname) return `The ${what} transport URL has no host: use wss://host/path.`;
  return undefined;
}

/** Why `locale` is not a speech locale such as en-US, or undefined. */
export function localeProblem(locale: string): string | undefined {
  return LOCALE.test(locale) ? undefined : `"${locale.slice(0, 40)}" is not a speech locale: use a language and region such as en-US, es-ES or fr-FR.`;
}

/** Why `id` is not a speech model endpoint id, or undefined. */
export function speechModelIdProblem(id: string): string | undefined {
  return GUID.test(id) ? undefined : `The speech model endpoint id "${id.slice(0, 60)}" is not a GUID: use the endpoint id of the custom model from Speech Studio.`;
}

/**
 * The SDK options for `settings`, or an Error naming the first setting that is wrong. A
 * transcription without a locale uses `defaultLocale` (the connection's default).
 */
export function buildStreamingOptions(settings: StreamingSettings, defaultLocale: string): CallStreamingOptions {
  const out: CallStreamingOptions = {};
  const { media, transcription } = settings;
  if (media) {
    if (!media.transportUrl) throw new Error("Media streaming needs a transport URL: the wss:// address of your WebSocket server.");
    const urlProblem = transportUrlProblem(media.transportUrl, "media streaming");
    if (urlProblem) throw new Error(urlProblem);
    const channel = media.audioChannel || "mixed";
    if (!(AUDIO_CHANNELS as readonly string[]).includes(channel)) throw new Error(`The media streaming audio channel must be mixed or unmixed, not "${channel.slice(0, 20)}".`);
    const format = media.audioFormat || undefined;
    if (format && !(AUDIO_FORMATS as readonly string[]).includes(format)) throw new Error(`The media streaming audio format must be pcm16KMono or pcm24KMono, not "${format.slice(0, 20)}".`);
    out.mediaStreamingOptions = {
      transportType: "websocket",
      transportUrl: media.transportUrl,
      contentType: "audio",
      audioChannelType: channel,
      startMediaStreaming: Boolean(media.startAtOnce),
      ...(media.bidirectional ? { enableBidirectional: true } : {}),
      ...(format ? { audioFormat: format } : {}),
      ...(media.dtmfTones ? { enableDtmfTones: true } : {}),
    };
  }
  if (transcription) {
    if (!transcription.transportUrl) throw new Error("Live transcription needs a transport URL: the wss:// address of the WebSocket server that receives the transcript.");
    const urlProblem = transportUrlProblem(transcription.transportUrl, "transcription");
    if (urlProblem) throw new Error(urlProblem);
    const locale = transcription.locale || defaultLocale;
    const badLocale = localeProblem(locale);
    if (badLocale) throw new Error(`Transcription locale: ${badLocale}`);
    const model = transcription.speechModelEndpointId;
    const badModel = model ? speechModelIdProblem(model) : undefined;
    if (badModel) throw new Error(badModel);
    out.transcriptionOptions = {
      transportType: "websocket",
      transportUrl: transcription.transportUrl,
      locale,
      startTranscription: Boolean(transcription.startAtOnce),
      ...(transcription.intermediateResults ? { enableIntermediateResults: true } : {}),
      ...(model ? { speechModelEndpointId: model } : {}),
    };
  }
  return out;
}

/**
 * The streaming options a node is set to give the call it answers, creates or connects: its
 * TypedInputs evaluated against `msg`. A wrong setting is a FlowError (it reaches Catch nodes).
 */
export async function streamingOptionsOf(RED: NodeRedRuntime, node: object, def: StreamingDef, msg: NodeMessage, defaultLocale: string): Promise<CallStreamingOptions> {
  if (!def.streamMedia && !def.transcribe) return {};
  // A property path that leads nowhere (msg.stream.url without msg.stream) is "not set", like an empty one.
  const text = (value: string | undefined, type: string | undefined) => evaluateText(RED, node, value, type || "str", msg).catch(() => undefined);
  try {
    const settings: StreamingSettings = {};
    if (def.streamMedia) {
      settings.media = {
        transportUrl: await text(def.mediaTransportUrl, def.mediaTransportUrlType),
        audioChannel: def.mediaAudioChannel,
        audioFormat: def.mediaAudioFormat,
        startAtOnce: def.mediaStartAtOnce,
        bidirectional: def.mediaBidirectional,
        dtmfTones: def.mediaDtmfTones,
      };
    }
    if (def.transcribe) {
      settings.transcription = {
        transportUrl: await text(def.transcriptionTransportUrl, def.transcriptionTransportUrlType),
        locale: await text(def.transcriptionLocale, def.transcriptionLocaleType),
        speechModelEndpointId: await text(def.transcriptionModelId, def.transcriptionModelIdType),
        startAtOnce: def.transcriptionStartAtOnce,
        intermediateResults: def.transcriptionIntermediateResults,
      };
    }
    return buildStreamingOptions(settings, defaultLocale);
  } catch (err) {
    throw err instanceof FlowError ? err : new FlowError((err as Error).message);
  }
}
