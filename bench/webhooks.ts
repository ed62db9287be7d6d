/**
 * `npm run bench:webhooks` — what queuing a webhook event costs the request or pipeline step that causes it
 * (issue 16: "a call that completes is never slowed by a webhook"). On PGlite (and PostgreSQL when
 * BENCH_DATABASE_URL is set): an action-item event for a user with no endpoint (one indexed query), and for a
 * user with one subscribed endpoint (that query, the delivery row, an enqueue to a no-op queue), each against
 * the bare SQL of that one query. Prints p50/p95 in ms and the ratio to the bare query.
 *
 *   BENCH_ITERATIONS=2000 npm run bench:webhooks
 */
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { migrateDatabase, openDatabase, type DatabaseHandle } from "../db/client";
import { upsertUserByExternalId } from "../db/queries/users";
import { createWebhookEndpoint } from "../db/queries/webhooks";
import { emitWebhookEvent, type WebhookEmitter } from "../lib/webhooks/emit";
import { generateWebhookSecret } from "../lib/webhooks/signature";

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 1000);
const WARMUP = 100;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function time(run: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < WARMUP; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const start = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

async function measure(kind: string, handle: DatabaseHandle) {
  const db = handle.db;
  const none = (await upsertUserByExternalId(db, { externalUserId: `bench-none-${randomUUID()}` })).id;
  const one = (await upsertUserByExternalId(db, { externalUserId: `bench-one-${randomUUID()}` })).id;
  await createWebhookEndpoint(db, { userId: one, values: { url: "https://93.184.216.34/bench", description: null, events: ["action_item.updated"], secret: generateWebhookSecret() } });
  let queued = 0;
  const emitter: WebhookEmitter = { send: async (events) => void (queued += events.length), publicUrl: () => "https://scryon.example" };
  const event = (userId: string) => ({
    userId,
    type: "action_item.updated" as const,
    key: randomUUID(),
    occurredAt: new Date(),
    data: async () => ({ actionItem: { id: randomUUID(), title: "Send the proposal", dueDate: "2026-12-11" }, changes: ["title"] }),
  });
  // The bare baseline: the one query an event costs when nobody listens.
  const bare = await time(() =>
    db.execute(sql`select * from webhook_endpoints where user_id = ${none} and active = true and events @> array['action_item.updated']::text[]`),
  );
  const noEndpoint = await time(() => emitWebhookEvent(db, emitter, event(none)));
  const oneEndpoint = await time(() => emitWebhookEvent(db, emitter, event(one)));
  if (queued < ITERATIONS) throw new Error(`only ${queued} deliveries queued`);
  const row = (label: string, figures: { p50: number; p95: number }) =>
    `${kind.padEnd(10)} ${label.padEnd(34)} p50 ${figures.p50.toFixed(3).padStart(7)} ms  p95 ${figures.p95.toFixed(3).padStart(7)} ms  ×${(figures.p50 / bare.p50).toFixed(2)} bare p50`;
  console.log(row("bare endpoint query", bare));
  console.log(row("event, no endpoint", noEndpoint));
  console.log(row("event, one endpoint (row + enqueue)", oneEndpoint));
}

console.log(`webhook enqueue cost, ${ITERATIONS} iterations after ${WARMUP} warm-up (node ${process.version})`);
const pglite = await openDatabase({});
await migrateDatabase(pglite);
await measure("PGlite", pglite);
await pglite.close();

const adminUrl = process.env.BENCH_DATABASE_URL;
if (adminUrl) {
  const name = `scryon_bench_webhooks_${randomUUID().replace(/-/g, "")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), maxConnections: 4 });
  try {
    await migrateDatabase(handle);
    await measure("PostgreSQL", handle);
  } finally {
    await handle.close();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
