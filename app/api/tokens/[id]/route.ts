import { getDb } from "@/db";
import { revokeApiToken } from "@/db/queries/api-tokens";
import { requireUser } from "@/lib/auth/session";
import { apiRoute } from "@/lib/http/api";
import { notFound } from "@/lib/http/errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * `DELETE /api/tokens/:id` → 204: the token stops working on the next request. Session only. Another user's
 * token, an unknown id and a token already revoked are all "API token not found.".
 */
export const DELETE = apiRoute<{ id: string }>(async (_request, { params }) => {
  const user = await requireUser({ allowTokens: false });
  const { id } = await params;
  if (!(await revokeApiToken(await getDb(), { userId: user.id, tokenId: id }))) throw notFound("API token");
  return new Response(null, { status: 204, headers: { "Cache-Control": "private, no-store" } });
});
