/**
 * The messages lib/ code gives a flow author (errors, validators' reasons, warnings), as ids and
 * values rather than finished English, so the node layer can say them in the server's language.
 *
 * Each id names an entry under "acs-config.shared" in the catalogues (locales/<lang>/acs-config.json:
 * acs-config's catalogue is loaded with the package, and lib code does not know which node will
 * show the message). The English here is the en-US entry word for word (a test checks it) and the
 * fallback where no catalogue is loaded. A value may itself be a text (an action's name, a reason),
 * rendered first. No Node-RED import: the translation function is passed in.
 */

export const LIB_TEXTS = {
  noCallId: "No call id: __where__ is empty. Wire this node after an answer or create-call node, or set where the call id comes from.",
  noConnection: "No ACS connection: choose an acs-config node in this node's settings.",
  configuredValue: "the configured value",

  actionFailed: "__action__ failed: __reason__",
  acsAnswered: "ACS answered __status__: __message__",
  acsAnsweredWithCode: "ACS answered __status__ (__code__): __message__",
  callEnded: "the call has already ended (callConnectionId __callConnectionId__)",
  signInFailed: "Microsoft Entra ID sign-in failed: __reason__",
  signInFailedWithError: "Microsoft Entra ID sign-in failed (__error__): __reason__",
  signInNoOpenIdConfiguration: "the authority host's OpenID configuration could not be read (check the authority host, the network, and that its TLS certificate is trusted)",
  entraSecretNeeds: "Entra ID client secret sign-in needs __fields__",

  notADtmfKey: '"__key__" is not a DTMF key (use 0-9, *, # or A-D)',
  noKeysToSend: "there are no keys to send",
  tooManyKeys: "at most __max__ keys can be sent at once, not __count__",

  sipHeaders: "SIP headers",
  voipHeaders: "VoIP headers",
  headersNotJson: "__what__ must be a JSON object of header names to text values",
  headersNotObject: "__what__ must be an object of header names to text values",
  headerNotText: "__what__: the value of __name__ must be text",
  tooManySipHeaders: "ACS allows at most 5 custom SIP headers",

  badInvitationTimeout: 'The invitation timeout must be a whole number of seconds from 1 to __max__, not "__value__".',

  ssmlWithoutSpeak: "SSML must start with a <speak> element",
  notAnAudioFileUrl: '"__value__" is not an absolute URL of an audio file',
  audioFileUrlNotHttp: "an audio file URL must be http or https",
  unknownPromptKind: "unknown prompt kind __kind__",
  badPattern: "the input pattern is not a valid regular expression: __reason__",

  recordingContent: 'content must be audio or audioVideo, not "__value__"',
  recordingChannel: 'channel must be mixed or unmixed, not "__value__"',
  recordingFormat: 'format must be wav, mp3 or mp4, not "__value__"',
  audioVideoIsMp4: "audio and video is recorded as mp4 only",
  audioIsWavOrMp3: "audio only is recorded as wav or mp3",
  unmixedIsWav: "an unmixed recording is wav only",
  affinityNotJson: "channel affinity is not JSON",
  affinityNotList: 'channel affinity must be a list such as [{"participant":"+14255550123","channel":0}]',
  affinityItemNotObject: "channel affinity item __item__ must be an object with participant and channel",
  affinityItemBadParticipant: 'channel affinity item __item__: "__participant__" is not a phone number (+E.164) or an id such as 8:acs:…',
  affinityItemParticipantTwice: "channel affinity item __item__: __participant__ is listed twice",
  affinityItemBadChannel: "channel affinity item __item__: channel must be a whole number from 0 to __max__",
  affinityItemChannelTwice: "channel affinity item __item__: channel __channel__ is given twice",
  affinityNeedsUnmixed: "channel affinity applies to unmixed recordings only",
  notAUrl: "it is not a URL",
  notHttps: "it is not an https URL",
  notRecordingStorage: "__host__ is not ACS recording storage (*.asm.skype.com)",
  fileExists: "__path__ already exists",

  mediaStreaming: "media streaming",
  transcription: "transcription",
  transportUrlNotUrl: "The __what__ transport URL is not a URL: use the wss:// address of your WebSocket server (wss://host/path).",
  transportUrlNotWss: "The __what__ transport URL must start with wss:// (it starts with __protocol__//): ACS streams only to a secure WebSocket server.",
  transportUrlNoHost: "The __what__ transport URL has no host: use wss://host/path.",
  notASpeechLocale: '"__locale__" is not a speech locale: use a language and region such as en-US, es-ES or fr-FR.',
  speechModelIdNotGuid: 'The speech model endpoint id "__id__" is not a GUID: use the endpoint id of the custom model from Speech Studio.',
  mediaStreamingNeedsUrl: "Media streaming needs a transport URL: the wss:// address of your WebSocket server.",
  mediaStreamingChannel: 'The media streaming audio channel must be mixed or unmixed, not "__value__".',
  mediaStreamingFormat: 'The media streaming audio format must be pcm16KMono or pcm24KMono, not "__value__".',
  transcriptionNeedsUrl: "Live transcription needs a transport URL: the wss:// address of the WebSocket server that receives the transcript.",
  transcriptionLocale: "Transcription locale: __problem__",

  callbackRefused: "callback refused: __reason__",
  missingBearerToken: "missing bearer token",
  tokenExpired: "token expired",
  tokenClaimRejected: "token claim rejected (__claim__)",
  tokenSignatureInvalid: "token signature invalid",
  tokenUnknownKey: "token signed by an unknown key",
  tokenAlgorithmNotAllowed: "token algorithm not allowed",
  signingKeysUnavailable: "signing keys unavailable",
  tokenMalformed: "token malformed",
  tokenRejected: "token rejected",

  /** What a node was doing when ACS refused: "<action> failed: …". */
  action: {
    answer: "answer",
    reject: "reject",
    redirect: "redirect",
    createCall: "create call",
    connect: "connect",
    callInfo: "call info",
    play: "play",
    recognize: "recognize",
    transfer: "transfer",
    hangUp: "hang up",
    hold: "hold",
    unhold: "unhold",
    cancelMedia: "cancel media",
    sendDtmf: "send DTMF",
    startContinuousDtmf: "start continuous DTMF",
    stopContinuousDtmf: "stop continuous DTMF",
    addParticipant: "add participant",
    cancelAddParticipant: "cancel add participant",
    removeParticipant: "remove participant",
    muteParticipant: "mute participant",
    getParticipant: "get participant",
    listParticipants: "list participants",
    startRecording: "start recording",
    pauseRecording: "pause recording",
    resumeRecording: "resume recording",
    stopRecording: "stop recording",
    getRecordingState: "get recording state",
    downloadRecording: "download recording",
    deleteRecording: "delete recording",
    startMediaStreaming: "start media streaming",
    stopMediaStreaming: "stop media streaming",
    startTranscription: "start transcription",
    updateTranscription: "update transcription",
    stopTranscription: "stop transcription",
  },
} as const;

export type ActionId = keyof typeof LIB_TEXTS.action;
export type LibTextId = Exclude<keyof typeof LIB_TEXTS, "action"> | `action.${ActionId}`;
export type TextValue = string | number | LibText;

/** A message: its id and the values for its placeholders. */
export interface LibText {
  readonly id: LibTextId;
  readonly values?: Readonly<Record<string, TextValue>>;
}

/** A text in its own language: the string, or undefined to fall back on English. */
export type Translate = (id: LibTextId, values: Record<string, string>) => string | undefined;

export function libText(id: LibTextId, values?: Record<string, TextValue>): LibText {
  return values ? { id, values } : { id };
}

/** The English template of `id`. */
function englishTemplate(id: LibTextId): string {
  return id.startsWith("action.") ? LIB_TEXTS.action[id.slice("action.".length) as ActionId] : LIB_TEXTS[id as Exclude<LibTextId, `action.${string}`>];
}

const isText = (v: unknown): v is LibText => typeof v === "object" && v !== null && typeof (v as LibText).id === "string";

/** `text` as words: through `translate` where it gives a text, else in English. Values are rendered first. */
export function renderText(text: LibText, translate?: Translate): string {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(text.values ?? {})) values[name] = isText(value) ? renderText(value, translate) : String(value);
  const translated = translate?.(text.id, values);
  if (translated !== undefined) return translated;
  return englishTemplate(text.id).replace(/__(\w+)__/g, (whole, name: string) => values[name] ?? whole);
}

/**
 * An error lib code throws for a flow author: its message is the English text; `text` lets the
 * node layer say it in the server's language (node-kit's errorText).
 */
export class LocalizedError extends Error {
  constructor(readonly text: LibText) {
    // Named "Error" as a plain Error is (Node-RED shows "Error: <message>"); subclasses name themselves.
    super(renderText(text));
  }
}

/** The text behind an error, when lib code made it. */
export function textOfError(err: unknown): LibText | undefined {
  const text = (err as { text?: unknown } | null)?.text;
  return err instanceof Error && isText(text) ? text : undefined;
}

/** An error's reason as a text: the text lib code gave it, or its message as it is. */
export function reasonOf(err: unknown): LibText | string {
  return textOfError(err) ?? (err instanceof Error ? err.message : String(err));
}
