import "server-only";
import { getDb } from "@/db";
import { loadEnv } from "@/lib/env";
import { DEFAULT_RETRY_DELAYS_MS, type WebhookDeliveryDeps } from "./deliver";

/** The delivery run's dependencies for this process, from config. */
export async function getWebhookDeliveryDeps(): Promise<WebhookDeliveryDeps> {
  const env = loadEnv();
  return {
    db: await getDb(),
    timeoutMs: env.webhooks.timeoutMs,
    allowPrivate: env.webhooks.allowPrivate,
    disableAfterFailures: env.webhooks.disableAfterFailures,
    retryDelaysMs: DEFAULT_RETRY_DELAYS_MS,
  };
}
