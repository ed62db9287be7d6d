import fs from "node:fs";
import { importJWK, SignJWT, type JWK } from "jose";
import type { APIRequestContext } from "@playwright/test";
import { E2E } from "../../playwright.config";

/** A Firebase-shaped ID token signed with this run's e2e key (the server trusts its JWKS). */
export async function signFirebaseToken(claims: { uid: string; name?: string; email?: string; emailVerified?: boolean }, options: { audience?: string } = {}) {
  const { kid, privateJwk } = JSON.parse(fs.readFileSync(E2E.keyFile, "utf8")) as { kid: string; privateJwk: JWK };
  const key = await importJWK(privateJwk, "RS256");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    name: claims.name,
    email: claims.email,
    email_verified: claims.emailVerified ?? true,
    auth_time: now - 5,
    firebase: { sign_in_provider: "password", identities: {} },
  })
    .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
    .setIssuer(`https://securetoken.google.com/${E2E.firebaseProjectId}`)
    .setAudience(options.audience ?? E2E.firebaseProjectId)
    .setSubject(claims.uid)
    .setIssuedAt(now - 5)
    .setExpirationTime(now + 3600)
    .sign(key);
}

/**
 * What the sign-in page does after Firebase hands the browser an ID token: post it to the Auth.js
 * credentials callback with the CSRF token. Cookies land in the request context (shared with a page's
 * browser context when it is `page.request`).
 */
export async function signInWithFirebaseToken(request: APIRequestContext, idToken: string) {
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  return request.post("/api/auth/callback/firebase", {
    form: { idToken, csrfToken, callbackUrl: "/calls" },
    maxRedirects: 0,
  });
}
