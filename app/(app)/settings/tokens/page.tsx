import type { Metadata } from "next";
import { NowProvider } from "@/components/calls/RelativeTime";
import { ApiTokensView } from "@/components/settings/tokens/ApiTokensView";
import { getDb } from "@/db";
import { listActiveApiTokens } from "@/db/queries/api-tokens";
import { toApiTokenJson } from "@/lib/auth/api-token-input";
import { requirePageUser } from "@/lib/auth/session";

export const metadata: Metadata = { title: "API tokens" };

/** The server's clock for this render (dates render in UTC until the browser takes over). */
function renderedAt(): number {
  return Date.now();
}

export default async function ApiTokensPage() {
  const user = await requirePageUser("/settings/tokens");
  const tokens = await listActiveApiTokens(await getDb(), { userId: user.id });
  return (
    <NowProvider serverNow={renderedAt()}>
      <ApiTokensView initial={tokens.map(toApiTokenJson)} />
    </NowProvider>
  );
}
