import "server-only";
import type { DbOrTx } from "@/db";
import { InvalidCursorError } from "@/db/queries/calls";
import { describeEntries, HIGHLIGHT_START, HIGHLIGHT_STOP, queryHasLexemes, searchEntries } from "@/db/queries/search";
import type { SearchEntryKind } from "@/db/schema";
import { decodeSearchCursor, encodeSearchCursor, SEARCH_PAGE_SIZE } from "./query";
import { parseMarkedSnippet, type Snippet } from "./snippet";

/** One result as the API and the page show it. */
export interface SearchHit {
  id: string;
  kind: SearchEntryKind;
  call: { id: string; title: string; recordedAt: string };
  /** The transcript segment (for an action item: the one it came from), or null. */
  segmentId: string | null;
  actionItemId: string | null;
  /** Who said it (a segment) or owns it (an action item); null for a summary or an unowned item. */
  speaker: { id: string | null; label: string | null; name: string | null } | null;
  /** Seconds into the recording, or null (a summary). */
  startSeconds: number | null;
  snippet: Snippet;
  /** The call page at this moment: `/calls/<id>?t=<seconds>&segment=<id>`. */
  href: string;
}

export interface SearchPage {
  items: SearchHit[];
  nextCursor: string | null;
  /** The query had no word the index can match (only stop words such as "the", or punctuation). */
  noSearchableWords: boolean;
}

export function callHref(callId: string, startSeconds: number | null, segmentId: string | null): string {
  const params = new URLSearchParams();
  if (startSeconds !== null) params.set("t", String(startSeconds));
  if (segmentId) params.set("segment", segmentId);
  const query = params.toString();
  return `/calls/${encodeURIComponent(callId)}${query ? `?${query}` : ""}`;
}

/**
 * A page of the user's search results. `query` and `cursor` are validated already (lib/search/query.ts);
 * a cursor this server did not write is an InvalidCursorError (400).
 */
export async function searchCalls(
  db: DbOrTx,
  { userId, query, cursor, limit = SEARCH_PAGE_SIZE }: { userId: string; query: string; cursor?: string | null; limit?: number },
): Promise<SearchPage> {
  const after = cursor ? decodeSearchCursor(cursor) : null;
  if (cursor && !after) throw new InvalidCursorError();
  // A query of stop words matches nothing; asking the index anyway would walk every row of the user.
  if (!(await queryHasLexemes(db, query))) return { items: [], nextCursor: null, noSearchableWords: true };
  const rows = await searchEntries(db, { userId, query, cursor: after, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const described = await describeEntries(db, { userId, query, ids: page.map((row) => row.id) });
  const items: SearchHit[] = [];
  for (const row of page) {
    const about = described.get(row.id);
    if (!about) continue; // deleted between the two reads
    const startSeconds = row.startMs === null ? null : row.startMs / 1000;
    const hasSpeaker = row.speakerId !== null || row.speakerName !== null;
    items.push({
      id: row.id,
      kind: row.kind,
      call: { id: row.callId, title: about.callTitle, recordedAt: row.recordedAt.toISOString() },
      segmentId: row.segmentId,
      actionItemId: row.actionItemId,
      speaker: row.kind === "summary" || !hasSpeaker ? null : { id: row.speakerId, label: row.speakerLabel, name: row.speakerName },
      startSeconds,
      snippet: parseMarkedSnippet(about.headline, HIGHLIGHT_START, HIGHLIGHT_STOP),
      href: callHref(row.callId, startSeconds, row.segmentId),
    });
  }
  const last = page.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeSearchCursor({ recordedAt: last.recordedAt, callId: last.callId, rank: last.rank, id: last.id }) : null,
    noSearchableWords: false,
  };
}
