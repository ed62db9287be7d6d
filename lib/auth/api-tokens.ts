import "server-only";
import { createHash, randomBytes } from "node:crypto";
import type { ApiTokenScope } from "@/db/schema";

/**
 * Personal API tokens (issue 16): `scy_` + 43 base62 characters (256 random bits). The prefix lets secret
 * scanners find leaked ones; base62 keeps the token one word (double-click selects it all). Only the
 * SHA-256 of the token is stored. A lookup by that hash is constant-time with respect to the secret: what the
 * database compares is a hash an attacker cannot steer, so timing tells nothing about the token's characters.
 */

export const API_TOKEN_PREFIX = "scy_";
const SECRET_LENGTH = 43; // 43 × log2(62) ≈ 256 bits
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const TOKEN_PATTERN = new RegExp(`^${API_TOKEN_PREFIX}[0-9A-Za-z]{${SECRET_LENGTH}}$`);
/** How many leading characters the settings page shows (`scy_` and four of the secret). */
const DISPLAY_PREFIX_LENGTH = API_TOKEN_PREFIX.length + 4;

export const API_TOKEN_SCOPES = ["read", "write"] as const satisfies readonly ApiTokenScope[];
/** A user's active tokens are bounded, like every other list a request can grow. */
export const MAX_ACTIVE_TOKENS_PER_USER = 50;
/** last_used_at is written at most this often per token. */
export const LAST_USED_WRITE_INTERVAL_SECONDS = 60;

export interface GeneratedApiToken {
  token: string;
  tokenHash: string;
  displayPrefix: string;
  lastFour: string;
}

/** A new random token with what is stored of it. */
export function generateApiToken(random: (size: number) => Buffer = randomBytes): GeneratedApiToken {
  let secret = "";
  // Rejection sampling: bytes ≥ 248 (= 4 × 62) are dropped so that every character is equally likely.
  while (secret.length < SECRET_LENGTH) {
    for (const byte of random(64)) {
      if (byte < 248 && secret.length < SECRET_LENGTH) secret += BASE62[byte % 62];
    }
  }
  const token = `${API_TOKEN_PREFIX}${secret}`;
  return { token, tokenHash: hashApiToken(token), displayPrefix: token.slice(0, DISPLAY_PREFIX_LENGTH), lastFour: token.slice(-4) };
}

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function isWellFormedApiToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

/**
 * The credentials of an `Authorization` header: `{ kind: "none" }` when it is absent or another scheme (the
 * session cookie then decides), `{ kind: "bearer", token }` for `Bearer <token>` — `token` is null when it is
 * not shaped like one of ours (answered 401 without a query).
 */
export function parseAuthorization(header: string | null): { kind: "none" } | { kind: "bearer"; token: string | null } {
  if (header === null) return { kind: "none" };
  const match = /^\s*bearer(?:\s+(.*?))?\s*$/i.exec(header);
  if (!match) return { kind: "none" };
  const value = match[1] ?? "";
  return { kind: "bearer", token: isWellFormedApiToken(value) ? value : null };
}

/** The scope a request needs by its method: reading methods need `read`, everything else `write`. */
export function scopeForMethod(method: string): ApiTokenScope {
  return ["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase()) ? "read" : "write";
}

export function scopeAllows(granted: ApiTokenScope, needed: ApiTokenScope): boolean {
  return granted === "write" || needed === "read";
}

/** What the settings page shows of a token: `scy_Ab3d…wxyz`. */
export function maskedToken(displayPrefix: string, lastFour: string): string {
  return `${displayPrefix}…${lastFour}`;
}
