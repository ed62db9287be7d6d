import "server-only";
import { and, asc, desc, eq, inArray, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "../client";
import { callProcessingEvents, callRecords, type CallProcessingEvent, type NewCallProcessingEvent, type ProcessingStage } from "../schema";
import { isUuid } from "./ids";

export async function insertProcessingEvent(db: DbOrTx, event: Omit<NewCallProcessingEvent, "id" | "createdAt">): Promise<CallProcessingEvent> {
  const [row] = await db.insert(callProcessingEvents).values(event).returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

/** The latest event of one stage of a call (the pipeline's own bookkeeping; the call id comes from the run). */
export async function latestStageEvent(db: DbOrTx, { callId, stage }: { callId: string; stage: ProcessingStage }): Promise<CallProcessingEvent | null> {
  if (!isUuid(callId)) return null;
  const [row] = await db
    .select()
    .from(callProcessingEvents)
    .where(and(eq(callProcessingEvents.callId, callId), eq(callProcessingEvents.stage, stage)))
    .orderBy(desc(callProcessingEvents.createdAt), desc(callProcessingEvents.id))
    .limit(1);
  return row ?? null;
}

/** A user's call's events, oldest first (the timeline). Another user's call has none. */
export async function listCallEvents(db: DbOrTx, { userId, callId }: { userId: string; callId: string }): Promise<CallProcessingEvent[]> {
  if (!isUuid(callId)) return [];
  const rows = await db
    .select({ event: callProcessingEvents })
    .from(callProcessingEvents)
    .innerJoin(callRecords, eq(callRecords.id, callProcessingEvents.callId))
    .where(and(eq(callProcessingEvents.callId, callId), eq(callRecords.userId, userId)))
    .orderBy(asc(callProcessingEvents.createdAt), asc(callProcessingEvents.id));
  return rows.map((row) => row.event);
}

/** Retention: deletes up to `limit` events older than `olderThan`; returns how many went. */
export async function deleteEventsOlderThan(db: DbOrTx, { olderThan, limit }: { olderThan: Date; limit: number }): Promise<number> {
  const doomed = db
    .select({ id: callProcessingEvents.id })
    .from(callProcessingEvents)
    .where(lt(callProcessingEvents.createdAt, olderThan))
    .limit(limit);
  const deleted = await db.delete(callProcessingEvents).where(inArray(callProcessingEvents.id, doomed)).returning({ id: callProcessingEvents.id });
  return deleted.length;
}

/** How many times each stage of a call was started (attempts, for the timeline). */
export async function countStageAttempts(db: DbOrTx, callId: string) {
  return db
    .select({ stage: callProcessingEvents.stage, attempts: sql<number>`count(*)::int` })
    .from(callProcessingEvents)
    .where(and(eq(callProcessingEvents.callId, callId), eq(callProcessingEvents.status, "STARTED")))
    .groupBy(callProcessingEvents.stage);
}

/** The stage each of these calls is at: its latest event's stage (for the call list). Callers pass their own calls' ids. */
export async function latestStages(db: DbOrTx, callIds: string[]): Promise<Map<string, ProcessingStage>> {
  if (callIds.length === 0) return new Map();
  const rows = await db
    .selectDistinctOn([callProcessingEvents.callId], { callId: callProcessingEvents.callId, stage: callProcessingEvents.stage })
    .from(callProcessingEvents)
    .where(inArray(callProcessingEvents.callId, callIds))
    .orderBy(callProcessingEvents.callId, desc(callProcessingEvents.createdAt), desc(callProcessingEvents.id));
  return new Map(rows.flatMap((row) => (row.callId ? [[row.callId, row.stage] as const] : [])));
}
