import "server-only";
import type { Database } from "@/db";
import { deleteOldWebhookDeliveries, listStalePendingDeliveries } from "@/db/queries/webhooks";
import { webhookDeliveryRequestedEvent } from "@/inngest/events";
import type { WebhookEmitter } from "./emit";

/** Settled deliveries are kept this long in the log. */
export const WEBHOOK_LOG_RETENTION_MS = 30 * 24 * 60 * 60_000;
/** A pending delivery whose next attempt is this overdue has no run (its enqueue failed, or its run was lost): it is queued again. */
export const STALE_PENDING_AFTER_MS = 15 * 60_000;

/**
 * Queues again the deliveries whose run was never queued, and trims the log. Sending one twice is harmless:
 * an attempt only records on a pending delivery, and receivers dedupe on `webhook-id`.
 */
export async function sweepWebhookDeliveries(db: Database, emitter: Pick<WebhookEmitter, "send">, now = new Date()): Promise<{ requeued: number; deleted: number }> {
  const stale = await listStalePendingDeliveries(db, { before: new Date(now.getTime() - STALE_PENDING_AFTER_MS), limit: 500 });
  if (stale.length > 0) {
    await emitter.send(stale.map((row) => webhookDeliveryRequestedEvent({ userId: row.userId, deliveryId: row.id }, `requeue-${row.nextAttemptAt?.getTime() ?? 0}`)));
  }
  const deleted = await deleteOldWebhookDeliveries(db, { before: new Date(now.getTime() - WEBHOOK_LOG_RETENTION_MS) });
  return { requeued: stale.length, deleted };
}
