import "server-only";
import { forbidden } from "next/navigation";
import type { User } from "@/db/schema";
import { requirePageUser, requireUser } from "@/lib/auth/session";
import { LOCAL_DEV_EXTERNAL_ID, localDevSignInEnabled } from "@/lib/auth/local-dev";
import { loadEnv, type AppEnv } from "@/lib/env";
import { AppError } from "@/lib/http/errors";

/**
 * The server's administrators (who may change the speech engine from Settings → Speech):
 * - users whose sign-in email is listed in `SCRYON_ADMIN_EMAILS`;
 * - the local-dev user on a single-user install: local-dev sign-in on and no identity provider configured, so
 *   whoever can open the app owns the machine. Beside Firebase anyone can click "Continue as local developer",
 *   so there the local-dev user is not an administrator (list an email instead).
 */
export function isAdmin(user: Pick<User, "email" | "externalUserId">, env: AppEnv): boolean {
  const email = user.email?.trim().toLowerCase();
  if (email && env.adminEmails.includes(email)) return true;
  return user.externalUserId === LOCAL_DEV_EXTERNAL_ID && !env.firebase && localDevSignInEnabled(env);
}

export const forbiddenForNonAdmins = () =>
  new AppError("FORBIDDEN", "Only the server's administrators can do this (SCRYON_ADMIN_EMAILS lists them).");

/**
 * For admin route handlers: the signed-in administrator; 401 when signed out, 403 for everyone else. A signed-in
 * session only: API tokens are refused (403) — installing software on the server is not for scripts.
 */
export async function requireAdmin(): Promise<User> {
  const user = await requireUser({ allowTokens: false });
  if (!isAdmin(user, loadEnv())) throw forbiddenForNonAdmins();
  return user;
}

/** For admin pages: a redirect to sign-in when signed out, Next's 403 page for non-administrators. */
export async function requireAdminPage(returnTo: string): Promise<User> {
  const user = await requirePageUser(returnTo);
  if (!isAdmin(user, loadEnv())) forbidden();
  return user;
}
