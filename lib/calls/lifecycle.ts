import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import type { Database } from "@/db";
import { deleteCall, findUploadingCall, getCall, listStaleUploads } from "@/db/queries/calls";
import type { CallRecord } from "@/db/schema";
import { callPrefix, type ObjectStorage } from "@/lib/storage";
import { processAlive } from "@/lib/process/alive";

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

/**
 * A multipart upload's spool file: `<callId>.<pid>.part`. The request that writes it is the only way it
 * completes, so once that process is gone (kill -9, a crash) the upload can never finish: the client was cut
 * off and sends the file again. The pid tells a dead server's spool from a live one's on a shared data dir.
 */
export function multipartSpoolPath(spoolDir: string, callId: string): string {
  return path.join(spoolDir, `${callId}.${process.pid}.part`);
}

const MULTIPART_SPOOL = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(\d+)\.part$/;

/**
 * At boot: multipart uploads whose server died mid-body (their spool's pid is gone, or is this new process's
 * own pid reused) are removed at once — call row (and with it the open UPLOAD event), stored objects, spool
 * files — instead of sitting half-saved until the stale-upload sweep a day later. Returns how many.
 */
export async function abandonInterruptedMultipartUploads(deps: { db: Database; storage: ObjectStorage; spoolDir: string }): Promise<number> {
  let names: string[] = [];
  try {
    names = await fs.readdir(/*turbopackIgnore: true*/ deps.spoolDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const match = MULTIPART_SPOOL.exec(name);
    if (!match) continue;
    const [, callId, pid] = match as unknown as [string, string, string];
    if (Number(pid) !== process.pid && processAlive(Number(pid))) continue;
    const call = await findUploadingCall(deps.db, callId);
    if (call) {
      await deps.storage.deletePrefix(callPrefix(call.userId, callId));
      await deleteCall(deps.db, { userId: call.userId, callId });
      removed++;
    }
    await removeSpoolFiles(deps.spoolDir, callId);
  }
  return removed;
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
