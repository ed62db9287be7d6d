import "server-only";
import { getInngest } from "@/inngest/client";
import { callQueuedEvent } from "@/inngest/events";
import type { Database } from "@/db";
import { getCall, listCallsByStatus, transitionCallStatus } from "@/db/queries/calls";
import type { CallRecord } from "@/db/schema";
import { AppError } from "@/lib/http/errors";

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
 * At boot: a call that became QUEUED just before a crash may never have reached the pipeline. Sending its
 * upload event again is harmless (same event id), and it means no call waits forever.
 */
export async function resendQueuedCalls(db: Database): Promise<number> {
  const queued = await listCallsByStatus(db, { status: "QUEUED", limit: 500 });
  for (const call of queued) await enqueueCall(call);
  return queued.length;
}
