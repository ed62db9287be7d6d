import { describe, expect, it } from "vitest";
import { scopeForMethod } from "@/lib/auth/api-tokens";
import { discoverRouteMethodList } from "../helpers/api-routes";

/**
 * `GET /api/openapi.json` (issue 16): every route × method in app/api is described (found by enumerating the
 * route files, as tests/api/isolation.test.ts does), nothing described is missing from app/api, the document
 * hangs together (path parameters, security schemes, $refs, unique operation ids), and the schemas are the
 * routes' zod schemas (their limits show up).
 */

const { GET } = await import("@/app/api/openapi.json/route");

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { security: Record<string, string[]>[]; parameters?: { name: string; in: string }[]; requestBody?: { content: Record<string, { schema?: Record<string, unknown> }> }; responses: Record<string, unknown>; operationId: string }>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
};

/** The OpenAPI paths a route folder answers: `[id]` → `{id}`, `[...x]` → `{x}`, `[[...x]]` → with and without `/{x}`. */
function openApiPaths(route: string): string[] {
  const optional = /\/\[\[\.\.\.(\w+)\]\]/;
  const match = optional.exec(route);
  const base = (value: string) => value.replace(/\[\.\.\.(\w+)\]/g, "{$1}").replace(/\[(\w+)\]/g, "{$1}");
  if (!match) return [base(route)];
  return [base(route.replace(optional, "")), `${base(route.replace(optional, ""))}/{upload${match[1] === "path" ? "Id" : match[1]}}`];
}

describe("GET /api/openapi.json", async () => {
  const response = await GET(new Request("http://localhost/api/openapi.json"), { params: Promise.resolve({}) });
  const doc = (await response.json()) as Doc;
  const routes = discoverRouteMethodList();

  it("answers an OpenAPI 3.1 document, publicly", () => {
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(doc.openapi).toBe("3.1.0");
  });

  it(`describes every route × method in app/api (${routes.length}), and nothing that is not there`, () => {
    const missing = routes.filter((route) => !openApiPaths(route.route).some((p) => doc.paths[p]?.[route.method.toLowerCase()]));
    expect(missing.map((route) => route.key), "describe these in lib/openapi/operations.ts").toEqual([]);
    const described = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${p}`));
    const known = new Set(routes.flatMap((route) => openApiPaths(route.route).map((p) => `${route.method} ${p}`)));
    expect(described.filter((key) => !known.has(key)), "these operations have no route").toEqual([]);
  });

  it("hangs together: path parameters declared, security schemes and $refs exist, operation ids unique", () => {
    const ids = new Set<string>();
    for (const [p, methods] of Object.entries(doc.paths)) {
      const inPath = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, operation] of Object.entries(methods)) {
        const declared = (operation.parameters ?? []).filter((parameter) => parameter.in === "path").map((parameter) => parameter.name);
        expect(declared.sort(), `${method} ${p}`).toEqual([...inPath].sort());
        for (const requirement of operation.security) for (const name of Object.keys(requirement)) expect(doc.components.securitySchemes, name).toHaveProperty(name);
        expect(ids.has(operation.operationId), operation.operationId).toBe(false);
        ids.add(operation.operationId);
        expect(Object.keys(operation.responses).length, `${method} ${p}`).toBeGreaterThan(0);
      }
    }
    for (const ref of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)) expect(doc.components.schemas).toHaveProperty(ref[1]!);
    expect(doc.components.securitySchemes).toMatchObject({ apiToken: { type: "http", scheme: "bearer" }, sessionCookie: { type: "apiKey", in: "cookie" } });
  });

  it("says which token scope each operation needs: read for GET/HEAD/OPTIONS, write otherwise; token management is session only", () => {
    for (const route of routes) {
      const operation = openApiPaths(route.route).map((p) => doc.paths[p]?.[route.method.toLowerCase()]).find(Boolean);
      if (!operation) continue; // the test above names it
      // Token management and the administrators' routes (Settings → Speech) take a signed-in session only.
      if (route.route.startsWith("/api/tokens") || route.route.startsWith("/api/admin")) {
        expect(operation.security, route.key).toEqual([{ sessionCookie: [] }]);
        continue;
      }
      if (route.route.startsWith("/api/auth") || route.route.startsWith("/api/inngest") || route.route === "/api/openapi.json") {
        expect(operation.security, route.key).toEqual([]);
        continue;
      }
      const scope = operation.security.find((requirement) => requirement.apiToken)?.apiToken;
      // Webhook routes need a write token even to read (their answers carry signing secrets).
      const expected = route.route.startsWith("/api/webhooks") ? "write" : scopeForMethod(route.method);
      expect(scope, route.key).toEqual([expected]);
      expect(operation.security, route.key).toContainEqual({ sessionCookie: [] });
      expect(operation.responses, route.key).toHaveProperty("401");
      if (expected === "write") expect(operation.responses, route.key).toHaveProperty("403");
    }
  });

  it("carries the routes' zod schemas: limits, enums and strictness show up", () => {
    const body = (p: string, method: string, type = "application/json") => doc.paths[p]![method]!.requestBody!.content[type]!.schema as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const tokenBody = body("/api/tokens", "post");
    expect(tokenBody.properties.name).toMatchObject({ type: "string", minLength: 1, maxLength: 100 });
    expect(tokenBody.properties.scope.enum).toEqual(["read", "write"]);
    expect(tokenBody.required.sort()).toEqual(["name", "scope"]);
    expect(tokenBody.additionalProperties).toBe(false);
    const patchItem = body("/api/action-items/{id}", "patch");
    expect(patchItem.properties.status.enum).toEqual(["OPEN", "DONE", "SNOOZED"]);
    expect(patchItem.properties.title.maxLength).toBe(200);
    const upload = body("/api/calls", "post", "multipart/form-data");
    expect(upload.required).toContain("file");
    expect(upload.properties.direction.enum).toEqual(["INCOMING", "OUTGOING", "UNKNOWN"]);
    expect(upload.properties.recordedAt).toMatchObject({ type: "string", format: "date-time" });
    const listCalls = doc.paths["/api/calls"]!.get!.parameters!;
    expect(listCalls).toContainEqual(expect.objectContaining({ name: "limit", in: "query", schema: expect.objectContaining({ maximum: 100 }) }));
    const inbox = doc.paths["/api/action-items"]!.get!.parameters!.map((parameter) => parameter.name);
    expect(inbox).toEqual(expect.arrayContaining(["status", "owner", "due", "format"]));
    expect(JSON.stringify(doc.components.schemas.Error)).toContain("UNAUTHENTICATED");
  });
});
