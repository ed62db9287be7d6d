import "server-only";
import { and, desc, eq, ilike, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../client";
import { callRecords, type CallDirection, type CallRecord, type CallStatus, type NewCallRecord } from "../schema";
import { isStorableDate } from "@/lib/validation/input";
import { isUuid } from "./ids";
import { prepared } from "./prepared";

export type NewCall = Omit<NewCallRecord, "id" | "userId" | "status" | "createdAt" | "updatedAt" | "errorReason">;
export type CallPatch = Partial<
  Pick<CallRecord, "title" | "contactName" | "contactId" | "phoneNumber" | "organization" | "direction" | "recordedAt">
>;

export class InvalidCursorError extends Error {
  constructor() {
    super("The pagination cursor is not valid.");
    this.name = "InvalidCursorError";
  }
}

export class IllegalStatusTransitionError extends Error {
  constructor(
    public readonly callId: string,
    public readonly from: CallStatus,
    public readonly to: CallStatus,
  ) {
    super(`Call ${callId} is not in ${from}; cannot move it to ${to}.`);
    this.name = "IllegalStatusTransitionError";
  }
}

/** A new call starts in UPLOADING: it is not a call the user sees as ready until its audio is stored. */
export async function createCall(db: DbOrTx, userId: string, input: NewCall): Promise<CallRecord> {
  const [row] = await db
    .insert(callRecords)
    .values({ ...input, userId, status: "UPLOADING" })
    .returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

export async function getCall(db: DbOrTx, { userId, callId }: { userId: string; callId: string }): Promise<CallRecord | null> {
  if (!isUuid(callId)) return null;
  const statement = prepared(db, "call_by_id", (d) =>
    d
      .select()
      .from(callRecords)
      .where(and(eq(callRecords.id, sql.placeholder("callId")), eq(callRecords.userId, sql.placeholder("userId"))))
      .limit(1)
      .prepare("call_by_id"),
  );
  const [row] = await statement.execute({ callId, userId });
  return row ?? null;
}

export async function updateCall(
  db: DbOrTx,
  { userId, callId, patch }: { userId: string; callId: string; patch: CallPatch },
): Promise<CallRecord | null> {
  if (!isUuid(callId)) return null;
  if (Object.keys(patch).length === 0) return getCall(db, { userId, callId });
  const [row] = await db
    .update(callRecords)
    .set(patch)
    .where(and(eq(callRecords.id, callId), eq(callRecords.userId, userId)))
    .returning();
  return row ?? null;
}

/** Deletes the call row; artifacts, action items and events go with it (ON DELETE CASCADE). */
export async function deleteCall(db: DbOrTx, { userId, callId }: { userId: string; callId: string }): Promise<CallRecord | null> {
  if (!isUuid(callId)) return null;
  const [row] = await db
    .delete(callRecords)
    .where(and(eq(callRecords.id, callId), eq(callRecords.userId, userId)))
    .returning();
  return row ?? null;
}

/**
 * Compare-and-set status change: succeeds only if the call is still in `from`. Anything else is an
 * illegal transition and raises, so two workers can never both move the same call.
 */
export async function transitionCallStatus(
  db: DbOrTx,
  { callId, from, to, errorReason = null }: { callId: string; from: CallStatus; to: CallStatus; errorReason?: string | null },
): Promise<CallRecord> {
  const [row] = await db
    .update(callRecords)
    .set({ status: to, errorReason: to === "FAILED" ? errorReason : null })
    .where(and(eq(callRecords.id, callId), eq(callRecords.status, from)))
    .returning();
  if (!row) throw new IllegalStatusTransitionError(callId, from, to);
  return row;
}

export interface ListCallsOptions {
  userId: string;
  limit?: number;
  cursor?: string | null;
  query?: string | null;
  statuses?: CallStatus[];
  direction?: CallDirection | null;
}

export interface CallPage {
  items: CallRecord[];
  nextCursor: string | null;
}

export function encodeCallCursor(row: Pick<CallRecord, "createdAt" | "id">): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString("base64url");
}

export function decodeCallCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === "string" && isUuid(parsed[1])) {
      const createdAt = new Date(parsed[0]);
      // A well-formed cursor can still carry a date PostgreSQL refuses (year 0, ±8.64e15 ms).
      if (isStorableDate(createdAt)) return { createdAt, id: parsed[1] };
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (match) => `\\${match}`);
}

/** Newest first, keyset-paginated on (created_at, id) so pages stay stable while calls are added. */
export async function listCalls(db: DbOrTx, options: ListCallsOptions): Promise<CallPage> {
  const limit = Math.min(Math.max(options.limit ?? 25, 1), 100);
  const conditions: SQL[] = [eq(callRecords.userId, options.userId)];
  if (options.cursor) {
    const after = decodeCallCursor(options.cursor);
    conditions.push(
      or(
        lt(callRecords.createdAt, after.createdAt),
        and(eq(callRecords.createdAt, after.createdAt), lt(callRecords.id, after.id)),
      )!,
    );
  }
  const query = options.query?.trim();
  if (query) {
    const pattern = `%${escapeLike(query)}%`;
    conditions.push(
      or(ilike(callRecords.title, pattern), ilike(callRecords.contactName, pattern), ilike(callRecords.organization, pattern))!,
    );
  }
  if (options.statuses && options.statuses.length > 0) conditions.push(inArray(callRecords.status, options.statuses));
  if (options.direction) conditions.push(eq(callRecords.direction, options.direction));

  const rows = await db
    .select()
    .from(callRecords)
    .where(and(...conditions))
    .orderBy(desc(callRecords.createdAt), desc(callRecords.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCallCursor(last) : null };
}

/** Counts a user's calls per status (for filter chips). */
export async function countCallsByStatus(db: DbOrTx, userId: string): Promise<Record<CallStatus, number>> {
  const rows = await db
    .select({ status: callRecords.status, count: sql<number>`count(*)::int` })
    .from(callRecords)
    .where(eq(callRecords.userId, userId))
    .groupBy(callRecords.status);
  const counts: Record<CallStatus, number> = { UPLOADING: 0, QUEUED: 0, PROCESSING: 0, COMPLETED: 0, FAILED: 0 };
  for (const row of rows) counts[row.status] = Number(row.count);
  return counts;
}

/** Keeps a long upload from looking abandoned: every received chunk touches the row. */
export async function touchUploadingCall(db: DbOrTx, { userId, callId }: { userId: string; callId: string }): Promise<boolean> {
  if (!isUuid(callId)) return false;
  const rows = await db
    .update(callRecords)
    .set({ updatedAt: sql`now()` })
    .where(and(eq(callRecords.id, callId), eq(callRecords.userId, userId), eq(callRecords.status, "UPLOADING")))
    .returning({ id: callRecords.id });
  return rows.length > 0;
}

/** System query (all users): uploads that stopped receiving bytes before `olderThan`. */
export async function listStaleUploads(db: DbOrTx, { olderThan, limit = 100 }: { olderThan: Date; limit?: number }) {
  return db
    .select({ id: callRecords.id, userId: callRecords.userId })
    .from(callRecords)
    .where(and(eq(callRecords.status, "UPLOADING"), lt(callRecords.updatedAt, olderThan)))
    .orderBy(callRecords.updatedAt)
    .limit(limit);
}

/** System query: the owner of an upload still in progress, by call id (for recovery after a crash). */
export async function findUploadingCall(db: DbOrTx, callId: string): Promise<{ id: string; userId: string } | null> {
  if (!isUuid(callId)) return null;
  const [row] = await db
    .select({ id: callRecords.id, userId: callRecords.userId })
    .from(callRecords)
    .where(and(eq(callRecords.id, callId), eq(callRecords.status, "UPLOADING")))
    .limit(1);
  return row ?? null;
}

/** System query: calls in one status, oldest first (boot-time recovery). */
export async function listCallsByStatus(db: DbOrTx, { status, limit }: { status: CallStatus; limit: number }) {
  return db
    .select({ id: callRecords.id, userId: callRecords.userId })
    .from(callRecords)
    .where(eq(callRecords.status, status))
    .orderBy(callRecords.updatedAt)
    .limit(limit);
}
