/** Custom SIP/VoIP headers as a node receives them (an object of strings), checked. */
import type { SipVoipHeaders } from "./acs-client";
import { libText, LocalizedError, type LibText } from "./lib-text";

function stringRecord(value: unknown, what: LibText): Record<string, string> | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  let v = value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      throw new LocalizedError(libText("headersNotJson", { what }));
    }
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new LocalizedError(libText("headersNotObject", { what }));
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === "number" || typeof x === "boolean") out[k] = String(x);
    else if (typeof x === "string") out[k] = x;
    else throw new LocalizedError(libText("headerNotText", { what, name: k }));
  }
  return Object.keys(out).length ? out : undefined;
}

/** SIP headers (at most 5 custom ones, as ACS allows) and VoIP headers; undefined when none. */
export function readCustomHeaders(sip: unknown, voip: unknown): SipVoipHeaders | undefined {
  const sipHeaders = stringRecord(sip, libText("sipHeaders"));
  const voipHeaders = stringRecord(voip, libText("voipHeaders"));
  if (sipHeaders && Object.keys(sipHeaders).filter((k) => !/^user-to-user$/i.test(k)).length > 5) {
    throw new LocalizedError(libText("tooManySipHeaders"));
  }
  if (!sipHeaders && !voipHeaders) return undefined;
  return { ...(sipHeaders ? { sipHeaders } : {}), ...(voipHeaders ? { voipHeaders } : {}) };
}

/** Targets as text: "a, b", or an array of texts. */
export function readTargets(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => String(v).trim()).filter((v) => v !== "");
  if (typeof value === "string") return value.split(/[,;\n]/).map((v) => v.trim()).filter((v) => v !== "");
  if (typeof value === "number") return [String(value)];
  return [];
}
