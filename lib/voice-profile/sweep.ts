import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import type { Database } from "@/db";
import { insertProcessingEvent } from "@/db/queries/events";
import { finishVoiceEnrollment, listUsersWithVoiceEnrollments } from "@/db/queries/voice-profiles";
import { voiceSamplesPrefix, type ObjectStorage } from "@/lib/storage";
import { enrollmentErrors } from "./errors";
import { ORPHAN_SAMPLE_AFTER_MS } from "./limits";

/** Where enrollment attempts decode samples and the upload route spools them (`<workRoot>/voice-enrollment/`). */
export const voiceScratchDir = (workRoot: string) => path.join(workRoot, "voice-enrollment");
export const voiceUploadSpoolDir = (workRoot: string) => path.join(voiceScratchDir(workRoot), "uploads");

export interface VoiceSampleSweepResult {
  samplesDeleted: number;
  enrollmentsStalled: number;
}

/**
 * Nothing of a voice sample may stay in storage: a run deletes its sample when it ends, and this sweep deletes
 * any sample older than `ORPHAN_SAMPLE_AFTER_MS` that a crash left behind (enrollment takes seconds), and
 * ends an enrollment that has been RUNNING that long as FAILED (STALLED). Samples are only ever stored after
 * an enrollment is recorded on the user, so the users with one on record are the only ones to look at.
 */
export async function sweepVoiceSamples(
  deps: { db: Database; storage: ObjectStorage; workRoot?: string },
  { now, batchSize = 200, maxBatches = 10 }: { now: Date; batchSize?: number; maxBatches?: number },
): Promise<VoiceSampleSweepResult> {
  const orphanBefore = now.getTime() - ORPHAN_SAMPLE_AFTER_MS;
  const result: VoiceSampleSweepResult = { samplesDeleted: 0, enrollmentsStalled: 0 };
  let afterUserId: string | null = null;
  for (let batch = 0; batch < maxBatches; batch++) {
    const page = await listUsersWithVoiceEnrollments(deps.db, { afterUserId, limit: batchSize });
    for (const { userId, enrollment } of page) {
      if (enrollment.state === "RUNNING" && Date.parse(enrollment.startedAt) < orphanBefore) {
        const stalled = enrollmentErrors.stalled();
        const ended = await finishVoiceEnrollment(deps.db, {
          userId,
          enrollmentId: enrollment.id,
          outcome: { state: "FAILED", finishedAt: now.toISOString(), errorCode: stalled.code, errorMessage: stalled.message },
        });
        if (ended) {
          await insertProcessingEvent(deps.db, { callId: null, userId, stage: "VOICE_ENROLLMENT", status: "FAILED", errorCode: stalled.code, errorMessage: stalled.message });
          result.enrollmentsStalled++;
        }
      }
      for (const object of await deps.storage.list(voiceSamplesPrefix(userId))) {
        if (object.uploadedAt.getTime() >= orphanBefore) continue;
        await deps.storage.delete(object.key);
        result.samplesDeleted++;
      }
    }
    if (page.length < batchSize) break;
    afterUserId = page.at(-1)!.userId;
  }
  if (deps.workRoot) result.samplesDeleted += await removeOldScratch(voiceScratchDir(deps.workRoot), orphanBefore);
  return result;
}

/** Scratch files of attempts and uploads a crash interrupted: decoded samples, spooled uploads. */
async function removeOldScratch(dir: string, before: number): Promise<number> {
  let removed = 0;
  for (const sub of [dir, path.join(dir, "uploads")]) {
    const entries = await fs.readdir(sub, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (sub === dir && entry.name === "uploads") continue;
      const target = path.join(sub, entry.name);
      const info = await fs.stat(target).catch(() => null);
      if (!info || info.mtimeMs >= before) continue;
      await fs.rm(target, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
