import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import type { Database } from "@/db";
import { deleteCall, getCall, listStaleUploads } from "@/db/queries/calls";
import type { CallRecord } from "@/db/schema";
import { callPrefix, type ObjectStorage } from "@/lib/storage";

/**
 * Deletes a user's call: its objects first (so a storage failure leaves the call visible and the delete
 * can be retried, never orphaned bytes), then the row — artifacts, action items and events cascade.
 * Returns null when the call does not exist for this user.
 */
export async function deleteCallEverywhere(
  deps: { db: Database; storage: ObjectStorage },
  { userId, callId }: { userId: string; callId: string },
): Promise<CallRecord | null> {
  const call = await getCall(deps.db, { userId, callId });
  if (!call) return null;
  await deps.storage.deletePrefix(callPrefix(userId, callId));
  return deleteCall(deps.db, { userId, callId });
}

/** Where uploads are spooled before they are checked and moved to object storage. */
export function uploadSpoolDir(dataDir: string): string {
  return path.join(dataDir, "uploads");
}

/**
 * Removes uploads that stopped (browser closed, server died) before `olderThan`: their rows, any objects
 * and their spooled bytes. Bounded per run. The browser still holds the file and offers to upload it again.
 */
export async function cleanupStaleUploads(
  deps: { db: Database; storage: ObjectStorage; spoolDir: string },
  { olderThan, limit = 100 }: { olderThan: Date; limit?: number },
): Promise<number> {
  const stale = await listStaleUploads(deps.db, { olderThan, limit });
  for (const { id, userId } of stale) {
    await deps.storage.deletePrefix(callPrefix(userId, id));
    await removeSpoolFiles(deps.spoolDir, id);
    await deleteCall(deps.db, { userId, callId: id });
  }
  return stale.length;
}

/** Spool files are named after the call id (`<id>`, `<id>.json`, `<id>.part`…), in the spool dir or its tus/ folder. */
export async function removeSpoolFiles(spoolDir: string, callId: string): Promise<void> {
  for (const dir of [spoolDir, path.join(spoolDir, "tus")]) {
    let names: string[] = [];
    try {
      names = await fs.readdir(/*turbopackIgnore: true*/ dir);
    } catch {
      continue;
    }
    await Promise.all(names.filter((name) => name.startsWith(callId)).map((name) => fs.rm(path.join(dir, name), { force: true })));
  }
}
