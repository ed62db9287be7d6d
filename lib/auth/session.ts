import "server-only";
import { redirect } from "next/navigation";
import { z } from "zod";
import { auth } from "@/auth";
import { getDb } from "@/db";
import { getUserById } from "@/db/queries/users";
import type { User } from "@/db/schema";
import { loadEnv, type AppEnv } from "@/lib/env";
import { LOCAL_DEV_EXTERNAL_ID, localDevSignInEnabled } from "./local-dev";
import { toAppError } from "@/lib/http/api";
import { unauthenticated } from "@/lib/http/errors";

/**
 * Whether a session of this user is still good, by the CURRENT policy (not the one it was issued under):
 * the user's session version has not moved past the session's ("sign out everywhere"), and the way the
 * user signs in is still turned on — a local-dev session ends when local-dev sign-in is turned off, a
 * Firebase one when Firebase is no longer configured.
 */
export function sessionStillValid(user: User, sessionVersion: number | undefined, env: AppEnv): boolean {
  if ((sessionVersion ?? 0) !== user.sessionVersion) return false;
  if (user.externalUserId === LOCAL_DEV_EXTERNAL_ID) return localDevSignInEnabled(env);
  return Boolean(env.firebase);
}

/** The signed-in user, or null. A session whose user row is gone, or that the policy no longer allows, counts as signed out. */
export async function getCurrentUser(): Promise<User | null> {
  const session = await auth();
  const userId = session?.user?.id;
  if (!userId) return null;
  const user = await getUserById(await getDb(), userId);
  if (!user || !sessionStillValid(user, session.sessionVersion, loadEnv())) return null;
  return user;
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
