import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { upsertUserByExternalId } from "@/db/queries/users";
import { callArtifacts, callRecords } from "@/db/schema";
import type { IngestDeps } from "@/lib/calls/ingest";
import { receiveMultipartUpload } from "@/lib/calls/multipart-upload";
import { createLocalStorage, type ObjectStorage } from "@/lib/storage";
import { CALL_ID_HEADER, createTusServer } from "@/lib/uploads/tus";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";
import { makeAudio } from "../helpers/make-audio";

/**
 * Issue 15: an upload's bytes are written once. The spool file becomes the stored object by a rename (same
 * inode) on local storage; a driver without `putFile` still gets the bytes streamed; tus sniffs the first
 * chunk while it streams and refuses a non-audio file before the rest is sent.
 */

const BASE = "http://localhost/api/uploads";
const tusHeaders = (extra: Record<string, string> = {}) => ({ "Tus-Resumable": "1.0.0", ...extra });

describe.each(databaseKinds())("uploads write each byte once on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let storage: ObjectStorage;
  let deps: IngestDeps;
  let userId: string;
  let mp3: Buffer;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-write-once-"));
    storage = createLocalStorage(path.join(root, "blob"));
    deps = { db: t.db, storage, maxUploadBytes: 4 * 1024 * 1024 };
    userId = (await upsertUserByExternalId(t.db, { externalUserId: `write-once-${kind}` })).id;
    mp3 = await fs.readFile(await makeAudio("mp3", { durationSeconds: 3 }));
  });
  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  const storedFile = async (callId: string) => {
    const [artifact] = await t.db.select().from(callArtifacts).where(eq(callArtifacts.callId, callId));
    return path.join(root, "blob", ...artifact!.storageKey.split("/"));
  };

  it("multipart: the spooled file is the stored object (moved, not copied), byte-identical", async () => {
    const spoolDir = path.join(root, "uploads");
    const inodes: number[] = [];
    // Watch the spool file's inode while it is written; the stored object must be that same inode.
    const watching = { ...storage, putFile: async (...args: Parameters<NonNullable<ObjectStorage["putFile"]>>) => {
      inodes.push((await fs.stat(args[1])).ino);
      return storage.putFile!(...args);
    } };
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(mp3)]), "Standup.mp3");
    const call = await receiveMultipartUpload(new Request("http://localhost/api/calls", { method: "POST", body: form }), userId, { ...deps, storage: watching }, spoolDir);
    const file = await storedFile(call.id);
    expect(inodes).toHaveLength(1);
    expect((await fs.stat(file)).ino).toBe(inodes[0]);
    expect(Buffer.compare(await fs.readFile(file), mp3)).toBe(0);
    expect((await fs.readdir(spoolDir)).filter((name) => name.startsWith(call.id))).toEqual([]);
  });

  it("a driver without putFile gets the bytes streamed through put, byte-identical", async () => {
    const { putFile: _unused, ...streamingOnly } = storage;
    void _unused;
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(mp3)]), "Standup.mp3");
    const call = await receiveMultipartUpload(new Request("http://localhost/api/calls", { method: "POST", body: form }), userId, { ...deps, storage: streamingOnly }, path.join(root, "uploads"));
    expect(Buffer.compare(await fs.readFile(await storedFile(call.id)), mp3)).toBe(0);
    expect((await fs.readdir(path.join(root, "uploads"))).filter((name) => name.startsWith(call.id))).toEqual([]);
  });

  const tus = (request: Request) => createTusServer({ userId, deps, spoolDir: path.join(root, "uploads") }).handle(request);
  const create = async (length: number) => {
    const response = await tus(
      new Request(BASE, { method: "POST", headers: tusHeaders({ "Upload-Length": String(length), "Upload-Metadata": `filename ${Buffer.from("a.mp3").toString("base64")}` }) }),
    );
    expect(response.status).toBe(201);
    return response.headers.get("location")!;
  };
  const patch = (location: string, offset: number, body: Uint8Array) =>
    tus(
      new Request(new URL(location, BASE), {
        method: "PATCH",
        headers: tusHeaders({ "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" }),
        body: new Uint8Array(body),
      }),
    );

  it("tus: the first chunk of a file that is not audio is refused while it streams; nothing is kept", async () => {
    const text = Buffer.from("this is a spreadsheet, not a recording\n".repeat(300)); // > 4 KiB
    const location = await create(text.byteLength * 4);
    const callId = location.split("/").pop()!;
    const response = await patch(location, 0, text);
    const answer = (await response.json()) as { error: { code: string; message: string } };
    expect({ status: response.status, code: answer.error.code, message: answer.error.message }).toMatchObject({ status: 415, code: "UNSUPPORTED_MEDIA_TYPE" });
    expect(await t.db.select().from(callRecords).where(eq(callRecords.id, callId))).toHaveLength(0);
    expect((await fs.readdir(path.join(root, "uploads", "tus"))).filter((name) => name.startsWith(callId))).toEqual([]);
    // The upload is gone: the client cannot go on with it.
    expect((await patch(location, text.byteLength, text)).status).toBe(404);
  });

  it("tus: chunks smaller than the sniffed head still complete, and the stored object is the tus file moved", async () => {
    const location = await create(mp3.byteLength);
    const callId = location.split("/").pop()!;
    const tusFile = path.join(root, "uploads", "tus", callId);
    let offset = 0;
    let inode = 0;
    let last: Response | null = null;
    for (const size of [1000, 3000, 100_000]) {
      const end = Math.min(mp3.byteLength, offset + size);
      last = await patch(location, offset, mp3.subarray(offset, end));
      offset = end;
      if (offset < mp3.byteLength) inode = (await fs.stat(tusFile)).ino;
    }
    if (offset < mp3.byteLength) last = await patch(location, offset, mp3.subarray(offset));
    expect(last!.status).toBe(204);
    expect(last!.headers.get(CALL_ID_HEADER)).toBe(callId);
    const file = await storedFile(callId);
    expect((await fs.stat(file)).ino).toBe(inode);
    expect(Buffer.compare(await fs.readFile(file), mp3)).toBe(0);
    expect((await fs.readdir(path.join(root, "uploads", "tus"))).filter((name) => name.startsWith(callId))).toEqual([]);
  });
});
