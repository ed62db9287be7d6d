import type { UserVoiceProfile } from "@/db/schema";
import type { VoiceprintProvider } from "@/lib/speech/types";

type ProfileProvenance = Pick<UserVoiceProfile, "provider" | "model" | "modelVersion">;
type Voiceprint = Pick<VoiceprintProvider, "name" | "model" | "modelVersion">;

/** Was the profile made by the configured voiceprint provider, model and model version (so its embedding can be compared)? */
export function madeByProvider(profile: ProfileProvenance, voiceprint: Voiceprint): boolean {
  return profile.provider === voiceprint.name && (profile.model ?? "") === voiceprint.model && (profile.modelVersion ?? "") === voiceprint.modelVersion;
}

/** A profile is used only when the configured provider made it and it is consented under the current consent version. */
export function isProfileUsable(profile: ProfileProvenance & Pick<UserVoiceProfile, "consentVersion">, voiceprint: Voiceprint, consentVersion: string): boolean {
  return madeByProvider(profile, voiceprint) && profile.consentVersion === consentVersion;
}
