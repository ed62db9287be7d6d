import { encode } from "next-auth/jwt";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { clearSessionTokenCache, decodeSessionToken, sessionCookieName, sessionTokenFrom } from "@/lib/auth/session-token";
import { parseEnv } from "@/lib/env";

/**
 * The request path decodes the Auth.js session cookie itself (lib/auth/session-token.ts); it must accept
 * exactly what Auth.js would: our secret, the cookie name as salt, an unexpired token.
 */

const SECRET = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz";
const env = parseEnv({ AUTH_SECRET: SECRET });
const NAME = "authjs.session-token";

async function token(claims: Record<string, unknown>, options: { salt?: string; secret?: string; maxAge?: number } = {}) {
  return encode({ token: claims, secret: options.secret ?? SECRET, salt: options.salt ?? NAME, maxAge: options.maxAge ?? 3600 });
}

describe("session token", () => {
  beforeEach(() => clearSessionTokenCache());

  it("decodes a token Auth.js issued into the user id and session version", async () => {
    expect(await decodeSessionToken(await token({ uid: "u1", sv: 3 }), NAME, env)).toEqual({ userId: "u1", sessionVersion: 3 });
    // Issued before session versions existed: version 0.
    expect(await decodeSessionToken(await token({ uid: "u2" }), NAME, env)).toEqual({ userId: "u2", sessionVersion: 0 });
  });

  it("refuses another secret, another cookie name (salt), garbage and a token without a user", async () => {
    expect(await decodeSessionToken(await token({ uid: "u1", sv: 0 }, { secret: "another-secret-0123456789abcdefghijklmnop" }), NAME, env)).toBeNull();
    expect(await decodeSessionToken(await token({ uid: "u1", sv: 0 }, { salt: `__Secure-${NAME}` }), NAME, env)).toBeNull();
    expect(await decodeSessionToken("not-a-token", NAME, env)).toBeNull();
    expect(await decodeSessionToken(await token({ sv: 0 }), NAME, env)).toBeNull();
  });

  it("refuses an expired token, also after the same token was accepted (and kept) before", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const issued = await token({ uid: "u1", sv: 0 }, { maxAge: 60 });
      expect(await decodeSessionToken(issued, NAME, env)).not.toBeNull();
      // 60 s of life + jose's 15 s tolerance have passed: the kept claims end with the token.
      vi.setSystemTime(Date.now() + 120_000);
      expect(await decodeSessionToken(issued, NAME, env)).toBeNull();
    } finally {
      vi.useRealTimers();
    }
    expect(await decodeSessionToken(await token({ uid: "u1", sv: 0 }, { maxAge: -60 }), NAME, env)).toBeNull();
  });

  it("picks the cookie name as Auth.js does and joins chunked cookies in order", () => {
    expect(sessionCookieName("http", "")).toBe(NAME);
    expect(sessionCookieName("https", "")).toBe(`__Secure-${NAME}`);
    expect(sessionCookieName(null, "")).toBe(`__Secure-${NAME}`);
    expect(sessionCookieName("http", "https://calls.example.com")).toBe(`__Secure-${NAME}`);
    expect(sessionTokenFrom([{ name: "other", value: "x" }], NAME)).toBeNull();
    expect(sessionTokenFrom([{ name: NAME, value: "whole" }], NAME)).toBe("whole");
    expect(
      sessionTokenFrom(
        [
          { name: `${NAME}.1`, value: "b" },
          { name: `${NAME}.0`, value: "a" },
          { name: `${NAME}.2`, value: "c" },
        ],
        NAME,
      ),
    ).toBe("abc");
  });
});
