import "server-only";
import type { DbOrTx } from "@/db";
import { insertWebhookDeliveries, listSubscribedEndpoints } from "@/db/queries/webhooks";
import type { WebhookDelivery } from "@/db/schema";
import { webhookDeliveryRequestedEvent } from "@/inngest/events";
import type { WebhookEventType } from "./events";
import { messageIdFor } from "./signature";

type QueuedEvent = ReturnType<typeof webhookDeliveryRequestedEvent>;

/** How webhook events leave the process: an enqueue (an Inngest event per delivery), never a request. */
export interface WebhookEmitter {
  send(events: QueuedEvent[]): Promise<unknown>;
  /** The app's public base URL, for links in payloads. */
  publicUrl(): string;
}

export interface WebhookEvent {
  userId: string;
  type: WebhookEventType;
  /** What makes this event this event (e.g. the pipeline run's event id): the same key gives the same `webhook-id`. */
  key: string;
  occurredAt: Date;
  /** Endpoints added after this are left out (an item created before an endpoint existed is not "created" for it). */
  onlyEndpointsCreatedBy?: Date;
  /** Built only when some endpoint takes the event. */
  data: (publicUrl: string) => Promise<Record<string, unknown>>;
}

/**
 * Records one delivery per subscribed endpoint and queues a run for each. A key seen before adds nothing
 * (unique per endpoint and message id), so a re-run step may emit again safely. Throws on failure: callers
 * on a user's path use `emitSafely`.
 */
export async function emitWebhookEvent(db: DbOrTx, emitter: WebhookEmitter, event: WebhookEvent): Promise<WebhookDelivery[]> {
  const endpoints = (await listSubscribedEndpoints(db, { userId: event.userId, eventType: event.type })).filter(
    (endpoint) => !event.onlyEndpointsCreatedBy || endpoint.createdAt <= event.onlyEndpointsCreatedBy,
  );
  if (endpoints.length === 0) return [];
  const payload = { type: event.type, timestamp: event.occurredAt.toISOString(), data: await event.data(emitter.publicUrl()) };
  const msgId = messageIdFor(`${event.type}:${event.key}`);
  const inserted = await insertWebhookDeliveries(
    db,
    endpoints.map((endpoint) => ({ endpointId: endpoint.id, userId: event.userId, eventType: event.type, msgId, payload, nextAttemptAt: new Date() })),
  );
  if (inserted.length > 0) await emitter.send(inserted.map((delivery) => webhookDeliveryRequestedEvent({ userId: event.userId, deliveryId: delivery.id })));
  return inserted;
}

/**
 * For the pipeline and request handlers: a webhook never fails or slows what caused it beyond this
 * enqueue. A failure is logged (type and ids only: no payload, no secret) and swallowed; a delivery row
 * whose run was never queued is picked up by the webhook sweep.
 */
export async function emitSafely(db: DbOrTx, emitter: WebhookEmitter, event: WebhookEvent): Promise<void> {
  try {
    await emitWebhookEvent(db, emitter, event);
  } catch (error) {
    console.warn(`[webhooks] could not queue ${event.type} for user ${event.userId}:`, error instanceof Error ? error.message : error);
  }
}
