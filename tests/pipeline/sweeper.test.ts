import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { getArtifact } from "@/db/queries/artifacts";
import { getCall } from "@/db/queries/calls";
import { listCallEvents } from "@/db/queries/events";
import { upsertUserByExternalId } from "@/db/queries/users";
import { actionItems, callArtifacts, callProcessingEvents, callRecords } from "@/db/schema";
import { sweep } from "@/lib/pipeline/sweeper";
import { createLocalStorage, originalAudioKey, type ObjectStorage } from "@/lib/storage";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";

const NOW = new Date("2026-11-27T12:00:00.000Z");
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const daysAgo = (days: number) => minutesAgo(days * 24 * 60);
const options = { now: NOW, stallAfterMs: 120 * 60_000, eventRetentionMs: 90 * 24 * 60 * 60_000, audioRetentionDays: 30, batchSize: 2 };

describe.each(databaseKinds())("the retention sweep on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let storage: ObjectStorage;
  let userId: string;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-sweep-"));
    storage = createLocalStorage(root);
    userId = (await upsertUserByExternalId(t.db, { externalUserId: `sweep-${kind}` })).id;
  });
  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  async function call(status: "PROCESSING" | "COMPLETED" | "QUEUED", updatedAt: Date) {
    const [row] = await t.db.insert(callRecords).values({ userId, title: status, status }).returning();
    // updated_at is kept by a trigger; disable it for this backdating only.
    await t.db.execute(sql.raw("ALTER TABLE call_records DISABLE TRIGGER call_records_set_updated_at"));
    await t.db.update(callRecords).set({ updatedAt }).where(eq(callRecords.id, row!.id));
    await t.db.execute(sql.raw("ALTER TABLE call_records ENABLE TRIGGER call_records_set_updated_at"));
    return row!.id;
  }

  it("fails calls with no progress past the bound as STALLED, marking the stage that stopped", async () => {
    const stuck = await call("PROCESSING", minutesAgo(300));
    await t.db.insert(callProcessingEvents).values({ callId: stuck, userId, stage: "TRANSCRIPTION", status: "STARTED", provider: "local", createdAt: minutesAgo(290) });
    const busy = await call("PROCESSING", minutesAgo(300));
    await t.db.insert(callProcessingEvents).values({ callId: busy, userId, stage: "TRANSCRIPTION", status: "STARTED", createdAt: minutesAgo(5) });
    const queued = await call("QUEUED", minutesAgo(300));

    const result = await sweep({ db: t.db, storage }, options);
    expect(result.stalled).toBe(1);
    expect(await getCall(t.db, { userId, callId: stuck })).toMatchObject({ status: "FAILED", errorReason: "STALLED" });
    const last = (await listCallEvents(t.db, { userId, callId: stuck })).at(-1);
    expect(last).toMatchObject({ stage: "TRANSCRIPTION", status: "FAILED", errorCode: "STALLED" });
    expect((await getCall(t.db, { userId, callId: busy }))?.status).toBe("PROCESSING");
    expect((await getCall(t.db, { userId, callId: queued }))?.status).toBe("QUEUED");
  });

  it("deletes events past the retention window in bounded batches", async () => {
    const id = await call("COMPLETED", daysAgo(200));
    await t.db.insert(callProcessingEvents).values(
      Array.from({ length: 5 }, (_, i) => ({ callId: id, userId, stage: "UPLOAD" as const, status: "COMPLETED" as const, createdAt: daysAgo(100 + i) })),
    );
    await t.db.insert(callProcessingEvents).values({ callId: id, userId, stage: "CLEANUP", status: "COMPLETED", createdAt: daysAgo(10) });
    expect((await sweep({ db: t.db, storage }, { ...options, maxBatches: 2 })).eventsDeleted).toBe(4);
    expect((await sweep({ db: t.db, storage }, options)).eventsDeleted).toBe(1);
    expect((await listCallEvents(t.db, { userId, callId: id })).map((event) => event.stage)).toEqual(["CLEANUP"]);
  });

  it("deletes original audio past its retention (object, then row) on finished calls only", async () => {
    const old = await call("COMPLETED", daysAgo(40));
    const processing = await call("PROCESSING", minutesAgo(1));
    const fresh = await call("COMPLETED", daysAgo(1));
    for (const [callId, createdAt] of [[old, daysAgo(40)], [processing, daysAgo(40)], [fresh, daysAgo(1)]] as const) {
      const key = originalAudioKey(userId, callId, "wav");
      const stored = await storage.put(key, "RIFF....WAVE", { contentType: "audio/wav" });
      await t.db.insert(callArtifacts).values({ callId, artifactType: "TEMP_AUDIO", storageKey: key, contentType: "audio/wav", byteSize: stored.size, createdAt });
    }
    expect((await sweep({ db: t.db, storage }, options)).audioExpired).toBe(1);
    expect(await getArtifact(t.db, { userId, callId: old, type: "TEMP_AUDIO" })).toBeNull();
    expect(await storage.head(originalAudioKey(userId, old, "wav"))).toBeNull();
    expect(await getArtifact(t.db, { userId, callId: processing, type: "TEMP_AUDIO" })).not.toBeNull();
    expect(await getArtifact(t.db, { userId, callId: fresh, type: "TEMP_AUDIO" })).not.toBeNull();
    // Retention 0 days is handled by the CLEANUP stage, not the sweep.
    expect((await sweep({ db: t.db, storage }, { ...options, audioRetentionDays: 0 })).audioExpired).toBe(0);
  });

  it("wakes snoozed action items whose time has come, and only those", async () => {
    const callId = await call("COMPLETED", minutesAgo(10));
    const [due, later, done] = await t.db
      .insert(actionItems)
      .values([
        { callRecordId: callId, title: "due", status: "SNOOZED", snoozedUntil: minutesAgo(1) },
        { callRecordId: callId, title: "later", status: "SNOOZED", snoozedUntil: minutesAgo(-60) },
        { callRecordId: callId, title: "done", status: "DONE", completedAt: minutesAgo(5) },
      ])
      .returning();
    expect((await sweep({ db: t.db, storage }, options)).itemsWoken).toBe(1);
    const rows = new Map((await t.db.select().from(actionItems).where(eq(actionItems.callRecordId, callId))).map((row) => [row.id, row]));
    expect(rows.get(due!.id)).toMatchObject({ status: "OPEN", snoozedUntil: null });
    expect(rows.get(later!.id)).toMatchObject({ status: "SNOOZED" });
    expect(rows.get(done!.id)).toMatchObject({ status: "DONE" });
    // The database refuses a snooze without a time.
    await expect(t.db.update(actionItems).set({ snoozedUntil: null }).where(eq(actionItems.id, later!.id))).rejects.toThrow();
  });
});
