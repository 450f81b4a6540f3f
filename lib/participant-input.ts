/**
 * The participant a media action targets: the node's setting when it gives one, else the far end
 * of the call (msg.call.remoteParty), as play and recognize do.
 */
import { callOf } from "./call-message";
import { rawIdFromText } from "./identifiers";

export interface ParticipantChoice {
  /** What the flow gave (or msg.call.remoteParty), for messages and errors. */
  text?: string;
  /** Its raw id; undefined when there is no participant or it is not an identifier. */
  rawId?: string;
}

/** `setting` is the node's evaluated participant setting (undefined when unset or empty). */
export function participantOf(setting: string | undefined, msg: Record<string, unknown>): ParticipantChoice {
  const text = setting ?? callOf(msg).remoteParty;
  return { text, rawId: text ? rawIdFromText(text) : undefined };
}
