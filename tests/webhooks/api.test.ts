import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db";
import { upsertUserByExternalId } from "@/db/queries/users";
import { webhookDeliveries, webhookEndpoints, type User } from "@/db/schema";
import { unauthenticated } from "@/lib/http/errors";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";

/**
 * The webhook routes, called directly with Requests on a real database; only the session, the database
 * handle, the Inngest client and the config are swapped (as in tests/api/*). Delivery itself is in
 * delivery.test.ts.
 */

const world = vi.hoisted(() => ({
  user: null as User | null,
  db: null as Database | null,
  sent: [] as { name: string; id: string; data: unknown }[],
  requireUserOptions: [] as unknown[],
  allowPrivate: false,
}));

vi.mock("@/lib/auth/session", () => ({
  requireUser: async (options?: unknown) => {
    world.requireUserOptions.push(options);
    if (!world.user) throw unauthenticated();
    return world.user;
  },
}));
vi.mock("@/db", () => ({ getDb: async () => world.db }));
vi.mock("@/inngest/client", () => ({
  getInngest: () => ({ send: async (events: { name: string; id: string; data: unknown }[]) => void world.sent.push(...events) }),
}));
vi.mock("@/lib/env", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/env")>();
  return { ...original, loadEnv: () => original.parseEnv({ SCRYON_WEBHOOKS_ALLOW_PRIVATE: world.allowPrivate ? "1" : "0" }) };
});

const listRoute = await import("@/app/api/webhooks/route");
const endpointRoute = await import("@/app/api/webhooks/[id]/route");
const deliveriesRoute = await import("@/app/api/webhooks/[id]/deliveries/route");
const retryRoute = await import("@/app/api/webhooks/[id]/deliveries/[deliveryId]/retry/route");

const BASE = "http://localhost";
const MISSING = "00000000-0000-4000-8000-000000000000";
const PUBLIC_URL = "https://93.184.216.34/hooks/scryon";
type ErrorBody = { error: { code: string; message: string; details?: { path: string; message: string }[] } };
type EndpointBody = { endpoint: { id: string; url: string; events: string[]; active: boolean; secret: string; description: string | null; disabledReason: string | null; consecutiveFailures: number } };

const json = (method: string, url: string, body: unknown) =>
  new Request(`${BASE}${url}`, { method, headers: { "Content-Type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
const ctx = (params: Record<string, string> = {}) => ({ params: Promise.resolve(params) }) as { params: Promise<{ id: string; deliveryId: string }> };

describe.each(databaseKinds())("webhook API on %s", (kind) => {
  let t: TestDatabase;
  let alice: User;
  let bob: User;
  const logged: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    world.db = t.db;
    alice = await upsertUserByExternalId(t.db, { externalUserId: `webhook-api-alice-${kind}` });
    bob = await upsertUserByExternalId(t.db, { externalUserId: `webhook-api-bob-${kind}` });
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" ")));
    }
  });
  afterEach(() => {
    world.user = alice;
    world.allowPrivate = false;
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await t?.close();
  });

  async function create(body: unknown = { url: PUBLIC_URL, events: ["call.completed", "action_item.completed"], description: "CRM sync" }) {
    const response = await listRoute.POST(json("POST", "/api/webhooks", body), ctx());
    return { response, body: (await response.json()) as EndpointBody & ErrorBody };
  }

  it("asks for a session or a write token on every route, even to read (the answers carry secrets)", async () => {
    world.user = null;
    world.requireUserOptions.length = 0;
    const answers = await Promise.all([
      listRoute.GET(new Request(`${BASE}/api/webhooks`), ctx()),
      listRoute.POST(json("POST", "/api/webhooks", { url: PUBLIC_URL, events: ["call.completed"] }), ctx()),
      endpointRoute.PATCH(json("PATCH", `/api/webhooks/${MISSING}`, { active: false }), ctx({ id: MISSING })),
      endpointRoute.DELETE(new Request(`${BASE}/api/webhooks/${MISSING}`, { method: "DELETE" }), ctx({ id: MISSING })),
      deliveriesRoute.GET(new Request(`${BASE}/api/webhooks/${MISSING}/deliveries`), ctx({ id: MISSING })),
      retryRoute.POST(new Request(`${BASE}/x`, { method: "POST" }), ctx({ id: MISSING, deliveryId: MISSING })),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(world.requireUserOptions).toEqual(Array(6).fill({ scope: "write" }));
  });

  it("creates an endpoint with a whsec_ secret, lists it, edits and deletes it", async () => {
    world.user = alice;
    const { response, body } = await create();
    expect(response.status).toBe(201);
    expect(body.endpoint).toMatchObject({ url: PUBLIC_URL, events: ["call.completed", "action_item.completed"], active: true, description: "CRM sync", disabledReason: null });
    expect(body.endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const id = body.endpoint.id;

    const list = (await (await listRoute.GET(new Request(`${BASE}/api/webhooks`), ctx())).json()) as { endpoints: EndpointBody["endpoint"][]; eventTypes: string[] };
    expect(list.endpoints.map((endpoint) => [endpoint.id, endpoint.secret])).toEqual([[id, body.endpoint.secret]]);
    expect(list.eventTypes).toEqual(["call.completed", "call.failed", "action_item.created", "action_item.updated", "action_item.completed"]);

    const patched = await endpointRoute.PATCH(json("PATCH", `/api/webhooks/${id}`, { events: ["call.failed", "call.failed"], active: false, description: "" }), ctx({ id }));
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as EndpointBody).endpoint).toMatchObject({ events: ["call.failed"], active: false, description: null, secret: body.endpoint.secret });

    // Turning on an endpoint the server turned off clears the notice and the count.
    await t.db.update(webhookEndpoints).set({ active: false, disabledReason: "5 deliveries in a row failed (last: HTTP 500).", disabledAt: new Date(), consecutiveFailures: 5 });
    const reenabled = ((await (await endpointRoute.PATCH(json("PATCH", `/api/webhooks/${id}`, { active: true }), ctx({ id }))).json()) as EndpointBody).endpoint;
    expect(reenabled).toMatchObject({ active: true, disabledReason: null, consecutiveFailures: 0 });

    expect((await endpointRoute.DELETE(new Request(`${BASE}/api/webhooks/${id}`, { method: "DELETE" }), ctx({ id }))).status).toBe(204);
    expect((await endpointRoute.DELETE(new Request(`${BASE}/api/webhooks/${id}`, { method: "DELETE" }), ctx({ id }))).status).toBe(404);
  });

  it("answers bad input with a 400 that says what is wrong", async () => {
    world.user = alice;
    const cases: [unknown, string, string?][] = [
      ["{not json", "INVALID_JSON"],
      [{ url: PUBLIC_URL }, "VALIDATION_FAILED", "events"],
      [{ url: PUBLIC_URL, events: [] }, "VALIDATION_FAILED", "events"],
      [{ url: PUBLIC_URL, events: ["call.deleted"] }, "VALIDATION_FAILED", "events.0"],
      [{ url: "ftp://example.com/hook", events: ["call.completed"] }, "VALIDATION_FAILED", "url"],
      [{ url: "not a url", events: ["call.completed"] }, "VALIDATION_FAILED", "url"],
      [{ url: "http://127.0.0.1:8080/hook", events: ["call.completed"] }, "VALIDATION_FAILED", "url"],
      [{ url: "http://[fd00:ec2::254]/", events: ["call.completed"] }, "VALIDATION_FAILED", "url"],
      [{ url: "http://100.64.1.1/", events: ["call.completed"] }, "VALIDATION_FAILED", "url"],
      [{ url: PUBLIC_URL, events: ["call.completed"], description: "bad\u0000text" }, "VALIDATION_FAILED", "description"],
      [{ url: PUBLIC_URL, events: ["call.completed"], secret: "whsec_mine" }, "VALIDATION_FAILED"],
      [{ url: `https://example.com/${"a".repeat(2100)}`, events: ["call.completed"] }, "VALIDATION_FAILED", "url"],
    ];
    for (const [body, code, field] of cases) {
      const { response, body: answer } = await create(body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(answer.error.code).toBe(code);
      if (field) expect(answer.error.details?.map((detail) => detail.path), JSON.stringify(body).slice(0, 80)).toContain(field);
    }
    const { body: privateAnswer } = await create({ url: "http://127.0.0.1:8080/hook", events: ["call.completed"] });
    expect(privateAnswer.error.message).toMatch(/private, loopback or reserved address.*SCRYON_WEBHOOKS_ALLOW_PRIVATE/);

    // With the switch on, a receiver on this machine is accepted.
    world.allowPrivate = true;
    expect((await create({ url: "http://127.0.0.1:8080/hook", events: ["call.completed"] })).response.status).toBe(201);

    const { body: created } = await create();
    const id = created.endpoint.id;
    expect((await endpointRoute.PATCH(json("PATCH", `/api/webhooks/${id}`, {}), ctx({ id }))).status).toBe(400);
    expect((await endpointRoute.PATCH(json("PATCH", `/api/webhooks/${id}`, { active: "yes" }), ctx({ id }))).status).toBe(400);
    world.allowPrivate = false;
    expect((await endpointRoute.PATCH(json("PATCH", `/api/webhooks/${id}`, { url: "http://192.168.1.10/" }), ctx({ id }))).status).toBe(400);
    expect((await deliveriesRoute.GET(new Request(`${BASE}/api/webhooks/${id}/deliveries?cursor=bogus`), ctx({ id }))).status).toBe(400);
    expect((await deliveriesRoute.GET(new Request(`${BASE}/api/webhooks/${id}/deliveries?limit=0`), ctx({ id }))).status).toBe(400);
  });

  it("lists the delivery log and sends a delivery again (409 while it is pending)", async () => {
    world.user = alice;
    const { body } = await create();
    const id = body.endpoint.id;
    const [older, newer] = await t.db
      .insert(webhookDeliveries)
      .values([
        { endpointId: id, userId: alice.id, eventType: "call.completed", msgId: "msg_older", payload: { type: "call.completed", data: { n: 1 } }, status: "failed", attempts: 3, lastStatusCode: 500, lastError: "HTTP 500", responseExcerpt: "down", createdAt: new Date("2026-12-01T10:00:00Z") },
        { endpointId: id, userId: alice.id, eventType: "call.failed", msgId: "msg_newer", payload: { type: "call.failed", data: { n: 2 } }, status: "succeeded", attempts: 1, lastStatusCode: 200, createdAt: new Date("2026-12-02T10:00:00Z") },
      ])
      .returning();
    const page = (await (await deliveriesRoute.GET(new Request(`${BASE}/api/webhooks/${id}/deliveries?limit=1`), ctx({ id }))).json()) as { items: Record<string, unknown>[]; nextCursor: string | null };
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ id: newer!.id, eventType: "call.failed", webhookId: "msg_newer", status: "succeeded", attempts: 1, lastStatusCode: 200, payload: { data: { n: 2 } } });
    const next = (await (await deliveriesRoute.GET(new Request(`${BASE}/api/webhooks/${id}/deliveries?cursor=${page.nextCursor}`), ctx({ id }))).json()) as { items: Record<string, unknown>[]; nextCursor: string | null };
    expect(next.items).toMatchObject([{ id: older!.id, status: "failed", attempts: 3, lastStatusCode: 500, lastError: "HTTP 500", responseExcerpt: "down" }]);
    expect(next.nextCursor).toBeNull();

    world.sent.length = 0;
    const retried = await retryRoute.POST(new Request(`${BASE}/x`, { method: "POST" }), ctx({ id, deliveryId: older!.id }));
    expect(retried.status).toBe(202);
    expect(((await retried.json()) as { delivery: { status: string } }).delivery.status).toBe("pending");
    expect(world.sent).toEqual([{ name: "webhook/delivery.requested", id: expect.stringMatching(new RegExp(`^webhook-delivery-${older!.id}-resend-\\d+$`)), data: { userId: alice.id, deliveryId: older!.id } }]);
    const again = await retryRoute.POST(new Request(`${BASE}/x`, { method: "POST" }), ctx({ id, deliveryId: older!.id }));
    expect(again.status).toBe(409);
    expect((await retryRoute.POST(new Request(`${BASE}/x`, { method: "POST" }), ctx({ id, deliveryId: MISSING }))).status).toBe(404);
    expect((await retryRoute.POST(new Request(`${BASE}/x`, { method: "POST" }), ctx({ id, deliveryId: "not-a-uuid" }))).status).toBe(404);
  });

  it("answers another user's endpoint and deliveries exactly like missing ones", async () => {
    world.user = alice;
    const { body } = await create();
    const id = body.endpoint.id;
    const [delivery] = await t.db
      .insert(webhookDeliveries)
      .values({ endpointId: id, userId: alice.id, eventType: "call.completed", msgId: "msg_alice", payload: { type: "call.completed", data: {} }, status: "failed" })
      .returning();
    world.user = bob;
    const probes = async (target: string, deliveryId: string) => [
      await endpointRoute.PATCH(json("PATCH", `/api/webhooks/${target}`, { active: false }), ctx({ id: target })),
      await endpointRoute.DELETE(new Request(`${BASE}/api/webhooks/${target}`, { method: "DELETE" }), ctx({ id: target })),
      await deliveriesRoute.GET(new Request(`${BASE}/api/webhooks/${target}/deliveries`), ctx({ id: target })),
      await retryRoute.POST(new Request(`${BASE}/x`, { method: "POST" }), ctx({ id: target, deliveryId })),
    ];
    const theirs = await probes(id, delivery!.id);
    const missing = await probes(MISSING, MISSING);
    for (let index = 0; index < theirs.length; index++) {
      expect(theirs[index]!.status).toBe(404);
      expect(await theirs[index]!.text()).toBe(await missing[index]!.text());
    }
    const list = await (await listRoute.GET(new Request(`${BASE}/api/webhooks`), ctx())).text();
    expect(list).not.toContain(id);
    expect(list).not.toContain(body.endpoint.secret);
    world.user = alice;
    const [row] = (await (await listRoute.GET(new Request(`${BASE}/api/webhooks`), ctx())).json() as { endpoints: { id: string; active: boolean }[] }).endpoints.filter((endpoint) => endpoint.id === id);
    expect(row!.active).toBe(true);
  });

  it("never writes a secret to the logs", () => {
    expect(logged.join("\n")).not.toMatch(/whsec_/);
  });
});
