import "server-only";
import { and, eq, gte, inArray, lt, notExists, sql } from "drizzle-orm";
import type { DbOrTx } from "../client";
import { callArtifacts, callProcessingEvents, callRecords } from "../schema";

/** System queries for the sweeper (all users; bounded batches). */

/** Calls in PROCESSING with no progress (no status change, no stage event) since `before`. */
export async function listStalledCalls(db: DbOrTx, { before, limit }: { before: Date; limit: number }) {
  return db
    .select({ id: callRecords.id, userId: callRecords.userId })
    .from(callRecords)
    .where(
      and(
        eq(callRecords.status, "PROCESSING"),
        lt(callRecords.updatedAt, before),
        notExists(
          db
            .select({ one: sql`1` })
            .from(callProcessingEvents)
            .where(and(eq(callProcessingEvents.callId, callRecords.id), gte(callProcessingEvents.createdAt, before))),
        ),
      ),
    )
    .limit(limit);
}

/** Original recordings kept longer than the retention window, on calls that are no longer being processed. */
export async function listExpiredAudio(db: DbOrTx, { before, limit }: { before: Date; limit: number }) {
  return db
    .select({ artifactId: callArtifacts.id, storageKey: callArtifacts.storageKey, callId: callArtifacts.callId })
    .from(callArtifacts)
    .innerJoin(callRecords, eq(callRecords.id, callArtifacts.callId))
    .where(
      and(
        eq(callArtifacts.artifactType, "TEMP_AUDIO"),
        lt(callArtifacts.createdAt, before),
        inArray(callRecords.status, ["COMPLETED", "FAILED"]),
      ),
    )
    .limit(limit);
}

export async function deleteArtifactById(db: DbOrTx, artifactId: string): Promise<void> {
  await db.delete(callArtifacts).where(eq(callArtifacts.id, artifactId));
}
