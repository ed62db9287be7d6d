import "server-only";
import { and, asc, desc, eq, inArray, isNull, lte, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../client";
import { actionItems, callRecords, type ActionItem, type ActionItemStatus, type CallRecord, type NewActionItem } from "../schema";
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

/** Hard cap on one inbox answer; the inbox says when it is reached. */
export const ACTION_ITEM_LIST_LIMIT = 1000;

/**
 * Action items across the user's calls: the user's own first, then by due date (undated last), newest
 * call first.
 */
export async function listActionItems(db: DbOrTx, { userId, filter = {} }: { userId: string; filter?: ActionItemFilter }): Promise<ActionItemWithCall[]> {
  await wakeSnoozedActionItems(db, { userId });
  const conditions: (SQL | undefined)[] = [eq(callRecords.userId, userId)];
  if (filter.status) conditions.push(eq(actionItems.status, filter.status));
  if (filter.mine) conditions.push(eq(actionItems.ownerRole, "SELF"));
  if (filter.callId !== undefined) {
    if (!isUuid(filter.callId)) return [];
    conditions.push(eq(actionItems.callRecordId, filter.callId));
  }
  if (filter.dueOnOrBefore) conditions.push(lte(actionItems.dueDate, filter.dueOnOrBefore));
  if (filter.noDueDate) conditions.push(isNull(actionItems.dueDate));
  const rows = await db
    .select({
      item: actionItems,
      call: { id: callRecords.id, title: callRecords.title, recordedAt: callRecords.recordedAt, contactName: callRecords.contactName },
    })
    .from(actionItems)
    .innerJoin(callRecords, eq(callRecords.id, actionItems.callRecordId))
    .where(and(...conditions))
    .orderBy(
      sql`case when ${actionItems.ownerRole} = 'SELF' then 0 else 1 end`,
      sql`${actionItems.dueDate} asc nulls last`,
      desc(callRecords.recordedAt),
      asc(actionItems.createdAt),
      asc(actionItems.id),
    )
    .limit(Math.min(filter.limit ?? ACTION_ITEM_LIST_LIMIT, ACTION_ITEM_LIST_LIMIT));
  return rows;
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
