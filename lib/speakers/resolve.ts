import type { VoiceprintMatch } from "@/lib/speech/types";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";

export interface ResolveSpeakersInput {
  /** The signed-in owner of the call. */
  user: { id: string; displayName: string | null };
  call: { contactName: string | null };
  /** What the voiceprint provider said about each speaker, or null when the user has no usable profile. */
  matches: VoiceprintMatch[] | null;
  /** The speaker that is the user's own microphone (a stereo browser recording's left side), if known. */
  microphoneSpeaker?: string | null;
}

/** Why a speaker is the user when it is not a voiceprint match: stored beside the role as `reason`. */
export type SelfReason = "your microphone";

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

  // The microphone side of a per-side stereo recording is the user, exactly: it wins over a voiceprint guess.
  const microphone = input.microphoneSpeaker && speaking.has(input.microphoneSpeaker) ? input.microphoneSpeaker : null;
  const selfId = microphone ?? self?.speaker ?? null;

  const speakers = transcript.speakers.map((speaker) => {
    if (!selfId || speaker.id === UNKNOWN_SPEAKER) return { ...speaker, role: "UNKNOWN" as const };
    if (speaker.id === selfId) {
      if (microphone) return { ...speaker, role: "SELF" as const, displayName: input.user.displayName ?? "You", confidence: 1, reason: "your microphone" as SelfReason };
      return { ...speaker, role: "SELF" as const, displayName: input.user.displayName ?? "You", confidence: round(self!.score) };
    }
    if (speaking.size === 2 && speaking.has(speaker.id)) {
      return { ...speaker, role: "COUNTERPARTY" as const, displayName: input.call.contactName?.trim() || null };
    }
    return { ...speaker, role: "OTHER" as const };
  });
  return { ...transcript, speakers };
}

const round = (value: number) => Math.round(value * 1000) / 1000;
