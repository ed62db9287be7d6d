import "server-only";
import { and, asc, desc, eq, getTableColumns, gt, inArray, isNotNull, isNull, lt, lte, ne, or, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../client";
import { actionItems, callRecords, type ActionItem, type ActionItemStatus, type CallRecord, type NewActionItem } from "../schema";
import { isStorableDate } from "@/lib/validation/input";
import { InvalidCursorError } from "./calls";
import { isUuid } from "./ids";

export type ActionItemValues = Omit<NewActionItem, "id" | "callRecordId" | "createdAt" | "updatedAt">;
export type ActionItemPatch = Partial<
  Pick<
    ActionItem,
    | "title"
    | "description"
    | "dueDate"
    | "priority"
    | "status"
    | "snoozedUntil"
    | "completedAt"
    | "ownerSpeakerId"
    | "ownerSpeakerLabel"
    | "ownerDisplayName"
    | "ownerRole"
  >
>;

export type ActionItemWithCall = { item: ActionItem; call: Pick<CallRecord, "id" | "title" | "recordedAt" | "contactName"> };

const ownedBy = (userId: string) =>
  inArray(actionItems.callRecordId, sql`(select ${callRecords.id} from ${callRecords} where ${callRecords.userId} = ${userId})`);

/**
 * Snoozed items whose time has come are OPEN again. Run before reads (for one user) and by the sweep (for
 * everyone), so a list never shows an item snoozed into the past.
 */
export async function wakeSnoozedActionItems(db: DbOrTx, { userId, now = new Date() }: { userId?: string; now?: Date }): Promise<number> {
  const rows = await db
    .update(actionItems)
    .set({ status: "OPEN", snoozedUntil: null })
    .where(and(eq(actionItems.status, "SNOOZED"), lte(actionItems.snoozedUntil, now), userId ? ownedBy(userId) : undefined))
    .returning({ id: actionItems.id });
  return rows.length;
}

/** The action items of one of the user's calls, in the order they were found (manual ones after). */
export async function listCallActionItems(db: DbOrTx, { userId, callId }: { userId: string; callId: string }): Promise<ActionItem[]> {
  if (!isUuid(callId)) return [];
  await wakeSnoozedActionItems(db, { userId });
  const rows = await db
    .select({ item: actionItems })
    .from(actionItems)
    .innerJoin(callRecords, eq(callRecords.id, actionItems.callRecordId))
    .where(and(eq(actionItems.callRecordId, callId), eq(callRecords.userId, userId)))
    .orderBy(asc(actionItems.origin), sql`${actionItems.sourceSegmentIdsJson}->>0 asc nulls last`, asc(actionItems.createdAt), asc(actionItems.id));
  return rows.map((row) => row.item);
}

export interface ActionItemFilter {
  status?: ActionItemStatus | undefined;
  /** Only items the user owns (role SELF). */
  mine?: boolean | undefined;
  callId?: string | undefined;
  /** Items due on or before this date (`YYYY-MM-DD`). */
  dueOnOrBefore?: string | undefined;
  /** Items without a due date. */
  noDueDate?: boolean | undefined;
  limit?: number | undefined;
}

/** Hard cap on one inbox answer (an export); the inbox pages through the list instead. */
export const ACTION_ITEM_LIST_LIMIT = 1000;

/** One page of the inbox: enough to fill a screen twice; "Load more" brings the next. */
export const ACTION_ITEM_PAGE_SIZE = 50;

/** The columns of an aliased `select()` of action_items, as one nested selection (typed as the table's). */
function pickColumns(aliased: Record<string, unknown>): typeof actionItems._.columns {
  return Object.fromEntries(Object.keys(getTableColumns(actionItems)).map((key) => [key, aliased[key]])) as typeof actionItems._.columns;
}

/** The inbox's first sort key: the user's own items first. */
const ownerRank = sql<number>`case when ${actionItems.ownerRole} = 'SELF' then 0 else 1 end`;

const callSummary = { id: callRecords.id, title: callRecords.title, recordedAt: callRecords.recordedAt, contactName: callRecords.contactName };

/** The four consecutive slices of the inbox order (see listActionItemPage). */
const SLICES = ["own-dated", "own-undated", "others-dated", "others-undated"] as const;
type Slice = (typeof SLICES)[number];

/** Where a page ended: the last row's slice and sort keys (timestamps have millisecond precision, as in a Date). */
interface InboxCursor {
  slice: Slice;
  dueDate: string | null;
  recordedAt: Date;
  createdAt: Date;
  id: string;
}

function encodeInboxCursor(slice: Slice, row: ActionItemWithCall): string {
  return Buffer.from(
    JSON.stringify([slice, row.item.dueDate, row.call.recordedAt.toISOString(), row.item.createdAt.toISOString(), row.item.id]),
  ).toString("base64url");
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function decodeInboxCursor(cursor: string): InboxCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(parsed) && parsed.length === 5) {
      const [slice, dueDate, recordedAt, createdAt, id] = parsed as unknown[];
      const dates = [recordedAt, createdAt].map((value) => (typeof value === "string" ? new Date(value) : null));
      if (
        SLICES.includes(slice as Slice) &&
        // A dated slice's row has a due date; an undated one's has none.
        (String(slice).endsWith("undated")
          ? dueDate === null
          : typeof dueDate === "string" && ISO_DATE.test(dueDate) && isStorableDate(new Date(`${dueDate}T00:00:00Z`))) &&
        dates.every((date) => date !== null && isStorableDate(date)) &&
        isUuid(id)
      ) {
        return { slice: slice as Slice, dueDate: dueDate as string | null, recordedAt: dates[0]!, createdAt: dates[1]!, id };
      }
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

export interface ActionItemPage {
  rows: ActionItemWithCall[];
  /** For the next page; null on the last one. */
  nextCursor: string | null;
}

/** Action items across the user's calls, up to ACTION_ITEM_LIST_LIMIT, in the inbox's order (exports). */
export async function listActionItems(db: DbOrTx, { userId, filter = {} }: { userId: string; filter?: ActionItemFilter }): Promise<ActionItemWithCall[]> {
  const page = await listActionItemPage(db, { userId, filter: { ...filter, limit: Math.min(filter.limit ?? ACTION_ITEM_LIST_LIMIT, ACTION_ITEM_LIST_LIMIT) } });
  return page.rows;
}

/**
 * One page of the action items across the user's calls: the user's own first, then by due date (undated
 * last), newest call first.
 *
 * Read as up to four consecutive slices of that order — own dated, own undated, others' dated, others'
 * undated — each its own query that an index serves in order, stopping once the page is full:
 * - dated: the partial index on `due_date` (or `(status, due_date)`) for that owner, then the call's
 *   recording time among items due the same day (an incremental sort of one day's items);
 * - undated: the user's calls newest first (`call_records_user_recorded_idx`), each call's undated items for
 *   that owner from a partial index (a lateral join, so the plan cannot become "join everything, then sort").
 * One query sorting the whole join reads and sorts every matching item (a second per request with 300 000
 * items); this reads about as many rows as it returns. Slices a filter rules out are not queried. The cursor
 * names the slice and the last row's sort keys, so the next page starts inside that slice (keyset, stable
 * while items are added). Pages are small because turning rows into objects, not the query, is most of an
 * inbox request's cost (≈35 µs a row).
 */
export async function listActionItemPage(
  db: DbOrTx,
  { userId, filter = {}, cursor }: { userId: string; filter?: ActionItemFilter; cursor?: string | null | undefined },
): Promise<ActionItemPage> {
  const after = cursor ? decodeInboxCursor(cursor) : null;
  // Due snoozes wake before the first page is read; a later page belongs to the same reading.
  if (!after) await wakeSnoozedActionItems(db, { userId });
  // `mine` and `noDueDate` are what the slices below are cut by; the one-call query adds them itself.
  const itemConditions: SQL[] = [];
  if (filter.status) itemConditions.push(eq(actionItems.status, filter.status));
  if (filter.dueOnOrBefore) itemConditions.push(lte(actionItems.dueDate, filter.dueOnOrBefore));
  const limit = Math.max(1, Math.min(filter.limit ?? ACTION_ITEM_PAGE_SIZE, ACTION_ITEM_LIST_LIMIT));
  const joined = () =>
    db
      .select({ item: actionItems, call: callSummary })
      .from(actionItems)
      .innerJoin(callRecords, eq(callRecords.id, actionItems.callRecordId));

  // One call's items are few: one query, sorted, one page (all of them unless a limit is asked for).
  if (filter.callId !== undefined) {
    if (!isUuid(filter.callId) || after) return { rows: [], nextCursor: null };
    const rows = await joined()
      .where(
        and(
          eq(callRecords.userId, userId),
          eq(actionItems.callRecordId, filter.callId),
          ...itemConditions,
          filter.mine ? eq(actionItems.ownerRole, "SELF") : undefined,
          filter.noDueDate ? isNull(actionItems.dueDate) : undefined,
        ),
      )
      .orderBy(ownerRank, sql`${actionItems.dueDate} asc nulls last`, desc(callRecords.recordedAt), asc(actionItems.createdAt), asc(actionItems.id))
      .limit(filter.limit === undefined ? ACTION_ITEM_LIST_LIMIT : limit);
    return { rows, nextCursor: null };
  }

  const slices = SLICES.slice(after ? SLICES.indexOf(after.slice) : 0).filter(
    (slice) => !(filter.mine && slice.startsWith("others")) && !(filter.noDueDate && slice.endsWith("-dated")) && !(filter.dueOnOrBefore && slice.endsWith("undated")),
  );
  // One row more than the page, to know whether there is a next one.
  const wanted = limit + 1;
  const rows: { slice: Slice; row: ActionItemWithCall }[] = [];
  const seen = new Set<string>();
  for (const slice of slices) {
    const remaining = wanted - rows.length;
    if (remaining <= 0) break;
    const dated = slice.endsWith("-dated");
    const sliceConditions = [
      ...itemConditions,
      slice.startsWith("own") ? eq(actionItems.ownerRole, "SELF") : ne(actionItems.ownerRole, "SELF"),
      dated ? isNotNull(actionItems.dueDate) : isNull(actionItems.dueDate),
    ];
    const resume = after && after.slice === slice ? after : null;
    let page: ActionItemWithCall[];
    if (dated) {
      // (due_date asc, recorded_at desc, created_at asc, id asc) after the cursor's row.
      const keyset = resume
        ? or(
            gt(actionItems.dueDate, resume.dueDate ?? ""),
            and(
              eq(actionItems.dueDate, resume.dueDate ?? ""),
              or(
                lt(callRecords.recordedAt, resume.recordedAt),
                and(eq(callRecords.recordedAt, resume.recordedAt), sql`(${actionItems.createdAt}, ${actionItems.id}) > (${resume.createdAt.toISOString()}::timestamptz, ${resume.id}::uuid)`),
              ),
            ),
          )
        : undefined;
      page = await joined()
        .where(and(eq(callRecords.userId, userId), ...sliceConditions, keyset))
        .orderBy(asc(actionItems.dueDate), desc(callRecords.recordedAt), asc(actionItems.createdAt), asc(actionItems.id))
        .limit(remaining);
    } else {
      const items = db
        .select()
        .from(actionItems)
        .where(and(eq(actionItems.callRecordId, callRecords.id), ...sliceConditions))
        // OFFSET 0 keeps the subquery from being flattened into a plain join, which the planner may then
        // hash and sort whole when it underestimates the matches.
        .offset(0)
        .as("item");
      // (recorded_at desc, created_at asc, id asc) after the cursor's row; calls before it are not read.
      const keyset = resume
        ? and(
            lte(callRecords.recordedAt, resume.recordedAt),
            or(lt(callRecords.recordedAt, resume.recordedAt), sql`(${items.createdAt}, ${items.id}) > (${resume.createdAt.toISOString()}::timestamptz, ${resume.id}::uuid)`),
          )
        : undefined;
      page = await db
        .select({ item: pickColumns(items as unknown as Record<string, unknown>), call: callSummary })
        .from(callRecords)
        .innerJoinLateral(items, sql`true`)
        .where(and(eq(callRecords.userId, userId), keyset))
        .orderBy(desc(callRecords.recordedAt), asc(items.createdAt), asc(items.id))
        .limit(remaining);
    }
    // Separate statements: an item whose due date changed in between could be read twice.
    for (const row of page) {
      if (seen.has(row.item.id)) continue;
      seen.add(row.item.id);
      rows.push({ slice, row });
    }
  }
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  return {
    rows: pageRows.map((entry) => entry.row),
    nextCursor: rows.length > limit && last ? encodeInboxCursor(last.slice, last.row) : null,
  };
}

export async function getActionItem(db: DbOrTx, { userId, itemId }: { userId: string; itemId: string }): Promise<ActionItem | null> {
  if (!isUuid(itemId)) return null;
  await wakeSnoozedActionItems(db, { userId });
  const [row] = await db
    .select({ item: actionItems })
    .from(actionItems)
    .innerJoin(callRecords, eq(callRecords.id, actionItems.callRecordId))
    .where(and(eq(actionItems.id, itemId), eq(callRecords.userId, userId)))
    .limit(1);
  return row?.item ?? null;
}

/** A user's own item on one of their calls; null when the call is not theirs. */
export async function createManualActionItem(
  db: DbOrTx,
  { userId, callId, values }: { userId: string; callId: string; values: Omit<ActionItemValues, "origin" | "userModifiedAt"> },
): Promise<ActionItem | null> {
  if (!isUuid(callId)) return null;
  const [owned] = await db
    .select({ id: callRecords.id })
    .from(callRecords)
    .where(and(eq(callRecords.id, callId), eq(callRecords.userId, userId)))
    .limit(1);
  if (!owned) return null;
  const now = new Date();
  const [row] = await db
    .insert(actionItems)
    .values({ ...values, callRecordId: callId, origin: "MANUAL", userModifiedAt: now })
    .returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

/** A user's change: it also marks the item as theirs, so re-analysis leaves it alone. */
export async function updateActionItem(
  db: DbOrTx,
  { userId, itemId, patch }: { userId: string; itemId: string; patch: ActionItemPatch },
): Promise<ActionItem | null> {
  if (!isUuid(itemId)) return null;
  const [row] = await db
    .update(actionItems)
    .set({ ...patch, userModifiedAt: new Date() })
    .where(and(eq(actionItems.id, itemId), ownedBy(userId)))
    .returning();
  return row ?? null;
}

export async function deleteActionItem(db: DbOrTx, { userId, itemId }: { userId: string; itemId: string }): Promise<boolean> {
  if (!isUuid(itemId)) return false;
  const rows = await db
    .delete(actionItems)
    .where(and(eq(actionItems.id, itemId), ownedBy(userId)))
    .returning({ id: actionItems.id });
  return rows.length > 0;
}

const sameSources = (a: string[], b: string[]) => a.length === b.length && a.every((id, index) => id === b[index]);

/**
 * Re-analysis: the call's generated items nobody touched are replaced by the new ones; items a user edited,
 * snoozed, completed or added stay, and a new item citing exactly the sources of a kept one is not added
 * again. One transaction, so a retried stage never leaves duplicates.
 */
export async function replaceGeneratedActionItems(
  db: DbOrTx,
  { callId, items }: { callId: string; items: Omit<ActionItemValues, "origin" | "userModifiedAt">[] },
): Promise<{ inserted: number; kept: number }> {
  return db.transaction(async (tx) => {
    await tx
      .delete(actionItems)
      .where(and(eq(actionItems.callRecordId, callId), eq(actionItems.origin, "GENERATED"), isNull(actionItems.userModifiedAt)));
    const kept = await tx
      .select({ sources: actionItems.sourceSegmentIdsJson })
      .from(actionItems)
      .where(eq(actionItems.callRecordId, callId));
    const fresh = items.filter((item) => !kept.some((row) => item.sourceSegmentIdsJson && sameSources(row.sources, item.sourceSegmentIdsJson)));
    if (fresh.length > 0) {
      await tx.insert(actionItems).values(fresh.map((item) => ({ ...item, callRecordId: callId, origin: "GENERATED" as const })));
    }
    return { inserted: fresh.length, kept: kept.length };
  });
}

/** A renamed speaker: items it owns show the new name (this is not a user edit of the items). */
export async function renameActionItemOwner(
  db: DbOrTx,
  { callId, speakerId, displayName, role }: { callId: string; speakerId: string; displayName: string | null; role: ActionItem["ownerRole"] },
): Promise<number> {
  const rows = await db
    .update(actionItems)
    .set({ ownerDisplayName: displayName, ownerRole: role })
    .where(and(eq(actionItems.callRecordId, callId), eq(actionItems.ownerSpeakerId, speakerId)))
    .returning({ id: actionItems.id });
  return rows.length;
}
