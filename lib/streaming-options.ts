/**
 * Media streaming and live transcription, as set up when a call is answered, created or connected
 * (acs-answer, acs-create-call): the node settings turned into the SDK's `mediaStreamingOptions`
 * and `transcriptionOptions`, and the checks acs-streaming shares (transport URL, locale, speech
 * model endpoint id). ACS starts neither on a call that was not set up for it.
 *
 * Messages never echo a transport URL: its query string may hold a token for the WebSocket server.
 */
import type { MediaStreamingOptions, TranscriptionOptions } from "@azure/communication-call-automation";
import { errorText, evaluateText, FlowError, type NodeMessage, type NodeRedRuntime } from "./node-kit";
import { libText, LocalizedError, type LibText } from "./lib-text";

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
export function transportUrlProblem(url: string, what: "mediaStreaming" | "transcription"): LibText | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return libText("transportUrlNotUrl", { what: libText(what) });
  }
  if (parsed.protocol !== "wss:") {
    return libText("transportUrlNotWss", { what: libText(what), protocol: parsed.protocol });
  }
  if (!parsed.hostname) return libText("transportUrlNoHost", { what: libText(what) });
  return undefined;
}

/** Why `locale` is not a speech locale such as en-US, or undefined. */
export function localeProblem(locale: string): LibText | undefined {
  return LOCALE.test(locale) ? undefined : libText("notASpeechLocale", { locale: locale.slice(0, 40) });
}

/** Why `id` is not a speech model endpoint id, or undefined. */
export function speechModelIdProblem(id: string): LibText | undefined {
  return GUID.test(id) ? undefined : libText("speechModelIdNotGuid", { id: id.slice(0, 60) });
}

/**
 * The SDK options for `settings`, or an Error naming the first setting that is wrong. A
 * transcription without a locale uses `defaultLocale` (the connection's default).
 */
export function buildStreamingOptions(settings: StreamingSettings, defaultLocale: string): CallStreamingOptions {
  const out: CallStreamingOptions = {};
  const { media, transcription } = settings;
  if (media) {
    if (!media.transportUrl) throw new LocalizedError(libText("mediaStreamingNeedsUrl"));
    const urlProblem = transportUrlProblem(media.transportUrl, "mediaStreaming");
    if (urlProblem) throw new LocalizedError(urlProblem);
    const channel = media.audioChannel || "mixed";
    if (!(AUDIO_CHANNELS as readonly string[]).includes(channel)) throw new LocalizedError(libText("mediaStreamingChannel", { value: channel.slice(0, 20) }));
    const format = media.audioFormat || undefined;
    if (format && !(AUDIO_FORMATS as readonly string[]).includes(format)) throw new LocalizedError(libText("mediaStreamingFormat", { value: format.slice(0, 20) }));
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
    if (!transcription.transportUrl) throw new LocalizedError(libText("transcriptionNeedsUrl"));
    const urlProblem = transportUrlProblem(transcription.transportUrl, "transcription");
    if (urlProblem) throw new LocalizedError(urlProblem);
    const locale = transcription.locale || defaultLocale;
    const badLocale = localeProblem(locale);
    if (badLocale) throw new LocalizedError(libText("transcriptionLocale", { problem: badLocale }));
    const model = transcription.speechModelEndpointId;
    const badModel = model ? speechModelIdProblem(model) : undefined;
    if (badModel) throw new LocalizedError(badModel);
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
    throw err instanceof FlowError ? err : new FlowError(errorText(RED, err));
  }
}
