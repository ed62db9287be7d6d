import "server-only";
import { cookies, headers } from "next/headers";
import { redirect, unstable_rethrow } from "next/navigation";
import { z } from "zod";
import { auth } from "@/auth";
import { getDb } from "@/db";
import { findActiveApiTokenByHash, touchApiTokenLastUsed } from "@/db/queries/api-tokens";
import { getUserById } from "@/db/queries/users";
import type { ApiTokenScope, User } from "@/db/schema";
import { loadEnv, type AppEnv } from "@/lib/env";
import { LOCAL_DEV_EXTERNAL_ID, localDevSignInEnabled } from "./local-dev";
import { decodeSessionToken, sessionCookieName, sessionTokenFrom, type SessionClaims } from "./session-token";
import { toAppError } from "@/lib/http/api";
import { AppError, unauthenticated } from "@/lib/http/errors";
import { LAST_USED_WRITE_INTERVAL_SECONDS, hashApiToken, parseAuthorization, scopeAllows, scopeForMethod } from "./api-tokens";
import { currentApiRequest } from "./request-context";

/**
 * Whether a session of this user is still good, by the CURRENT policy (not the one it was issued under):
 * the user's session version has not moved past the session's ("sign out everywhere"), and the way the
 * user signs in is still turned on — a local-dev session ends when local-dev sign-in is turned off, a
 * Firebase one when Firebase is no longer configured.
 */
export function sessionStillValid(user: User, sessionVersion: number | undefined, env: AppEnv): boolean {
  if ((sessionVersion ?? 0) !== user.sessionVersion) return false;
  return signInMethodStillOn(user, env);
}

/** Whether the way this user signs in is still turned on (API tokens follow it too: a token is not a way around it). */
export function signInMethodStillOn(user: User, env: AppEnv): boolean {
  if (user.externalUserId === LOCAL_DEV_EXTERNAL_ID) return localDevSignInEnabled(env);
  return Boolean(env.firebase);
}

/** The signed-in user, or null. A session whose user row is gone, or that the policy no longer allows, counts as signed out. */
export async function getCurrentUser(): Promise<User | null> {
  const claims = await sessionClaims();
  if (!claims) return null;
  // Never cached: "sign out everywhere" and a sign-in method turned off take effect on the next request.
  const user = await getUserById(await getDb(), claims.userId);
  if (!user || !sessionStillValid(user, claims.sessionVersion, loadEnv())) return null;
  return user;
}

/**
 * The session's claims. In a request, the cookie is decoded directly, once per token (lib/auth/session-token.ts:
 * Auth.js' `auth()` re-encrypts a token per call that a route handler cannot even send back). Outside a
 * request scope (scripts, tests that stand in for Auth.js) it asks Auth.js.
 */
async function sessionClaims(): Promise<SessionClaims | null> {
  let requestCookies: Awaited<ReturnType<typeof cookies>>;
  let requestHeaders: Awaited<ReturnType<typeof headers>>;
  try {
    // First, as auth() did: while prerendering, this is what marks the page dynamic (Next throws to bail out).
    [requestCookies, requestHeaders] = await Promise.all([cookies(), headers()]);
  } catch (error) {
    unstable_rethrow(error);
    const session = await auth();
    const userId = session?.user?.id;
    return userId ? { userId, sessionVersion: session.sessionVersion ?? 0 } : null;
  }
  const cookieName = sessionCookieName(requestHeaders.get("x-forwarded-proto"));
  const token = sessionTokenFrom(requestCookies.getAll(), cookieName);
  return token ? decodeSessionToken(token, cookieName, loadEnv()) : null;
}

export interface RequireUserOptions {
  /** `false`: a signed-in session only; an API token is refused with 403 (token management). Default true. */
  allowTokens?: boolean;
  /** The scope an API token needs. Default: by the request's method, `read` for GET/HEAD/OPTIONS, `write` otherwise. */
  scope?: ApiTokenScope;
}

const invalidToken = () =>
  new AppError("UNAUTHENTICATED", "The API token is not valid: it is malformed, unknown or revoked. Create a new one in Settings → API tokens.");
const sessionRequired = () =>
  new AppError("FORBIDDEN", "API tokens cannot manage API tokens. Sign in to Scryon to create, list or revoke them.", { reason: "SESSION_REQUIRED" });
const insufficientScope = (needed: ApiTokenScope) =>
  new AppError("FORBIDDEN", "This API token can only read. Use a token with the write scope to make changes.", {
    reason: "INSUFFICIENT_SCOPE",
    requiredScope: needed,
  });

/**
 * For route handlers: the user of the request's credentials, or a 401 AppError. Inside `apiRoute` a request
 * with `Authorization: Bearer <token>` is authenticated by its API token (and only by it: a bad token is a
 * 401 even beside a good cookie); any other request by the session cookie, exactly as before.
 */
export async function requireUser(options: RequireUserOptions = {}): Promise<User> {
  const request = currentApiRequest();
  if (request) {
    const credentials = parseAuthorization(request.headers.get("authorization"));
    if (credentials.kind === "bearer") return userOfToken(credentials.token, request.method, options);
  }
  const user = await getCurrentUser();
  if (!user) throw unauthenticated();
  return user;
}

/**
 * One indexed query (token and owner by the token's hash). Nothing is cached, so a revoked token stops
 * working on the next request in every server process. last_used_at is written at most once a minute.
 */
async function userOfToken(token: string | null, method: string, options: RequireUserOptions): Promise<User> {
  if (!token) throw invalidToken();
  const db = await getDb();
  const found = await findActiveApiTokenByHash(db, hashApiToken(token));
  if (!found || !signInMethodStillOn(found.user, loadEnv())) throw invalidToken();
  if (options.allowTokens === false) throw sessionRequired();
  const needed = options.scope ?? scopeForMethod(method);
  if (!scopeAllows(found.token.scope, needed)) throw insufficientScope(needed);
  const lastUsed = found.token.lastUsedAt?.getTime() ?? 0;
  if (Date.now() - lastUsed >= LAST_USED_WRITE_INTERVAL_SECONDS * 1000) {
    try {
      await touchApiTokenLastUsed(db, { tokenId: found.token.id, minIntervalSeconds: LAST_USED_WRITE_INTERVAL_SECONDS });
    } catch (error) {
      // A missed "last used" must not fail the request it describes.
      console.warn("[auth] could not record an API token's last use", (error as { code?: unknown })?.code);
    }
  }
  return found.user;
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
