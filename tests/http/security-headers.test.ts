import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { apiRoute } from "@/lib/http/api";
import { AppError } from "@/lib/http/errors";
import { API_CSP, cameOverHttps, HSTS_VALUE, refusesMissingOrigin } from "@/lib/http/security-headers";
import { proxy } from "@/proxy";

const ctx = { params: Promise.resolve({}) };

describe("transport security", () => {
  it.each([
    ["http://localhost/x", {}, false],
    ["https://scryon.example/x", {}, true],
    ["http://localhost/x", { "x-forwarded-proto": "https" }, true],
    ["http://localhost/x", { "x-forwarded-proto": "https, http" }, true],
    ["http://localhost/x", { "x-forwarded-proto": "http" }, false],
    ["http://localhost/x", { forwarded: "for=1.2.3.4;proto=https" }, true],
    ["http://localhost/x", { forwarded: "for=1.2.3.4;proto=http" }, false],
  ] as const)("%s %j → https %s", (url, headers, expected) => {
    expect(cameOverHttps(new Request(url, { headers }))).toBe(expected);
  });

  it("API responses carry the restrictive CSP, and HSTS only over https (errors included)", async () => {
    const ok = apiRoute(async () => Response.json({ ok: true }));
    const failing = apiRoute(async () => {
      throw new AppError("NOT_FOUND", "Call not found.");
    });
    const plain = await ok(new Request("http://localhost/api/x"), ctx);
    expect(plain.headers.get("content-security-policy")).toBe(API_CSP);
    expect(plain.headers.get("strict-transport-security")).toBeNull();
    const secure = await failing(new Request("http://localhost/api/x", { headers: { "x-forwarded-proto": "https" } }), ctx);
    expect(secure.status).toBe(404);
    expect(secure.headers.get("content-security-policy")).toBe(API_CSP);
    expect(secure.headers.get("strict-transport-security")).toBe(HSTS_VALUE);
  });

  it("pages get HSTS over https from the proxy", () => {
    const secure = proxy(new NextRequest("https://scryon.example/calls"));
    expect(secure.headers.get("strict-transport-security")).toBe(HSTS_VALUE);
    expect(secure.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(proxy(new NextRequest("http://localhost/calls")).headers.get("strict-transport-security")).toBeNull();
  });
});

describe("server actions and other page POSTs need an Origin", () => {
  it.each([
    ["POST", {}, true],
    ["POST", { origin: "null" }, true],
    ["POST", { origin: "http://localhost:3000" }, false],
    ["GET", {}, false],
    ["HEAD", {}, false],
    ["PUT", {}, true],
  ] as const)("%s %j → refused %s", (method, headers, refused) => {
    expect(refusesMissingOrigin(new Request("http://localhost/sign-in", { method, headers }))).toBe(refused);
  });

  it("the proxy answers a server-action POST without Origin with 403 JSON", async () => {
    const response = proxy(new NextRequest("http://localhost/sign-in", { method: "POST", headers: { "next-action": "abc123" }, body: "[]" }));
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    const allowed = proxy(new NextRequest("http://localhost/sign-in", { method: "POST", headers: { "next-action": "abc123", origin: "http://localhost" }, body: "[]" }));
    expect(allowed.status).toBe(200);
  });
});
