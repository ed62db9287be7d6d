import type { Inngest } from "inngest";
import { deleteOldWebhookDeliveries, listStalePendingDeliveries } from "@/db/queries/webhooks";
import { abandonDelivery, attemptDelivery, type WebhookDeliveryDeps } from "@/lib/webhooks/deliver";
import { WEBHOOK_DELIVERY_REQUESTED, webhookDeliveryRequestedData, webhookDeliveryRequestedEvent } from "../events";

/**
 * One webhook delivery: an attempt per step, a durable sleep between attempts (the schedule in
 * lib/webhooks/deliver.ts), so retries survive restarts and hold no worker while they wait. The attempt
 * itself never throws for a receiver's failure (it records it); Inngest's own retries are for ours (the
 * database), and when those are spent `onFailure` gives the delivery up.
 */
export function createDeliverWebhookFunction(client: Inngest.Any, getDeps: () => Promise<WebhookDeliveryDeps>) {
  return client.createFunction(
    {
      id: "deliver-webhook",
      retries: 3,
      concurrency: { limit: 4 },
      triggers: [{ event: WEBHOOK_DELIVERY_REQUESTED }],
      onFailure: async ({ event }) => {
        const request = webhookDeliveryRequestedData.parse((event.data as { event: { data: unknown } }).event.data);
        await abandonDelivery((await getDeps()).db, request);
      },
    },
    async ({ event, step }) => {
      const request = webhookDeliveryRequestedData.parse(event.data);
      const deps = await getDeps();
      for (let attempt = 0; attempt <= deps.retryDelaysMs.length; attempt++) {
        const result = await step.run(`attempt-${attempt + 1}`, () => attemptDelivery(deps, request, attempt));
        if (result.done) return result;
        await step.sleepUntil(`wait-${attempt + 1}`, new Date(result.nextAttemptAt));
      }
      return { done: true, status: "failed" };
    },
  );
}

/** Settled deliveries are kept this long in the log. */
export const WEBHOOK_LOG_RETENTION_MS = 30 * 24 * 60 * 60_000;
/** A pending delivery whose next attempt is this overdue has no run (its enqueue failed): it is queued again. */
export const STALE_PENDING_AFTER_MS = 15 * 60_000;

/**
 * Hourly: queue again the deliveries whose run was never queued (an enqueue that failed after the row was
 * written), and trim the log. Sending the same delivery twice is harmless: an attempt only records on a
 * pending delivery, and receivers dedupe on `webhook-id`.
 */
export function createWebhookSweepFunction(client: Inngest.Any, getDeps: () => Promise<Pick<WebhookDeliveryDeps, "db">>) {
  return client.createFunction({ id: "webhook-sweep", triggers: [{ cron: "17 * * * *" }] }, async ({ step }) => {
    const deps = await getDeps();
    const requeued = await step.run("requeue-stale", async () => {
      const stale = await listStalePendingDeliveries(deps.db, { before: new Date(Date.now() - STALE_PENDING_AFTER_MS), limit: 500 });
      if (stale.length > 0) {
        await client.send(stale.map((row) => webhookDeliveryRequestedEvent({ userId: row.userId, deliveryId: row.id }, `requeue-${row.nextAttemptAt?.getTime() ?? 0}`)));
      }
      return stale.length;
    });
    const deleted = await step.run("trim-log", () => deleteOldWebhookDeliveries(deps.db, { before: new Date(Date.now() - WEBHOOK_LOG_RETENTION_MS) }));
    return { requeued, deleted };
  });
}
