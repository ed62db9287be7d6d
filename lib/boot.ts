import { EnvError, loadEnv } from "./env";

/**
 * The Node server's start: fail fast on bad configuration, migrate the database before the first request,
 * start the embedded pipeline, finish uploads a crash interrupted, re-send calls left queued, and continue
 * interrupted model downloads.
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
}
