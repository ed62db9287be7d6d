import type { InngestFunction } from "inngest";
import { uploadSpoolDir } from "@/lib/calls/lifecycle";
import { STALE_UPLOAD_AFTER_MS } from "@/lib/calls/upload-sweeper";
import { loadEnv } from "@/lib/env";
import { getPipelineDeps } from "@/lib/pipeline/deps";
import { getInngest } from "../client";
import { getDb } from "@/db";
import { getWebhookDeliveryDeps } from "@/lib/webhooks/deps";
import { createApplyVoiceProfileFunction } from "./apply-voice-profile";
import { createDeliverWebhookFunction, createWebhookSweepFunction } from "./deliver-webhook";
import { createEnrollVoiceFunction } from "./enroll-voice";
import { createProcessCallFunction } from "./process-call";
import { createSweepFunction } from "./sweep";

let functions: InngestFunction.Any[] | null = null;

/** Every Inngest function of the app, served at /api/inngest (or run by the embedded engine). Built on first use. */
export function getFunctions(): InngestFunction.Any[] {
  functions ??= [
    createProcessCallFunction(getInngest(), getPipelineDeps),
    createEnrollVoiceFunction(getInngest(), getPipelineDeps),
    createApplyVoiceProfileFunction(getInngest(), getPipelineDeps),
    createDeliverWebhookFunction(getInngest(), getWebhookDeliveryDeps),
    createWebhookSweepFunction(getInngest(), async () => ({ db: await getDb() })),
    createSweepFunction(getInngest(), getPipelineDeps, () => {
      const env = loadEnv();
      return {
        stallAfterMs: env.stallAfterMs,
        eventRetentionMs: env.eventRetentionMs,
        spoolDir: uploadSpoolDir(env.dataDir),
        staleUploadAfterMs: STALE_UPLOAD_AFTER_MS,
      };
    }),
  ];
  return functions;
}
