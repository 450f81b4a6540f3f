/**
 * ACS answers "not found" (404, sub-code 8522) both for a call that has ended and for a
 * participant or invitation it does not know in a call that goes on. A node that names a party
 * asks which one it was, so the flow author reads "+14255550123 is not in the call" rather than
 * "the call has ended" (or the reverse).
 */
import { acsFailureOf, CallEndedError } from "./acs-errors";

/** Did ACS answer that something was not found? */
export function isNotFound(err: unknown): boolean {
  const f = acsFailureOf(err);
  return f.status === 404 || f.code === "8522";
}

/**
 * After AcsService.operate or request, which tell an ended call apart (CallEndedError): a "not
 * found" left over names a participant or invitation the call does not have.
 */
export function isMissingParty(err: unknown): boolean {
  return !(err instanceof CallEndedError) && isNotFound(err);
}

/**
 * True when `err` says "not found" while the call itself is still up (`callIsUp` asks ACS): the
 * party or invitation the request named is what is missing. False for any other error, and when
 * the call is gone or cannot be asked about.
 */
export async function isPartyNotFound(err: unknown, callIsUp: () => Promise<boolean>): Promise<boolean> {
  if (!isNotFound(err)) return false;
  try {
    return await callIsUp();
  } catch {
    return false;
  }
}
