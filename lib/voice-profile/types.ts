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
  enrollment: null | {
    id: string;
    state: "RUNNING" | "SUCCEEDED" | "FAILED";
    startedAt: string;
    finishedAt: string | null;
    errorCode: string | null;
    errorMessage: string | null;
  };
  apply: null | {
    state: "RUNNING" | "DONE" | "FAILED";
    total: number;
    processed: number;
    matched: number;
    skippedExpired: number;
    startedAt: string;
    finishedAt: string | null;
  };
}
