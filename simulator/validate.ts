/**
 * Reading request bodies: every field is checked for presence and type, and anything wrong is a
 * 400 with the ACS error body naming the field, never an exception from deep inside the engine.
 */
import { isE164, rawIdOf, type IdentifierModel } from "../lib/identifiers";
import { badRequest, AcsError } from "./errors";
import type { CustomContext, HeardPrompt, PlaySourceModel } from "./model";

export type Body = Record<string, unknown>;

export function optionalString(body: Body, key: string, maxLength = 5000): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw badRequest(`${key} must be a string.`);
  if (value.length > maxLength) throw badRequest(`${key} is longer than ${maxLength} characters.`);
  return value;
}

export function requiredString(body: Body, key: string, maxLength = 5000): string {
  const value = optionalString(body, key, maxLength);
  if (value === undefined || value.trim() === "") throw badRequest(`${key} is required.`);
  return value;
}

export function optionalBoolean(body: Body, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw badRequest(`${key} must be true or false.`);
  return value;
}

export function optionalNumber(body: Body, key: string, min: number, max: number): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw badRequest(`${key} must be a number from ${min} to ${max}.`);
  }
  return value;
}

export function optionalObject(body: Body, key: string): Body | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw badRequest(`${key} must be an object.`);
  return value as Body;
}

/** An absolute http(s) URL. (Real ACS insists on https; the simulator also accepts http.) */
export function callbackUrl(body: Body, key: string, required: boolean): string | undefined {
  const value = required ? requiredString(body, key, 2048) : optionalString(body, key, 2048);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badRequest(`The field ${key} is invalid: it must be an absolute URL.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw badRequest(`The field ${key} is invalid: it must be an http or https URL.`);
  return value;
}

export function identifier(value: unknown, field: string): string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw badRequest(`${field} must be a communication identifier.`);
  const rawId = rawIdOf(value as IdentifierModel);
  if (!rawId) throw badRequest(`${field} does not name a participant (no rawId, communicationUser, phoneNumber or Teams identity).`);
  if (rawId.startsWith("4:") && !isE164(rawId.slice(2))) throw badRequest(`${field} is not an E.164 phone number.`);
  return rawId;
}

export function identifiers(value: unknown, field: string, min: number, max = 100): string[] {
  if (!Array.isArray(value)) throw badRequest(`${field} must be an array of communication identifiers.`);
  if (value.length < min || value.length > max) throw badRequest(`${field} must hold from ${min} to ${max} identifiers.`);
  return value.map((v, i) => identifier(v, `${field}[${i}]`));
}

/** A phone number model `{value}`: returns the number. */
export function phoneNumberValue(body: Body, key: string): string | undefined {
  const model = optionalObject(body, key);
  if (!model) return undefined;
  if (typeof model.value !== "string" || !isE164(model.value)) throw badRequest(`${key}.value must be an E.164 phone number.`);
  return model.value;
}

export function customContext(body: Body, key = "customCallingContext"): CustomContext | undefined {
  const model = optionalObject(body, key);
  if (!model) return undefined;
  const headers = (name: string): Record<string, string> | undefined => {
    const h = optionalObject(model, name);
    if (!h) return undefined;
    for (const [k, v] of Object.entries(h)) {
      if (typeof v !== "string") throw badRequest(`${key}.${name}.${k} must be a string.`);
    }
    return h as Record<string, string>;
  };
  return { sipHeaders: headers("sipHeaders"), voipHeaders: headers("voipHeaders") };
}

/** One play source → the prompt the far end will hear. */
export function playSource(value: unknown, field: string): Omit<HeardPrompt, "at" | "via"> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw badRequest(`${field} must be a play source.`);
  const src = value as PlaySourceModel;
  if (src.kind !== undefined && src.kind !== null && typeof src.kind !== "string") throw badRequest(`${field}.kind must be file, text or ssml.`);
  const kind = (src.kind ?? (src.file ? "file" : src.text ? "text" : src.ssml ? "ssml" : "")).toLowerCase();
  if (kind === "file") {
    const uri = src.file?.uri;
    if (typeof uri !== "string" || uri === "") throw badRequest(`${field}.file.uri is required.`);
    try {
      new URL(uri);
    } catch {
      throw badRequest(`${field}.file.uri must be an absolute URL.`);
    }
    return { kind: "file", content: uri };
  }
  if (kind === "text") {
    const text = src.text?.text;
    if (typeof text !== "string" || text.trim() === "") throw new AcsError(400, "8582", `${field}.text.text is empty.`);
    return {
      kind: "text",
      content: text,
      ...(src.text?.voiceName ? { voiceName: src.text.voiceName } : {}),
      ...(src.text?.sourceLocale ? { locale: src.text.sourceLocale } : {}),
    };
  }
  if (kind === "ssml") {
    const ssml = src.ssml?.ssmlText;
    if (typeof ssml !== "string" || ssml.trim() === "") throw new AcsError(400, "8582", `${field}.ssml.ssmlText is empty.`);
    return { kind: "ssml", content: ssml };
  }
  throw badRequest(`${field}.kind must be file, text or ssml.`);
}

export function playSources(value: unknown, field: string, min: number): Array<Omit<HeardPrompt, "at" | "via">> {
  if (!Array.isArray(value)) throw badRequest(`${field} must be an array of play sources.`);
  if (value.length < min || value.length > 10) throw badRequest(`${field} must hold from ${min} to 10 play sources.`);
  return value.map((v, i) => playSource(v, `${field}[${i}]`));
}
