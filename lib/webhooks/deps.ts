import "server-only";
import { getDb } from "@/db";
import { loadEnv } from "@/lib/env";
import { DEFAULT_RETRY_DELAYS_MS, type WebhookDeliveryDeps } from "./deliver";
import { inngestWebhookEmitter } from "./notify";
import type { WebhookServiceDeps } from "./service";

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

/** What the webhook routes and the settings page need. */
export async function getWebhookServiceDeps(): Promise<WebhookServiceDeps> {
  return { db: await getDb(), allowPrivate: loadEnv().webhooks.allowPrivate, webhooks: inngestWebhookEmitter() };
}
