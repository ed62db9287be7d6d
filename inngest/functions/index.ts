import { uploadSpoolDir } from "@/lib/calls/lifecycle";
import { STALE_UPLOAD_AFTER_MS } from "@/lib/calls/upload-sweeper";
import { loadEnv } from "@/lib/env";
import { getPipelineDeps } from "@/lib/pipeline/deps";
import { inngest } from "../client";
import { createProcessCallFunction } from "./process-call";
import { createSweepFunction } from "./sweep";

/** Every Inngest function of the app, served at /api/inngest (or run by the embedded engine). */
export const functions = [
  createProcessCallFunction(inngest, getPipelineDeps),
  createSweepFunction(inngest, getPipelineDeps, () => {
    const env = loadEnv();
    return {
      stallAfterMs: env.stallAfterMs,
      eventRetentionMs: env.eventRetentionMs,
      spoolDir: uploadSpoolDir(env.dataDir),
      staleUploadAfterMs: STALE_UPLOAD_AFTER_MS,
    };
  }),
];
