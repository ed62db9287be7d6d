import "server-only";
import { redirect } from "next/navigation";
import { z } from "zod";
import { auth } from "@/auth";
import { getDb } from "@/db";
import { getUserById } from "@/db/queries/users";
import type { User } from "@/db/schema";
import { toAppError } from "@/lib/http/api";
import { unauthenticated } from "@/lib/http/errors";

/** The signed-in user, or null. A session whose user row is gone counts as signed out. */
export async function getCurrentUser(): Promise<User | null> {
  const session = await auth();
  const userId = session?.user?.id;
  if (!userId) return null;
  return getUserById(await getDb(), userId);
}

/** For route handlers: the signed-in user, or a 401 AppError. */
export async function requireUser(): Promise<User> {
  const user = await getCurrentUser();
  if (!user) throw unauthenticated();
  return user;
}

/** For pages: the signed-in user, or a redirect to sign-in that comes back to `returnTo`. */
export async function requirePageUser(returnTo: string): Promise<User> {
  const user = await getCurrentUser();
  if (!user) redirect(`/sign-in?callbackUrl=${encodeURIComponent(returnTo)}`);
  return user;
}

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

/**
 * The one wrapper for server actions: validates the input with zod, injects the signed-in user, and
 * returns typed errors instead of throwing them at the client. Next checks the Origin of every
 * server-action POST, which is the CSRF protection for these.
 */
export function authedAction<S extends z.ZodType, T>(
  schema: S,
  run: (input: z.infer<S>, user: User) => Promise<T>,
): (input: z.input<S>) => Promise<ActionResult<T>> {
  return async (input) => {
    try {
      const user = await requireUser();
      return { ok: true, data: await run(schema.parse(input), user) };
    } catch (error) {
      const appError = toAppError(error);
      return { ok: false, error: { code: appError.code, message: appError.message } };
    }
  };
}
