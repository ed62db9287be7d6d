import { NextResponse } from "next/server";
import { listWebhookEndpoints } from "@/db/queries/webhooks";
import { requireUser } from "@/lib/auth/session";
import { apiRoute, readJson } from "@/lib/http/api";
import { getWebhookServiceDeps } from "@/lib/webhooks/deps";
import { WEBHOOK_EVENT_TYPES } from "@/lib/webhooks/events";
import { createEndpointSchema } from "@/lib/webhooks/input";
import { toEndpointJson } from "@/lib/webhooks/serialize";
import { addEndpoint } from "@/lib/webhooks/service";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "private, no-store" };

/**
 * `GET /api/webhooks` → `{ endpoints, eventTypes }`. A session or a write token, even to read: the answer
 * carries the signing secrets.
 */
export const GET = apiRoute(async () => {
  const user = await requireUser({ scope: "write" });
  const { db } = await getWebhookServiceDeps();
  const endpoints = await listWebhookEndpoints(db, { userId: user.id });
  return NextResponse.json({ endpoints: endpoints.map(toEndpointJson), eventTypes: WEBHOOK_EVENT_TYPES }, { headers: NO_STORE });
});

/**
 * `POST /api/webhooks` with `{ url, events, description?, active? }` → 201 `{ endpoint }` with its new
 * `whsec_` secret. The URL must be http(s) and resolve to a public address (unless the server allows
 * private ones).
 */
export const POST = apiRoute(async (request) => {
  const user = await requireUser({ scope: "write" });
  const input = await readJson(request, createEndpointSchema);
  const endpoint = await addEndpoint(await getWebhookServiceDeps(), { userId: user.id, input });
  return NextResponse.json({ endpoint: toEndpointJson(endpoint) }, { status: 201, headers: NO_STORE });
});
