import { NextResponse } from "next/server";
import { getDb } from "@/db";
import { countActiveApiTokens, insertApiToken, listActiveApiTokens } from "@/db/queries/api-tokens";
import { createApiTokenSchema, toApiTokenJson } from "@/lib/auth/api-token-input";
import { MAX_ACTIVE_TOKENS_PER_USER, generateApiToken } from "@/lib/auth/api-tokens";
import { requireUser } from "@/lib/auth/session";
import { apiRoute, readJson } from "@/lib/http/api";
import { AppError } from "@/lib/http/errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "private, no-store" };

/** `GET /api/tokens` → `{ items }`: the signed-in user's active tokens, newest first (never a secret). Session only. */
export const GET = apiRoute(async () => {
  const user = await requireUser({ allowTokens: false });
  const rows = await listActiveApiTokens(await getDb(), { userId: user.id });
  return NextResponse.json({ items: rows.map(toApiTokenJson) }, { headers: NO_STORE });
});

/**
 * `POST /api/tokens` `{ name, scope }` → 201 `{ token, apiToken }`: `token` is the secret, in this answer
 * only (the database keeps its SHA-256). Session only; 409 beyond MAX_ACTIVE_TOKENS_PER_USER active tokens.
 */
export const POST = apiRoute(async (request) => {
  const user = await requireUser({ allowTokens: false });
  const input = await readJson(request, createApiTokenSchema);
  const db = await getDb();
  if ((await countActiveApiTokens(db, { userId: user.id })) >= MAX_ACTIVE_TOKENS_PER_USER) {
    throw new AppError("CONFLICT", `You have ${MAX_ACTIVE_TOKENS_PER_USER} active API tokens, the most there can be. Revoke one you no longer use first.`);
  }
  const generated = generateApiToken();
  const row = await insertApiToken(db, {
    userId: user.id,
    name: input.name,
    scope: input.scope,
    tokenHash: generated.tokenHash,
    displayPrefix: generated.displayPrefix,
    lastFour: generated.lastFour,
  });
  return NextResponse.json({ token: generated.token, apiToken: toApiTokenJson(row) }, { status: 201, headers: NO_STORE });
});
