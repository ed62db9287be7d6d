import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgEnum, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { createdAt, idColumn, timestamptz, updatedAt } from "./columns";
import { users } from "./users";

/** A delivery waits (first attempt or a retry) until it succeeds or is given up. */
export const webhookDeliveryStatus = pgEnum("webhook_delivery_status", ["pending", "succeeded", "failed"]);
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatus.enumValues)[number];

/** Where a user's events are POSTed, signed the Standard Webhooks way with this endpoint's own secret. */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: idColumn(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    /** A label the user gives it ("CRM", "Zapier"). */
    description: text("description"),
    /** Event types this endpoint receives (lib/webhooks/events.ts). */
    events: text("events").array().notNull(),
    active: boolean("active").notNull().default(true),
    /** `whsec_` + base64 of 32 random bytes; shown to its owner (receivers need it to verify), never logged. */
    secret: text("secret").notNull(),
    /** Set when the server turned the endpoint off (failures, 410 Gone); cleared when the user turns it on. */
    disabledReason: text("disabled_reason"),
    disabledAt: timestamptz("disabled_at"),
    /** Deliveries given up in a row; a success resets it. */
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index("webhook_endpoints_user_idx").on(table.userId, table.createdAt)],
);

/** One event for one endpoint: the delivery log row, retried until it succeeds or is given up. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: idColumn(),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    eventType: text("event_type").notNull(),
    /** The `webhook-id` header: the same for every attempt (and every endpoint) of one event, so receivers can dedupe. */
    msgId: text("msg_id").notNull(),
    /** `{ type, timestamp, data }`: the body, serialized the same way on every attempt. */
    payload: jsonb("payload").notNull(),
    status: webhookDeliveryStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    /** The first KB of the last response body, never more. */
    responseExcerpt: text("response_excerpt"),
    lastAttemptAt: timestamptz("last_attempt_at"),
    nextAttemptAt: timestamptz("next_attempt_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    // One delivery per event and endpoint: emitting the same event again (a re-run step) adds nothing.
    unique("webhook_deliveries_endpoint_msg_unique").on(table.endpointId, table.msgId),
    // The delivery log, newest first.
    index("webhook_deliveries_endpoint_created_idx").on(table.endpointId, sql`${table.createdAt} desc`, sql`${table.id} desc`),
  ],
);

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type NewWebhookEndpoint = typeof webhookEndpoints.$inferInsert;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
export type NewWebhookDelivery = typeof webhookDeliveries.$inferInsert;
