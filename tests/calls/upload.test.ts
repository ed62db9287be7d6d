import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { upsertUserByExternalId } from "@/db/queries/users";
import { callArtifacts, callRecords } from "@/db/schema";
import { cleanupStaleUploads } from "@/lib/calls/lifecycle";
import { receiveMultipartUpload } from "@/lib/calls/multipart-upload";
import type { IngestDeps } from "@/lib/calls/ingest";
import { toAppError } from "@/lib/http/api";
import type { AppError } from "@/lib/http/errors";
import { createLocalStorage, type ObjectStorage } from "@/lib/storage";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";
import { makeAudio, TEST_AUDIO_FORMATS } from "../helpers/make-audio";

function multipartRequest(file: { bytes: Uint8Array<ArrayBuffer>; name: string; type?: string } | null, fields: Record<string, string> = {}, fieldsAfter: Record<string, string> = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file) form.append("file", new Blob([file.bytes], { type: file.type ?? "application/octet-stream" }), file.name);
  for (const [name, value] of Object.entries(fieldsAfter)) form.append(name, value);
  return new Request("http://localhost/api/calls", { method: "POST", body: form });
}

async function expectAppError(promise: Promise<unknown>, code: AppError["code"]) {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error, "expected the upload to be refused").not.toBeNull();
  // What the route handler would answer (zod errors become VALIDATION_FAILED there too).
  expect(toAppError(error).code).toBe(code);
}

describe.each(databaseKinds())("multipart upload on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let storage: ObjectStorage;
  let deps: IngestDeps;
  let spoolDir: string;
  let userId: string;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-upload-"));
    storage = createLocalStorage(path.join(root, "blob"));
    spoolDir = path.join(root, "uploads");
    deps = { db: t.db, storage, maxUploadBytes: 5 * 1024 * 1024 };
    userId = (await upsertUserByExternalId(t.db, { externalUserId: `uploader-${kind}` })).id;
  });
  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  async function expectNothingLeftBehind() {
    expect(await t.db.select().from(callRecords).where(eq(callRecords.status, "UPLOADING"))).toHaveLength(0);
    const spooled = await fs.readdir(spoolDir).catch(() => []);
    expect(spooled.filter((name) => name !== "tus")).toEqual([]);
    // No orphan bytes: every stored recording belongs to an artifact row.
    const objects = (await fs.readdir(path.join(root, "blob"), { recursive: true }).catch(() => [] as string[])).filter((name) =>
      /original\.[a-z0-9]+$/.test(name),
    );
    expect(objects).toHaveLength((await t.db.select().from(callArtifacts)).length);
  }

  it.each(TEST_AUDIO_FORMATS)("accepts %s: stores the exact bytes, records the artifact and queues the call", async (format) => {
    const file = await makeAudio(format);
    const bytes = await fs.readFile(file);
    const call = await receiveMultipartUpload(
      multipartRequest({ bytes, name: `Weekly sync.${path.extname(file).slice(1)}` }, { contactName: "Sam Lee", direction: "OUTGOING" }),
      userId,
      deps,
      spoolDir,
    );
    expect(call.status).toBe("QUEUED");
    expect(call.title).toBe("Weekly sync");
    expect(call.contactName).toBe("Sam Lee");
    expect(call.durationSeconds).toBeGreaterThan(1.7);
    expect(call.durationSeconds).toBeLessThan(2.3);

    const [artifact] = await t.db.select().from(callArtifacts).where(eq(callArtifacts.callId, call.id));
    expect(artifact?.artifactType).toBe("TEMP_AUDIO");
    expect(artifact?.byteSize).toBe(bytes.byteLength);
    expect(artifact?.storageKey).toMatch(new RegExp(`^users/${userId}/calls/${call.id}/audio/original\\.[a-z0-9]+$`));
    const stored = await storage.get(artifact!.storageKey);
    expect(Buffer.from(await new Response(stored!.body).arrayBuffer()).equals(bytes)).toBe(true);
    expect(stored!.contentType).toBe(artifact!.contentType);
    await expectNothingLeftBehind();
  });

  it("applies metadata fields sent after the file", async () => {
    const bytes = await fs.readFile(await makeAudio("wav"));
    const call = await receiveMultipartUpload(
      multipartRequest({ bytes, name: "a.wav" }, {}, { title: "Renewal", organization: "Initech", recordedAt: "2026-11-02T15:30:00Z" }),
      userId,
      deps,
      spoolDir,
    );
    expect(call.title).toBe("Renewal");
    expect(call.organization).toBe("Initech");
    expect(call.recordedAt.toISOString()).toBe("2026-11-02T15:30:00.000Z");
  });

  it("rejects an empty file with 415 and keeps nothing", async () => {
    await expectAppError(receiveMultipartUpload(multipartRequest({ bytes: new Uint8Array(), name: "empty.wav" }), userId, deps, spoolDir), "UNSUPPORTED_MEDIA_TYPE");
    await expectNothingLeftBehind();
  });

  it("rejects a text file named .mp3 with 415 and keeps nothing", async () => {
    const bytes = new TextEncoder().encode("Meeting notes: call Sam back on Friday.\n".repeat(400));
    await expectAppError(receiveMultipartUpload(multipartRequest({ bytes, name: "notes.mp3", type: "audio/mpeg" }), userId, deps, spoolDir), "UNSUPPORTED_MEDIA_TYPE");
    await expectNothingLeftBehind();
  });

  it("rejects a truncated recording that cannot be decoded with 415", async () => {
    const bytes = (await fs.readFile(await makeAudio("mp3"))).subarray(0, 200);
    await expectAppError(receiveMultipartUpload(multipartRequest({ bytes, name: "cut.mp3" }), userId, deps, spoolDir), "UNSUPPORTED_MEDIA_TYPE");
    await expectNothingLeftBehind();
  });

  it("rejects a file over the limit with 413 while streaming, and keeps nothing", async () => {
    const big = await makeAudio("wav", { durationSeconds: 4 });
    const small = { ...deps, maxUploadBytes: 64 * 1024 };
    await expectAppError(receiveMultipartUpload(multipartRequest({ bytes: await fs.readFile(big), name: "long.wav" }), userId, small, spoolDir), "PAYLOAD_TOO_LARGE");
    await expectNothingLeftBehind();
  });

  it("rejects bad metadata before storing anything", async () => {
    const bytes = await fs.readFile(await makeAudio("wav"));
    await expectAppError(
      receiveMultipartUpload(multipartRequest({ bytes, name: "a.wav" }, { direction: "SIDEWAYS" }), userId, deps, spoolDir),
      "VALIDATION_FAILED",
    );
    await expectNothingLeftBehind();
  });

  it("refuses a request without a file or not multipart", async () => {
    await expectAppError(receiveMultipartUpload(multipartRequest(null, { title: "x" }), userId, deps, spoolDir), "VALIDATION_FAILED");
    const json = new Request("http://localhost/api/calls", { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    await expectAppError(receiveMultipartUpload(json, userId, deps, spoolDir), "VALIDATION_FAILED");
  });

  it("a body that breaks off mid-file leaves nothing behind", async () => {
    const bytes = await fs.readFile(await makeAudio("wav"));
    const full = new Uint8Array(await multipartRequest({ bytes, name: "a.wav" }).arrayBuffer());
    const contentType = multipartRequest({ bytes, name: "a.wav" }).headers.get("content-type")!;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(full.subarray(0, Math.floor(full.byteLength / 2)));
        controller.error(new Error("connection reset"));
      },
    });
    const request = new Request("http://localhost/api/calls", { method: "POST", body: stream, headers: { "content-type": contentType }, duplex: "half" } as RequestInit);
    await expectAppError(receiveMultipartUpload(request, userId, deps, spoolDir), "UPLOAD_INCOMPLETE");
    await expectNothingLeftBehind();
  });

  it("sweeps uploads that stopped long ago, with their bytes", async () => {
    const [stale] = await t.db.insert(callRecords).values({ userId, title: "Abandoned", status: "UPLOADING" }).returning();
    const [fresh] = await t.db.insert(callRecords).values({ userId, title: "In flight", status: "UPLOADING" }).returning();
    await fs.mkdir(path.join(spoolDir, "tus"), { recursive: true });
    await fs.writeFile(path.join(spoolDir, "tus", stale!.id), "partial bytes");
    await fs.writeFile(path.join(spoolDir, "tus", `${stale!.id}.json`), "{}");
    const removed = await cleanupStaleUploads({ db: t.db, storage, spoolDir }, { olderThan: new Date(Date.now() + 60_000) });
    expect(removed).toBe(2);
    // Only rows updated before the cut-off go; here both were, so run again with an old cut-off to see nothing else goes.
    expect(await cleanupStaleUploads({ db: t.db, storage, spoolDir }, { olderThan: new Date(0) })).toBe(0);
    expect(await fs.readdir(path.join(spoolDir, "tus"))).toEqual([]);
    expect(await t.db.select().from(callRecords).where(eq(callRecords.id, fresh!.id))).toHaveLength(0);
    expect((await t.db.select().from(callRecords).where(eq(callRecords.status, "QUEUED"))).length).toBeGreaterThan(0);
  });
});
