import "server-only";
import type { Database } from "@/db";
import { wakeSnoozedActionItems } from "@/db/queries/action-items";
import { listCallEvents, deleteEventsOlderThan, insertProcessingEvent } from "@/db/queries/events";
import { deleteArtifactById, listExpiredAudio, listStalledCalls } from "@/db/queries/sweeper";
import type { ObjectStorage } from "@/lib/storage";
import { sweepVoiceSamples } from "@/lib/voice-profile/sweep";
import type { WebhookEmitter } from "@/lib/webhooks/emit";
import { notifyCallFailed } from "@/lib/webhooks/notify";
import { failProcessing } from "./stages";

export interface SweepOptions {
  now: Date;
  stallAfterMs: number;
  eventRetentionMs: number;
  audioRetentionDays: number;
  /** Rows per batch, and batches per run: a sweep never holds the database for long. */
  batchSize?: number;
  maxBatches?: number;
}

export interface SweepResult {
  stalled: number;
  eventsDeleted: number;
  audioExpired: number;
  /** Snoozed action items whose time came: OPEN again. */
  itemsWoken: number;
  /** Raw voice samples a crashed enrollment left behind, deleted. */
  voiceSamplesDeleted: number;
  /** Enrollments RUNNING for too long, ended as FAILED (STALLED). */
  voiceEnrollmentsStalled: number;
}

/**
 * The retention sweep: calls stuck in PROCESSING become FAILED (STALLED) with the stage that stopped marked
 * on their timeline; old processing events are deleted; original audio past its retention is deleted
 * (object, then row) and the call page says it expired; snoozed action items whose time came are OPEN again
 * (reads wake them too, so the inbox never waits for the sweep); voice samples a crashed enrollment left
 * behind are deleted (`lib/voice-profile/sweep.ts`).
 */
export async function sweep(deps: { db: Database; storage: ObjectStorage; workRoot?: string; webhooks?: WebhookEmitter }, options: SweepOptions): Promise<SweepResult> {
  const batchSize = options.batchSize ?? 200;
  const maxBatches = options.maxBatches ?? 10;
  const result: SweepResult = { stalled: 0, eventsDeleted: 0, audioExpired: 0, itemsWoken: 0, voiceSamplesDeleted: 0, voiceEnrollmentsStalled: 0 };
  result.itemsWoken = await wakeSnoozedActionItems(deps.db, { now: options.now });

  const stalled = await listStalledCalls(deps.db, { before: new Date(options.now.getTime() - options.stallAfterMs), limit: batchSize });
  for (const ref of stalled.map((call) => ({ callId: call.id, userId: call.userId }))) {
    const events = await listCallEvents(deps.db, ref);
    const stoppedAt = [...events].reverse().find((event) => event.status === "STARTED");
    if (stoppedAt) {
      await insertProcessingEvent(deps.db, {
        ...ref,
        stage: stoppedAt.stage,
        status: "FAILED",
        provider: stoppedAt.provider,
        errorCode: "STALLED",
        errorMessage: "No progress for too long; stopped so it can be retried.",
      });
    }
    const failed = await failProcessing(deps.db, ref, "STALLED");
    if (failed) {
      result.stalled++;
      // call.failed, as when a run gives up (an enqueue that never throws).
      if (failed.status === "FAILED") await notifyCallFailed({ db: deps.db, webhooks: deps.webhooks }, ref, `stalled-${failed.updatedAt.getTime()}`);
    }
  }

  for (let batch = 0; batch < maxBatches; batch++) {
    const deleted = await deleteEventsOlderThan(deps.db, { olderThan: new Date(options.now.getTime() - options.eventRetentionMs), limit: batchSize });
    result.eventsDeleted += deleted;
    if (deleted < batchSize) break;
  }

  if (options.audioRetentionDays > 0) {
    const before = new Date(options.now.getTime() - options.audioRetentionDays * 24 * 60 * 60_000);
    for (let batch = 0; batch < maxBatches; batch++) {
      const expired = await listExpiredAudio(deps.db, { before, limit: batchSize });
      for (const audio of expired) {
        await deps.storage.delete(audio.storageKey);
        await deleteArtifactById(deps.db, audio.artifactId);
      }
      result.audioExpired += expired.length;
      if (expired.length < batchSize) break;
    }
  }

  const voice = await sweepVoiceSamples(deps, { now: options.now, batchSize, maxBatches });
  result.voiceSamplesDeleted = voice.samplesDeleted;
  result.voiceEnrollmentsStalled = voice.enrollmentsStalled;
  return result;
}
