import "server-only";
import { getDb } from "@/db";
import { loadEnv } from "@/lib/env";
import { enqueueCall } from "@/lib/pipeline/enqueue";
import { getStorage } from "@/lib/storage";
import { recoverCompletedUploads } from "@/lib/uploads/tus";
import { startRecordingFinalizer } from "@/lib/recording/server";
import { abandonInterruptedMultipartUploads, cleanupStaleUploads, uploadSpoolDir } from "./lifecycle";

/** An upload that has received no bytes for this long is taken as abandoned. */
export const STALE_UPLOAD_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * At boot: finish uploads a crash left complete (and hand them to the pipeline), then sweep stale ones.
 * From then on the pipeline's cron sweep removes stale uploads every ten minutes.
 */
export async function recoverUploadsAtBoot(): Promise<void> {
  try {
    const env = loadEnv();
    const db = await getDb();
    const storage = getStorage();
    const spoolDir = uploadSpoolDir(env.dataDir);
    const recovered = await recoverCompletedUploads({ db, storage, maxUploadBytes: env.maxUploadBytes, onQueued: (call) => enqueueCall(call) }, spoolDir);
    if (recovered > 0) console.info(`[uploads] finished ${recovered} upload(s) that were complete when the server stopped`);
    const cut = await abandonInterruptedMultipartUploads({ db, storage, spoolDir });
    if (cut > 0) console.info(`[uploads] removed ${cut} multipart upload(s) cut off when the server stopped`);
    const removed = await cleanupStaleUploads({ db, storage, spoolDir }, { olderThan: new Date(Date.now() - STALE_UPLOAD_AFTER_MS) });
    if (removed > 0) console.info(`[uploads] removed ${removed} upload(s) that stopped more than a day ago`);
    startRecordingFinalizer(async () => ({ db, storage, spoolDir, timeZone: env.timeZone, maxUploadBytes: env.maxUploadBytes, onQueued: (call) => enqueueCall(call) }), env.recordingFinalizeMs);
  } catch (error) {
    console.error("[uploads] recovering uploads at boot failed", error);
  }
}
