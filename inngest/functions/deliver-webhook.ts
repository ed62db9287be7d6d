import type { Inngest } from "inngest";
import { abandonDelivery, attemptDelivery, type WebhookDeliveryDeps } from "@/lib/webhooks/deliver";
import { sweepWebhookDeliveries } from "@/lib/webhooks/sweep";
import { WEBHOOK_DELIVERY_REQUESTED, webhookDeliveryRequestedData } from "../events";

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

/** Hourly: queue again the deliveries whose run was lost, and trim the log (lib/webhooks/sweep.ts). */
export function createWebhookSweepFunction(client: Inngest.Any, getDeps: () => Promise<Pick<WebhookDeliveryDeps, "db">>) {
  return client.createFunction({ id: "webhook-sweep", triggers: [{ cron: "17 * * * *" }] }, async ({ step }) => {
    const deps = await getDeps();
    return step.run("sweep", () => sweepWebhookDeliveries(deps.db, { send: (events) => client.send(events) }));
  });
}
