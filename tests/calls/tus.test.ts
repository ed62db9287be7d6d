import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { upsertUserByExternalId } from "@/db/queries/users";
import { callArtifacts, callProcessingEvents, callRecords } from "@/db/schema";
import type { IngestDeps } from "@/lib/calls/ingest";
import { createLocalStorage } from "@/lib/storage";
import { CALL_ID_HEADER, createTusServer, recoverCompletedUploads } from "@/lib/uploads/tus";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";
import { makeAudio } from "../helpers/make-audio";

const BASE = "http://localhost/api/uploads";

function encodeMetadata(metadata: Record<string, string>) {
  return Object.entries(metadata)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString("base64")}`)
    .join(",");
}

describe.each(databaseKinds())("tus resumable upload on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let deps: IngestDeps;
  let alice: string;
  let bob: string;

  const tus = (userId: string, request: Request) =>
    createTusServer({ userId, deps, spoolDir: path.join(root, "uploads") }).handle(request);
  const headers = (extra: Record<string, string> = {}) => ({ "Tus-Resumable": "1.0.0", ...extra });

  async function create(userId: string, length: number, metadata: Record<string, string> = { filename: "Pipeline review.wav" }) {
    const response = await tus(
      userId,
      new Request(BASE, { method: "POST", headers: headers({ "Upload-Length": String(length), "Upload-Metadata": encodeMetadata(metadata) }) }),
    );
    return response;
  }
  const patch = (userId: string, location: string, offset: number, body: Uint8Array<ArrayBuffer>) =>
    tus(
      userId,
      new Request(new URL(location, BASE), {
        method: "PATCH",
        headers: headers({ "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" }),
        body,
      }),
    );
  const head = (userId: string, location: string) => tus(userId, new Request(new URL(location, BASE), { method: "HEAD", headers: headers() }));

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-tus-"));
    deps = { db: t.db, storage: createLocalStorage(path.join(root, "blob")), maxUploadBytes: 2 * 1024 * 1024 };
    alice = (await upsertUserByExternalId(t.db, { externalUserId: `alice-${kind}` })).id;
    bob = (await upsertUserByExternalId(t.db, { externalUserId: `bob-${kind}` })).id;
  });
  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it("resumes after a dropped connection and queues the call when the last byte arrives", async () => {
    const bytes = await fs.readFile(await makeAudio("mp3", { durationSeconds: 3 }));
    const created = await create(alice, bytes.byteLength, { filename: "Pipeline review.mp3", contactName: "Priya" });
    expect(created.status).toBe(201);
    const location = created.headers.get("location")!;
    const callId = location.split("/").pop()!;

    const [uploading] = await t.db.select().from(callRecords).where(eq(callRecords.id, callId));
    expect(uploading?.status).toBe("UPLOADING");
    expect(uploading?.title).toBe("Pipeline review");

    const half = Math.floor(bytes.byteLength / 2);
    expect((await patch(alice, location, 0, bytes.subarray(0, half))).status).toBe(204);
    // The client comes back: it asks where to continue instead of starting over.
    const offset = Number((await head(alice, location)).headers.get("upload-offset"));
    expect(offset).toBe(half);

    const last = await patch(alice, location, offset, bytes.subarray(offset));
    expect(last.status).toBe(204);
    expect(last.headers.get(CALL_ID_HEADER)).toBe(callId);

    const [queued] = await t.db.select().from(callRecords).where(eq(callRecords.id, callId));
    expect(queued?.status).toBe("QUEUED");
    expect(queued?.contactName).toBe("Priya");
    const [artifact] = await t.db.select().from(callArtifacts).where(eq(callArtifacts.callId, callId));
    expect(artifact?.byteSize).toBe(bytes.byteLength);
    expect(await fs.readdir(path.join(root, "uploads", "tus"))).toEqual([]);
    const events = await t.db.select().from(callProcessingEvents).where(eq(callProcessingEvents.callId, callId));
    expect(events.map((event) => [event.stage, event.status])).toEqual([
      ["UPLOAD", "STARTED"],
      ["UPLOAD", "COMPLETED"],
    ]);
    expect(events[1]?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("when the answer to the last chunk was lost, asking again says the upload is complete, with its call id", async () => {
    const bytes = await fs.readFile(await makeAudio("wav"));
    const location = (await create(alice, bytes.byteLength)).headers.get("location")!;
    const callId = location.split("/").pop()!;
    expect((await patch(alice, location, 0, bytes)).status).toBe(204);

    const again = await head(alice, location);
    expect(again.status).toBe(200);
    expect(again.headers.get("upload-offset")).toBe(String(bytes.byteLength));
    expect(again.headers.get(CALL_ID_HEADER)).toBe(callId);
    const repeated = await patch(alice, location, bytes.byteLength, new Uint8Array());
    expect(repeated.status).toBe(204);
    expect(repeated.headers.get(CALL_ID_HEADER)).toBe(callId);
    expect((await head(bob, location)).status).toBe(404);
  });

  it("after a crash, finishes uploads whose bytes all arrived instead of sweeping them away", async () => {
    const bytes = await fs.readFile(await makeAudio("flac"));
    const complete = (await create(alice, bytes.byteLength, { filename: "Crashed at the end.flac" })).headers.get("location")!;
    const partial = (await create(alice, bytes.byteLength, { filename: "Still sending.flac" })).headers.get("location")!;
    const tusDir = path.join(root, "uploads", "tus");
    // Simulate: all bytes on disk, but the server died before finishing the call.
    await fs.writeFile(path.join(tusDir, complete.split("/").pop()!), bytes);
    await patch(alice, partial, 0, bytes.subarray(0, 100));

    expect(await recoverCompletedUploads(deps, path.join(root, "uploads"))).toBe(1);
    const [finished] = await t.db.select().from(callRecords).where(eq(callRecords.id, complete.split("/").pop()!));
    expect(finished?.status).toBe("QUEUED");
    const [waiting] = await t.db.select().from(callRecords).where(eq(callRecords.id, partial.split("/").pop()!));
    expect(waiting?.status).toBe("UPLOADING");
  });

  it("answers another user's upload as missing", async () => {
    const created = await create(alice, 1000);
    const location = created.headers.get("location")!;
    expect((await head(bob, location)).status).toBe(404);
    expect((await patch(bob, location, 0, new Uint8Array(10))).status).toBe(404);
    expect((await head(alice, location)).status).toBe(200);
  });

  it("rejects a file that is not audio when it completes, with a JSON reason, and keeps nothing", async () => {
    const text = new TextEncoder().encode("not audio at all\n".repeat(100));
    const location = (await create(alice, text.byteLength, { filename: "notes.mp3" })).headers.get("location")!;
    const callId = location.split("/").pop()!;
    const response = await patch(alice, location, 0, text);
    expect(response.status).toBe(415);
    expect((await response.json()).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(await t.db.select().from(callRecords).where(eq(callRecords.id, callId))).toHaveLength(0);
    expect((await fs.readdir(path.join(root, "uploads", "tus"))).filter((name) => name.startsWith(callId))).toEqual([]);
  });

  it("refuses an upload over the limit before creating anything", async () => {
    const before = (await t.db.select().from(callRecords)).length;
    const response = await create(alice, deps.maxUploadBytes + 1);
    expect(response.status).toBe(413);
    expect((await t.db.select().from(callRecords)).length).toBe(before);
  });

  it("refuses bad metadata", async () => {
    const response = await create(alice, 100, { filename: "a.wav", direction: "SIDEWAYS" });
    expect(response.status).toBe(400);
  });

  it("cancelling (termination) removes the call and its bytes", async () => {
    const location = (await create(alice, 5000)).headers.get("location")!;
    const callId = location.split("/").pop()!;
    await patch(alice, location, 0, new Uint8Array(100));
    const response = await tus(alice, new Request(new URL(location, BASE), { method: "DELETE", headers: headers() }));
    expect(response.status).toBe(204);
    expect(await t.db.select().from(callRecords).where(eq(callRecords.id, callId))).toHaveLength(0);
    expect((await fs.readdir(path.join(root, "uploads", "tus"))).filter((name) => name.startsWith(callId))).toEqual([]);
  });
});
