import { requestJson } from "@/components/lib/http-client";
import type { WebhookEventType } from "@/lib/webhooks/events";
import type { DeliveryJson, EndpointJson } from "@/lib/webhooks/serialize";

/** The browser's calls to `/api/webhooks`; failures are `ApiError`s. */

export type { DeliveryJson, EndpointJson };

export interface EndpointInput {
  url: string;
  description: string;
  events: WebhookEventType[];
  active: boolean;
}

export function createEndpoint(input: EndpointInput): Promise<EndpointJson> {
  return requestJson<{ endpoint: EndpointJson }>("/api/webhooks", { method: "POST", body: JSON.stringify(input) }).then((body) => body.endpoint);
}

export function updateEndpoint(id: string, patch: Partial<EndpointInput>): Promise<EndpointJson> {
  return requestJson<{ endpoint: EndpointJson }>(`/api/webhooks/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) }).then((body) => body.endpoint);
}

export function deleteEndpoint(id: string): Promise<void> {
  return requestJson<void>(`/api/webhooks/${encodeURIComponent(id)}`, { method: "DELETE" });
}

export function listDeliveries(id: string, cursor?: string | null): Promise<{ items: DeliveryJson[]; nextCursor: string | null }> {
  const query = new URLSearchParams({ limit: "20", ...(cursor ? { cursor } : {}) });
  return requestJson(`/api/webhooks/${encodeURIComponent(id)}/deliveries?${query}`);
}

export function sendAgain(id: string, deliveryId: string): Promise<DeliveryJson> {
  return requestJson<{ delivery: DeliveryJson }>(`/api/webhooks/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(deliveryId)}/retry`, { method: "POST" }).then(
    (body) => body.delivery,
  );
}
