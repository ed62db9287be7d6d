import { EnvError, loadEnv } from "./env";

/**
 * The Node server's start: fail fast on bad configuration, migrate the database before the first request,
 * start the embedded pipeline, finish uploads a crash interrupted, re-send calls left queued, continue
 * interrupted model downloads, and index for search what is not indexed yet.
 * (Kept out of instrumentation.ts, which Next also compiles for the Edge runtime.)
 */
export async function boot(): Promise<void> {
  try {
    loadEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      // A server that cannot be configured must not come up half-working.
      console.error(`\n${error.message}\n\nFix these settings (see README, "Configuration") and start again.\n`);
      process.exit(1);
    }
    throw error;
  }
  const { getDb } = await import("@/db");
  await getDb();
  const { startEmbeddedPipeline } = await import("./pipeline/embedded");
  await startEmbeddedPipeline();
  const { recoverUploadsAtBoot } = await import("./calls/upload-sweeper");
  await recoverUploadsAtBoot();
  const { resendQueuedCalls } = await import("./pipeline/enqueue");
  await resendQueuedCalls(await getDb());
  // Model downloads from Settings → Speech that a stop interrupted continue where their partial file ends.
  const { resumeModelDownloadsAtBoot } = await import("./admin/speech");
  await resumeModelDownloadsAtBoot();
  // Calls processed before search existed (or whose indexing a crash cut short) become searchable, in the
  // background: idempotent, one anti-join per kind when nothing is missing, never in the way of requests.
  const [{ backfillSearchIndex }, { getStorage }] = await Promise.all([import("./search/indexer"), import("./storage")]);
  void backfillSearchIndex({ db: await getDb(), storage: getStorage() }, { log: (message) => console.warn(`[search] ${message}`) })
    .then((done) => {
      if (done.transcripts + done.summaries + done.actionItems > 0) console.log(`[search] indexed ${done.transcripts} transcripts, ${done.summaries} summaries, ${done.actionItems} action items from before`);
    })
    .catch((error: unknown) => console.error("[search] the backfill at boot failed; `npm run search:backfill` runs it by hand", error));
}
