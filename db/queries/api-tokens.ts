import "server-only";
import { and, count, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { DbOrTx } from "../client";
import { apiTokens, users, type ApiToken, type ApiTokenScope, type User } from "../schema";
import { isUuid } from "./ids";

/**
 * Personal API tokens. Management functions are scoped by the user id (another user's token is answered
 * like a missing one); the lookup by hash is the one query an API request with a token costs.
 */

export async function insertApiToken(
  db: DbOrTx,
  input: { userId: string; name: string; scope: ApiTokenScope; tokenHash: string; displayPrefix: string; lastFour: string },
): Promise<ApiToken> {
  const [row] = await db.insert(apiTokens).values(input).returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

/** The user's tokens that still work, newest first. */
export async function listActiveApiTokens(db: DbOrTx, { userId }: { userId: string }): Promise<ApiToken[]> {
  return db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
}

export async function countActiveApiTokens(db: DbOrTx, { userId }: { userId: string }): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)));
  return Number(row?.n ?? 0);
}

/** Revokes the user's token; false when there is no such active token of theirs (missing, revoked, another user's). */
export async function revokeApiToken(db: DbOrTx, { userId, tokenId }: { userId: string; tokenId: string }): Promise<ApiToken | null> {
  if (!isUuid(tokenId)) return null;
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning();
  return row ?? null;
}

export interface TokenOwner {
  token: Pick<ApiToken, "id" | "scope" | "lastUsedAt">;
  user: User;
}

/** The active token with this hash and its owner, in one indexed query (unique index on token_hash). */
export async function findActiveApiTokenByHash(db: DbOrTx, tokenHash: string): Promise<TokenOwner | null> {
  const [row] = await db
    .select({ id: apiTokens.id, scope: apiTokens.scope, lastUsedAt: apiTokens.lastUsedAt, user: users })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
    .limit(1);
  if (!row) return null;
  return { token: { id: row.id, scope: row.scope, lastUsedAt: row.lastUsedAt }, user: row.user };
}

/**
 * Sets last_used_at unless it was set less than `minIntervalSeconds` ago (also when another process just
 * did): at most one write a minute per token, whatever the request rate.
 */
export async function touchApiTokenLastUsed(db: DbOrTx, { tokenId, minIntervalSeconds }: { tokenId: string; minIntervalSeconds: number }): Promise<void> {
  await db
    .update(apiTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(apiTokens.id, tokenId),
        or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, sql`now() - make_interval(secs => ${minIntervalSeconds})`)),
      ),
    );
}
