import type { Metadata } from "next";
import { NowProvider } from "@/components/calls/RelativeTime";
import { WebhooksView } from "@/components/settings/webhooks/WebhooksView";
import { getDb } from "@/db";
import { listWebhookEndpoints } from "@/db/queries/webhooks";
import { requirePageUser } from "@/lib/auth/session";
import { toEndpointJson } from "@/lib/webhooks/serialize";

export const metadata: Metadata = { title: "Webhooks" };

/** The server's clock for this render (times render in UTC until the browser takes over). */
function renderedAt(): number {
  return Date.now();
}

export default async function WebhooksPage() {
  const user = await requirePageUser("/settings/webhooks");
  const endpoints = await listWebhookEndpoints(await getDb(), { userId: user.id });
  return (
    <NowProvider serverNow={renderedAt()}>
      <WebhooksView initial={endpoints.map(toEndpointJson)} />
    </NowProvider>
  );
}
