import type { SpeakerRole } from "@/db/schema";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import type { OwnerInput } from "./types";

export interface OwnerColumns {
  ownerSpeakerId: string | null;
  ownerSpeakerLabel: string | null;
  ownerDisplayName: string | null;
  ownerRole: SpeakerRole;
}

type Speakers = NormalizedTranscript["speakers"];

export const NO_OWNER: OwnerColumns = { ownerSpeakerId: null, ownerSpeakerLabel: null, ownerDisplayName: null, ownerRole: "UNKNOWN" };

/**
 * ActionItemOwnerMapper: fills the owner columns of an action item from the speaker that owns it, as the
 * resolved transcript names it. A speaker the transcript does not know owns nothing.
 */
export function ownerFromSpeaker(speakerId: string | null, speakers: Speakers): OwnerColumns {
  if (speakerId === null) return NO_OWNER;
  const speaker = speakers.find((candidate) => candidate.id === speakerId);
  if (!speaker) return NO_OWNER;
  return { ownerSpeakerId: speaker.id, ownerSpeakerLabel: speaker.label, ownerDisplayName: speaker.displayName, ownerRole: speaker.role };
}

/**
 * An owner a user picked: one of the call's speakers, "me" (the speaker resolved as the user when there is
 * one, else the user by name), or nobody. Returns null for a speaker id the call does not have.
 */
export function ownerFromInput(input: OwnerInput, speakers: Speakers, user: { displayName: string | null }): OwnerColumns | null {
  if (input === null) return NO_OWNER;
  if ("me" in input) {
    const self = speakers.find((speaker) => speaker.role === "SELF");
    if (self) return { ...ownerFromSpeaker(self.id, speakers), ownerDisplayName: self.displayName ?? user.displayName ?? "Me" };
    return { ownerSpeakerId: null, ownerSpeakerLabel: null, ownerDisplayName: user.displayName ?? "Me", ownerRole: "SELF" };
  }
  const owner = ownerFromSpeaker(input.speakerId, speakers);
  return owner.ownerSpeakerId === null ? null : owner;
}
