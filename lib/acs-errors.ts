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
export class CallEndedError extends Error {
  readonly callConnectionId: string;
  constructor(callConnectionId: string) {
    super(`the call has already ended (callConnectionId ${callConnectionId})`);
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
 * Entra's own explanation from an identity error message: " (invalid_client): AADSTS7000215: ...".
 * MSAL and @azure/identity wrap it in lines of timestamps, trace and correlation ids; without an
 * AADSTS code, the message's first line (or what MSAL's endpoints_resolution_error means).
 */
function signInReasonOf(message: string): string {
  // MSAL's word for "could not read the authority's OpenID configuration" hides why.
  if (/^endpoints_resolution_error\b/.test(message)) {
    return ": the authority host's OpenID configuration could not be read (check the authority host, the network, and that its TLS certificate is trusted)";
  }
  const error = /^([a-z]+(?:_[a-z]+)+)\b/.exec(message)?.[1];
  const aadsts = /AADSTS\d+:[^\r\n]*?(?=\s+Trace ID:|\s+-\s+Correlation ID:|\r|\n|$)/.exec(message)?.[0];
  const reason = aadsts ?? message.split(/\r?\n/)[0];
  return `${error && aadsts ? ` (${error})` : ""}: ${redactSecrets(reason.slice(0, 500))}`;
}

/**
 * An Error for `done(err)`: "play failed: ACS answered 400 (8523): <ACS message>", or
 * "play failed: Microsoft Entra ID sign-in failed: <Entra's explanation>" when no token was had.
 */
export class AcsActionError extends Error {
  readonly status?: number;
  readonly code?: string;
  constructor(action: string, err: unknown) {
    if (isSignInError(err)) {
      // The status on an identity error is Entra's, not ACS's: say who refused.
      super(`${action} failed: Microsoft Entra ID sign-in failed${signInReasonOf((err as Error).message)}`);
      this.name = "AcsActionError";
      return;
    }
    const f = acsFailureOf(err);
    const where = f.status ? `ACS answered ${f.status}${f.code ? ` (${f.code})` : ""}: ` : "";
    super(`${action} failed: ${where}${f.message}`);
    this.name = "AcsActionError";
    this.status = f.status;
    this.code = f.code;
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
