import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { upsertUserByExternalId } from "@/db/queries/users";
import { callProcessingEvents, users, type VoiceEnrollmentState } from "@/db/schema";
import { sweep } from "@/lib/pipeline/sweeper";
import { createLocalStorage, originalAudioKey, voiceSampleKey, type ObjectStorage } from "@/lib/storage";
import { voiceScratchDir, voiceUploadSpoolDir } from "@/lib/voice-profile/sweep";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";

const HOUR = 60 * 60_000;

describe.each(databaseKinds())("the voice-sample sweep on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let storage: ObjectStorage;
  let workRoot: string;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-voice-sweep-"));
    storage = createLocalStorage(path.join(root, "blob"));
    workRoot = path.join(root, "work");
  });
  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  const options = (now: Date) => ({ now, stallAfterMs: 2 * HOUR, eventRetentionMs: 90 * 24 * HOUR, audioRetentionDays: 30, batchSize: 1 });
  const enrollment = (state: VoiceEnrollmentState["state"], startedAt: Date): VoiceEnrollmentState => ({
    id: randomUUID(),
    state,
    startedAt: startedAt.toISOString(),
    finishedAt: null,
    errorCode: null,
    errorMessage: null,
  });
  async function userWith(voiceEnrollment: VoiceEnrollmentState | null) {
    const user = await upsertUserByExternalId(t.db, { externalUserId: `sweep-voice-${kind}-${randomUUID()}` });
    await t.db.update(users).set({ voiceEnrollment }).where(eq(users.id, user.id));
    return user.id;
  }

  it("deletes samples older than an hour (only those), ends stalled enrollments, and leaves call audio alone", async () => {
    // The sweep runs "two hours from now": everything stored during this test is then older than an hour.
    const now = new Date(Date.now() + 2 * HOUR);
    const stalled = enrollment("RUNNING", new Date(Date.now() - HOUR / 2));
    const crashedUser = await userWith(stalled);
    const finishedUser = await userWith(enrollment("FAILED", new Date()));
    const crashedSample = voiceSampleKey(crashedUser, stalled.id, "webm");
    const finishedSample = voiceSampleKey(finishedUser, randomUUID(), "wav");
    await storage.put(crashedSample, "sample", { contentType: "audio/webm" });
    await storage.put(finishedSample, "sample", { contentType: "audio/wav" });
    const callAudio = originalAudioKey(finishedUser, randomUUID(), "wav");
    await storage.put(callAudio, "call", { contentType: "audio/wav" });
    expect((await storage.list(`users/${crashedUser}/voice-profile/`)).map((object) => object.key)).toEqual([crashedSample]);

    // Nothing is an orphan yet at the real time.
    const early = await sweep({ db: t.db, storage, workRoot }, options(new Date()));
    expect(early).toMatchObject({ voiceSamplesDeleted: 0, voiceEnrollmentsStalled: 0 });

    const result = await sweep({ db: t.db, storage, workRoot }, options(now));
    expect(result.voiceSamplesDeleted).toBe(2);
    expect(result.voiceEnrollmentsStalled).toBe(1);
    expect(await storage.head(crashedSample)).toBeNull();
    expect(await storage.head(finishedSample)).toBeNull();
    expect(await storage.head(callAudio)).not.toBeNull();
    const [crashed] = await t.db.select().from(users).where(eq(users.id, crashedUser));
    expect(crashed!.voiceEnrollment).toMatchObject({ id: stalled.id, state: "FAILED", errorCode: "STALLED" });
    const events = await t.db.select().from(callProcessingEvents).where(and(eq(callProcessingEvents.userId, crashedUser), eq(callProcessingEvents.stage, "VOICE_ENROLLMENT")));
    expect(events.map((event) => [event.status, event.errorCode, event.callId])).toEqual([["FAILED", "STALLED", null]]);

    // A second sweep has nothing left to do.
    expect(await sweep({ db: t.db, storage, workRoot }, options(now))).toMatchObject({ voiceSamplesDeleted: 0, voiceEnrollmentsStalled: 0 });
  });

  it("keeps a running enrollment's fresh sample", async () => {
    const running = enrollment("RUNNING", new Date());
    const userId = await userWith(running);
    const key = voiceSampleKey(userId, running.id, "webm");
    await storage.put(key, "sample", { contentType: "audio/webm" });
    const result = await sweep({ db: t.db, storage, workRoot }, options(new Date()));
    expect(result.voiceEnrollmentsStalled).toBe(0);
    expect(await storage.head(key)).not.toBeNull();
    await storage.delete(key);
  });

  it("removes scratch and spooled upload files a crash left behind", async () => {
    const spooled = path.join(voiceUploadSpoolDir(workRoot), `${randomUUID()}.part`);
    const decoded = path.join(voiceScratchDir(workRoot), randomUUID(), "prepared", "audio.wav");
    await fs.mkdir(path.dirname(spooled), { recursive: true });
    await fs.mkdir(path.dirname(decoded), { recursive: true });
    await fs.writeFile(spooled, "x");
    await fs.writeFile(decoded, "x");
    expect((await sweep({ db: t.db, storage, workRoot }, options(new Date()))).voiceSamplesDeleted).toBe(0);
    expect(await fs.stat(spooled).catch(() => null)).not.toBeNull();
    await sweep({ db: t.db, storage, workRoot }, options(new Date(Date.now() + 2 * HOUR)));
    expect(await fs.stat(spooled).catch(() => null)).toBeNull();
    expect(await fs.stat(path.dirname(path.dirname(decoded))).catch(() => null)).toBeNull();
  });
});
