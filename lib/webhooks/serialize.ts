import type { WebhookDelivery, WebhookEndpoint } from "@/db/schema";

/** The endpoint as the API and the page show it; the secret is its owner's to see (receivers need it to verify). */
export function toEndpointJson(endpoint: WebhookEndpoint) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    events: endpoint.events,
    active: endpoint.active,
    secret: endpoint.secret,
    disabledReason: endpoint.disabledReason,
    disabledAt: endpoint.disabledAt?.toISOString() ?? null,
    consecutiveFailures: endpoint.consecutiveFailures,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}
export type EndpointJson = ReturnType<typeof toEndpointJson>;

/** A delivery log row. The payload is included: it is what was sent, and it is the user's own data. */
export function toDeliveryJson(delivery: WebhookDelivery) {
  return {
    id: delivery.id,
    endpointId: delivery.endpointId,
    eventType: delivery.eventType,
    webhookId: delivery.msgId,
    status: delivery.status,
    attempts: delivery.attempts,
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    responseExcerpt: delivery.responseExcerpt,
    lastAttemptAt: delivery.lastAttemptAt?.toISOString() ?? null,
    nextAttemptAt: delivery.status === "pending" ? (delivery.nextAttemptAt?.toISOString() ?? null) : null,
    payload: delivery.payload,
    createdAt: delivery.createdAt.toISOString(),
    updatedAt: delivery.updatedAt.toISOString(),
  };
}
export type DeliveryJson = ReturnType<typeof toDeliveryJson>;
