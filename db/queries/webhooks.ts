import "server-only";
import { and, arrayContains, desc, eq, lt, lte, ne, or, sql } from "drizzle-orm";
import type { DbOrTx } from "../client";
import {
  webhookDeliveries,
  webhookEndpoints,
  type NewWebhookDelivery,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
  type WebhookEndpoint,
} from "../schema";
import { InvalidCursorError } from "./calls";
import { isUuid } from "./ids";

export type EndpointValues = Pick<WebhookEndpoint, "url" | "description" | "events" | "secret">;
export type EndpointPatch = Partial<Pick<WebhookEndpoint, "url" | "description" | "events" | "active">>;

/** The user's endpoints, oldest first (the order they were added). */
export async function listWebhookEndpoints(db: DbOrTx, { userId }: { userId: string }): Promise<WebhookEndpoint[]> {
  return db.select().from(webhookEndpoints).where(eq(webhookEndpoints.userId, userId)).orderBy(webhookEndpoints.createdAt, webhookEndpoints.id);
}

export async function getWebhookEndpoint(db: DbOrTx, { userId, endpointId }: { userId: string; endpointId: string }): Promise<WebhookEndpoint | null> {
  if (!isUuid(endpointId)) return null;
  const [row] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.userId, userId)));
  return row ?? null;
}

export async function countWebhookEndpoints(db: DbOrTx, { userId }: { userId: string }): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(webhookEndpoints).where(eq(webhookEndpoints.userId, userId));
  return row?.count ?? 0;
}

export async function createWebhookEndpoint(db: DbOrTx, { userId, values }: { userId: string; values: EndpointValues }): Promise<WebhookEndpoint> {
  const [row] = await db.insert(webhookEndpoints).values({ userId, ...values }).returning();
  return row!;
}

/**
 * Edits an endpoint. Turning it on again clears what the server recorded when it turned it off, so the
 * next failures start counting from zero.
 */
export async function updateWebhookEndpoint(
  db: DbOrTx,
  { userId, endpointId, patch }: { userId: string; endpointId: string; patch: EndpointPatch },
): Promise<WebhookEndpoint | null> {
  if (!isUuid(endpointId)) return null;
  const reenable = patch.active === true ? { disabledReason: null, disabledAt: null, consecutiveFailures: 0 } : {};
  const [row] = await db
    .update(webhookEndpoints)
    .set({ ...patch, ...reenable })
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.userId, userId)))
    .returning();
  return row ?? null;
}

export async function deleteWebhookEndpoint(db: DbOrTx, { userId, endpointId }: { userId: string; endpointId: string }): Promise<boolean> {
  if (!isUuid(endpointId)) return false;
  const rows = await db
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.userId, userId)))
    .returning({ id: webhookEndpoints.id });
  return rows.length > 0;
}

/** The user's active endpoints that take this event type. */
export async function listSubscribedEndpoints(db: DbOrTx, { userId, eventType }: { userId: string; eventType: string }): Promise<WebhookEndpoint[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.userId, userId), eq(webhookEndpoints.active, true), arrayContains(webhookEndpoints.events, [eventType])));
}

/** New deliveries; one that exists already (same endpoint and message id) is skipped. Returns those inserted. */
export async function insertWebhookDeliveries(db: DbOrTx, rows: NewWebhookDelivery[]): Promise<WebhookDelivery[]> {
  if (rows.length === 0) return [];
  return db.insert(webhookDeliveries).values(rows).onConflictDoNothing({ target: [webhookDeliveries.endpointId, webhookDeliveries.msgId] }).returning();
}

export interface DeliveryPage {
  items: WebhookDelivery[];
  nextCursor: string | null;
}

function encodeCursor(row: WebhookDelivery): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at ?? "");
  if (!id || !isUuid(id) || Number.isNaN(createdAt.getTime())) throw new InvalidCursorError();
  return { createdAt, id };
}

/** An endpoint's delivery log, newest first, keyset-paginated. */
export async function listWebhookDeliveries(
  db: DbOrTx,
  { userId, endpointId, limit = 50, cursor }: { userId: string; endpointId: string; limit?: number; cursor?: string | null },
): Promise<DeliveryPage> {
  if (!isUuid(endpointId)) return { items: [], nextCursor: null };
  const after = cursor ? decodeCursor(cursor) : null;
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId),
        eq(webhookDeliveries.userId, userId),
        after
          ? or(lt(webhookDeliveries.createdAt, after.createdAt), and(eq(webhookDeliveries.createdAt, after.createdAt), lt(webhookDeliveries.id, after.id)))
          : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!) : null };
}

export async function getWebhookDelivery(
  db: DbOrTx,
  { userId, endpointId, deliveryId }: { userId: string; endpointId: string; deliveryId: string },
): Promise<WebhookDelivery | null> {
  if (!isUuid(deliveryId) || !isUuid(endpointId)) return null;
  const [row] = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.userId, userId)));
  return row ?? null;
}

/** A delivery with its endpoint, for the delivery run. */
export async function getDeliveryWithEndpoint(
  db: DbOrTx,
  { userId, deliveryId }: { userId: string; deliveryId: string },
): Promise<{ delivery: WebhookDelivery; endpoint: WebhookEndpoint } | null> {
  const [row] = await db
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.userId, userId)));
  return row ?? null;
}

export interface AttemptRecord {
  status: WebhookDeliveryStatus;
  lastStatusCode: number | null;
  lastError: string | null;
  responseExcerpt: string | null;
  lastAttemptAt: Date;
  nextAttemptAt: Date | null;
}

/** One attempt's result; only a delivery still pending takes it (a settled one stays as it is). */
export async function recordDeliveryAttempt(db: DbOrTx, { deliveryId, record }: { deliveryId: string; record: AttemptRecord }): Promise<WebhookDelivery | null> {
  const [row] = await db
    .update(webhookDeliveries)
    .set({ ...record, attempts: sql`${webhookDeliveries.attempts} + 1` })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending")))
    .returning();
  return row ?? null;
}

/** Settles a pending delivery without an attempt (its endpoint was turned off, or the run failed). */
export async function settleDelivery(db: DbOrTx, { deliveryId, status, error }: { deliveryId: string; status: WebhookDeliveryStatus; error: string }): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ status, lastError: error, nextAttemptAt: null })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending")));
}

/** "Send again": a settled delivery becomes pending again (409 for one still being delivered). */
export async function reopenDelivery(
  db: DbOrTx,
  { userId, endpointId, deliveryId, now }: { userId: string; endpointId: string; deliveryId: string; now: Date },
): Promise<WebhookDelivery | null> {
  if (!isUuid(deliveryId) || !isUuid(endpointId)) return null;
  const [row] = await db
    .update(webhookDeliveries)
    .set({ status: "pending", nextAttemptAt: now })
    .where(
      and(
        eq(webhookDeliveries.id, deliveryId),
        eq(webhookDeliveries.endpointId, endpointId),
        eq(webhookDeliveries.userId, userId),
        ne(webhookDeliveries.status, "pending"),
      ),
    )
    .returning();
  return row ?? null;
}

export async function recordEndpointSuccess(db: DbOrTx, endpointId: string): Promise<void> {
  await db.update(webhookEndpoints).set({ consecutiveFailures: 0 }).where(and(eq(webhookEndpoints.id, endpointId), ne(webhookEndpoints.consecutiveFailures, 0)));
}

/**
 * One more delivery given up; at `disableAfter` in a row (0 = never) the endpoint is turned off with the
 * reason shown on the settings page. One UPDATE, so two runs failing at once count twice.
 */
export async function recordEndpointFailure(
  db: DbOrTx,
  { endpointId, disableAfter, reason, now }: { endpointId: string; disableAfter: number; reason: string; now: Date },
): Promise<WebhookEndpoint | null> {
  const reached = disableAfter > 0 ? sql`${webhookEndpoints.consecutiveFailures} + 1 >= ${disableAfter}` : sql`false`;
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`,
      active: sql`case when ${webhookEndpoints.active} and ${reached} then false else ${webhookEndpoints.active} end`,
      disabledReason: sql`case when ${webhookEndpoints.active} and ${reached} then ${reason} else ${webhookEndpoints.disabledReason} end`,
      disabledAt: sql`case when ${webhookEndpoints.active} and ${reached} then ${now.toISOString()}::timestamptz else ${webhookEndpoints.disabledAt} end`,
    })
    .where(eq(webhookEndpoints.id, endpointId))
    .returning();
  return row ?? null;
}

export async function disableWebhookEndpoint(db: DbOrTx, { endpointId, reason, now }: { endpointId: string; reason: string; now: Date }): Promise<void> {
  await db
    .update(webhookEndpoints)
    .set({ active: false, disabledReason: reason, disabledAt: now })
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.active, true)));
}

/** Settled deliveries older than `before`, in one bounded batch (the sweep). */
export async function deleteOldWebhookDeliveries(db: DbOrTx, { before, limit = 1000 }: { before: Date; limit?: number }): Promise<number> {
  const rows = await db
    .delete(webhookDeliveries)
    .where(
      sql`${webhookDeliveries.id} in (select ${webhookDeliveries.id} from ${webhookDeliveries} where ${webhookDeliveries.status} <> 'pending' and ${lte(webhookDeliveries.createdAt, before)} limit ${limit})`,
    )
    .returning({ id: webhookDeliveries.id });
  return rows.length;
}

/** Pending deliveries whose next attempt was due before `before`: their run was lost or never queued. */
export async function listStalePendingDeliveries(db: DbOrTx, { before, limit }: { before: Date; limit: number }): Promise<WebhookDelivery[]> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.status, "pending"), lte(webhookDeliveries.nextAttemptAt, before)))
    .orderBy(webhookDeliveries.nextAttemptAt)
    .limit(limit);
}
