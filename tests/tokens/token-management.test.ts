import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db";
import { upsertUserByExternalId } from "@/db/queries/users";
import { apiTokens, type User } from "@/db/schema";
import { hashApiToken, MAX_ACTIVE_TOKENS_PER_USER } from "@/lib/auth/api-tokens";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";

/**
 * Token management (`/api/tokens`, issue 16) on a real database through the real requireUser(): the session
 * (stood in for Auth.js) creates, lists and revokes; no token may; validation; another user's token id is
 * 404; revocation takes effect on the next request; last_used_at is written at most once a minute; and the
 * secret is never logged or answered after its creation.
 */

const world = vi.hoisted(() => ({
  session: null as { user: { id: string }; sessionVersion: number } | null,
  db: null as Database | null,
}));

vi.mock("@/auth", () => ({ auth: async () => world.session }));
vi.mock("@/db", () => ({ getDb: async () => world.db }));
vi.mock("@/lib/env", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/env")>();
  return { ...original, loadEnv: () => original.parseEnv({ FIREBASE_PROJECT_ID: "scryon-test", FIREBASE_API_KEY: "key" }) };
});

const tokensRoute = await import("@/app/api/tokens/route");
const tokenRoute = await import("@/app/api/tokens/[id]/route");
const callsRoute = await import("@/app/api/calls/route");

const BASE = "http://localhost";
type Json = Record<string, unknown>;

/** Everything the code under test wrote to the console or to stdout/stderr. */
const logged: string[] = [];
const answers: string[] = [];

async function record(response: Response): Promise<Response> {
  answers.push(`${[...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n\n${await response.clone().text()}`);
  return response;
}

const as = (user: User | null) => {
  world.session = user ? { user: { id: user.id }, sessionVersion: user.sessionVersion } : null;
};
const bearer = (token?: string): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});

const list = (token?: string) => tokensRoute.GET(new Request(`${BASE}/api/tokens`, { headers: bearer(token) }), { params: Promise.resolve({}) }).then(record);
const create = (body: unknown, token?: string) =>
  tokensRoute
    .POST(new Request(`${BASE}/api/tokens`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers: { "Content-Type": "application/json", ...bearer(token) } }), { params: Promise.resolve({}) })
    .then(record);
const revoke = (id: string, token?: string) => tokenRoute.DELETE(new Request(`${BASE}/api/tokens/${id}`, { method: "DELETE", headers: bearer(token) }), { params: Promise.resolve({ id }) }).then(record);
const listCalls = (token: string) => callsRoute.GET(new Request(`${BASE}/api/calls`, { headers: bearer(token) }), { params: Promise.resolve({}) }).then(record);

describe.each(databaseKinds())("token management on %s", (kind) => {
  let t: TestDatabase;
  let alice: User;
  let bob: User;
  const secrets: string[] = [];
  const spies: { mockRestore(): void }[] = [];

  /** Creates a token as Alice's session; the secret is remembered for the leak checks. */
  async function newToken(scope: "read" | "write", name = `${scope} token`, user = alice): Promise<{ token: string; apiToken: Json & { id: string } }> {
    as(user);
    const response = await create({ name, scope });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { token: string; apiToken: Json & { id: string } };
    secrets.push(body.token);
    as(null);
    return body;
  }

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    world.db = t.db;
    alice = await upsertUserByExternalId(t.db, { externalUserId: `firebase-alice-${kind}`, displayName: "Alice" });
    bob = await upsertUserByExternalId(t.db, { externalUserId: `firebase-bob-${kind}`, displayName: "Bob" });
    for (const method of ["log", "info", "warn", "error", "debug"] as const) {
      const original = console[method].bind(console);
      spies.push(vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        logged.push(args.map((arg) => (arg instanceof Error ? `${arg.message}\n${arg.stack}` : typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "));
        original(...args);
      }));
    }
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
      spies.push(vi.spyOn(stream, "write").mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
        logged.push(String(chunk));
        return original(chunk, ...rest);
      }) as typeof stream.write));
    }
  });
  afterAll(async () => {
    for (const spy of spies) spy.mockRestore();
    await t?.close();
  });
  beforeEach(() => as(null));
  afterEach(() => as(null));

  it("the session creates a token, shown once: 201 with the secret; the list shows name, scope, prefix and last four, never the secret", async () => {
    const { token, apiToken } = await newToken("write", "CRM sync");
    expect(token).toMatch(/^scy_[0-9A-Za-z]{43}$/);
    expect(apiToken).toMatchObject({ name: "CRM sync", scope: "write", prefix: token.slice(0, 8), lastFour: token.slice(-4), lastUsedAt: null });
    expect(Object.keys(apiToken).sort()).toEqual(["createdAt", "id", "lastFour", "lastUsedAt", "name", "prefix", "scope"]);
    as(alice);
    const listed = await list();
    expect(listed.status).toBe(200);
    expect(listed.headers.get("cache-control")).toContain("no-store");
    const { items } = (await listed.json()) as { items: Json[] };
    expect(items.find((item) => item.id === apiToken.id)).toEqual(apiToken);
    // Stored: the hash only.
    const [row] = await t.db.select().from(apiTokens).where(eq(apiTokens.id, apiToken.id));
    expect(row!.tokenHash).toBe(hashApiToken(token));
    expect(JSON.stringify(row)).not.toContain(token.slice(4));
    // And it works.
    expect((await listCalls(token)).status).toBe(200);
  });

  it("lists only the caller's active tokens, newest first", async () => {
    const first = await newToken("read", "first");
    const second = await newToken("read", "second");
    await newToken("read", "Bob's", bob);
    as(alice);
    expect((await revoke(first.apiToken.id)).status).toBe(204);
    const { items } = (await (await list()).json()) as { items: { id: string; name: string }[] };
    expect(items.map((item) => item.name)).not.toContain("first");
    expect(items.map((item) => item.name)).not.toContain("Bob's");
    expect(items.findIndex((item) => item.id === second.apiToken.id)).toBe(0);
    as(bob);
    const bobs = (await (await list()).json()) as { items: { name: string }[] };
    expect(bobs.items.map((item) => item.name)).toEqual(["Bob's"]);
  });

  it("refuses bad input with 400 and the field", async () => {
    as(alice);
    const cases: [unknown, string][] = [
      [{ name: "", scope: "read" }, "VALIDATION_FAILED"],
      [{ name: "x".repeat(101), scope: "read" }, "VALIDATION_FAILED"],
      [{ name: "tab\tok but nul\u0000 not", scope: "read" }, "VALIDATION_FAILED"],
      [{ name: "ok", scope: "admin" }, "VALIDATION_FAILED"],
      [{ name: "ok" }, "VALIDATION_FAILED"],
      [{ name: "ok", scope: "read", userId: bob.id }, "VALIDATION_FAILED"],
      ["{not json", "INVALID_JSON"],
    ];
    for (const [body, code] of cases) {
      const response = await create(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    const named = await create({ name: "x".repeat(101), scope: "read" });
    expect(((await named.json()) as { error: { details: { path: string }[] } }).error.details[0]!.path).toBe("name");
  });

  it("token management is for the session only: tokens get 403 SESSION_REQUIRED (a revoked one 401), and nothing is created or revoked", async () => {
    const write = await newToken("write");
    const read = await newToken("read");
    const before = await t.db.select().from(apiTokens).where(eq(apiTokens.userId, alice.id));
    for (const token of [write.token, read.token]) {
      for (const response of [await list(token), await create({ name: "made by a token", scope: "write" }, token), await revoke(read.apiToken.id, token)]) {
        expect(response.status).toBe(403);
        expect(await response.json()).toEqual({
          error: { code: "FORBIDDEN", message: "API tokens cannot manage API tokens. Sign in to Scryon to create, list or revoke them.", details: { reason: "SESSION_REQUIRED" } },
        });
      }
    }
    // Even beside a good session: a request that carries a token is judged by its token.
    as(alice);
    expect((await list(write.token)).status).toBe(403);
    as(null);
    expect((await list()).status).toBe(401);
    const after = await t.db.select().from(apiTokens).where(eq(apiTokens.userId, alice.id));
    const comparable = (rows: typeof before) => rows.map((row) => ({ ...row, lastUsedAt: null, updatedAt: null })).sort((a, b) => a.id.localeCompare(b.id));
    expect(comparable(after)).toEqual(comparable(before));
  });

  it("revoking takes effect on the next request; another user's id, a revoked one, an unknown or malformed id are 404", async () => {
    const { token, apiToken } = await newToken("write");
    expect((await listCalls(token)).status).toBe(200);
    as(bob);
    const bobs = await revoke(apiToken.id);
    expect(bobs.status).toBe(404);
    const missing = await revoke("00000000-0000-4000-8000-000000000000");
    expect(await bobs.text()).toBe(await missing.text());
    expect((await revoke("not-a-uuid")).status).toBe(404);
    expect((await listCalls(token)).status).toBe(200);
    as(alice);
    expect((await revoke(apiToken.id)).status).toBe(204);
    as(null);
    const refused = await listCalls(token);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("UNAUTHENTICATED");
    as(alice);
    expect((await revoke(apiToken.id)).status).toBe(404);
  });

  it(`at most ${MAX_ACTIVE_TOKENS_PER_USER} active tokens: the next is 409; revoking one makes room`, async () => {
    const user = await upsertUserByExternalId(t.db, { externalUserId: `firebase-many-${kind}` });
    const made: string[] = [];
    for (let i = 0; i < MAX_ACTIVE_TOKENS_PER_USER; i++) made.push((await newToken("read", `t${i}`, user)).apiToken.id);
    as(user);
    const over = await create({ name: "one too many", scope: "read" });
    expect(over.status).toBe(409);
    expect((await revoke(made[0]!)).status).toBe(204);
    const room = await create({ name: "now there is room", scope: "read" });
    expect(room.status).toBe(201);
    secrets.push(((await room.json()) as { token: string }).token);
  });

  it("last_used_at: set on first use, not written again within a minute, written again after it", async () => {
    const { token, apiToken } = await newToken("read");
    const row = async () => (await t.db.select().from(apiTokens).where(eq(apiTokens.id, apiToken.id)))[0]!;
    expect((await row()).lastUsedAt).toBeNull();
    expect((await listCalls(token)).status).toBe(200);
    const first = await row();
    expect(first.lastUsedAt).toBeInstanceOf(Date);
    for (let i = 0; i < 5; i++) expect((await listCalls(token)).status).toBe(200);
    const again = await row();
    expect(again.lastUsedAt).toEqual(first.lastUsedAt);
    expect(again.updatedAt).toEqual(first.updatedAt); // no UPDATE ran at all
    await t.db.execute(sql`update api_tokens set last_used_at = now() - interval '2 minutes' where id = ${apiToken.id}`);
    const aged = (await row()).lastUsedAt!;
    expect((await listCalls(token)).status).toBe(200);
    expect((await row()).lastUsedAt!.getTime()).toBeGreaterThan(aged.getTime());
    as(alice);
    const { items } = (await (await list()).json()) as { items: { id: string; lastUsedAt: string | null }[] };
    expect(items.find((item) => item.id === apiToken.id)!.lastUsedAt).toBe((await row()).lastUsedAt!.toISOString());
  });

  it("a token stops working when its user's sign-in method is turned off, like the session (Firebase no longer configured)", async () => {
    const { token } = await newToken("read");
    expect((await listCalls(token)).status).toBe(200);
    const env = await import("@/lib/env");
    const spy = vi.spyOn(env, "loadEnv").mockImplementation(() => env.parseEnv({}));
    try {
      expect((await listCalls(token)).status).toBe(401);
    } finally {
      spy.mockRestore();
    }
  });

  it("no secret was logged, and none came back after its creation answer", () => {
    expect(secrets.length).toBeGreaterThan(5);
    const creations = answers.filter((answer) => /"token":"scy_/.test(answer));
    for (const secret of secrets) {
      const body = secret.slice(4);
      for (const line of logged) expect(line).not.toContain(body);
      // Exactly one answer (its creation) carried each secret.
      expect(answers.filter((answer) => answer.includes(body)).length, "answers carrying one secret").toBe(1);
      expect(creations.some((answer) => answer.includes(body))).toBe(true);
    }
  });
});
