import type { Inngest } from "inngest";
import { cleanupStaleUploads } from "@/lib/calls/lifecycle";
import { sweep, type SweepOptions } from "@/lib/pipeline/sweeper";
import type { PipelineDeps } from "@/lib/pipeline/stages";

/** Every 10 minutes: stalled calls, event retention, audio retention, orphan voice samples, abandoned uploads. */
export function createSweepFunction(
  client: Inngest.Any,
  getDeps: () => Promise<PipelineDeps>,
  settings: () => Omit<SweepOptions, "now" | "audioRetentionDays"> & { spoolDir: string; staleUploadAfterMs: number },
) {
  return client.createFunction({ id: "retention-sweep", retries: 1, triggers: [{ cron: "*/10 * * * *" }] }, async ({ step }) => {
    const deps = await getDeps();
    const config = settings();
    const swept = await step.run("sweep", () =>
      sweep(deps, { ...config, now: new Date(), audioRetentionDays: deps.audioRetentionDays }),
    );
    const uploadsRemoved = await step.run("stale-uploads", () =>
      cleanupStaleUploads({ ...deps, spoolDir: config.spoolDir }, { olderThan: new Date(Date.now() - config.staleUploadAfterMs) }),
    );
    return { ...swept, uploadsRemoved };
  });
}
