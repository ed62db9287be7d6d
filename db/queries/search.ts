import "server-only";
import { and, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../client";
import { callArtifacts, callRecords, callSearchEntries, type NewCallSearchEntry, type SearchEntryKind } from "../schema";
import { isUuid } from "./ids";

/** The text-search configuration of the index (the generated `tsv` column uses the same). */
const CONFIG = sql.raw(`'english'::regconfig`);

/** ts_headline marks matches with these; they are removed from the text first, so they cannot be forged by it. */
export const HIGHLIGHT_START = "\u0001";
export const HIGHLIGHT_STOP = "\u0002";
const MARKS = `StartSel=${HIGHLIGHT_START}, StopSel=${HIGHLIGHT_STOP}`;
/** Segments, action items and short summaries (a segment is at most 40 words): shown whole. */
const WHOLE_TEXT = `${MARKS}, HighlightAll=true`;
/** A longer summary: the fragments around the matches. */
const FRAGMENTS = `${MARKS}, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "`;
/**
 * ts_headline drops what its parser takes for HTML tags, so `<` and `>` go in as private-use characters and
 * come back (`restoreAngleBrackets`); the marker characters are removed from the text, so it cannot forge them.
 */
const ANGLE_STANDINS = "\uE000\uE001";
export function restoreAngleBrackets(text: string): string {
  return text.replace(/\uE000/g, "<").replace(/\uE001/g, ">");
}

const INSERT_BATCH = 500;
const WHOLE_TEXT_MAX = 400;

export interface TranscriptEntryInput {
  segmentId: string;
  speakerId: string | null;
  speakerLabel: string | null;
  speakerName: string | null;
  startMs: number;
  endMs: number;
  text: string;
}

/** Where the index's copy of a call's rows of one kind is replaced. */
interface CallRef {
  userId: string;
  callId: string;
}

async function recordedAtOf(db: DbOrTx, { userId, callId }: CallRef): Promise<Date | null> {
  const [row] = await db
    .select({ recordedAt: callRecords.recordedAt })
    .from(callRecords)
    .where(and(eq(callRecords.id, callId), eq(callRecords.userId, userId)))
    .limit(1);
  return row?.recordedAt ?? null;
}

/**
 * Replaces the call's rows of one kind, all or none (one transaction): a stage that runs again replaces
 * its rows instead of adding to them. A call that is gone (or another user's) gets nothing.
 */
async function replaceEntries(db: DbOrTx, ref: CallRef, kind: SearchEntryKind, rows: Omit<NewCallSearchEntry, "userId" | "callId" | "kind" | "recordedAt">[]): Promise<number> {
  return db.transaction(async (tx) => {
    const recordedAt = await recordedAtOf(tx, ref);
    if (!recordedAt) return 0;
    await tx.delete(callSearchEntries).where(and(eq(callSearchEntries.callId, ref.callId), eq(callSearchEntries.kind, kind)));
    const values = rows
      .filter((row) => row.text.trim() !== "")
      .map((row) => ({ ...row, userId: ref.userId, callId: ref.callId, kind, recordedAt }));
    for (let offset = 0; offset < values.length; offset += INSERT_BATCH) {
      await tx.insert(callSearchEntries).values(values.slice(offset, offset + INSERT_BATCH));
    }
    if (kind === "segment") {
      // Action items point at segments for their start time; segments written again give them theirs.
      await tx.execute(sql`
        update ${callSearchEntries} as item set start_ms = seg.start_ms, end_ms = seg.end_ms
        from ${callSearchEntries} as seg
        where item.call_id = ${ref.callId} and item.kind = 'action_item'
          and seg.call_id = item.call_id and seg.kind = 'segment' and seg.segment_id = item.segment_id`);
    }
    return values.length;
  });
}

/** The transcript's segments, as the NORMALIZATION stage wrote them. */
export function replaceTranscriptEntries(db: DbOrTx, ref: CallRef, segments: TranscriptEntryInput[]): Promise<number> {
  return replaceEntries(db, ref, "segment", segments);
}

/** The call's summary, as the ANALYSIS stage wrote it (an empty summary removes it). */
export function replaceSummaryEntry(db: DbOrTx, ref: CallRef, summary: string): Promise<number> {
  return replaceEntries(db, ref, "summary", [{ text: summary }]);
}

/** Renamed speakers: their segments show the new name (the words, and so the index, are unchanged). */
export async function renameSpeakerEntries(
  db: DbOrTx,
  { callId, speakers }: { callId: string; speakers: { id: string; label: string; displayName: string | null }[] },
): Promise<void> {
  for (const speaker of speakers) {
    await db
      .update(callSearchEntries)
      .set({ speakerName: speaker.displayName, speakerLabel: speaker.label })
      .where(and(eq(callSearchEntries.callId, callId), eq(callSearchEntries.kind, "segment"), eq(callSearchEntries.speakerId, speaker.id)));
  }
}

export interface SearchCursor {
  recordedAt: Date;
  callId: string;
  /** ts_rank as PostgreSQL printed it (a `real`), compared as one again. */
  rank: string;
  id: string;
}

export interface SearchRow {
  id: string;
  callId: string;
  kind: SearchEntryKind;
  segmentId: string | null;
  actionItemId: string | null;
  speakerId: string | null;
  speakerLabel: string | null;
  speakerName: string | null;
  startMs: number | null;
  endMs: number | null;
  recordedAt: Date;
  rank: string;
}

export interface SearchHitRow extends SearchRow {
  callTitle: string;
  /** ts_headline's fragment(s), matches between HIGHLIGHT_START and HIGHLIGHT_STOP. */
  headline: string;
}

/** True when the query has words the index can match (not only stop words like "the" or punctuation). */
export async function queryHasLexemes(db: DbOrTx, query: string): Promise<boolean> {
  const [row] = await db
    .select({ nodes: sql<number>`numnode(websearch_to_tsquery(${CONFIG}, ${query}))` })
    .from(sql`(select 1) as one`);
  return Number(row?.nodes ?? 0) > 0;
}

/**
 * One page of the user's matches for a `websearch_to_tsquery` query: the newest call first, and within a
 * call the best match first (ts_rank), then by id — a total order, so the keyset cursor is stable while
 * rows are added. Only the index table is read here; titles and snippets are fetched for the page's rows.
 */
export async function searchEntries(
  db: DbOrTx,
  { userId, query, cursor, limit }: { userId: string; query: string; cursor: SearchCursor | null; limit: number },
): Promise<SearchRow[]> {
  const tsquery = sql`websearch_to_tsquery(${CONFIG}, ${query})`;
  const rank = sql<string>`ts_rank(${callSearchEntries.tsv}, ${tsquery})`;
  const conditions: SQL[] = [eq(callSearchEntries.userId, userId), sql`${callSearchEntries.tsv} @@ ${tsquery}`];
  if (cursor) {
    // The first condition lets the btree start at the cursor; the row comparison is the exact order.
    conditions.push(sql`(${callSearchEntries.recordedAt}, ${callSearchEntries.callId}) <= (${cursor.recordedAt.toISOString()}::timestamptz, ${cursor.callId}::uuid)`);
    conditions.push(
      sql`(${callSearchEntries.recordedAt}, ${callSearchEntries.callId}, ${rank}, ${callSearchEntries.id}) < (${cursor.recordedAt.toISOString()}::timestamptz, ${cursor.callId}::uuid, ${cursor.rank}::real, ${cursor.id}::uuid)`,
    );
  }
  return db
    .select({
      id: callSearchEntries.id,
      callId: callSearchEntries.callId,
      kind: callSearchEntries.kind,
      segmentId: callSearchEntries.segmentId,
      actionItemId: callSearchEntries.actionItemId,
      speakerId: callSearchEntries.speakerId,
      speakerLabel: callSearchEntries.speakerLabel,
      speakerName: callSearchEntries.speakerName,
      startMs: callSearchEntries.startMs,
      endMs: callSearchEntries.endMs,
      recordedAt: callSearchEntries.recordedAt,
      // As text: the exact `real`, for the cursor.
      rank: sql<string>`${rank}::text`,
    })
    .from(callSearchEntries)
    .where(and(...conditions))
    .orderBy(desc(callSearchEntries.recordedAt), desc(callSearchEntries.callId), desc(rank), desc(callSearchEntries.id))
    .limit(limit);
}

/** Call titles and ts_headline snippets for one page's rows (ts_headline is slow: never on more). */
export async function describeEntries(
  db: DbOrTx,
  { userId, query, ids }: { userId: string; query: string; ids: string[] },
): Promise<Map<string, { callTitle: string; headline: string }>> {
  if (ids.length === 0) return new Map();
  const clean = sql`translate(${callSearchEntries.text}, ${"<>" + HIGHLIGHT_START + HIGHLIGHT_STOP}, ${ANGLE_STANDINS})`;
  const options = sql`case when length(${callSearchEntries.text}) > ${WHOLE_TEXT_MAX} then ${FRAGMENTS} else ${WHOLE_TEXT} end`;
  const rows = await db
    .select({
      id: callSearchEntries.id,
      callTitle: callRecords.title,
      headline: sql<string>`ts_headline(${CONFIG}, ${clean}, websearch_to_tsquery(${CONFIG}, ${query}), ${options})`,
    })
    .from(callSearchEntries)
    .innerJoin(callRecords, eq(callRecords.id, callSearchEntries.callId))
    .where(and(eq(callSearchEntries.userId, userId), inArray(callSearchEntries.id, ids)));
  return new Map(rows.map((row) => [row.id, { callTitle: row.callTitle, headline: restoreAngleBrackets(row.headline) }]));
}

/** Counts a call's rows per kind (tests, diagnostics). */
export async function countCallEntries(db: DbOrTx, callId: string): Promise<Record<SearchEntryKind, number>> {
  const counts: Record<SearchEntryKind, number> = { segment: 0, summary: 0, action_item: 0 };
  if (!isUuid(callId)) return counts;
  const rows = await db
    .select({ kind: callSearchEntries.kind, count: sql<number>`count(*)::int` })
    .from(callSearchEntries)
    .where(eq(callSearchEntries.callId, callId))
    .groupBy(callSearchEntries.kind);
  for (const row of rows) counts[row.kind] = Number(row.count);
  return counts;
}

/**
 * System query (backfill): calls with a stored transcript (or analysis) of a kind the index has no row for.
 * Calls processed before the index existed, or whose indexing failed; paged by call id (`afterId`), since a
 * call with an empty transcript stays without rows.
 */
export async function listCallsMissingEntries(
  db: DbOrTx,
  { kind, afterId, limit }: { kind: "segment" | "summary"; afterId: string | null; limit: number },
): Promise<{ id: string; userId: string }[]> {
  const artifact = kind === "segment" ? "NORMALIZED_TRANSCRIPT_JSON" : "ANALYSIS_JSON";
  return db
    .select({ id: callRecords.id, userId: callRecords.userId })
    .from(callRecords)
    .innerJoin(callArtifacts, and(eq(callArtifacts.callId, callRecords.id), eq(callArtifacts.artifactType, artifact)))
    .where(
      and(
        afterId ? sql`${callRecords.id} > ${afterId}::uuid` : undefined,
        sql`not exists (select 1 from ${callSearchEntries} e where e.call_id = ${callRecords.id} and e.kind = ${kind})`,
      ),
    )
    .orderBy(callRecords.id)
    .limit(limit);
}

/**
 * System query (backfill): action items without a row — items from before migration 0009's triggers. The
 * same row the trigger writes; the items themselves are not touched (their updated_at stays).
 */
export async function indexMissingActionItems(db: DbOrTx): Promise<number> {
  const rows = await db.execute(sql`
    insert into call_search_entries (user_id, call_id, kind, action_item_id, segment_id, speaker_id, speaker_label, speaker_name, start_ms, end_ms, text, recorded_at)
    select c.user_id, c.id, 'action_item', a.id, a.source_segment_ids_json->>0, a.owner_speaker_id, a.owner_speaker_label, a.owner_display_name,
           s.start_ms, s.end_ms, concat_ws(E'\\n', a.title, a.description), c.recorded_at
      from action_items a
      join call_records c on c.id = a.call_record_id
      left join call_search_entries s on s.call_id = c.id and s.kind = 'segment' and s.segment_id = a.source_segment_ids_json->>0
     where not exists (select 1 from call_search_entries e where e.action_item_id = a.id)
    returning 1`);
  return (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows).length;
}
