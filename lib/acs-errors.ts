/**
 * Turning what the SDK throws into errors a flow author can act on. The message names the action,
 * the HTTP status, the ACS sub-code and ACS's own explanation, and nothing else: a RestError also
 * carries the request (with its Authorization header), which must never reach a log or a Catch node.
 */

export interface AcsFailure {
  status?: number;
  /** ACS's error code: the numeric sub-code as a string (e.g. "8528"), or a word. */
  code?: string;
  message: string;
}

import { libText, LocalizedError, reasonOf, type ActionId, type LibText } from "./lib-text";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** The status, code and message of an SDK/REST error, without the request that caused it. */
export function acsFailureOf(err: unknown): AcsFailure {
  if (!isObject(err)) return { message: redactSecrets(String(err).split("\n")[0].slice(0, 500)) };
  const status = typeof err.statusCode === "number" ? err.statusCode : undefined;
  const code = typeof err.code === "string" ? err.code : undefined;
  let message = typeof err.message === "string" ? err.message : "unknown error";
  // The SDK's message is ACS's body text; keep only its first line and cap its length.
  message = message.split("\n")[0].slice(0, 500);
  return { status, code, message: redactSecrets(message) };
}

/**
 * A call that has ended or never existed: ACS answers 404 (8522) or 400 (8528); an incoming call
 * that was already handled, ended, or not answered in time gets 400 8586 / 8587.
 */
export function isCallGone(err: unknown): boolean {
  if (err instanceof CallEndedError) return true;
  if (isSignInError(err)) return false;
  const f = acsFailureOf(err);
  return f.status === 404 || ["8522", "8528", "8586", "8587"].includes(f.code ?? "") || /\b85(28|86|87)\b/.test(f.message);
}

/**
 * An operation asked of a call that had already ended (the router saw its CallDisconnected, or ACS
 * answered that the call is gone). It reaches Catch nodes; a call that ends while a node waits
 * for an outcome is not an error (the answer / create-call "ended" port reports it).
 */
export class CallEndedError extends LocalizedError {
  readonly callConnectionId: string;
  constructor(callConnectionId: string) {
    super(libText("callEnded", { callConnectionId }));
    this.name = "CallEndedError";
    this.callConnectionId = callConnectionId;
  }
}

/** The names of @azure/identity's errors: the credential could not get a token, so no request reached ACS. */
const SIGN_IN_ERRORS = new Set(["AuthenticationError", "AuthenticationRequiredError", "CredentialUnavailableError", "AggregateAuthenticationError"]);

/** A Microsoft Entra ID sign-in failure (wrong secret, unknown application, no managed identity...). */
export function isSignInError(err: unknown): boolean {
  return isObject(err) && typeof err.name === "string" && SIGN_IN_ERRORS.has(err.name);
}

/**
 * Why Entra refused, from an identity error message: "(invalid_client): AADSTS7000215: ...".
 * MSAL and @azure/identity wrap it in lines of timestamps, trace and correlation ids; without an
 * AADSTS code, the message's first line (or what MSAL's endpoints_resolution_error means).
 */
function signInFailure(message: string): LibText {
  // MSAL's word for "could not read the authority's OpenID configuration" hides why.
  if (/^endpoints_resolution_error\b/.test(message)) return libText("signInFailed", { reason: libText("signInNoOpenIdConfiguration") });
  const error = /^([a-z]+(?:_[a-z]+)+)\b/.exec(message)?.[1];
  const aadsts = /AADSTS\d+:[^\r\n]*?(?=\s+Trace ID:|\s+-\s+Correlation ID:|\r|\n|$)/.exec(message)?.[0];
  const reason = redactSecrets((aadsts ?? message.split(/\r?\n/)[0]).slice(0, 500));
  return error && aadsts ? libText("signInFailedWithError", { error, reason }) : libText("signInFailed", { reason });
}

/** Why an operation failed: ACS's answer (status, sub-code, its own words), or what kept the request from ACS. */
function failureOf(err: unknown): { text: LibText | string; status?: number; code?: string } {
  // The status on an identity error is Entra's, not ACS's: say who refused.
  if (isSignInError(err)) return { text: signInFailure((err as Error).message) };
  const reason = reasonOf(err);
  if (typeof reason !== "string") return { text: reason };
  const f = acsFailureOf(err);
  if (!f.status) return { text: f.message };
  const values = { status: f.status, message: f.message };
  return { text: f.code ? libText("acsAnsweredWithCode", { ...values, code: f.code }) : libText("acsAnswered", values), status: f.status, code: f.code };
}

/**
 * An Error for `done(err)`: "play failed: ACS answered 400 (8523): <ACS message>", or
 * "play failed: Microsoft Entra ID sign-in failed: <Entra's explanation>" when no token was had.
 * The frame is translated (node-kit's errorText); ACS's and Entra's own words stay as they came.
 */
export class AcsActionError extends LocalizedError {
  readonly status?: number;
  readonly code?: string;
  constructor(action: ActionId, err: unknown) {
    const failure = failureOf(err);
    super(libText("actionFailed", { action: libText(`action.${action}`), reason: failure.text }));
    this.name = "AcsActionError";
    this.status = failure.status;
    this.code = failure.code;
  }
}

/** Remove anything that looks like a credential from a text that may be shown to users. */
export function redactSecrets(text: string): string {
  return text
    .replace(/(accesskey=)[^;\s]+/gi, "$1***")
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, "$1***")
    .replace(/(Signature=)[A-Za-z0-9+/=%_-]+/gi, "$1***")
    .replace(/(\/acs\/(?:callbacks|events)\/[^/\s]+\/)[^/\s?#"']+/g, "$1***")
    .replace(/(client_secret=|sig=|secret=)[^&\s]+/gi, "$1***");
}
