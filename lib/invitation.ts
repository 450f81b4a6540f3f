/**
 * Adding a participant: the invitation timeout a node is set to, how long its wait for the
 * outcome may last, and which CancelAddParticipant event cancels which invitation.
 */
import type { CallEvent } from "./call-events";
import { libText, LocalizedError } from "./lib-text";

/** ACS rings an invited participant for at most 180 seconds. */
export const MAX_INVITATION_TIMEOUT_SECONDS = 180;

/**
 * The invitation timeout in whole seconds (1-180), or undefined when unset (ACS's default).
 * Throws an Error with a message for the flow author when it is not such a number.
 */
export function readInvitationTimeout(value: unknown): number | undefined {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return undefined;
  const n = typeof value === "number" ? value : Number(String(value).trim());
  if (!Number.isInteger(n) || n < 1 || n > MAX_INVITATION_TIMEOUT_SECONDS) {
    throw new LocalizedError(libText("badInvitationTimeout", { max: MAX_INVITATION_TIMEOUT_SECONDS, value: String(value) }));
  }
  return n;
}

/**
 * How long to wait for AddParticipantSucceeded / Failed: the connection's operation timeout, but
 * never less than the longest ring ACS allows plus a minute, so the invitation's own timeout
 * (reported by ACS as AddParticipantFailed) always comes first.
 */
export function addParticipantWaitMs(operationTimeoutMs: number, invitationTimeoutSeconds: number | undefined): number {
  const ring = (invitationTimeoutSeconds ?? MAX_INVITATION_TIMEOUT_SECONDS) * 1000;
  return Math.max(operationTimeoutMs, ring + 60_000);
}

/** Is `event` the news that invitation `invitationId` was cancelled (CancelAddParticipantSucceeded)? */
export function cancelsInvitation(event: Pick<CallEvent, "type" | "data">, invitationId: string): boolean {
  return event.type === "CancelAddParticipantSucceeded" && event.data.invitationId === invitationId;
}
