import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  analysisKey,
  callPrefix,
  diarizationKey,
  originalAudioKey,
  transcriptNormalizedKey,
  transcriptRawKey,
  userPrefix,
  voiceSampleKey,
  voiceSamplesPrefix,
} from "@/lib/storage/keys";
import { createLocalStorage } from "@/lib/storage/local";
import { StorageError, type ObjectStorage } from "@/lib/storage/types";
import { createVercelBlobStorage } from "@/lib/storage/vercel-blob";
import { startFakeVercelBlobServer, type FakeVercelBlobServer } from "../helpers/fake-vercel-blob-server";

// The SDK retries 5xx/unknown/network failures with exponential backoff (10 times by default);
// error-mapping tests want the first failure to surface. One test below turns retries back on.
process.env.VERCEL_BLOB_RETRIES = "0";

const MB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Helpers

/** Deterministic bytes: byte i of the whole stream is (i * 31 + seed) mod 251. */
function patternBytes(offset: number, length: number, seed = 7): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index += 1) bytes[index] = ((offset + index) * 31 + seed) % 251;
  return bytes;
}

/** A stream generating `total` bytes lazily in `chunkSize` chunks (never all in memory). */
function generatedStream(total: number, chunkSize = 64 * 1024, seed = 7): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= total) {
          controller.close();
          return;
        }
        const length = Math.min(chunkSize, total - offset);
        controller.enqueue(patternBytes(offset, length, seed));
        offset += length;
      },
    },
    { highWaterMark: 0 },
  );
}

function sha256Of(total: number, chunkSize = 64 * 1024, seed = 7): string {
  const hash = createHash("sha256");
  for (let offset = 0; offset < total; offset += chunkSize) {
    hash.update(patternBytes(offset, Math.min(chunkSize, total - offset), seed));
  }
  return hash.digest("hex");
}

async function digest(stream: ReadableStream<Uint8Array>): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { bytes, sha256: hash.digest("hex") };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

async function readText(storage: ObjectStorage, key: string): Promise<string | null> {
  const result = await storage.get(key);
  return result ? (await readAll(result.body)).toString("utf8") : null;
}

/** Emits `before` bytes, then stalls forever and aborts `controller` shortly after. */
function stallingStream(before: number, controller: AbortController): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(streamController) {
        if (offset >= before) {
          setTimeout(() => controller.abort(), 50);
          return new Promise<void>(() => {});
        }
        const length = Math.min(64 * 1024, before - offset);
        streamController.enqueue(patternBytes(offset, length));
        offset += length;
      },
    },
    { highWaterMark: 0 },
  );
}

async function expectStorageError(promise: Promise<unknown>, code: StorageError["code"]): Promise<StorageError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected StorageError ${code}, but the call succeeded`);
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StorageError);
  expect((error as StorageError).code).toBe(code);
  return error as StorageError;
}

const INVALID_KEYS = [
  "",
  "../x",
  "a/../../x",
  "a/..",
  "/etc/passwd",
  "/abs/key",
  "a\\..\\b",
  "a\\b",
  "a//b",
  "a/",
  "./a",
  "a/./b",
  "a\u0000b",
  "a\nb",
  "C:/x",
  "a b",
  "caf\u00e9",
  "a?b",
  "%2e%2e/x",
];

// ---------------------------------------------------------------------------------------------
// The behaviour every driver must share.

interface Harness {
  storage: ObjectStorage;
  cleanup?: () => Promise<void>;
}

function storageContract(name: string, setup: () => Promise<Harness>): void {
  describe(`${name} driver: ObjectStorage contract`, () => {
    let harness: Harness;
    let storage: ObjectStorage;
    const userId = randomUUID();
    let callId: string;

    beforeEach(async () => {
      harness = await setup();
      storage = harness.storage;
      callId = randomUUID();
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    it("puts bytes and reports key, size, content type and upload time", async () => {
      const key = analysisKey(userId, callId);
      const before = Date.now();
      const stored = await storage.put(key, new Uint8Array([1, 2, 3, 4, 5]), { contentType: "application/json" });
      expect(stored).toMatchObject({ key, size: 5, contentType: "application/json" });
      expect(stored.uploadedAt).toBeInstanceOf(Date);
      expect(stored.uploadedAt.getTime()).toBeGreaterThan(before - 5_000);

      const head = await storage.head(key);
      expect(head).toMatchObject({ key, size: 5, contentType: "application/json" });
      expect(head?.uploadedAt).toBeInstanceOf(Date);
    });

    it("counts a string body in UTF-8 bytes, not characters", async () => {
      const key = transcriptRawKey(userId, callId);
      const text = '{"text":"h\u00e9llo \u{1F600}"}';
      const stored = await storage.put(key, text, { contentType: "application/json" });
      expect(stored.size).toBe(Buffer.byteLength(text, "utf8"));
      expect(stored.size).not.toBe(text.length);
      expect(await readText(storage, key)).toBe(text);
    });

    it("puts a web ReadableStream and a Node stream", async () => {
      const webKey = diarizationKey(userId, callId);
      const stored = await storage.put(webKey, generatedStream(100_000, 7_777), { contentType: "application/json" });
      expect(stored.size).toBe(100_000);
      const web = await storage.get(webKey);
      expect(await digest(web!.body)).toEqual({ bytes: 100_000, sha256: sha256Of(100_000, 7_777) });

      const nodeKey = originalAudioKey(userId, callId, "wav");
      const chunks = [Buffer.from("RIFF"), Buffer.alloc(1000, 1), Buffer.from("end")];
      const nodeStored = await storage.put(nodeKey, Readable.from(chunks), { contentType: "audio/wav" });
      expect(nodeStored).toMatchObject({ size: 1007, contentType: "audio/wav" });
      expect(await readAll((await storage.get(nodeKey))!.body)).toEqual(Buffer.concat(chunks));
    });

    it("stores empty bodies", async () => {
      const fromString = analysisKey(userId, callId);
      expect((await storage.put(fromString, "", { contentType: "application/json" })).size).toBe(0);
      const fromStream = diarizationKey(userId, callId);
      const emptyStream = new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
      expect((await storage.put(fromStream, emptyStream, { contentType: "application/json" })).size).toBe(0);

      const result = await storage.get(fromStream);
      expect(result).toMatchObject({ size: 0, contentType: "application/json" });
      expect((await readAll(result!.body)).length).toBe(0);
      await expectStorageError(storage.get(fromStream, { range: { start: 0 } }), "RANGE_NOT_SATISFIABLE");
    });

    it("overwrites an existing key with new bytes and content type", async () => {
      const key = transcriptNormalizedKey(userId, callId);
      await storage.put(key, "first version", { contentType: "text/plain" });
      const stored = await storage.put(key, '{"v":2}', { contentType: "application/json" });
      expect(stored).toMatchObject({ size: 7, contentType: "application/json" });
      expect(await readText(storage, key)).toBe('{"v":2}');
      expect(await storage.head(key)).toMatchObject({ size: 7, contentType: "application/json" });
    });

    it("gets the full object without a range", async () => {
      const key = originalAudioKey(userId, callId, "mp3");
      const data = patternBytes(0, 1000);
      await storage.put(key, data, { contentType: "audio/mpeg" });
      const result = await storage.get(key);
      expect(result).not.toBeNull();
      expect(result!.size).toBe(1000);
      expect(result!.contentType).toBe("audio/mpeg");
      expect(result!.range).toBeUndefined();
      expect(new Uint8Array(await readAll(result!.body))).toEqual(data);
    });

    it("serves byte ranges: inclusive, open-ended, edge bytes, clamped", async () => {
      const key = originalAudioKey(userId, callId, "mp3");
      const data = patternBytes(0, 1000);
      await storage.put(key, data, { contentType: "audio/mpeg" });

      const cases: Array<{ range: { start: number; end?: number }; expected: [number, number] }> = [
        { range: { start: 0, end: 0 }, expected: [0, 0] }, // first byte
        { range: { start: 999 }, expected: [999, 999] }, // last byte, no end
        { range: { start: 999, end: 999 }, expected: [999, 999] },
        { range: { start: 10, end: 19 }, expected: [10, 19] },
        { range: { start: 500 }, expected: [500, 999] }, // open-ended
        { range: { start: 0 }, expected: [0, 999] },
        { range: { start: 990, end: 5_000 }, expected: [990, 999] }, // end clamped to the last byte
      ];
      for (const { range, expected } of cases) {
        const result = await storage.get(key, { range });
        expect(result, JSON.stringify(range)).not.toBeNull();
        expect(result!.size).toBe(1000); // total size, not the range length
        expect(result!.contentType).toBe("audio/mpeg");
        expect(result!.range).toEqual({ start: expected[0], end: expected[1] });
        const bytes = new Uint8Array(await readAll(result!.body));
        expect(bytes, JSON.stringify(range)).toEqual(data.subarray(expected[0], expected[1] + 1));
      }
    });

    it("rejects unsatisfiable ranges", async () => {
      const key = originalAudioKey(userId, callId, "mp3");
      await storage.put(key, patternBytes(0, 100), { contentType: "audio/mpeg" });
      for (const range of [{ start: 100 }, { start: 101, end: 200 }, { start: 5_000 }, { start: 10, end: 9 }, { start: -1 }, { start: 1.5 }]) {
        const error = await expectStorageError(storage.get(key, { range }), "RANGE_NOT_SATISFIABLE");
        expect(error.transient).toBe(false);
      }
    });

    it("returns null for missing keys and treats deleting them as a no-op", async () => {
      const key = analysisKey(userId, callId);
      expect(await storage.get(key)).toBeNull();
      expect(await storage.get(key, { range: { start: 0 } })).toBeNull();
      expect(await storage.head(key)).toBeNull();
      await expect(storage.delete(key)).resolves.toBeUndefined();
    });

    it("deletes one object", async () => {
      const key = analysisKey(userId, callId);
      const other = diarizationKey(userId, callId);
      await storage.put(key, "{}", { contentType: "application/json" });
      await storage.put(other, "{}", { contentType: "application/json" });
      await storage.delete(key);
      expect(await storage.head(key)).toBeNull();
      expect(await storage.get(key)).toBeNull();
      expect(await storage.head(other)).not.toBeNull();
    });

    it("list gives the objects under a prefix with their sizes and upload times", async () => {
      const enrollmentId = randomUUID();
      const sample = voiceSampleKey(userId, enrollmentId, "webm");
      const other = voiceSampleKey(randomUUID(), enrollmentId, "webm");
      const before = Date.now() - 60_000;
      await storage.put(sample, "12345", { contentType: "audio/webm" });
      await storage.put(other, "1", { contentType: "audio/webm" });
      await storage.put(analysisKey(userId, callId), "{}", { contentType: "application/json" });

      const listed = await storage.list(voiceSamplesPrefix(userId));
      expect(listed.map((object) => [object.key, object.size])).toEqual([[sample, 5]]);
      expect(listed[0]!.uploadedAt.getTime()).toBeGreaterThan(before);
      expect(await storage.list(voiceSamplesPrefix(randomUUID()))).toEqual([]);
      await expect(storage.list("../x")).rejects.toMatchObject({ code: "INVALID_KEY" });
      await storage.delete(sample);
      await storage.delete(other);
      expect(await storage.list(voiceSamplesPrefix(userId))).toEqual([]);
    });

    it("deletePrefix removes exactly the objects under the prefix and counts them", async () => {
      const otherCall = randomUUID();
      const otherUser = randomUUID();
      const mine = [
        originalAudioKey(userId, callId, "mp3"),
        diarizationKey(userId, callId),
        transcriptRawKey(userId, callId),
        transcriptNormalizedKey(userId, callId),
        analysisKey(userId, callId),
      ];
      const kept = [analysisKey(userId, otherCall), originalAudioKey(userId, otherCall, "mp3"), analysisKey(otherUser, callId)];
      for (const key of [...mine, ...kept]) await storage.put(key, key, { contentType: "text/plain" });

      expect(await storage.deletePrefix(callPrefix(userId, callId))).toBe(mine.length);
      for (const key of mine) expect(await storage.head(key)).toBeNull();
      for (const key of kept) expect(await readText(storage, key)).toBe(key);

      expect(await storage.deletePrefix(callPrefix(userId, callId))).toBe(0);
      expect(await storage.deletePrefix(callPrefix(randomUUID(), randomUUID()))).toBe(0);

      // A plain string prefix (not a folder) has object-store semantics.
      await storage.put(transcriptRawKey(userId, otherCall), "r", { contentType: "text/plain" });
      await storage.put(transcriptNormalizedKey(userId, otherCall), "n", { contentType: "text/plain" });
      expect(await storage.deletePrefix(`${callPrefix(userId, otherCall)}transcript.`)).toBe(2);
      expect(await storage.head(analysisKey(userId, otherCall))).not.toBeNull();

      expect(await storage.deletePrefix(userPrefix(userId))).toBe(2);
      expect(await readText(storage, analysisKey(otherUser, callId))).toBe(analysisKey(otherUser, callId));
    });

    it("rejects invalid and traversing keys on every method", async () => {
      for (const key of INVALID_KEYS) {
        const label = JSON.stringify(key);
        await expectStorageError(storage.put(key, "x", { contentType: "text/plain" }), "INVALID_KEY").catch((error) => {
          throw new Error(`put ${label}: ${String(error)}`);
        });
        await expectStorageError(storage.get(key), "INVALID_KEY");
        await expectStorageError(storage.head(key), "INVALID_KEY");
        await expectStorageError(storage.delete(key), "INVALID_KEY");
      }
      for (const prefix of ["", "/", "../", "a/../", "/users/", "users//", "users\\"]) {
        await expectStorageError(storage.deletePrefix(prefix), "INVALID_KEY");
      }
    });

    it("an aborted put stores nothing and keeps the previous version", async () => {
      const key = originalAudioKey(userId, callId, "mp3");
      await storage.put(key, "previous", { contentType: "text/plain" });

      // Small enough for a single request...
      const small = new AbortController();
      await expect(
        storage.put(key, stallingStream(100_000, small), { contentType: "audio/mpeg", signal: small.signal }),
      ).rejects.toMatchObject({ name: "AbortError" });
      // ...and past the multipart threshold (9 MB sent, then the client stalls and aborts).
      const large = new AbortController();
      await expect(
        storage.put(key, stallingStream(9 * MB, large), { contentType: "audio/mpeg", signal: large.signal }),
      ).rejects.toMatchObject({ name: "AbortError" });

      expect(await storage.head(key)).toMatchObject({ size: 8, contentType: "text/plain" });
      expect(await readText(storage, key)).toBe("previous");

      const fresh = originalAudioKey(userId, randomUUID(), "mp3");
      const controller = new AbortController();
      await expect(
        storage.put(fresh, stallingStream(1_000, controller), { contentType: "audio/mpeg", signal: controller.signal }),
      ).rejects.toMatchObject({ name: "AbortError" });
      expect(await storage.head(fresh)).toBeNull();
    });

    it("rejects an already-aborted put without storing", async () => {
      const key = analysisKey(userId, callId);
      const controller = new AbortController();
      controller.abort();
      await expect(storage.put(key, "{}", { contentType: "application/json", signal: controller.signal })).rejects.toThrow();
      expect(await storage.head(key)).toBeNull();
    });

    it("passes through a failing body stream and stores nothing", async () => {
      const key = originalAudioKey(userId, callId, "mp3");
      let sent = 0;
      const failing = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 3) {
            controller.error(new Error("client went away"));
            return;
          }
          controller.enqueue(patternBytes(sent, 1024));
          sent += 1;
        },
      });
      await expect(storage.put(key, failing, { contentType: "audio/mpeg" })).rejects.toThrow("client went away");
      expect(await storage.head(key)).toBeNull();
    });

    it("streams a 20 MB upload in chunks and stores the exact byte count", async () => {
      const key = originalAudioKey(userId, callId, "wav");
      const total = 20 * MB + 12_345; // not a multiple of the chunk or part size
      const stored = await storage.put(key, generatedStream(total, 64 * 1024), { contentType: "audio/wav" });
      expect(stored.size).toBe(total);
      expect((await storage.head(key))?.size).toBe(total);

      const full = await storage.get(key);
      expect(full!.size).toBe(total);
      expect(await digest(full!.body)).toEqual({ bytes: total, sha256: sha256Of(total, 64 * 1024) });

      const tail = await storage.get(key, { range: { start: total - 100 } });
      expect(tail!.range).toEqual({ start: total - 100, end: total - 1 });
      expect(new Uint8Array(await readAll(tail!.body))).toEqual(patternBytes(total - 100, 100));

      // Across the 8 MB multipart part boundary.
      const boundary = await storage.get(key, { range: { start: 8 * MB - 10, end: 8 * MB + 9 } });
      expect(new Uint8Array(await readAll(boundary!.body))).toEqual(patternBytes(8 * MB - 10, 20));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Drivers under test

let server: FakeVercelBlobServer;
let vercel: ObjectStorage;
const tempRoots: string[] = [];

beforeAll(async () => {
  server = await startFakeVercelBlobServer({ pageSize: 2 }); // small pages exercise cursor paging
  vercel = createVercelBlobStorage({ token: server.token, apiUrl: server.apiUrl });
});

afterAll(async () => {
  await server?.close();
  await Promise.all(tempRoots.map((root) => fs.rm(root, { recursive: true, force: true })));
});

storageContract("local", async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-storage-contract-"));
  tempRoots.push(root);
  return { storage: createLocalStorage(root), cleanup: () => fs.rm(root, { recursive: true, force: true }) };
});

storageContract("vercel-blob (fake server)", async () => {
  server.reset();
  server.pageSize = 2;
  return { storage: vercel };
});

// ---------------------------------------------------------------------------------------------
// Vercel-specific behaviour

describe("vercel-blob driver specifics", () => {
  const userId = randomUUID();
  let callId: string;

  beforeEach(() => {
    server.reset();
    callId = randomUUID();
  });

  it("applies apiUrl through VERCEL_BLOB_API_URL and refuses a conflicting one", () => {
    expect(process.env.VERCEL_BLOB_API_URL).toBe(server.apiUrl);
    expect(() => createVercelBlobStorage({ token: server.token, apiUrl: `${server.apiUrl}/` })).not.toThrow();
    expect(() => createVercelBlobStorage({ token: server.token, apiUrl: "http://127.0.0.1:1/api/blob" })).toThrow(
      /conflicts/,
    );
    expect(process.env.VERCEL_BLOB_API_URL).toBe(server.apiUrl);
    expect(() => createVercelBlobStorage({ token: "" })).toThrow(/token/);
  });

  it("writes private blobs without random suffixes and reads them with the token and a Range header", async () => {
    const key = originalAudioKey(userId, callId, "mp3");
    await vercel.put(key, patternBytes(0, 100), { contentType: "audio/mpeg" });
    const put = server.requests.find((request) => request.method === "PUT");
    expect(put?.headers).toMatchObject({
      "x-vercel-blob-access": "private",
      "x-add-random-suffix": "0",
      "x-allow-overwrite": "1",
      "x-content-type": "audio/mpeg",
    });
    expect([...server.blobs.keys()]).toEqual([key]);

    server.requests.length = 0;
    const result = await vercel.get(key, { range: { start: 10, end: 19 } });
    expect(new Uint8Array(await readAll(result!.body))).toEqual(patternBytes(10, 10));
    const read = server.requests.find((request) => request.path.startsWith("/blob/"));
    expect(read).toMatchObject({ authorized: true });
    expect(read?.headers.range).toBe("bytes=10-19");
    for (const request of server.requests) expect(request.authorized).toBe(true);
    for (const request of server.requests) expect(request.url).not.toContain(server.token);
  });

  it("uses one PUT for small bodies and multipart upload for large streams", async () => {
    await vercel.put(analysisKey(userId, callId), generatedStream(1_000), { contentType: "application/json" });
    expect(server.requests.filter((request) => request.mpuAction)).toHaveLength(0);
    expect(server.requests.filter((request) => request.method === "PUT")).toHaveLength(1);

    server.requests.length = 0;
    const total = 17 * MB;
    const stored = await vercel.put(originalAudioKey(userId, callId, "wav"), generatedStream(total), {
      contentType: "audio/wav",
    });
    expect(stored.size).toBe(total);
    const actions = server.requests.map((request) => request.mpuAction).filter(Boolean);
    expect(actions[0]).toBe("create");
    expect(actions.filter((action) => action === "upload")).toHaveLength(3); // 8 + 8 + 1 MB
    expect(actions.at(-1)).toBe("complete");
    expect(server.pendingMultipartUploads).toBe(0);
  });

  it("maps a bad token to PROVIDER_REJECTED (not transient) without leaking the token", async () => {
    const key = analysisKey(userId, callId);
    await vercel.put(key, "{}", { contentType: "application/json" });
    const badToken = `vercel_blob_rw_${server.storeId}_definitelywrongsecret`;
    const bad = createVercelBlobStorage({ token: badToken, apiUrl: server.apiUrl });

    const errors = [
      await expectStorageError(bad.put(key, "{}", { contentType: "application/json" }), "PROVIDER_REJECTED"),
      await expectStorageError(bad.head(key), "PROVIDER_REJECTED"),
      await expectStorageError(bad.get(key), "PROVIDER_REJECTED"),
      await expectStorageError(bad.delete(key), "PROVIDER_REJECTED"),
      await expectStorageError(bad.deletePrefix(callPrefix(userId, callId)), "PROVIDER_REJECTED"),
    ];
    for (const error of errors) {
      expect(error.transient).toBe(false);
      const rendered = `${error.message} ${error.stack ?? ""} ${String(error.cause)} ${JSON.stringify(error)}`;
      expect(rendered).not.toContain("definitelywrongsecret");
      expect(rendered).not.toContain(server.token);
    }
    expect(await readText(vercel, key)).toBe("{}"); // nothing was changed
  });

  it("maps 503 to PROVIDER_UNAVAILABLE (transient) on every operation", async () => {
    const key = analysisKey(userId, callId);
    await vercel.put(key, "{}", { contentType: "application/json" });
    const ops: Array<() => Promise<unknown>> = [
      () => vercel.put(key, "{}", { contentType: "application/json" }),
      () => vercel.head(key),
      () => vercel.get(key),
      () => vercel.delete(key),
      () => vercel.deletePrefix(callPrefix(userId, callId)),
    ];
    for (const op of ops) {
      server.failNext(1, 503);
      const error = await expectStorageError(op(), "PROVIDER_UNAVAILABLE");
      expect(error.transient).toBe(true);
    }
    expect(await readText(vercel, key)).toBe("{}");
  });

  it("maps 429 to PROVIDER_UNAVAILABLE (transient) and other 4xx to PROVIDER_REJECTED", async () => {
    const key = analysisKey(userId, callId);
    server.failNext(1, 429, { retryAfter: 3 });
    expect((await expectStorageError(vercel.put(key, "{}", { contentType: "application/json" }), "PROVIDER_UNAVAILABLE")).transient).toBe(true);

    server.failNext(1, 400);
    expect((await expectStorageError(vercel.put(key, "{}", { contentType: "application/json" }), "PROVIDER_REJECTED")).transient).toBe(false);

    server.failNext(1, 403);
    await expectStorageError(vercel.head(key), "PROVIDER_REJECTED");
    expect(await vercel.head(key)).toBeNull(); // nothing was stored by the failed puts
  });

  it("maps failures of the blob read itself by HTTP status", async () => {
    const key = originalAudioKey(userId, callId, "mp3");
    await vercel.put(key, patternBytes(0, 100), { contentType: "audio/mpeg" });
    const blobRead = { match: (request: { path: string }) => request.path.startsWith("/blob/") };

    server.failNext(1, 503, blobRead);
    expect((await expectStorageError(vercel.get(key), "PROVIDER_UNAVAILABLE")).transient).toBe(true);
    server.failNext(1, 429, blobRead);
    await expectStorageError(vercel.get(key, { range: { start: 5 } }), "PROVIDER_UNAVAILABLE");
    server.failNext(1, 403, blobRead);
    await expectStorageError(vercel.get(key), "PROVIDER_REJECTED");
    server.failNext(1, 404, blobRead);
    expect(await vercel.get(key)).toBeNull(); // deleted between head and read
    server.failNext(1, "reset", blobRead);
    await expectStorageError(vercel.get(key), "PROVIDER_UNAVAILABLE");
  });

  it("maps a dropped connection to PROVIDER_UNAVAILABLE", async () => {
    server.failNext(1, "reset");
    const error = await expectStorageError(vercel.head(analysisKey(userId, callId)), "PROVIDER_UNAVAILABLE");
    expect(error.transient).toBe(true);
  });

  it("fails a multipart upload whose part upload gets a 503 and stores nothing", async () => {
    const key = originalAudioKey(userId, callId, "wav");
    server.failNext(1, 503, { match: (request) => request.mpuAction === "upload" });
    await expectStorageError(vercel.put(key, generatedStream(20 * MB), { contentType: "audio/wav" }), "PROVIDER_UNAVAILABLE");
    expect(await vercel.head(key)).toBeNull();
  });

  it("recovers from a single 503 when SDK retries are enabled", async () => {
    process.env.VERCEL_BLOB_RETRIES = "1";
    try {
      const key = analysisKey(userId, callId);
      server.failNext(1, 503, { match: (request) => request.method === "PUT" });
      const stored = await vercel.put(key, '{"ok":true}', { contentType: "application/json" });
      expect(stored.size).toBe(11);
    } finally {
      process.env.VERCEL_BLOB_RETRIES = "0";
    }
  });

  it("reads the latest version of an overwritten blob even when the CDN still has the old one", async () => {
    const key = transcriptNormalizedKey(userId, callId);
    await vercel.put(key, '{"version":1}', { contentType: "application/json" });
    await vercel.put(key, '{"version":22}', { contentType: "application/json" });
    server.staleCdn = true;
    server.requests.length = 0;
    expect(await readText(vercel, key)).toBe('{"version":22}');
    expect(server.requests.some((request) => request.query.cache === "0")).toBe(true);
  });

  it("cuts the range out itself when the server ignores Range", async () => {
    const key = originalAudioKey(userId, callId, "mp3");
    await vercel.put(key, patternBytes(0, 200_000), { contentType: "audio/mpeg" });
    server.ignoreRange = true;
    const result = await vercel.get(key, { range: { start: 70_000, end: 130_004 } });
    expect(result!.range).toEqual({ start: 70_000, end: 130_004 });
    expect(new Uint8Array(await readAll(result!.body))).toEqual(patternBytes(70_000, 60_005));
  });

  it("never sends the token to a blob URL on an unexpected host", async () => {
    const key = analysisKey(userId, callId);
    await vercel.put(key, "{}", { contentType: "application/json" });
    server.blobUrlOrigin = "http://attacker.invalid";
    server.requests.length = 0;
    await expectStorageError(vercel.get(key), "PROVIDER_REJECTED");
    expect(server.requests.every((request) => request.path.startsWith("/api/blob"))).toBe(true);
  });
});
