// Runs once when the server boots: fail fast on bad configuration, and migrate the database before the
// first request instead of during it.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { loadEnv, EnvError } = await import("./lib/env");
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
  const { getDb } = await import("./db");
  await getDb();
  const { startEmbeddedPipeline } = await import("./lib/pipeline/embedded");
  await startEmbeddedPipeline();
  const { recoverUploadsAtBoot } = await import("./lib/calls/upload-sweeper");
  await recoverUploadsAtBoot();
  const { resendQueuedCalls } = await import("./lib/pipeline/enqueue");
  await resendQueuedCalls(await getDb());
}
