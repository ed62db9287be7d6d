import { index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, idColumn } from "./columns";
import { processingEventStatus, processingStage } from "./enums";
import { callRecords } from "./calls";
import { users } from "./users";

/** Pipeline event log: one row per stage attempt transition. High-cardinality; the sweeper trims it. */
export const callProcessingEvents = pgTable(
  "call_processing_events",
  {
    id: idColumn(),
    /** Null for non-call stages (voice enrollment, retention sweep). */
    callId: uuid("call_id").references(() => callRecords.id, { onDelete: "cascade" }),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    stage: processingStage("stage").notNull(),
    status: processingEventStatus("status").notNull(),
    provider: text("provider"),
    durationMs: integer("duration_ms"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    createdAt: createdAt(),
  },
  (table) => [
    index("call_processing_events_call_created_idx").on(table.callId, table.createdAt),
    index("call_processing_events_created_idx").on(table.createdAt),
  ],
);

export type CallProcessingEvent = typeof callProcessingEvents.$inferSelect;
export type NewCallProcessingEvent = typeof callProcessingEvents.$inferInsert;
