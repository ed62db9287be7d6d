import "server-only";
import type { Database } from "@/db";
import { getArtifact, insertArtifact } from "@/db/queries/artifacts";
import type { ArtifactType, CallArtifact } from "@/db/schema";
import type { ObjectStorage } from "@/lib/storage";

export interface ArtifactDeps {
  db: Database;
  storage: ObjectStorage;
}

/** Postgres unique_violation: the artifact row was written by an earlier attempt. */
function isUniqueViolation(error: unknown): boolean {
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    if ((current as { code?: unknown }).code === "23505") return true;
  }
  return false;
}

/**
 * Stores a stage's JSON result and records it. Bytes first, row second, so a row always points at
 * stored bytes; a retried attempt that finds the row already there keeps the first one.
 */
export async function saveJsonArtifact(
  deps: ArtifactDeps,
  { userId, callId, type, key, value }: { userId: string; callId: string; type: ArtifactType; key: string; value: unknown },
): Promise<CallArtifact> {
  const existing = await getArtifact(deps.db, { userId, callId, type });
  if (existing) return existing;
  const stored = await deps.storage.put(key, JSON.stringify(value), { contentType: "application/json" });
  try {
    return await insertArtifact(deps.db, { callId, artifactType: type, storageKey: key, contentType: "application/json", byteSize: stored.size });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const winner = await getArtifact(deps.db, { userId, callId, type });
    if (!winner) throw error;
    return winner;
  }
}

/** Reads a JSON artifact back, or null when the stage has not produced it. */
export async function loadJsonArtifact<T>(deps: ArtifactDeps, { userId, callId, type }: { userId: string; callId: string; type: ArtifactType }): Promise<T | null> {
  const artifact = await getArtifact(deps.db, { userId, callId, type });
  if (!artifact) return null;
  const object = await deps.storage.get(artifact.storageKey);
  if (!object) return null;
  return JSON.parse(await new Response(object.body).text()) as T;
}
