import type { VoiceApplyState, VoiceEnrollmentState } from "@/db/schema/users";

/**
 * What `GET /api/voice-profile` answers (and `POST …/consent`, `POST /api/voice-profile`, `POST …/apply`):
 * the signed-in user's consent, profile, latest enrollment run and latest "find me in earlier calls" run.
 * The embedding itself is never part of it.
 */
export interface VoiceProfileState {
  consent: {
    currentVersion: string;
    consentedVersion: string | null;
    consentedAt: string | null;
    /** The user consented to the current version. */
    current: boolean;
  };
  profile: null | {
    status: "ACTIVE" | "NEEDS_CONSENT";
    provider: string;
    model: string | null;
    modelVersion: string | null;
    consentVersion: string;
    consentedAt: string | null;
    sampleSeconds: number | null;
    enrolledAt: string;
    updatedAt: string;
    usable: boolean;
    threshold: number | null;
  };
  /** The stored run states (type-only import: nothing of the schema reaches the client bundle). */
  enrollment: null | VoiceEnrollmentState;
  apply: null | Omit<VoiceApplyState, "id">;
}
