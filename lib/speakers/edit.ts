import { z } from "zod";
import { safeText } from "@/lib/validation/input";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";

export interface SpeakerEdit {
  /** New name; null or blank clears it (the label "Speaker N" shows again). */
  displayName?: string | null | undefined;
  /** true: this speaker is the user; false: it is not (it goes back to unknown). */
  isMe?: boolean | undefined;
}

export const MAX_SPEAKER_NAME_LENGTH = 80;

const speakerEditFields = z.object({
  displayName: safeText({ max: MAX_SPEAKER_NAME_LENGTH }).nullable().optional(),
  isMe: z.boolean().optional(),
});
const saysSomething = (value: { displayName?: string | null | undefined; isMe?: boolean | undefined }) => value.displayName !== undefined || value.isMe !== undefined;

/** A speaker edit as the API takes it: a name and/or "this is me", at least one of them. */
export const speakerEditSchema = speakerEditFields.strict().refine(saysSomething, "Give a displayName or isMe.");
/** One edit of a batch: the same, naming its speaker. */
export const speakerBatchEditSchema = speakerEditFields
  .extend({ speakerId: safeText({ min: 1, max: 100 }) })
  .strict()
  .refine(saysSomething, "Give a displayName or isMe.");

const UNKNOWN_SPEAKER = "unknown";

/**
 * A user's correction of a speaker: a name, and/or "this is me". At most one speaker is the user; when the
 * user is known in a two-party call the other party becomes the counterparty (named from the contact unless
 * it already has a name), otherwise the rest are OTHER. Returns null for a speaker the transcript lacks.
 */
export function applySpeakerEdit(
  transcript: NormalizedTranscript,
  speakerId: string,
  edit: SpeakerEdit,
  context: { userDisplayName: string | null; contactName: string | null },
): NormalizedTranscript | null {
  const target = transcript.speakers.find((speaker) => speaker.id === speakerId);
  if (!target) return null;

  let speakers = transcript.speakers.map((speaker) => ({ ...speaker }));
  const edited = speakers.find((speaker) => speaker.id === speakerId)!;
  if (edit.displayName !== undefined) edited.displayName = edit.displayName?.trim().slice(0, MAX_SPEAKER_NAME_LENGTH) || null;

  if (edit.isMe !== undefined) {
    const speaking = new Set(transcript.segments.map((segment) => segment.speakerId));
    speaking.delete(UNKNOWN_SPEAKER);
    const selfId = edit.isMe ? speakerId : speakers.find((speaker) => speaker.role === "SELF" && speaker.id !== speakerId)?.id ?? null;
    speakers = speakers.map((speaker) => {
      if (speaker.id === selfId) {
        // A name that only came from the call's contact is not the user's name.
        const ownName = speaker.displayName && speaker.displayName !== context.contactName?.trim() ? speaker.displayName : null;
        return { ...speaker, role: "SELF", displayName: ownName ?? context.userDisplayName ?? "You", confidence: speaker.id === speakerId ? 1 : speaker.confidence };
      }
      const wasSelf = speaker.role === "SELF";
      // The user's name does not stay on a speaker that is no longer the user.
      const displayName = wasSelf && speaker.displayName === (context.userDisplayName ?? "You") ? null : speaker.displayName;
      if (selfId === null || speaker.id === UNKNOWN_SPEAKER) return { ...speaker, role: "UNKNOWN", displayName, confidence: null };
      if (speaking.size === 2 && speaking.has(speaker.id)) {
        return { ...speaker, role: "COUNTERPARTY", displayName: displayName ?? (context.contactName?.trim() || null), confidence: null };
      }
      return { ...speaker, role: "OTHER", displayName, confidence: null };
    });
  }
  return { ...transcript, speakers };
}
