import { sql } from "drizzle-orm";
import { bigint, check, date, doublePrecision, index, jsonb, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { createdAt, idColumn, timestamptz, updatedAt } from "./columns";
import { actionItemOrigin, actionItemPriority, actionItemStatus, artifactType, callDirection, callStatus, speakerRole } from "./enums";
import { users } from "./users";

export const callRecords = pgTable(
  "call_records",
  {
    id: idColumn(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    contactName: text("contact_name"),
    contactId: text("contact_id"),
    phoneNumber: text("phone_number"),
    organization: text("organization"),
    direction: callDirection("direction").notNull().default("UNKNOWN"),
    /** Client-supplied; otherwise upload time. */
    recordedAt: timestamptz("recorded_at").notNull().defaultNow(),
    durationSeconds: doublePrecision("duration_seconds"),
    status: callStatus("status").notNull().default("UPLOADING"),
    /** Short opaque code on FAILED. */
    errorReason: text("error_reason"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index("call_records_user_created_idx").on(table.userId, table.createdAt.desc(), table.id.desc()),
    // For the sweeper: stale UPLOADING / stalled PROCESSING rows.
    index("call_records_status_updated_idx").on(table.status, table.updatedAt),
  ],
);

export const callArtifacts = pgTable(
  "call_artifacts",
  {
    id: idColumn(),
    callId: uuid("call_id")
      .notNull()
      .references(() => callRecords.id, { onDelete: "cascade" }),
    artifactType: artifactType("artifact_type").notNull(),
    /** Logical path in object storage; never a user-supplied name. */
    storageKey: text("storage_key").notNull(),
    contentType: text("content_type").notNull(),
    byteSize: bigint("byte_size", { mode: "number" }).notNull(),
    createdAt: createdAt(),
  },
  (table) => [unique("call_artifacts_call_id_artifact_type_key").on(table.callId, table.artifactType)],
);

export const actionItems = pgTable(
  "action_items",
  {
    id: idColumn(),
    callRecordId: uuid("call_record_id")
      .notNull()
      .references(() => callRecords.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    description: text("description"),
    dueDate: date("due_date", { mode: "string" }),
    priority: actionItemPriority("priority").notNull().default("medium"),
    status: actionItemStatus("status").notNull().default("OPEN"),
    ownerSpeakerId: text("owner_speaker_id"),
    ownerSpeakerLabel: text("owner_speaker_label"),
    ownerDisplayName: text("owner_display_name"),
    ownerRole: speakerRole("owner_role").notNull().default("UNKNOWN"),
    sourceSegmentIdsJson: jsonb("source_segment_ids_json")
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    sourceText: text("source_text"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    completedAt: timestamptz("completed_at"),
    /** While SNOOZED: when the item comes back as OPEN. */
    snoozedUntil: timestamptz("snoozed_until"),
    origin: actionItemOrigin("origin").notNull().default("GENERATED"),
    /** Set on any change a user makes; re-analysis replaces only generated items that were never touched. */
    userModifiedAt: timestamptz("user_modified_at"),
  },
  (table) => [
    index("action_items_call_status_idx").on(table.callRecordId, table.status),
    // Waking snoozed items whose time has come.
    index("action_items_snoozed_until_idx").on(table.snoozedUntil).where(sql`${table.status} = 'SNOOZED'`),
    check("action_items_snoozed_has_until", sql`${table.status} <> 'SNOOZED' OR ${table.snoozedUntil} IS NOT NULL`),
  ],
);

export type CallRecord = typeof callRecords.$inferSelect;
export type NewCallRecord = typeof callRecords.$inferInsert;
export type CallArtifact = typeof callArtifacts.$inferSelect;
export type NewCallArtifact = typeof callArtifacts.$inferInsert;
export type ActionItem = typeof actionItems.$inferSelect;
export type NewActionItem = typeof actionItems.$inferInsert;
