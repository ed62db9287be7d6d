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
    // The call list, newest first: `ORDER BY created_at DESC, id DESC` is this index read backwards. (The
    // first one, `(user_id, created_at DESC NULLS LAST, id DESC NULLS LAST)`, never matched that order —
    // DESC means NULLS FIRST — so every list sorted all of the user's calls; migration 0006 replaced it.)
    index("call_records_user_created_id_idx").on(table.userId, table.createdAt, table.id),
    // A list filtered to one status (and the per-status counts) stays a short read when that status is rare.
    index("call_records_user_status_created_idx").on(table.userId, table.status, table.createdAt, table.id),
    // The inbox's undated items: the user's calls by recording time, newest first.
    index("call_records_user_recorded_idx").on(table.userId, table.recordedAt),
    // The search (`q`): `ILIKE '%…%'` on title, contact and organisation through trigrams (pg_trgm).
    index("call_records_search_trgm_idx").using(
      "gin",
      table.title.op("gin_trgm_ops"),
      table.contactName.op("gin_trgm_ops"),
      table.organization.op("gin_trgm_ops"),
    ),
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
    // The inbox (listActionItems) reads its order in four slices, each from one of these: the user's own
    // items (SELF) and the others', dated by due date (with or without a status filter), undated per call.
    index("action_items_inbox_own_due_idx").on(table.dueDate).where(sql`${table.ownerRole} = 'SELF' and ${table.dueDate} is not null`),
    index("action_items_inbox_others_due_idx").on(table.dueDate).where(sql`${table.ownerRole} <> 'SELF' and ${table.dueDate} is not null`),
    index("action_items_inbox_own_status_due_idx")
      .on(table.status, table.dueDate)
      .where(sql`${table.ownerRole} = 'SELF' and ${table.dueDate} is not null`),
    index("action_items_inbox_others_status_due_idx")
      .on(table.status, table.dueDate)
      .where(sql`${table.ownerRole} <> 'SELF' and ${table.dueDate} is not null`),
    index("action_items_inbox_own_undated_idx")
      .on(table.callRecordId, table.status)
      .where(sql`${table.ownerRole} = 'SELF' and ${table.dueDate} is null`),
    index("action_items_inbox_others_undated_idx")
      .on(table.callRecordId, table.status)
      .where(sql`${table.ownerRole} <> 'SELF' and ${table.dueDate} is null`),
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
