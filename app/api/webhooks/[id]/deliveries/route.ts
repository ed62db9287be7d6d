import { NextResponse } from "next/server";
import { getWebhookEndpoint, listWebhookDeliveries } from "@/db/queries/webhooks";
import { requireUser } from "@/lib/auth/session";
import { apiRoute } from "@/lib/http/api";
import { notFound } from "@/lib/http/errors";
import { getWebhookServiceDeps } from "@/lib/webhooks/deps";
import { deliveriesQuerySchema } from "@/lib/webhooks/input";
import { toDeliveryJson } from "@/lib/webhooks/serialize";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Params = { id: string };

/**
 * `GET /api/webhooks/:id/deliveries?cursor=&limit=` → `{ items, nextCursor }`: the endpoint's delivery log,
 * newest first (event, status, attempts, last status code and error, a 1 KB excerpt of the answer, times).
 */
export const GET = apiRoute<Params>(async (request, { params }) => {
  const user = await requireUser({ scope: "write" });
  const { id } = await params;
  const url = new URL(request.url);
  const query = deliveriesQuerySchema.parse({ cursor: url.searchParams.get("cursor") ?? undefined, limit: url.searchParams.get("limit") ?? undefined });
  const { db } = await getWebhookServiceDeps();
  if (!(await getWebhookEndpoint(db, { userId: user.id, endpointId: id }))) throw notFound("Webhook endpoint");
  const page = await listWebhookDeliveries(db, { userId: user.id, endpointId: id, limit: query.limit, cursor: query.cursor });
  return NextResponse.json({ items: page.items.map(toDeliveryJson), nextCursor: page.nextCursor }, { headers: { "Cache-Control": "private, no-store" } });
});
