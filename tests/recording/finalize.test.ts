import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getArtifact } from "@/db/queries/artifacts";
import { getCall } from "@/db/queries/calls";
import { listCallEvents } from "@/db/queries/events";
import { upsertUserByExternalId } from "@/db/queries/users";
import type { CallRecord } from "@/db/schema";
import { beginCall } from "@/lib/calls/ingest";
import { clockTime, finalizeAbandonedRecordings, RECORDER_STEREO_PROVIDER } from "@/lib/recording/server";
import { createLocalStorage } from "@/lib/storage";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";
import { makeAudio } from "../helpers/make-audio";

/**
 * The finalising timeout: a deferred-length tus upload (a browser recording) that has heard nothing for
 * longer than the timeout is finished at its current offset and queued, its title and timeline saying when
 * it ended; a fresher one, a file upload with a declared length, or a recording with no byte are not.
 */
const IDLE_MS = 60_000;
/** updated_at is set by a trigger (now()): "idle for X" is a sweep run X after the last touch. */
const after = (ms: number) => new Date(Date.now() + ms);

describe.each(databaseKinds())("finalizeAbandonedRecordings (%s)", (kind) => {
  let t: TestDatabase;
  let root: string;
  let webm: Buffer;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-finalize-"));
    webm = await fs.readFile(await makeAudio("webm", { durationSeconds: 3 }));
  });
  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  const spoolDir = () => path.join(root, "uploads");
  const queued: CallRecord[] = [];
  const deps = () => ({
    db: t.db,
    storage: createLocalStorage(path.join(root, "blob")),
    maxUploadBytes: 100 * 1024 * 1024,
    spoolDir: spoolDir(),
    timeZone: "UTC",
    onQueued: async (call: CallRecord) => void queued.push(call),
  });

  /** A tus upload as @tus/file-store leaves it: `<id>` (the bytes so far) and `<id>.json` (size absent when deferred). */
  async function upload(options: { bytes: Buffer; deferred: boolean; metadata?: Record<string, string> }) {
    const user = await upsertUserByExternalId(t.db, { externalUserId: `u-${Math.random()}` });
    const call = await beginCall(t.db, user.id, { title: "Recording, 3 Dec 15:40" });
    const dir = path.join(spoolDir(), "tus");
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, call.id), options.bytes);
    const lastByte = new Date("2026-12-03T15:51:00Z");
    await fs.utimes(path.join(dir, call.id), lastByte, lastByte);
    const info = { id: call.id, offset: options.bytes.length, metadata: options.metadata ?? { recorder: "mono" }, ...(options.deferred ? {} : { size: options.bytes.length + 100 }) };
    await fs.writeFile(path.join(dir, `${call.id}.json`), JSON.stringify(info));
    return { user, call, ref: { userId: user.id, callId: call.id } };
  }

  it("finishes an idle recording at its offset, queues it, and says when it ended", async () => {
    const { ref } = await upload({ bytes: webm, deferred: true, metadata: { recorder: "stereo-mic-left" } });
    const result = await finalizeAbandonedRecordings(deps(), { now: after(IDLE_MS + 1_000), idleMs: IDLE_MS });
    expect(result.finished).toEqual([ref.callId]);
    const call = await getCall(t.db, ref);
    expect(call?.status).toBe("QUEUED");
    expect(call?.title).toBe("Recording, 3 Dec 15:40 (ended unexpectedly at 15:51)");
    expect(queued.map((c) => c.id)).toContain(ref.callId);
    const audio = await getArtifact(t.db, { ...ref, type: "TEMP_AUDIO" });
    expect(audio?.byteSize).toBe(webm.length);
    const events = await listCallEvents(t.db, ref);
    expect(events.at(-1)).toMatchObject({ stage: "UPLOAD", status: "COMPLETED", provider: `${RECORDER_STEREO_PROVIDER} · recording ended unexpectedly at 15:51` });
    await expect(fs.stat(path.join(spoolDir(), "tus", `${ref.callId}.json`))).rejects.toThrow();
  });

  it("leaves a recording that is still within the timeout, and any upload with a declared length", async () => {
    const fresh = await upload({ bytes: webm, deferred: true });
    const soon = await finalizeAbandonedRecordings(deps(), { now: after(IDLE_MS - 5_000), idleMs: IDLE_MS });
    expect(soon.finished).not.toContain(fresh.call.id);
    expect((await getCall(t.db, fresh.ref))?.status).toBe("UPLOADING");
    const file = await upload({ bytes: webm, deferred: false });
    const later = await finalizeAbandonedRecordings(deps(), { now: after(IDLE_MS * 100), idleMs: IDLE_MS });
    expect(later.finished).toContain(fresh.call.id);
    expect(later.finished).not.toContain(file.call.id);
    expect((await getCall(t.db, file.ref))?.status).toBe("UPLOADING");
  });

  it("removes an abandoned recording that never got a byte", async () => {
    const empty = await upload({ bytes: Buffer.alloc(0), deferred: true });
    const result = await finalizeAbandonedRecordings(deps(), { now: after(IDLE_MS * 2), idleMs: IDLE_MS });
    expect(result.removed).toContain(empty.call.id);
    expect(await getCall(t.db, empty.ref)).toBeNull();
  });

  it("keeps bytes that do not decode for the stale-upload sweep instead of deleting the recording", async () => {
    const broken = await upload({ bytes: webm.subarray(0, 40), deferred: true });
    const result = await finalizeAbandonedRecordings(deps(), { now: after(IDLE_MS * 2), idleMs: IDLE_MS });
    expect(result.failed).toContain(broken.call.id);
  });

  it("clockTime is HH:MM in the given zone", () => {
    expect(clockTime(new Date("2026-12-03T15:51:59Z"), "Europe/Berlin")).toBe("16:51");
  });
});
