import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { decodeInboxCursor, listActionItemPage, listActionItems, type ActionItemFilter } from "@/db/queries/action-items";
import { InvalidCursorError } from "@/db/queries/calls";
import { actionItems, callRecords, type ActionItem, type CallRecord } from "@/db/schema";
import { upsertUserByExternalId } from "@/db/queries/users";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";

/**
 * listActionItems reads the inbox order in slices (own dated, own undated, others' dated, others' undated)
 * to stay index-served at scale; this checks the answer is exactly the one-sort order, for every filter and
 * for limits that end inside or at the edge of each slice, and never holds another user's item.
 */
describe.each(databaseKinds())("inbox order on %s", (kind) => {
  let t: TestDatabase;
  let userId: string;
  const items: { item: ActionItem; call: CallRecord }[] = [];
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const user = await upsertUserByExternalId(t.db, { externalUserId: `inbox-${Math.random()}`, displayName: "Ina" });
    const other = await upsertUserByExternalId(t.db, { externalUserId: `other-${Math.random()}`, displayName: "Otto" });
    userId = user.id;
    const roles = ["SELF", "COUNTERPARTY", "OTHER", "UNKNOWN"] as const;
    const statuses = ["OPEN", "DONE", "SNOOZED"] as const;
    const dues = [null, "2026-01-10", "2026-01-10", "2026-01-12", null, "2025-12-31"];
    let n = 0;
    for (const owner of [user, other]) {
      for (let c = 0; c < 6; c++) {
        // Recording times out of creation order, two calls recorded at the same instant.
        const recordedAt = new Date(Date.UTC(2026, 0, 1 + ((c * 5) % 6), 9, c === 4 ? 0 : c));
        const [call] = await t.db.insert(callRecords).values({ userId: owner.id, title: `Call ${c}`, status: "COMPLETED", recordedAt: c === 5 ? new Date(Date.UTC(2026, 0, 1 + ((4 * 5) % 6), 9, 0)) : recordedAt }).returning();
        for (let i = 0; i < 5; i++, n++) {
          const status = statuses[n % 3]!;
          const [item] = await t.db
            .insert(actionItems)
            .values({
              callRecordId: call!.id,
              title: `Item ${n}`,
              ownerRole: roles[(n * 7) % 4]!,
              dueDate: dues[(n * 5) % dues.length] ?? null,
              status,
              snoozedUntil: status === "SNOOZED" ? new Date(Date.now() + 86_400_000) : null,
              createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, n % 4)),
            })
            .returning();
          if (owner === user) items.push({ item: item!, call: call! });
        }
      }
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  /** The inbox's documented order as one sort: own first, due date (undated last), newest call, created, id. */
  function expected(filter: ActionItemFilter): string[] {
    return items
      .filter(({ item }) => (!filter.status || item.status === filter.status) && (!filter.mine || item.ownerRole === "SELF"))
      .filter(({ item }) => (!filter.dueOnOrBefore || (item.dueDate !== null && item.dueDate <= filter.dueOnOrBefore)) && (!filter.noDueDate || item.dueDate === null))
      .filter(({ item }) => filter.callId === undefined || item.callRecordId === filter.callId)
      .sort((a, b) => {
        const rank = (x: ActionItem) => (x.ownerRole === "SELF" ? 0 : 1);
        if (rank(a.item) !== rank(b.item)) return rank(a.item) - rank(b.item);
        if (a.item.dueDate !== b.item.dueDate) {
          if (a.item.dueDate === null) return 1;
          if (b.item.dueDate === null) return -1;
          return a.item.dueDate < b.item.dueDate ? -1 : 1;
        }
        if (a.call.recordedAt.getTime() !== b.call.recordedAt.getTime()) return b.call.recordedAt.getTime() - a.call.recordedAt.getTime();
        if (a.item.createdAt.getTime() !== b.item.createdAt.getTime()) return a.item.createdAt.getTime() - b.item.createdAt.getTime();
        return a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0;
      })
      .map(({ item }) => item.id);
  }

  it("answers every filter in the one-sort order, cut at any limit", async () => {
    const filters: ActionItemFilter[] = [];
    for (const status of [undefined, "OPEN", "DONE", "SNOOZED"] as const) {
      for (const mine of [false, true]) {
        for (const due of [{}, { dueOnOrBefore: "2026-01-10" }, { noDueDate: true }]) filters.push({ status, mine, ...due });
      }
    }
    filters.push({ callId: items[7]!.call.id }, { callId: items[7]!.call.id, mine: true });
    let checked = 0;
    for (const filter of filters) {
      const all = expected(filter);
      expect((await listActionItems(t.db, { userId, filter })).map((row) => row.item.id)).toEqual(all);
      for (const limit of [1, 2, Math.ceil(all.length / 2), all.length - 1].filter((value) => value > 0 && value < all.length)) {
        const rows = await listActionItems(t.db, { userId, filter: { ...filter, limit } });
        expect(rows.map((row) => row.item.id)).toEqual(all.slice(0, limit));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
    // Every row carries its own call's summary.
    const rows = await listActionItems(t.db, { userId });
    expect(rows).toHaveLength(30);
    for (const row of rows) expect(row.call.id).toBe(row.item.callRecordId);
    expect(rows.every((row) => items.some(({ item, call }) => item.id === row.item.id && call.title === row.call.title))).toBe(true);
  });

  it("pages through every filter with the cursor: the pages join up to the one-sort order, nothing twice", async () => {
    let paged = 0;
    for (const status of [undefined, "OPEN", "DONE", "SNOOZED"] as const) {
      for (const mine of [false, true]) {
        for (const due of [{}, { dueOnOrBefore: "2026-01-10" }, { noDueDate: true }]) {
          const filter: ActionItemFilter = { status, mine, ...due };
          const all = expected(filter);
          for (const limit of [1, 2, 3, 7]) {
            const seen: string[] = [];
            let cursor: string | null = null;
            let pages = 0;
            do {
              const page = await listActionItemPage(t.db, { userId, filter: { ...filter, limit }, cursor });
              expect(page.rows.length).toBeLessThanOrEqual(limit);
              seen.push(...page.rows.map((row) => row.item.id));
              cursor = page.nextCursor;
              pages++;
              expect(pages).toBeLessThanOrEqual(all.length + 1);
            } while (cursor);
            expect(seen).toEqual(all);
            expect(pages).toBe(Math.max(1, Math.ceil(all.length / limit)));
            paged++;
          }
        }
      }
    }
    expect(paged).toBe(96);
  });

  it("keeps its place when an item is added before the cursor, and refuses a cursor it did not make", async () => {
    const first = await listActionItemPage(t.db, { userId, filter: { limit: 4 } });
    const all = expected({});
    expect(first.rows.map((row) => row.item.id)).toEqual(all.slice(0, 4));
    // A new own item due long ago sorts first: the next page neither shows it nor repeats the first page.
    const [added] = await t.db
      .insert(actionItems)
      .values({ callRecordId: items[0]!.call.id, title: "Added meanwhile", ownerRole: "SELF", dueDate: "2020-01-01", status: "OPEN" })
      .returning();
    try {
      const second = await listActionItemPage(t.db, { userId, filter: { limit: 4 }, cursor: first.nextCursor });
      expect(second.rows.map((row) => row.item.id)).toEqual(all.slice(4, 8));
    } finally {
      await t.db.delete(actionItems).where(eq(actionItems.id, added!.id));
    }
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const id = items[0]!.item.id;
    for (const cursor of [
      "not-a-cursor",
      forged(["own-dated", "2026-01-10", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"]),
      forged(["mine", "2026-01-10", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", id]),
      forged(["own-dated", null, "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", id]),
      forged(["own-undated", "2026-01-10", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", id]),
      forged(["own-dated", "0000-01-01", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", id]),
      forged(["own-dated", "2026-01-10", new Date(8.64e15).toISOString(), "2026-01-01T00:00:00.000Z", id]),
      forged(["own-dated", "2026-01-10", "2026-01-01T00:00:00.000Z", "yesterday", id]),
    ]) {
      expect(() => decodeInboxCursor(cursor)).toThrow(InvalidCursorError);
      await expect(listActionItemPage(t.db, { userId, cursor })).rejects.toThrow(InvalidCursorError);
    }
  });
});
