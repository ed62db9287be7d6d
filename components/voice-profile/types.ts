import type { VoiceProfileState } from "@/lib/voice-profile/types";

/** The API body (one definition, shared with the server: lib/voice-profile/types.ts) and its parts. */
export type { VoiceProfileState };

export type VoiceProfile = NonNullable<VoiceProfileState["profile"]>;
export type Enrollment = NonNullable<VoiceProfileState["enrollment"]>;
export type ApplyRun = NonNullable<VoiceProfileState["apply"]>;
