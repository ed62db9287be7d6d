import "server-only";
import type { Database } from "@/db";
import {
  countWebhookEndpoints,
  createWebhookEndpoint,
  getWebhookEndpoint,
  reopenDelivery,
  getWebhookDelivery,
  updateWebhookEndpoint,
  type EndpointPatch,
} from "@/db/queries/webhooks";
import type { WebhookDelivery, WebhookEndpoint } from "@/db/schema";
import { webhookDeliveryRequestedEvent } from "@/inngest/events";
import { AppError, notFound } from "@/lib/http/errors";
import { WebhookAddressError, parseWebhookUrl, resolveAllowedAddresses, type LookupAll } from "./address";
import type { WebhookEmitter } from "./emit";
import type { CreateEndpointInput, PatchEndpointInput } from "./input";
import { generateWebhookSecret } from "./signature";

export interface WebhookServiceDeps {
  db: Database;
  allowPrivate: boolean;
  lookup?: LookupAll;
  webhooks: Pick<WebhookEmitter, "send">;
}

/** Endpoints one user may have. */
export const MAX_ENDPOINTS_PER_USER = 20;

/** A URL that is http(s) and resolves only to addresses this server may send to; a 400 on `url` otherwise. */
async function checkUrl(deps: WebhookServiceDeps, value: string): Promise<string> {
  try {
    const url = parseWebhookUrl(value);
    await resolveAllowedAddresses(url, { allowPrivate: deps.allowPrivate, lookup: deps.lookup });
    return url.toString();
  } catch (error) {
    if (error instanceof WebhookAddressError) throw new AppError("VALIDATION_FAILED", error.message, [{ path: "url", message: error.message }]);
    throw error;
  }
}

export async function addEndpoint(deps: WebhookServiceDeps, { userId, input }: { userId: string; input: CreateEndpointInput }): Promise<WebhookEndpoint> {
  if ((await countWebhookEndpoints(deps.db, { userId })) >= MAX_ENDPOINTS_PER_USER) {
    throw new AppError("CONFLICT", `You can have at most ${MAX_ENDPOINTS_PER_USER} webhook endpoints; delete one first.`);
  }
  const url = await checkUrl(deps, input.url);
  const endpoint = await createWebhookEndpoint(deps.db, {
    userId,
    values: { url, events: input.events, description: input.description ?? null, secret: generateWebhookSecret() },
  });
  if (input.active === false) return (await updateWebhookEndpoint(deps.db, { userId, endpointId: endpoint.id, patch: { active: false } })) ?? endpoint;
  return endpoint;
}

export async function changeEndpoint(
  deps: WebhookServiceDeps,
  { userId, endpointId, input }: { userId: string; endpointId: string; input: PatchEndpointInput },
): Promise<WebhookEndpoint> {
  if (!(await getWebhookEndpoint(deps.db, { userId, endpointId }))) throw notFound("Webhook endpoint");
  const patch: EndpointPatch = {};
  if (input.url !== undefined) patch.url = await checkUrl(deps, input.url);
  if (input.events !== undefined) patch.events = input.events;
  if (input.description !== undefined) patch.description = input.description;
  if (input.active !== undefined) patch.active = input.active;
  const updated = await updateWebhookEndpoint(deps.db, { userId, endpointId, patch });
  if (!updated) throw notFound("Webhook endpoint");
  return updated;
}

/**
 * "Send again": the delivery (same `webhook-id`, same body, a fresh timestamp and signature) goes through a
 * new run with the whole retry schedule. 409 while it is still being delivered or while the endpoint is off.
 */
export async function redeliver(
  deps: WebhookServiceDeps,
  { userId, endpointId, deliveryId, now = new Date() }: { userId: string; endpointId: string; deliveryId: string; now?: Date },
): Promise<WebhookDelivery> {
  const endpoint = await getWebhookEndpoint(deps.db, { userId, endpointId });
  if (!endpoint) throw notFound("Webhook delivery");
  const delivery = await getWebhookDelivery(deps.db, { userId, endpointId, deliveryId });
  if (!delivery) throw notFound("Webhook delivery");
  if (!endpoint.active) throw new AppError("CONFLICT", "Turn the endpoint on before sending again.");
  const reopened = await reopenDelivery(deps.db, { userId, endpointId, deliveryId, now });
  if (!reopened) throw new AppError("CONFLICT", "This delivery is still being sent.");
  try {
    await deps.webhooks.send([webhookDeliveryRequestedEvent({ userId, deliveryId }, `resend-${reopened.updatedAt.getTime()}`)]);
  } catch (error) {
    // The row is pending with a due time: the webhook sweep queues it again.
    console.warn(`[webhooks] could not queue the resend of delivery ${deliveryId}:`, error instanceof Error ? error.message : error);
  }
  return reopened;
}
