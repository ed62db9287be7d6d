import { NextResponse } from "next/server";
import { deleteWebhookEndpoint } from "@/db/queries/webhooks";
import { requireUser } from "@/lib/auth/session";
import { apiRoute, readJson } from "@/lib/http/api";
import { notFound } from "@/lib/http/errors";
import { getWebhookServiceDeps } from "@/lib/webhooks/deps";
import { patchEndpointSchema } from "@/lib/webhooks/input";
import { toEndpointJson } from "@/lib/webhooks/serialize";
import { changeEndpoint } from "@/lib/webhooks/service";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Params = { id: string };

/** `PATCH /api/webhooks/:id` with any of `{ url, events, description, active }` → `{ endpoint }`. `active: true` clears a disable. */
export const PATCH = apiRoute<Params>(async (request, { params }) => {
  const user = await requireUser({ scope: "write" });
  const { id } = await params;
  const input = await readJson(request, patchEndpointSchema);
  const endpoint = await changeEndpoint(await getWebhookServiceDeps(), { userId: user.id, endpointId: id, input });
  return NextResponse.json({ endpoint: toEndpointJson(endpoint) }, { headers: { "Cache-Control": "private, no-store" } });
});

/** `DELETE /api/webhooks/:id` → 204; its delivery log goes with it, and runs still waiting to retry stop. */
export const DELETE = apiRoute<Params>(async (_request, { params }) => {
  const user = await requireUser({ scope: "write" });
  const { id } = await params;
  const { db } = await getWebhookServiceDeps();
  if (!(await deleteWebhookEndpoint(db, { userId: user.id, endpointId: id }))) throw notFound("Webhook endpoint");
  return new Response(null, { status: 204 });
});
