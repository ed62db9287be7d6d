import "server-only";
import { getDb } from "@/db";
import { loadEnv } from "@/lib/env";
import { getStorage } from "@/lib/storage";
import { recoverCompletedUploads } from "@/lib/uploads/tus";
import { cleanupStaleUploads, uploadSpoolDir } from "./lifecycle";

/** An upload that has received no bytes for this long is taken as abandoned. */
export const STALE_UPLOAD_AFTER_MS = 24 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 60 * 60 * 1000;

const holder = globalThis as unknown as { __scryonUploadSweeper?: NodeJS.Timeout };

/**
 * Finishes uploads a crash left complete, then sweeps stale ones, at boot and hourly in this process. (The pipeline's cron sweeper
 * will take this over; until then the server does it itself.)
 */
export function startUploadSweeper(): void {
  if (holder.__scryonUploadSweeper) return;
  const sweep = async () => {
    try {
      const env = loadEnv();
      const db = await getDb();
      const storage = getStorage();
      const spoolDir = uploadSpoolDir(env.dataDir);
      const recovered = await recoverCompletedUploads({ db, storage, maxUploadBytes: env.maxUploadBytes }, spoolDir);
      if (recovered > 0) console.info(`[uploads] finished ${recovered} upload(s) that were complete when the server stopped`);
      const removed = await cleanupStaleUploads({ db, storage, spoolDir }, { olderThan: new Date(Date.now() - STALE_UPLOAD_AFTER_MS) });
      if (removed > 0) console.info(`[uploads] removed ${removed} upload(s) that stopped more than a day ago`);
    } catch (error) {
      console.error("[uploads] stale-upload sweep failed", error);
    }
  };
  void sweep();
  holder.__scryonUploadSweeper = setInterval(sweep, SWEEP_EVERY_MS);
  holder.__scryonUploadSweeper.unref();
}
