import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/session";
import { apiRoute } from "@/lib/http/api";
import { getWebhookServiceDeps } from "@/lib/webhooks/deps";
import { toDeliveryJson } from "@/lib/webhooks/serialize";
import { redeliver } from "@/lib/webhooks/service";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Params = { id: string; deliveryId: string };

/**
 * `POST /api/webhooks/:id/deliveries/:deliveryId/retry` → 202 `{ delivery }` (pending): "send again", with
 * the same `webhook-id` and body. 409 while it is being sent or while the endpoint is turned off.
 */
export const POST = apiRoute<Params>(async (_request, { params }) => {
  const user = await requireUser({ scope: "write" });
  const { id, deliveryId } = await params;
  const delivery = await redeliver(await getWebhookServiceDeps(), { userId: user.id, endpointId: id, deliveryId });
  return NextResponse.json({ delivery: toDeliveryJson(delivery) }, { status: 202, headers: { "Cache-Control": "private, no-store" } });
});
