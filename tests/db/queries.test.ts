import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createCall,
  decodeCallCursor,
  deleteCall,
  getCall,
  IllegalStatusTransitionError,
  InvalidCursorError,
  listCalls,
  transitionCallStatus,
  updateCall,
} from "@/db/queries/calls";
import { callRecords } from "@/db/schema";
import { getUserByExternalId, upsertUserByExternalId } from "@/db/queries/users";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";

describe.each(databaseKinds())("queries on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  const newUser = (name: string) => upsertUserByExternalId(t.db, { externalUserId: `${name}-${Math.random()}`, displayName: name });

  describe("users", () => {
    it("creates a user on first sign-in and refreshes claims later without losing them", async () => {
      const created = await upsertUserByExternalId(t.db, { externalUserId: "firebase-uid-1", email: "a@example.com", displayName: "Ada" });
      const again = await upsertUserByExternalId(t.db, { externalUserId: "firebase-uid-1", email: null, displayName: "Ada L." });
      expect(again.id).toBe(created.id);
      expect(again.email).toBe("a@example.com");
      expect(again.displayName).toBe("Ada L.");
      expect((await getUserByExternalId(t.db, "firebase-uid-1"))?.id).toBe(created.id);
      expect(await getUserByExternalId(t.db, "nobody")).toBeNull();
    });
  });

  describe("calls", () => {
    it("creates a call in UPLOADING and returns it only to its owner", async () => {
      const alice = await newUser("alice");
      const bob = await newUser("bob");
      const call = await createCall(t.db, alice.id, { title: "Discovery call", contactName: "Sam" });
      expect(call.status).toBe("UPLOADING");
      expect(call.direction).toBe("UNKNOWN");
      expect((await getCall(t.db, { userId: alice.id, callId: call.id }))?.title).toBe("Discovery call");
      expect(await getCall(t.db, { userId: bob.id, callId: call.id })).toBeNull();
      expect(await getCall(t.db, { userId: alice.id, callId: "not-a-uuid" })).toBeNull();
    });

    it("updates and deletes only the owner's call", async () => {
      const alice = await newUser("alice");
      const bob = await newUser("bob");
      const call = await createCall(t.db, alice.id, { title: "Before" });
      expect(await updateCall(t.db, { userId: bob.id, callId: call.id, patch: { title: "Hijacked" } })).toBeNull();
      expect(await deleteCall(t.db, { userId: bob.id, callId: call.id })).toBeNull();
      const updated = await updateCall(t.db, { userId: alice.id, callId: call.id, patch: { title: "After", organization: "Acme" } });
      expect(updated?.title).toBe("After");
      expect(updated?.organization).toBe("Acme");
      expect(updated!.updatedAt.getTime()).toBeGreaterThanOrEqual(call.updatedAt.getTime());
      expect((await deleteCall(t.db, { userId: alice.id, callId: call.id }))?.id).toBe(call.id);
      expect(await getCall(t.db, { userId: alice.id, callId: call.id })).toBeNull();
    });

    it("moves status only from the expected state (compare-and-set)", async () => {
      const alice = await newUser("alice");
      const call = await createCall(t.db, alice.id, { title: "x" });
      const queued = await transitionCallStatus(t.db, { callId: call.id, from: "UPLOADING", to: "QUEUED" });
      expect(queued.status).toBe("QUEUED");
      await expect(transitionCallStatus(t.db, { callId: call.id, from: "UPLOADING", to: "QUEUED" })).rejects.toBeInstanceOf(
        IllegalStatusTransitionError,
      );
      const failed = await transitionCallStatus(t.db, { callId: call.id, from: "QUEUED", to: "FAILED", errorReason: "BAD_AUDIO" });
      expect(failed.errorReason).toBe("BAD_AUDIO");
      const retried = await transitionCallStatus(t.db, { callId: call.id, from: "FAILED", to: "QUEUED" });
      expect(retried.errorReason).toBeNull();
    });

    it("pages newest first with a keyset cursor, without gaps or repeats, even with equal timestamps", async () => {
      const carol = await newUser("carol");
      const dave = await newUser("dave");
      const created = [];
      for (let i = 0; i < 7; i++) {
        // Pairs share a created_at, so the id tie-break is exercised.
        const createdAt = new Date(Date.UTC(2026, 0, 1 + Math.floor(i / 2)));
        const [row] = await t.db.insert(callRecords).values({ userId: carol.id, title: `Call ${i}`, createdAt }).returning();
        created.push(row!);
      }
      await createCall(t.db, dave.id, { title: "Dave's call" });

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await listCalls(t.db, { userId: carol.id, limit: 3, cursor });
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);

      expect(pages).toBe(3);
      expect(new Set(seen).size).toBe(7);
      const expected = [...created]
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
        .map((call) => call.id);
      expect(seen).toEqual(expected);
    });

    it("searches title, contact and organization, and filters by status and direction", async () => {
      const erin = await newUser("erin");
      const a = await createCall(t.db, erin.id, { title: "Pricing review", organization: "Initech", direction: "OUTGOING" });
      const b = await createCall(t.db, erin.id, { title: "Intro", contactName: "Priya Patel", direction: "INCOMING" });
      await createCall(t.db, erin.id, { title: "100% discount_talk" });
      await transitionCallStatus(t.db, { callId: b.id, from: "UPLOADING", to: "QUEUED" });

      const ids = async (options: Parameters<typeof listCalls>[1]) => (await listCalls(t.db, options)).items.map((item) => item.id);
      expect(await ids({ userId: erin.id, query: "initech" })).toEqual([a.id]);
      expect(await ids({ userId: erin.id, query: "PRIYA" })).toEqual([b.id]);
      expect(await ids({ userId: erin.id, query: "%" })).toHaveLength(1); // LIKE wildcards are literal
      expect(await ids({ userId: erin.id, statuses: ["QUEUED"] })).toEqual([b.id]);
      expect(await ids({ userId: erin.id, direction: "OUTGOING" })).toEqual([a.id]);
    });

    it("rejects a forged cursor", async () => {
      expect(() => decodeCallCursor("bm90LWpzb24")).toThrow(InvalidCursorError);
      const user = await newUser("frank");
      await expect(listCalls(t.db, { userId: user.id, cursor: "garbage!!" })).rejects.toBeInstanceOf(InvalidCursorError);
    });
  });
});
