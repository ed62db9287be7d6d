import { describe, expect, it } from "vitest";
import { API_TOKEN_PREFIX, generateApiToken, hashApiToken, isWellFormedApiToken, maskedToken, parseAuthorization, scopeAllows, scopeForMethod } from "@/lib/auth/api-tokens";
import { createApiTokenSchema } from "@/lib/auth/api-token-input";

describe("API token format", () => {
  it("is scy_ and 43 base62 characters, different every time, stored as its SHA-256", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const generated = generateApiToken();
      expect(generated.token).toMatch(/^scy_[0-9A-Za-z]{43}$/);
      expect(isWellFormedApiToken(generated.token)).toBe(true);
      expect(generated.tokenHash).toMatch(/^[0-9a-f]{64}$/);
      expect(generated.tokenHash).toBe(hashApiToken(generated.token));
      expect(generated.tokenHash).not.toContain(generated.token.slice(API_TOKEN_PREFIX.length));
      expect(generated.displayPrefix).toBe(generated.token.slice(0, 8));
      expect(generated.lastFour).toBe(generated.token.slice(-4));
      seen.add(generated.token);
    }
    expect(seen.size).toBe(200);
  });

  it("maps random bytes to base62 without bias: bytes ≥ 248 are skipped, not folded onto the first characters", () => {
    const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const skipped = [248, 249, 250, 251, 252, 253, 254, 255];
    const random = (size: number) => Buffer.from([...skipped, ...Array.from({ length: size - skipped.length }, (_, i) => i)]);
    expect(generateApiToken(random).token).toBe(`scy_${alphabet.slice(0, 43)}`);
    // 62 + 5 and 2 × 62 + 5 are the same character as 5: four whole rounds of the alphabet fit in 0..247.
    const fives = () => Buffer.from(Array.from({ length: 64 }, (_, i) => [5, 67, 129, 191][i % 4]!));
    expect(generateApiToken(fives).token).toBe(`scy_${"5".repeat(43)}`);
  });

  it("reads Authorization headers: Bearer tokens (any case), malformed ones, and other schemes that leave the cookie in charge", () => {
    const { token } = generateApiToken();
    expect(parseAuthorization(null)).toEqual({ kind: "none" });
    expect(parseAuthorization(`Bearer ${token}`)).toEqual({ kind: "bearer", token });
    expect(parseAuthorization(`bearer   ${token}  `)).toEqual({ kind: "bearer", token });
    expect(parseAuthorization("Bearer")).toEqual({ kind: "bearer", token: null });
    expect(parseAuthorization("Bearer ")).toEqual({ kind: "bearer", token: null });
    expect(parseAuthorization(`Bearer ${token}x`)).toEqual({ kind: "bearer", token: null });
    expect(parseAuthorization(`Bearer ${token} ${token}`)).toEqual({ kind: "bearer", token: null });
    expect(parseAuthorization(`Bearer ghp_${token.slice(4)}`)).toEqual({ kind: "bearer", token: null });
    expect(parseAuthorization("Basic dXNlcjpwYXNz")).toEqual({ kind: "none" });
  });

  it("needs read for GET/HEAD/OPTIONS and write for the rest; write covers read", () => {
    for (const method of ["GET", "HEAD", "OPTIONS", "get"]) expect(scopeForMethod(method)).toBe("read");
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) expect(scopeForMethod(method)).toBe("write");
    expect(scopeAllows("read", "read")).toBe(true);
    expect(scopeAllows("read", "write")).toBe(false);
    expect(scopeAllows("write", "read")).toBe(true);
    expect(scopeAllows("write", "write")).toBe(true);
    expect(maskedToken("scy_Ab3d", "wxyz")).toBe("scy_Ab3d…wxyz");
  });

  it("validates the creation body: a name of safe text, a known scope, nothing else", () => {
    expect(createApiTokenSchema.parse({ name: "  CRM sync ", scope: "write" })).toEqual({ name: "CRM sync", scope: "write" });
    for (const bad of [{ name: "", scope: "read" }, { name: "   ", scope: "read" }, { name: "x".repeat(101), scope: "read" }, { name: "a\u0000b", scope: "read" }, { name: "ok", scope: "admin" }, { name: "ok" }, { name: "ok", scope: "read", extra: 1 }]) {
      expect(createApiTokenSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
