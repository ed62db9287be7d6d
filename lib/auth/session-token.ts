import "server-only";
import { decode } from "next-auth/jwt";
import type { AppEnv } from "@/lib/env";
import { resolveAuthSecret } from "./secret";

/**
 * The session cookie, decoded the way Auth.js decodes it, once per token.
 *
 * `auth()` from next-auth, called in a route handler, runs the whole Auth.js session action per request: it
 * builds a Request, re-reads the configuration, derives the key (HKDF) and decrypts the JWE, runs the
 * callbacks, then derives again and ENCRYPTS A NEW TOKEN whose cookie a route handler throws away. That was
 * the largest share of an API request's time (docs/performance-api.md). Here the cookie is decrypted with the
 * same function, secret and salt (the cookie name) Auth.js uses; jose checks the token's `exp` (15 s
 * tolerance, as Auth.js). The claims of one token never change (the JWE is authenticated), so the result is
 * kept per token string until its expiry or CACHE_MS, whichever is first. What may change — the user's
 * session version, whether their sign-in method is still on — is NOT cached: `getCurrentUser` checks it on
 * every request against the database and the current configuration.
 */

export interface SessionClaims {
  userId: string;
  /** Tokens issued before session versions existed count as version 0 (as the session callback in auth.ts). */
  sessionVersion: number;
}

const CACHE_MS = 5 * 60_000;
const CACHE_MAX = 2_000;
const COOKIE_BASE = "authjs.session-token";

interface Entry {
  claims: SessionClaims;
  until: number;
}

const cache = new Map<string, Entry>();
const secrets = new WeakMap<AppEnv, string>();

function secretFor(env: AppEnv): string {
  let secret = secrets.get(env);
  if (secret === undefined) {
    secret = resolveAuthSecret(env);
    secrets.set(env, secret);
  }
  return secret;
}

/**
 * The session cookie's name as Auth.js picks it for this request: `__Secure-` when the URL it builds
 * (AUTH_URL, else x-forwarded-proto, else https) is https.
 */
export function sessionCookieName(forwardedProto: string | null, envUrl = process.env.AUTH_URL ?? process.env.NEXTAUTH_URL): string {
  let protocol: string;
  if (envUrl) {
    protocol = new URL(envUrl).protocol;
  } else {
    const detected = forwardedProto ?? "https";
    protocol = detected.endsWith(":") ? detected : `${detected}:`;
  }
  return protocol === "https:" ? `__Secure-${COOKIE_BASE}` : COOKIE_BASE;
}

/** The session token from the request's cookies: the cookie itself, or its chunks (`name.0`, `name.1`, …) joined in order, as Auth.js' SessionStore. */
export function sessionTokenFrom(cookies: { name: string; value: string }[], cookieName: string): string | null {
  const parts = cookies.filter((cookie) => cookie.name.startsWith(cookieName) && cookie.value);
  if (parts.length === 0) return null;
  const suffix = (name: string) => parseInt(name.split(".").pop() || "0");
  return parts
    .sort((a, b) => suffix(a.name) - suffix(b.name))
    .map((cookie) => cookie.value)
    .join("");
}

/** The claims of a session token, or null when it is not one of ours, is malformed or has expired. */
export async function decodeSessionToken(token: string, cookieName: string, env: AppEnv, now = Date.now()): Promise<SessionClaims | null> {
  const key = `${cookieName}\n${token}`;
  const hit = cache.get(key);
  if (hit) {
    if (hit.until > now) return hit.claims;
    cache.delete(key);
  }
  let payload: { uid?: unknown; sv?: unknown; exp?: unknown } | null;
  try {
    payload = await decode({ token, secret: secretFor(env), salt: cookieName });
  } catch {
    return null; // not decryptable with our secret, malformed, or expired
  }
  if (!payload || typeof payload.uid !== "string") return null;
  const claims: SessionClaims = { userId: payload.uid, sessionVersion: typeof payload.sv === "number" ? payload.sv : 0 };
  const expiresAt = typeof payload.exp === "number" ? payload.exp * 1000 : now + CACHE_MS;
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, { claims, until: Math.min(now + CACHE_MS, expiresAt) });
  return claims;
}

/** For tests. */
export function clearSessionTokenCache(): void {
  cache.clear();
}
