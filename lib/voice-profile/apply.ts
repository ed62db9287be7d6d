import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { getArtifact } from "@/db/queries/artifacts";
import { getCall } from "@/db/queries/calls";
import { getUserById } from "@/db/queries/users";
import { claimVoiceApply, getVoiceProfile, getVoiceUserState, listCompletedCallIds, updateVoiceApply } from "@/db/queries/voice-profiles";
import type { VoiceApplyState } from "@/db/schema";
import { AppError } from "@/lib/http/errors";
import { loadJsonArtifact } from "@/lib/pipeline/artifacts";
import { StageError } from "@/lib/pipeline/errors";
import { ensurePreparedAudio, type PipelineDeps } from "@/lib/pipeline/stages";
import { resolveSpeakers } from "@/lib/speakers/resolve";
import { saveSpeakerChanges } from "@/lib/speakers/update";
import type { DiarizationResult } from "@/lib/speech/types";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import { isProfileUsable } from "./usable";

/**
 * "Find me in my earlier calls": the speaker resolution of the NORMALIZATION stage run again, with the
 * user's (now existing) profile, on processed calls that have nobody marked as the user. It needs the
 * original audio (calls whose audio expired are skipped and counted) and the stored diarization; the
 * transcript and the action-item owners are rewritten the way a speaker edit rewrites them. Calls whose
 * speakers the user edited by hand are left as the user made them.
 */

/** At most this many calls per run (oldest first); a later run picks up the rest. */
export const MAX_APPLY_CALLS = 1000;
/** A RUNNING apply older than this no longer blocks a new one (its run died). */
export const APPLY_STALE_AFTER_MS = 6 * 60 * 60_000;

export type CallApplyOutcome = "matched" | "unmatched" | "skipped-expired" | "not-eligible" | "profile-gone";

/** The user (or the voiceprint) already settled who is who in this transcript. */
export function speakersSettled(transcript: NormalizedTranscript): boolean {
  if (transcript.speakersEditedAt) return true;
  return transcript.speakers.some((speaker) => speaker.role !== "UNKNOWN" || speaker.displayName !== null);
}

/** Starts a run for the user: 409 without a usable profile or while one runs. Returns the new run's state. */
export async function startApply(deps: PipelineDeps, { userId, now = new Date() }: { userId: string; now?: Date }): Promise<VoiceApplyState> {
  const [profile, user] = await Promise.all([getVoiceProfile(deps.db, { userId }), getVoiceUserState(deps.db, { userId })]);
  const consentCurrent = user?.voiceConsentVersion === deps.voiceConsentVersion && user.voiceConsentedAt !== null;
  if (!profile || !consentCurrent || !isProfileUsable(profile, deps.voiceprint, deps.voiceConsentVersion)) {
    throw new AppError("CONFLICT", "There is no voice profile that can be used now: record one (or consent to the current text) first.", { reason: "PROFILE_NOT_USABLE" });
  }
  const apply: VoiceApplyState = {
    id: randomUUID(),
    state: "RUNNING",
    total: 0,
    processed: 0,
    matched: 0,
    skippedExpired: 0,
    startedAt: now.toISOString(),
    finishedAt: null,
  };
  const claimed = await claimVoiceApply(deps.db, { userId, apply, staleBefore: new Date(now.getTime() - APPLY_STALE_AFTER_MS) });
  if (!claimed) throw new AppError("CONFLICT", "Scryon is already looking for you in your earlier calls.", { reason: "APPLY_RUNNING" });
  return apply;
}

/** The user's processed calls that have a transcript with nobody marked as the user and no hand edits. */
export async function listApplyCandidates(deps: PipelineDeps, { userId }: { userId: string }): Promise<string[]> {
  const candidates: string[] = [];
  for (const callId of await listCompletedCallIds(deps.db, { userId, limit: MAX_APPLY_CALLS })) {
    const transcript = await loadJsonArtifact<NormalizedTranscript>(deps, { userId, callId, type: "NORMALIZED_TRANSCRIPT_JSON" });
    if (transcript && !speakersSettled(transcript)) candidates.push(callId);
  }
  return candidates;
}

/** Resolves the user's speaker in one call with their profile; rewrites the call only when the user was found. */
export async function findUserInCall(deps: PipelineDeps, ref: { userId: string; callId: string }): Promise<CallApplyOutcome> {
  const [call, user, profile] = await Promise.all([getCall(deps.db, ref), getUserById(deps.db, ref.userId), getVoiceProfile(deps.db, ref)]);
  if (!user || !profile || !isProfileUsable(profile, deps.voiceprint, deps.voiceConsentVersion)) return "profile-gone";
  if (!call || call.status !== "COMPLETED") return "not-eligible";
  const artifact = await getArtifact(deps.db, { ...ref, type: "NORMALIZED_TRANSCRIPT_JSON" });
  const transcript = artifact ? await loadJsonArtifact<NormalizedTranscript>(deps, { ...ref, type: "NORMALIZED_TRANSCRIPT_JSON" }) : null;
  const diarization = await loadJsonArtifact<DiarizationResult>(deps, { ...ref, type: "DIARIZATION_JSON" });
  // Checked again: the user may have edited the call since the run listed it.
  if (!artifact || !transcript || !diarization || speakersSettled(transcript) || diarization.speakers.length === 0) return "not-eligible";
  if (!(await getArtifact(deps.db, { ...ref, type: "TEMP_AUDIO" }))) return "skipped-expired";

  try {
    const audio = await ensurePreparedAudio(deps, ref);
    const matches = await deps.voiceprint.identify(audio, diarization, [{ userId: ref.userId, embedding: profile.embeddingJson }]);
    const resolved = resolveSpeakers(transcript, {
      user: { id: user.id, displayName: user.displayName },
      call: { contactName: call.contactName },
      matches,
    });
    if (!resolved.speakers.some((speaker) => speaker.role === "SELF")) return "unmatched";
    await saveSpeakerChanges(deps, { callId: ref.callId, artifact, before: transcript, after: resolved });
    return "matched";
  } catch (error) {
    // The audio expired between the check and the read.
    if (error instanceof StageError && error.code === "AUDIO_MISSING") return "skipped-expired";
    throw error;
  } finally {
    await fs.rm(path.join(deps.workRoot, ref.callId), { recursive: true, force: true });
  }
}

/** Records a call's outcome in the run's progress; false when the run was cancelled (profile deleted) meanwhile. */
export async function recordApplyProgress(
  deps: PipelineDeps,
  { userId, applyId, progress }: { userId: string; applyId: string; progress: Pick<VoiceApplyState, "total" | "processed" | "matched" | "skippedExpired"> },
): Promise<boolean> {
  return updateVoiceApply(deps.db, { userId, applyId, patch: progress });
}

export async function finishApply(deps: PipelineDeps, { userId, applyId, state }: { userId: string; applyId: string; state: "DONE" | "FAILED" }): Promise<void> {
  await updateVoiceApply(deps.db, { userId, applyId, patch: { state, finishedAt: new Date().toISOString() } });
}
