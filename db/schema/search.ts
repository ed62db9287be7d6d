import { sql } from "drizzle-orm";
import { check, customType, index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { actionItems, callRecords } from "./calls";
import { createdAt, idColumn, timestamptz } from "./columns";
import { users } from "./users";

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

export const SEARCH_ENTRY_KINDS = ["segment", "summary", "action_item"] as const;
export type SearchEntryKind = (typeof SEARCH_ENTRY_KINDS)[number];

/**
 * The search index across a user's calls (lib/search): one row per transcript segment, one for the summary
 * and one per action item. Transcripts and summaries live in object storage, so the rows are copies written
 * by the stages that write those artifacts; action-item rows are kept by triggers on `action_items` (the
 * migration after this table's), so every writer of items is mirrored in its own transaction.
 * Deleting a call deletes its rows (cascade).
 */
export const callSearchEntries = pgTable(
  "call_search_entries",
  {
    id: idColumn(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    callId: uuid("call_id")
      .notNull()
      .references(() => callRecords.id, { onDelete: "cascade" }),
    kind: text("kind").$type<SearchEntryKind>().notNull(),
    /** The transcript segment (kind segment; for an action item, the first segment it came from), else null. */
    segmentId: text("segment_id"),
    /** The action item (kind action_item), else null; its row going removes this one. */
    actionItemId: uuid("action_item_id").references(() => actionItems.id, { onDelete: "cascade" }),
    /** The transcript's speaker id (segment) or the item's owner speaker id (action_item). */
    speakerId: text("speaker_id"),
    speakerLabel: text("speaker_label"),
    speakerName: text("speaker_name"),
    startMs: integer("start_ms"),
    endMs: integer("end_ms"),
    text: text("text").notNull(),
    /** The call's recording time, copied so that results order without a join (kept by a trigger on call_records). */
    recordedAt: timestamptz("recorded_at").notNull(),
    tsv: tsvector("tsv")
      .notNull()
      .generatedAlwaysAs(sql`to_tsvector('english'::regconfig, "text")`),
    createdAt: createdAt(),
  },
  (table) => [
    index("call_search_entries_tsv_idx").using("gin", table.tsv),
    // Results are newest call first: a common word's first page is this index read backwards, stopping at
    // the first page's worth of matches; a rare word's comes from the GIN index.
    index("call_search_entries_user_recorded_idx").on(table.userId, table.recordedAt, table.callId),
    // Replacing one call's rows of a kind (a re-run stage), and the cascade from call_records.
    index("call_search_entries_call_kind_idx").on(table.callId, table.kind),
    index("call_search_entries_action_item_idx").on(table.actionItemId),
    check("call_search_entries_kind_check", sql`${table.kind} in ('segment', 'summary', 'action_item')`),
  ],
);

export type CallSearchEntry = typeof callSearchEntries.$inferSelect;
export type NewCallSearchEntry = typeof callSearchEntries.$inferInsert;
