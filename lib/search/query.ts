import { z } from "zod";
import { isStorableDate, safeText } from "@/lib/validation/input";

/**
 * The search's input at the edge: `q` in websearch_to_tsquery syntax (words, "quoted phrases", `or`,
 * `-word`), and the opaque cursor of the next page. Pure: the page and the API share it.
 */

export const MAX_SEARCH_QUERY_LENGTH = 200;
export const SEARCH_PAGE_SIZE = 20;

export const searchQuerySchema = z.object({
  q: safeText({ min: 1, max: MAX_SEARCH_QUERY_LENGTH }),
  cursor: z.preprocess((value) => (value === "" ? undefined : value), safeText({ max: 300 }).optional()),
});

export interface SearchCursorValue {
  recordedAt: Date;
  callId: string;
  rank: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What PostgreSQL prints for a `real` (ts_rank): digits, a point, an exponent. */
const REAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i;

export function encodeSearchCursor(cursor: SearchCursorValue): string {
  return Buffer.from(JSON.stringify([cursor.recordedAt.toISOString(), cursor.callId, cursor.rank, cursor.id])).toString("base64url");
}

/** The cursor back, or null when it is not one this server wrote (the caller answers 400). */
export function decodeSearchCursor(cursor: string): SearchCursorValue | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(parsed) || parsed.length !== 4) return null;
    const [recordedAt, callId, rank, id] = parsed as unknown[];
    if (typeof recordedAt !== "string" || typeof rank !== "string" || !UUID.test(String(callId)) || !UUID.test(String(id))) return null;
    if (!REAL.test(rank) || rank.length > 40) return null;
    const date = new Date(recordedAt);
    if (!isStorableDate(date)) return null;
    return { recordedAt: date, callId: String(callId), rank, id: String(id) };
  } catch {
    return null;
  }
}
