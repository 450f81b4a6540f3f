/**
 * What an ACS result means for a flow: which port a failure leaves from, and a reason word a
 * Switch node can test. Result codes are those of reference/acs-protocol.md.
 */
import { resultInformationOf, type CallEvent } from "./call-events";

export interface FailurePayload {
  reason: string;
  code?: number;
  subCode?: number;
  message?: string;
}

/** Why an outbound call or a transfer did not connect. */
export function callFailureReason(subCode: number | undefined): string {
  switch (subCode) {
    case 8538:
      return "declined";
    case 8539:
    case 8540:
      return "busy";
    case 8541:
      return "noAnswer";
    case 8542:
      return "canceled";
    case 8544:
      return "unreachable";
    default:
      return "failed";
  }
}

export function failurePayload(reason: string, event?: CallEvent): FailurePayload {
  const info = resultInformationOf(event);
  return {
    reason,
    ...(info.code !== undefined ? { code: info.code } : {}),
    ...(info.subCode !== undefined ? { subCode: info.subCode } : {}),
    ...(info.message ? { message: info.message } : {}),
  };
}

/** The payload for a call or transfer that did not connect, its reason read from the event's sub-code. */
export function callFailurePayload(event: CallEvent): FailurePayload {
  return failurePayload(callFailureReason(resultInformationOf(event).subCode), event);
}

export type RecognizeFailureKind = "noInput" | "noMatch" | "failed";

/** RecognizeFailed: nothing heard, something heard that matched nothing, or a real failure. */
export function recognizeFailureKind(subCode: number | undefined): RecognizeFailureKind {
  switch (subCode) {
    case 8510: // initial silence timeout
    case 8532: // inter-digit timeout with nothing collected
    case 8570: // speech recognition timed out
      return "noInput";
    case 8547: // phrase matched no choice
    case 8534: // incorrect tone
    case 8563: // speech not recognized
      return "noMatch";
    default:
      return "failed";
  }
}
