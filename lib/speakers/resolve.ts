import type { VoiceprintMatch } from "@/lib/speech/types";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";

export interface ResolveSpeakersInput {
  /** The signed-in owner of the call. */
  user: { id: string; displayName: string | null };
  call: { contactName: string | null };
  /** What the voiceprint provider said about each speaker, or null when the user has no usable profile. */
  matches: VoiceprintMatch[] | null;
}

/** The id mergeTranscript gives words no diarized speaker covers. */
const UNKNOWN_SPEAKER = "unknown";

/**
 * The speaker resolver: at most one speaker becomes the user (SELF) — the one the voiceprint matched to the
 * user's profile, highest score first. With the user known, the other party of a two-party call is the
 * counterparty (named from the call's contact), everyone else OTHER. Without a match nobody is guessed:
 * roles stay UNKNOWN and speakers keep their "Speaker N" labels.
 */
export function resolveSpeakers(transcript: NormalizedTranscript, input: ResolveSpeakersInput): NormalizedTranscript {
  const speaking = new Set(transcript.segments.map((segment) => segment.speakerId));
  speaking.delete(UNKNOWN_SPEAKER);

  const self = (input.matches ?? [])
    .filter((match) => match.userId === input.user.id && speaking.has(match.speaker))
    .sort((a, b) => b.score - a.score)[0];

  const speakers = transcript.speakers.map((speaker) => {
    if (!self || speaker.id === UNKNOWN_SPEAKER) return { ...speaker, role: "UNKNOWN" as const };
    if (speaker.id === self.speaker) {
      return { ...speaker, role: "SELF" as const, displayName: input.user.displayName ?? "You", confidence: round(self.score) };
    }
    if (speaking.size === 2 && speaking.has(speaker.id)) {
      return { ...speaker, role: "COUNTERPARTY" as const, displayName: input.call.contactName?.trim() || null };
    }
    return { ...speaker, role: "OTHER" as const };
  });
  return { ...transcript, speakers };
}

const round = (value: number) => Math.round(value * 1000) / 1000;
