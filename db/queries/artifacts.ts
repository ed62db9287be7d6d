import "server-only";
import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "../client";
import { callArtifacts, callRecords, type ArtifactType, type CallArtifact, type NewCallArtifact } from "../schema";
import { isUuid } from "./ids";

/** Records an artifact whose bytes are already stored. A second row of the same type for a call is refused. */
export async function insertArtifact(db: DbOrTx, artifact: Omit<NewCallArtifact, "id" | "createdAt">): Promise<CallArtifact> {
  const [row] = await db.insert(callArtifacts).values(artifact).returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

/** One artifact of a user's call, or null (also for another user's call). */
export async function getArtifact(
  db: DbOrTx,
  { userId, callId, type }: { userId: string; callId: string; type: ArtifactType },
): Promise<CallArtifact | null> {
  if (!isUuid(callId)) return null;
  const [row] = await db
    .select({ artifact: callArtifacts })
    .from(callArtifacts)
    .innerJoin(callRecords, eq(callRecords.id, callArtifacts.callId))
    .where(and(eq(callArtifacts.callId, callId), eq(callArtifacts.artifactType, type), eq(callRecords.userId, userId)))
    .limit(1);
  return row?.artifact ?? null;
}

export async function listArtifacts(db: DbOrTx, { userId, callId }: { userId: string; callId: string }): Promise<CallArtifact[]> {
  if (!isUuid(callId)) return [];
  const rows = await db
    .select({ artifact: callArtifacts })
    .from(callArtifacts)
    .innerJoin(callRecords, eq(callRecords.id, callArtifacts.callId))
    .where(and(eq(callArtifacts.callId, callId), eq(callRecords.userId, userId)));
  return rows.map((row) => row.artifact);
}

/** An artifact rewritten in place (a renamed speaker in the transcript): its row follows the new bytes. */
export async function updateArtifactSize(db: DbOrTx, { artifactId, byteSize }: { artifactId: string; byteSize: number }): Promise<void> {
  await db.update(callArtifacts).set({ byteSize }).where(eq(callArtifacts.id, artifactId));
}
