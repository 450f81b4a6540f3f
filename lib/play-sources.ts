/** Prompts: a node's prompt settings turned into the SDK's play sources. */
import type { FileSource, SsmlSource, TextSource } from "@azure/communication-call-automation";
import { libText, LocalizedError } from "./lib-text";

export type PromptKind = "text" | "ssml" | "file";
export type PlaySource = FileSource | TextSource | SsmlSource;

export interface PromptDefaults {
  voice?: string;
  locale?: string;
}

/** A play source for `value` of `kind`; throws a clear error for an unusable value. */
export function playSourceOf(kind: PromptKind, value: string, defaults: PromptDefaults = {}): PlaySource {
  switch (kind) {
    case "text":
      return { kind: "textSource", text: value, ...(defaults.voice ? { voiceName: defaults.voice } : {}), ...(defaults.locale ? { sourceLocale: defaults.locale } : {}) };
    case "ssml":
      if (!/^\s*<speak[\s>]/i.test(value)) throw new LocalizedError(libText("ssmlWithoutSpeak"));
      return { kind: "ssmlSource", ssmlText: value };
    case "file": {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw new LocalizedError(libText("notAnAudioFileUrl", { value: value.slice(0, 100) }));
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new LocalizedError(libText("audioFileUrlNotHttp"));
      return { kind: "fileSource", url: value };
    }
    default:
      throw new LocalizedError(libText("unknownPromptKind", { kind: String(kind) }));
  }
}
