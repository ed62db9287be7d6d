import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getWebhookEndpoint, listWebhookDeliveries } from "@/db/queries/webhooks";
import { upsertUserByExternalId } from "@/db/queries/users";
import { webhookDeliveries, type WebhookEndpoint } from "@/db/schema";
import { createDeliverWebhookFunction } from "@/inngest/functions/deliver-webhook";
import { AppError } from "@/lib/http/errors";
import { DEFAULT_RETRY_DELAYS_MS, type WebhookDeliveryDeps } from "@/lib/webhooks/deliver";
import { createEmbeddedClient, createEmbeddedEngine, type EmbeddedEngine } from "@/lib/pipeline/engine";
import { FakeClock } from "../pipeline/engine/harness";
import { emitWebhookEvent } from "@/lib/webhooks/emit";
import { RESPONSE_EXCERPT_BYTES } from "@/lib/webhooks/send";
import { addEndpoint, redeliver } from "@/lib/webhooks/service";
import { sweepWebhookDeliveries } from "@/lib/webhooks/sweep";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";
import { startEngine, startReceiver, verifyBySpec, type Receiver } from "./helpers";

/**
 * Delivery end to end: events emitted into the database, the deliver-webhook function run by the embedded
 * engine, POSTed to a local receiver that checks the signatures with the specification's algorithm (its own
 * code in ./helpers.ts) and with the `standardwebhooks` library.
 */
describe.each(databaseKinds())("webhook delivery on %s", (kind) => {
  let t: TestDatabase;
  let receiver: Receiver;
  let world: Awaited<ReturnType<typeof startEngine>>;
  const deps: WebhookDeliveryDeps = { db: null as never, timeoutMs: 5_000, allowPrivate: true, disableAfterFailures: 3, retryDelaysMs: [0, 0] };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    deps.db = t.db;
    receiver = await startReceiver();
    world = await startEngine(t.db, (client) => [createDeliverWebhookFunction(client, async () => deps)]);
  });
  afterAll(async () => {
    await world?.engine.stop();
    await receiver?.close();
    await t?.close();
  });
  beforeEach(() => {
    receiver.reset();
    Object.assign(deps, { timeoutMs: 5_000, allowPrivate: true, disableAfterFailures: 3, retryDelaysMs: [0, 0], lookup: undefined });
  });

  const newUser = async () => (await upsertUserByExternalId(t.db, { externalUserId: `webhooks-${randomUUID()}` })).id;
  const serviceDeps = (overrides: Partial<Parameters<typeof addEndpoint>[0]> = {}) => ({ db: t.db, allowPrivate: true, webhooks: world.emitter, ...overrides });
  async function setup(url = receiver.url()) {
    const userId = await newUser();
    const endpoint = await addEndpoint(serviceDeps(), { userId, input: { url, events: ["call.completed", "action_item.created"] } });
    return { userId, endpoint };
  }
  async function emit(userId: string, data: Record<string, unknown> = { call: { id: randomUUID(), title: "Acme renewal" } }) {
    const deliveries = await emitWebhookEvent(t.db, world.emitter, { userId, type: "call.completed", key: randomUUID(), occurredAt: new Date(), data: async () => data });
    await world.idle();
    return deliveries;
  }
  const log = async (userId: string, endpoint: WebhookEndpoint) => (await listWebhookDeliveries(t.db, { userId, endpointId: endpoint.id })).items;

  it("POSTs the event signed the Standard Webhooks way: the spec's algorithm and its library both verify it", async () => {
    const { userId, endpoint } = await setup();
    receiver.plan({ status: 200, body: "x".repeat(5000) });
    const [delivery] = await emit(userId, { call: { id: "c1", title: "Acme renewal", contactName: "Dana" } });
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0]!;
    expect(request.method).toBe("POST");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["webhook-id"]).toBe(delivery!.msgId);
    expect(request.headers["webhook-id"]).toMatch(/^msg_[A-Za-z0-9_-]+$/);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(verifyBySpec(endpoint.secret, request)).toBe(true);
    expect(new Webhook(endpoint.secret).verify(request.body, request.headers)).toEqual(JSON.parse(request.body));
    // A wrong secret, a changed body or a changed id do not verify.
    const other = (await setup()).endpoint.secret;
    expect(verifyBySpec(other, request)).toBe(false);
    expect(verifyBySpec(endpoint.secret, { ...request, body: request.body.replace("Acme", "Acne") })).toBe(false);
    expect(verifyBySpec(endpoint.secret, { ...request, headers: { ...request.headers, "webhook-id": "msg_other" } })).toBe(false);
    expect(() => new Webhook(other).verify(request.body, request.headers)).toThrow();

    const body = JSON.parse(request.body) as { type: string; timestamp: string; data: unknown };
    expect(body.type).toBe("call.completed");
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
    expect(body.data).toEqual({ call: { id: "c1", title: "Acme renewal", contactName: "Dana" } });

    const [row] = await log(userId, endpoint);
    expect(row).toMatchObject({ status: "succeeded", attempts: 1, lastStatusCode: 200, lastError: null, eventType: "call.completed", nextAttemptAt: null });
    expect(row!.lastAttemptAt).toBeInstanceOf(Date);
    expect(Buffer.byteLength(row!.responseExcerpt!)).toBe(RESPONSE_EXCERPT_BYTES);
  });

  it("retries after 500s with the same webhook-id and a fresh signature each time, then succeeds", async () => {
    const { userId, endpoint } = await setup();
    receiver.plan({ status: 500, body: "boom" }, { status: 503, body: "busy" }, { status: 204 });
    await emit(userId);
    expect(receiver.requests).toHaveLength(3);
    expect(new Set(receiver.requests.map((request) => request.headers["webhook-id"])).size).toBe(1);
    for (const request of receiver.requests) expect(verifyBySpec(endpoint.secret, request)).toBe(true);
    const [row] = await log(userId, endpoint);
    expect(row).toMatchObject({ status: "succeeded", attempts: 3, lastStatusCode: 204, lastError: null });
    expect((await getWebhookEndpoint(t.db, { userId, endpointId: endpoint.id }))!.consecutiveFailures).toBe(0);
  });

  it("gives up after the last retry and logs the last status, error and answer", async () => {
    const { userId, endpoint } = await setup();
    receiver.plan({ status: 500, body: "one" }, { status: 502, body: "two" }, { status: 500, body: "three" });
    await emit(userId);
    expect(receiver.requests).toHaveLength(3);
    const [row] = await log(userId, endpoint);
    expect(row).toMatchObject({ status: "failed", attempts: 3, lastStatusCode: 500, lastError: "HTTP 500", responseExcerpt: "three", nextAttemptAt: null });
    expect((await getWebhookEndpoint(t.db, { userId, endpointId: endpoint.id }))).toMatchObject({ consecutiveFailures: 1, active: true });
  });

  it("counts an attempt with no answer within the timeout as failed and retries it", async () => {
    deps.timeoutMs = 300;
    const { userId, endpoint } = await setup();
    receiver.plan("hang", { status: 200, body: "late but fine" });
    await emit(userId);
    expect(receiver.requests).toHaveLength(2);
    expect((await log(userId, endpoint))[0]).toMatchObject({ status: "succeeded", attempts: 2, lastStatusCode: 200 });

    deps.retryDelaysMs = [0];
    receiver.reset();
    receiver.plan("hang", "hang");
    await emit(userId);
    const [row] = await log(userId, endpoint);
    expect(row).toMatchObject({ status: "failed", attempts: 2, lastStatusCode: null });
    expect(row!.lastError).toMatch(/No answer within 0\.3 s/);
  });

  it("retries a refused connection", async () => {
    const closed = await startReceiver();
    const url = closed.url();
    await closed.close();
    const { userId, endpoint } = await setup(url);
    await emit(userId);
    const [row] = await log(userId, endpoint);
    expect(row).toMatchObject({ status: "failed", attempts: 3, lastStatusCode: null, lastError: "The connection was refused." });
  });

  it("does not follow redirects: a 3xx is a failed delivery and the Location is never requested", async () => {
    const { userId, endpoint } = await setup();
    receiver.plan({ status: 302, headers: { location: receiver.url("/elsewhere") } });
    await emit(userId);
    expect(receiver.requests.map((request) => request.path)).toEqual(["/hook"]);
    const [row] = await log(userId, endpoint);
    expect(row).toMatchObject({ status: "failed", attempts: 1, lastStatusCode: 302 });
    expect(row!.lastError).toMatch(/redirects are not followed/);
  });

  it("refuses a private address without the switch: when the endpoint is saved, and again when it is sent", async () => {
    const userId = await newUser();
    await expect(addEndpoint(serviceDeps({ allowPrivate: false }), { userId, input: { url: receiver.url(), events: ["call.completed"] } })).rejects.toSatisfy(
      (error: unknown) => error instanceof AppError && error.status === 400 && /private, loopback or reserved/.test(error.message),
    );
    for (const url of ["http://localhost:9/x", "http://[::1]:9/x", "http://169.254.169.254/latest/meta-data", "http://10.1.2.3/", "http://[::ffff:127.0.0.1]/", "ftp://example.com/", "http://user:pw@example.com/"]) {
      await expect(addEndpoint(serviceDeps({ allowPrivate: false }), { userId, input: { url, events: ["call.completed"] } }), url).rejects.toBeInstanceOf(AppError);
    }

    // Saved while private targets were allowed, sent after the switch went off: nothing leaves.
    const { userId: other, endpoint } = await setup();
    deps.allowPrivate = false;
    await emit(other);
    expect(receiver.requests).toHaveLength(0);
    const [row] = await log(other, endpoint);
    expect(row).toMatchObject({ status: "failed", attempts: 1, lastStatusCode: null });
    expect(row!.lastError).toMatch(/127\.0\.0\.1, a private, loopback or reserved address/);
  });

  it("checks the address the connection uses: a name that resolved publicly when saved and privately later (DNS rebinding) is refused", async () => {
    const userId = await newUser();
    const url = `http://rebind.test:${receiver.port}/hook`;
    const endpoint = await addEndpoint(serviceDeps({ allowPrivate: false, lookup: async () => [{ address: "93.184.216.34", family: 4 }] }), {
      userId,
      input: { url, events: ["call.completed"] },
    });
    deps.allowPrivate = false;
    deps.lookup = async () => [{ address: "127.0.0.1", family: 4 }];
    await emit(userId);
    expect(receiver.requests).toHaveLength(0);
    expect((await log(userId, endpoint))[0]!.lastError).toMatch(/rebind\.test resolves to 127\.0\.0\.1/);

    // The same lookup with the switch on connects to what it resolved (so the hook is what the socket uses).
    deps.allowPrivate = true;
    await emit(userId);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.headers.host).toBe(`rebind.test:${receiver.port}`);
  });

  it("turns an endpoint off after N deliveries failed in a row, and then creates no more deliveries for it", async () => {
    deps.disableAfterFailures = 2;
    const { userId, endpoint } = await setup();
    receiver.plan({ status: 404 }, { status: 404 });
    await emit(userId);
    expect(await getWebhookEndpoint(t.db, { userId, endpointId: endpoint.id })).toMatchObject({ active: true, consecutiveFailures: 1 });
    await emit(userId);
    const disabled = await getWebhookEndpoint(t.db, { userId, endpointId: endpoint.id });
    expect(disabled).toMatchObject({ active: false, consecutiveFailures: 2 });
    expect(disabled!.disabledReason).toMatch(/^2 deliveries in a row failed \(last: HTTP 404\)/);
    expect(disabled!.disabledAt).toBeInstanceOf(Date);
    expect(await emit(userId)).toEqual([]);
    expect(receiver.requests).toHaveLength(2);
    // A 404 is not retried (it will not change in a few seconds).
    expect((await log(userId, endpoint)).map((row) => row.attempts)).toEqual([1, 1]);
  });

  it("a success resets the failure count; 410 Gone turns the endpoint off at once", async () => {
    deps.disableAfterFailures = 2;
    const { userId, endpoint } = await setup();
    receiver.plan({ status: 400 }, { status: 200 }, { status: 400 });
    await emit(userId);
    await emit(userId);
    await emit(userId);
    expect(await getWebhookEndpoint(t.db, { userId, endpointId: endpoint.id })).toMatchObject({ active: true, consecutiveFailures: 1 });
    receiver.plan({ status: 410 });
    await emit(userId);
    const gone = await getWebhookEndpoint(t.db, { userId, endpointId: endpoint.id });
    expect(gone).toMatchObject({ active: false });
    expect(gone!.disabledReason).toMatch(/410 Gone/);
  });

  it("sends again on request: the same webhook-id and body, a new run of attempts; 409 while pending or while the endpoint is off", async () => {
    const { userId, endpoint } = await setup();
    receiver.plan({ status: 400 });
    const [delivery] = await emit(userId);
    expect((await log(userId, endpoint))[0]).toMatchObject({ status: "failed", attempts: 1 });

    const reopened = await redeliver(serviceDeps(), { userId, endpointId: endpoint.id, deliveryId: delivery!.id });
    expect(reopened.status).toBe("pending");
    await expect(redeliver(serviceDeps(), { userId, endpointId: endpoint.id, deliveryId: delivery!.id })).rejects.toMatchObject({ code: "CONFLICT" });
    await world.idle();
    expect((await log(userId, endpoint))[0]).toMatchObject({ id: delivery!.id, status: "succeeded", attempts: 2, lastStatusCode: 200 });
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1]!.headers["webhook-id"]).toBe(receiver.requests[0]!.headers["webhook-id"]);
    expect(receiver.requests[1]!.body).toBe(receiver.requests[0]!.body);
    expect(verifyBySpec(endpoint.secret, receiver.requests[1]!)).toBe(true);

    // Another user's delivery id is not found; an endpoint turned off must be turned on first.
    const stranger = await newUser();
    await expect(redeliver(serviceDeps(), { userId: stranger, endpointId: endpoint.id, deliveryId: delivery!.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await t.db.update(webhookDeliveries).set({ status: "failed" }).where(eq(webhookDeliveries.id, delivery!.id));
    const { changeEndpoint } = await import("@/lib/webhooks/service");
    await changeEndpoint(serviceDeps(), { userId, endpointId: endpoint.id, input: { active: false } });
    await expect(redeliver(serviceDeps(), { userId, endpointId: endpoint.id, deliveryId: delivery!.id })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("the sweep queues again a pending delivery whose run was never queued, and trims settled rows older than 30 days", async () => {
    const { userId, endpoint } = await setup();
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    const row = (msgId: string, values: Partial<typeof webhookDeliveries.$inferInsert>) => ({ endpointId: endpoint.id, userId, eventType: "call.completed", msgId, payload: { type: "call.completed", data: { msgId } }, ...values });
    const [lost, recent, old] = await t.db
      .insert(webhookDeliveries)
      .values([row("msg_lost", { nextAttemptAt: minutesAgo(20) }), row("msg_recent", { nextAttemptAt: minutesAgo(1) }), row("msg_old", { status: "succeeded", createdAt: minutesAgo(31 * 24 * 60) })])
      .returning();
    expect(await sweepWebhookDeliveries(t.db, world.emitter)).toMatchObject({ requeued: 1 });
    await world.idle();
    expect(receiver.requests.map((request) => request.headers["webhook-id"])).toEqual(["msg_lost"]);
    const rows = await log(userId, endpoint);
    expect(rows.find((entry) => entry.id === lost!.id)).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(rows.find((entry) => entry.id === recent!.id)).toMatchObject({ status: "pending", attempts: 0 });
    expect(rows.find((entry) => entry.id === old!.id)).toBeUndefined();
  });

  it("keeps one delivery per event and endpoint, and the log lists them newest first", async () => {
    const { userId, endpoint } = await setup();
    const second = await addEndpoint(serviceDeps(), { userId, input: { url: receiver.url("/second"), events: ["call.completed"] } });
    const key = randomUUID();
    const event = { userId, type: "call.completed" as const, key, occurredAt: new Date(), data: async () => ({ n: 1 }) };
    const first = await emitWebhookEvent(t.db, world.emitter, event);
    expect(first.map((row) => row.endpointId).sort()).toEqual([endpoint.id, second.id].sort());
    expect(new Set(first.map((row) => row.msgId)).size).toBe(1);
    expect(await emitWebhookEvent(t.db, world.emitter, event)).toEqual([]);
    await world.idle();
    expect(receiver.requests.map((request) => request.path).sort()).toEqual(["/hook", "/second"]);
    await emit(userId, { n: 2 });
    const rows = await log(userId, endpoint);
    expect(rows.map((row) => (row.payload as { data: { n: number } }).data.n)).toEqual([2, 1]);
    // Only the first KB of an answer is stored; an endpoint not subscribed to a type gets nothing.
    expect(await emitWebhookEvent(t.db, world.emitter, { ...event, type: "call.failed", key: randomUUID() })).toEqual([]);
  });
});

/** The retry schedule on the engine's clock: nothing is sent again before its time, and Retry-After is honoured. */
describe.each(databaseKinds())("webhook retry schedule on %s", (kind) => {
  let t: TestDatabase;
  let receiver: Receiver;
  let engine: EmbeddedEngine;
  const clock = new FakeClock(new Date().toISOString());
  let deps: WebhookDeliveryDeps;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    receiver = await startReceiver();
    deps = { db: t.db, timeoutMs: 5_000, allowPrivate: true, disableAfterFailures: 0, retryDelaysMs: DEFAULT_RETRY_DELAYS_MS, now: clock.now };
    const client = createEmbeddedClient({ id: `scryon-webhook-schedule-${randomUUID().slice(0, 8)}` });
    engine = createEmbeddedEngine({ db: t.db, client, functions: [createDeliverWebhookFunction(client, async () => deps)], now: clock.now, backoff: () => 0, pollIntervalMs: 50 });
    await engine.start();
  });
  afterAll(async () => {
    await engine?.stop();
    await receiver?.close();
    await t?.close();
  });

  const settle = async (ms: number) => {
    clock.advance(ms);
    engine.wake();
    await engine.waitForIdle({ timeoutMs: 60_000 });
  };

  it("waits 5 s (±10 %) before the second attempt and 5 min before the third; a Retry-After of an hour is waited for", async () => {
    const userId = (await upsertUserByExternalId(t.db, { externalUserId: `schedule-${kind}` })).id;
    const endpoint = await addEndpoint({ db: t.db, allowPrivate: true, webhooks: { send: async () => undefined } }, { userId, input: { url: receiver.url(), events: ["call.completed"] } });
    const send = (events: unknown) => engine.send(events as Parameters<EmbeddedEngine["send"]>[0]);
    receiver.plan({ status: 500 }, { status: 502 }, { status: 200 }, { status: 503, headers: { "retry-after": "3600" } }, { status: 200 });
    const emitter = { send, publicUrl: () => "https://scryon.example" };
    const [delivery] = await emitWebhookEvent(t.db, emitter, { userId, type: "call.completed", key: randomUUID(), occurredAt: new Date(), data: async () => ({ n: 1 }) });
    await settle(0);
    const row = async (id: string) => (await listWebhookDeliveries(t.db, { userId, endpointId: endpoint.id })).items.find((entry) => entry.id === id)!;
    let current = await row(delivery!.id);
    expect(receiver.requests).toHaveLength(1);
    expect(current).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 500 });
    const wait = current.nextAttemptAt!.getTime() - current.lastAttemptAt!.getTime();
    expect(wait).toBeGreaterThanOrEqual(4_500);
    expect(wait).toBeLessThanOrEqual(5_500);

    await settle(4_000);
    expect(receiver.requests).toHaveLength(1);
    await settle(2_000);
    expect(receiver.requests).toHaveLength(2);
    current = await row(delivery!.id);
    const second = current.nextAttemptAt!.getTime() - current.lastAttemptAt!.getTime();
    expect(second).toBeGreaterThanOrEqual(270_000);
    expect(second).toBeLessThanOrEqual(330_000);
    await settle(4 * 60_000);
    expect(receiver.requests).toHaveLength(2);
    await settle(2 * 60_000);
    expect(receiver.requests).toHaveLength(3);
    expect(await row(delivery!.id)).toMatchObject({ status: "succeeded", attempts: 3 });

    const [other] = await emitWebhookEvent(t.db, emitter, { userId, type: "call.completed", key: randomUUID(), occurredAt: new Date(), data: async () => ({ n: 2 }) });
    await settle(0);
    current = await row(other!.id);
    expect(current.nextAttemptAt!.getTime() - current.lastAttemptAt!.getTime()).toBe(3_600_000);
    await settle(30 * 60_000);
    expect(receiver.requests).toHaveLength(4);
    await settle(31 * 60_000);
    expect(receiver.requests).toHaveLength(5);
    expect(await row(other!.id)).toMatchObject({ status: "succeeded", attempts: 2 });
  });
});
