import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "@/lib/auth/redirects";
import { buildContentSecurityPolicy } from "@/lib/http/csp";
import { parseEnv } from "@/lib/env";
import { initialOf } from "@/components/shell/initial";

describe("safeCallbackPath", () => {
  it.each([
    ["/calls/123", "/calls/123"],
    ["/calls?x=1", "/calls?x=1"],
    ["//evil.example/x", "/calls"],
    ["/\\evil.example", "/calls"],
    ["https://evil.example", "/calls"],
    ["javascript:alert(1)", "/calls"],
    [undefined, "/calls"],
    [["/a", "/b"], "/calls"],
    // issue 14: a tab (decoded %09) passes a prefix check and browsers drop it → //evil.example
    ["/\t/evil.example", "/calls"],
    ["/\r\n/evil.example", "/calls"],
    ["/calls\r\nSet-Cookie: x=1", "/calls"],
    ["/\n/evil.example", "/calls"],
    ["\t//evil.example", "/calls"],
    ["/%09/evil.example", "/%09/evil.example"], // still encoded: a path on this site, browsers keep it
    ["/\\/evil.example", "/calls"],
    ["///evil.example", "/calls"],
    ["/\u0000/evil", "/calls"],
    ["/calls/../../x", "/x"],
    ["/calls#frag", "/calls#frag"],
    ["", "/calls"],
    ["/" + "a".repeat(3000), "/calls"],
  ])("%j → %s", (input, expected) => {
    expect(safeCallbackPath(input)).toBe(expected);
  });
});

describe("content security policy", () => {
  it("allows only nonced scripts and forbids framing", () => {
    const csp = buildContentSecurityPolicy(parseEnv({ NODE_ENV: "production", AUTH_SECRET: "s" }), "abc");
    expect(csp).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-src 'none'");
  });

  it("lets the browser reach Vercel Blob only in Blob mode", () => {
    expect(buildContentSecurityPolicy(parseEnv({}), "n")).not.toContain("vercel");
    const csp = buildContentSecurityPolicy(parseEnv({ BLOB_READ_WRITE_TOKEN: "t", VERCEL_BLOB_API_URL: "http://127.0.0.1:9999/api/blob" }), "n");
    expect(csp).toContain("connect-src 'self' https://vercel.com https://*.blob.vercel-storage.com http://127.0.0.1:9999");
  });

  it("opens exactly the Firebase endpoints when Firebase is configured", () => {
    const csp = buildContentSecurityPolicy(parseEnv({ FIREBASE_PROJECT_ID: "acme", FIREBASE_API_KEY: "k" }), "n");
    expect(csp).toContain("frame-src https://acme.firebaseapp.com");
    expect(csp).toContain("https://identitytoolkit.googleapis.com");
  });
});

describe("avatar initial", () => {
  it.each([
    ["Ada Lovelace", "A"],
    ["  émile", "É"],
    [null, "?"],
    ["!!!", "?"],
  ])("%j → %s", (name, initial) => {
    expect(initialOf(name)).toBe(initial);
  });
});
