import "server-only";
import { getInngest } from "@/inngest/client";
import { callQueuedEvent } from "@/inngest/events";
import type { Database } from "@/db";
import { getArtifact } from "@/db/queries/artifacts";
import { getCall, listCallsByStatus, transitionCallStatus } from "@/db/queries/calls";
import { deleteArtifactById } from "@/db/queries/sweeper";
import type { CallRecord } from "@/db/schema";
import { AppError } from "@/lib/http/errors";
import type { ObjectStorage } from "@/lib/storage";

/** Hands a QUEUED call to the pipeline. The event id makes a repeated send harmless. */
export async function enqueueCall(call: Pick<CallRecord, "id" | "userId">, attempt = "upload"): Promise<void> {
  await getInngest().send(callQueuedEvent({ callId: call.id, userId: call.userId }, attempt));
}

/** FAILED → QUEUED, then a new pipeline run; finished stages are skipped, so it resumes where it failed. */
export async function retryCall(db: Database, { userId, callId }: { userId: string; callId: string }): Promise<CallRecord> {
  const call = await getCall(db, { userId, callId });
  if (!call) throw new AppError("NOT_FOUND", "Call not found.");
  if (call.status !== "FAILED") throw new AppError("CONFLICT", "Only a call whose processing failed can be retried.");
  const queued = await transitionCallStatus(db, { callId, from: "FAILED", to: "QUEUED" });
  await enqueueCall(queued, `retry-${queued.updatedAt.getTime()}`);
  return queued;
}

/**
 * COMPLETED → QUEUED with the analysis removed: the run skips every stage up to ANALYSIS (the transcript is
 * kept, the audio not needed), and the new analysis replaces only generated items nobody touched.
 */
export async function reanalyzeCall(deps: { db: Database; storage: ObjectStorage }, { userId, callId }: { userId: string; callId: string }): Promise<CallRecord> {
  const call = await getCall(deps.db, { userId, callId });
  if (!call) throw new AppError("NOT_FOUND", "Call not found.");
  if (call.status !== "COMPLETED") throw new AppError("CONFLICT", "Only a processed call can be analysed again.");
  if (!(await getArtifact(deps.db, { userId, callId, type: "NORMALIZED_TRANSCRIPT_JSON" }))) {
    throw new AppError("CONFLICT", "This call has no transcript to analyse.");
  }
  // The status and the analysis row change together (a failure leaves the call COMPLETED with its analysis);
  // the object goes after the commit — if that fails, the next analysis overwrites the same key.
  const { queued, analysis } = await deps.db.transaction(async (tx) => {
    const queued = await transitionCallStatus(tx, { callId, from: "COMPLETED", to: "QUEUED" });
    const analysis = await getArtifact(tx, { userId, callId, type: "ANALYSIS_JSON" });
    if (analysis) await deleteArtifactById(tx, analysis.id);
    return { queued, analysis };
  });
  if (analysis) await deps.storage.delete(analysis.storageKey).catch((error: unknown) => console.warn("[reanalyze] the old analysis object stays until it is overwritten", error));
  await enqueueCall(queued, `reanalyze-${queued.updatedAt.getTime()}`);
  return queued;
}

/**
 * At boot: a call that became QUEUED just before a crash may never have reached the pipeline. Sending its
 * upload event again is harmless (same event id), and it means no call waits forever.
 */
export async function resendQueuedCalls(db: Database): Promise<number> {
  const queued = await listCallsByStatus(db, { status: "QUEUED", limit: 500 });
  for (const call of queued) await enqueueCall(call);
  return queued.length;
}
