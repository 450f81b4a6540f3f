/** Custom SIP/VoIP headers as a node receives them (an object of strings), checked. */
import type { SipVoipHeaders } from "./acs-client";

function stringRecord(value: unknown, what: string): Record<string, string> | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  let v = value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      throw new Error(`${what} must be a JSON object of header names to text values`);
    }
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${what} must be an object of header names to text values`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === "number" || typeof x === "boolean") out[k] = String(x);
    else if (typeof x === "string") out[k] = x;
    else throw new Error(`${what}: the value of ${k} must be text`);
  }
  return Object.keys(out).length ? out : undefined;
}

/** SIP headers (at most 5 custom ones, as ACS allows) and VoIP headers; undefined when none. */
export function readCustomHeaders(sip: unknown, voip: unknown): SipVoipHeaders | undefined {
  const sipHeaders = stringRecord(sip, "SIP headers");
  const voipHeaders = stringRecord(voip, "VoIP headers");
  if (sipHeaders && Object.keys(sipHeaders).filter((k) => !/^user-to-user$/i.test(k)).length > 5) {
    throw new Error("ACS allows at most 5 custom SIP headers");
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
