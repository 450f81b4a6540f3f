/**
 * Errors the simulator answers with, in the ACS error body shape
 * `{"error":{"code":"<subcode>","message":"..."}}`. ACS puts its numeric sub-code in `code`
 * (for example "8522" for "Call not found."), so the SDK's RestError carries it as `code`.
 */
export class AcsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Array<{ code: string; message: string }>,
  ) {
    super(message);
  }

  toBody(): { error: { code: string; message: string; details?: Array<{ code: string; message: string }> } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const badRequest = (message: string): AcsError => new AcsError(400, "8523", message);
export const callNotFound = (): AcsError => new AcsError(404, "8522", "Call not found.");
export const participantNotFound = (): AcsError => new AcsError(404, "8522", "Participant not found.");
export const callTerminated = (): AcsError => new AcsError(400, "8528", "Call terminated.");
export const callNotEstablished = (): AcsError => new AcsError(400, "8501", "Action is not allowed before the call is established.");
export const invalidMediaMode = (message: string): AcsError => new AcsError(400, "8500", message);
export const invalidCallState = (message: string): AcsError => new AcsError(400, "8585", message);
