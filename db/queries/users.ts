import "server-only";
import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../client";
import { users, type User } from "../schema";

export async function getUserByExternalId(db: DbOrTx, externalUserId: string): Promise<User | null> {
  const [row] = await db.select().from(users).where(eq(users.externalUserId, externalUserId)).limit(1);
  return row ?? null;
}

export async function getUserById(db: DbOrTx, userId: string): Promise<User | null> {
  const [row] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  return row ?? null;
}

/**
 * Creates the user on first sign-in, or refreshes email/display name from the identity provider's
 * claims. A claim that is absent (null) keeps what is stored.
 */
export async function upsertUserByExternalId(
  db: DbOrTx,
  input: { externalUserId: string; email?: string | null; displayName?: string | null },
): Promise<User> {
  const [row] = await db
    .insert(users)
    .values({ externalUserId: input.externalUserId, email: input.email ?? null, displayName: input.displayName ?? null })
    .onConflictDoUpdate({
      target: users.externalUserId,
      set: {
        email: sql`coalesce(excluded.email, ${users.email})`,
        displayName: sql`coalesce(excluded.display_name, ${users.displayName})`,
      },
    })
    .returning();
  if (!row) throw new Error("upsert returned no row");
  return row;
}
