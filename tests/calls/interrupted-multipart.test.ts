import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCall } from "@/db/queries/calls";
import { listCallEvents } from "@/db/queries/events";
import { upsertUserByExternalId } from "@/db/queries/users";
import { beginCall } from "@/lib/calls/ingest";
import { abandonInterruptedMultipartUploads, multipartSpoolPath } from "@/lib/calls/lifecycle";
import { receiveMultipartUpload } from "@/lib/calls/multipart-upload";
import { callPrefix, createLocalStorage, type ObjectStorage } from "@/lib/storage";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";
import { makeAudio } from "../helpers/make-audio";

/**
 * Regression (found by e2e/faults.spec.ts): a multipart upload cut off by kill -9 of the server left its
 * call row UPLOADING, an open UPLOAD event and a half spool file for a day (until the stale-upload sweep),
 * although no request could ever finish it. At boot those of a dead process are removed at once; a live
 * server's upload on the same data dir is left alone.
 */
describe.each(databaseKinds())("multipart uploads cut off by a crash, on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let spoolDir: string;
  let storage: ObjectStorage;
  let userId: string;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-cut-multipart-"));
    spoolDir = path.join(root, "uploads");
    await fs.mkdir(spoolDir, { recursive: true });
    storage = createLocalStorage(path.join(root, "blob"));
    userId = (await upsertUserByExternalId(t.db, { externalUserId: `cut-${kind}` })).id;
  });
  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it("spools under the server's pid while the body arrives", async () => {
    const audio = await fs.readFile(await makeAudio("wav", { durationSeconds: 1 }));
    const boundary = "----cut";
    let push!: (chunk: Uint8Array | null) => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (chunk) => (chunk ? controller.enqueue(chunk) : controller.close());
      },
    });
    const request = new Request("http://localhost/api/calls", {
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      body,
      duplex: "half",
    } as RequestInit);
    const upload = receiveMultipartUpload(request, userId, { db: t.db, storage, maxUploadBytes: 10 * 1024 * 1024 }, spoolDir);
    push(new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`));
    push(new Uint8Array(audio.subarray(0, 8192)));
    let names: string[] = [];
    for (let i = 0; i < 100 && !names.some((name) => name.endsWith(`.${process.pid}.part`)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      names = await fs.readdir(spoolDir);
    }
    expect(names.some((name) => name.endsWith(`.${process.pid}.part`))).toBe(true);
    push(new Uint8Array(audio.subarray(8192)));
    push(new TextEncoder().encode(`\r\n--${boundary}--\r\n`));
    push(null);
    const call = await upload;
    expect(call.status).toBe("QUEUED");
    expect(await fs.readdir(spoolDir)).toEqual([]);
  });

  it("removes at boot the uploads of a dead server (row, event, objects, spool), keeps a live one's", async () => {
    const dead = await beginCall(t.db, userId, {}, "Cut off.wav");
    const live = await beginCall(t.db, userId, {}, "Still arriving.wav");
    const deadPid = spawnSync("true").pid!; // exited: its pid is gone
    const sleeper = spawn("sleep", ["30"]);
    try {
      const deadSpool = path.join(spoolDir, `${dead.id}.${deadPid}.part`);
      const liveSpool = path.join(spoolDir, `${live.id}.${sleeper.pid}.part`);
      await fs.writeFile(deadSpool, "half a recording");
      await fs.writeFile(`${deadSpool}.probe.wav`, "a probe link left by the crash");
      await fs.writeFile(liveSpool, "still arriving");
      await storage.put(`${callPrefix(userId, dead.id)}original.wav`, new Blob(["bytes"]).stream(), { contentType: "audio/wav" });
      expect((await listCallEvents(t.db, { userId, callId: dead.id })).map((event) => event.status)).toEqual(["STARTED"]);

      expect(await abandonInterruptedMultipartUploads({ db: t.db, storage, spoolDir })).toBe(1);

      expect(await getCall(t.db, { userId, callId: dead.id })).toBeNull();
      expect(await listCallEvents(t.db, { userId, callId: dead.id })).toEqual([]);
      expect(await storage.get(`${callPrefix(userId, dead.id)}original.wav`)).toBeNull();
      expect((await getCall(t.db, { userId, callId: live.id }))?.status).toBe("UPLOADING");
      expect(await fs.readdir(spoolDir)).toEqual([path.basename(liveSpool)]);
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  it("treats its own pid as a dead server's (a container restarts with the same pid)", async () => {
    const call = await beginCall(t.db, userId, {}, "Same pid.wav");
    await fs.writeFile(multipartSpoolPath(spoolDir, call.id), "half");
    await abandonInterruptedMultipartUploads({ db: t.db, storage, spoolDir });
    expect(await getCall(t.db, { userId, callId: call.id })).toBeNull();
    expect((await fs.readdir(spoolDir)).filter((name) => name.startsWith(call.id))).toEqual([]);
  });
});
