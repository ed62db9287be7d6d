import "server-only";
import type { DbOrTx } from "@/db";
import { getVoiceProfile, getVoiceUserState, type VoiceUserState } from "@/db/queries/voice-profiles";
import type { UserVoiceProfile } from "@/db/schema";
import { getPipelineDeps } from "@/lib/pipeline/deps";
import type { VoiceprintProvider } from "@/lib/speech/types";
import type { VoiceProfileState } from "./types";
import { isProfileUsable, madeByProvider } from "./usable";

export type { VoiceProfileState };

export interface VoiceProfileConfig {
  consentVersion: string;
  voiceprint: Pick<VoiceprintProvider, "name" | "model" | "modelVersion" | "threshold">;
}

/** The state as the API shows it, from the stored rows and the configuration (pure). */
export function toVoiceProfileState(user: VoiceUserState, profile: UserVoiceProfile | null, config: VoiceProfileConfig): VoiceProfileState {
  const consentCurrent = user.voiceConsentVersion === config.consentVersion && user.voiceConsentedAt !== null;
  const enrollment = user.voiceEnrollment;
  const apply = user.voiceProfileApply;
  return {
    consent: {
      currentVersion: config.consentVersion,
      consentedVersion: user.voiceConsentVersion,
      consentedAt: user.voiceConsentedAt?.toISOString() ?? null,
      current: consentCurrent,
    },
    profile: profile && {
      status: profile.consentVersion === config.consentVersion ? "ACTIVE" : "NEEDS_CONSENT",
      provider: profile.provider,
      model: profile.model,
      modelVersion: profile.modelVersion,
      consentVersion: profile.consentVersion,
      consentedAt: profile.consentedAt?.toISOString() ?? null,
      sampleSeconds: profile.sampleDurationSeconds === null ? null : Math.round(profile.sampleDurationSeconds * 10) / 10,
      enrolledAt: profile.createdAt.toISOString(),
      updatedAt: profile.updatedAt.toISOString(),
      usable: consentCurrent && isProfileUsable(profile, config.voiceprint, config.consentVersion),
      threshold: madeByProvider(profile, config.voiceprint) ? config.voiceprint.threshold : null,
    },
    enrollment: enrollment && {
      id: enrollment.id,
      state: enrollment.state,
      startedAt: enrollment.startedAt,
      finishedAt: enrollment.finishedAt,
      errorCode: enrollment.errorCode,
      errorMessage: enrollment.errorMessage,
    },
    apply: apply && {
      state: apply.state,
      total: apply.total,
      processed: apply.processed,
      matched: apply.matched,
      skippedExpired: apply.skippedExpired,
      startedAt: apply.startedAt,
      finishedAt: apply.finishedAt,
    },
  };
}

/** The configured consent version and voiceprint provider (the pipeline's). */
export async function voiceProfileConfig(): Promise<VoiceProfileConfig> {
  const deps = await getPipelineDeps();
  return { consentVersion: deps.voiceConsentVersion, voiceprint: deps.voiceprint };
}

/** The signed-in user's voice-profile state (the GET body); for the route and for server-rendered pages. */
export async function getVoiceProfileState(db: DbOrTx, { userId }: { userId: string }, config?: VoiceProfileConfig): Promise<VoiceProfileState> {
  const [user, profile, resolved] = await Promise.all([getVoiceUserState(db, { userId }), getVoiceProfile(db, { userId }), config ?? voiceProfileConfig()]);
  const empty: VoiceUserState = { voiceConsentVersion: null, voiceConsentedAt: null, voiceEnrollment: null, voiceProfileApply: null };
  return toVoiceProfileState(user ?? empty, profile, resolved);
}
