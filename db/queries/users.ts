import "server-only";
import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../client";
import { users, type User } from "../schema";
import { prepared } from "./prepared";

export async function getUserByExternalId(db: DbOrTx, externalUserId: string): Promise<User | null> {
  const [row] = await db.select().from(users).where(eq(users.externalUserId, externalUserId)).limit(1);
  return row ?? null;
}

/** Every signed-in request reads its user: a prepared statement (db/queries/prepared.ts). */
export async function getUserById(db: DbOrTx, userId: string): Promise<User | null> {
  const statement = prepared(db, "user_by_id", (d) => d.select().from(users).where(eq(users.id, sql.placeholder("userId"))).limit(1).prepare("user_by_id"));
  const [row] = await statement.execute({ userId });
  return row ?? null;
}

/** "Sign out everywhere": every session issued before this stops working. Returns the new version. */
export async function bumpSessionVersion(db: DbOrTx, userId: string): Promise<number | null> {
  const [row] = await db
    .update(users)
    .set({ sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(eq(users.id, userId))
    .returning({ sessionVersion: users.sessionVersion });
  return row?.sessionVersion ?? null;
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
