import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import {
  BlobAccessError,
  BlobClientTokenExpiredError,
  BlobContentTypeNotAllowedError,
  BlobError,
  BlobFileTooLargeError,
  BlobPathnameMismatchError,
  head as blobHead,
} from "@vercel/blob";
import { generateClientTokenFromReadWriteToken, getPayloadFromClientToken, put as clientPut, upload } from "@vercel/blob/client";
import { upsertUserByExternalId } from "@/db/queries/users";
import { callArtifacts, callProcessingEvents, callRecords } from "@/db/schema";
import { deleteCallEverywhere } from "@/lib/calls/lifecycle";
import { toAppError } from "@/lib/http/api";
import { AppError } from "@/lib/http/errors";
import { createVercelBlobStorage, originalAudioKey, type ObjectStorage } from "@/lib/storage";
import {
  ALLOWED_CONTENT_TYPES,
  beginDirectUpload,
  beginDirectUploadSchema,
  BLOB_UPLOAD_PATH,
  CLIENT_TOKEN_TTL_MS,
  completeDirectUpload,
  completeDirectUploadSchema,
  finishDirectUpload,
  handleBlobUpload,
  type BlobDirectDeps,
} from "@/lib/uploads/blob-direct";
import { startDirectUpload } from "@/components/upload/direct-upload";
import type { ActivePhase, UploadFailure, UploadProgress } from "@/components/upload/resumable-upload";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";
import { startFakeVercelBlobServer, type FakeVercelBlobServer } from "../helpers/fake-vercel-blob-server";
import { cleanupAudio, makeAudio } from "../helpers/make-audio";

/**
 * Direct uploads to Vercel Blob, end to end in Node: the lib functions behind the three routes, the
 * SDK's real browser-side `upload()` (it runs in Node: it fetches its client token from `handleUploadUrl`
 * with undici), and the fake Blob API (tests/helpers/fake-vercel-blob-server.ts), which verifies client
 * tokens and enforces their limits like the real service. The "app" is a tiny HTTP server wiring the
 * routes the way app/api/uploads/blob/** do, with the signed-in user taken from an `x-test-user` header
 * (or the test's `session`) instead of a cookie.
 */

// The SDK retries 5xx and network failures with backoff; nothing here should need it.
process.env.VERCEL_BLOB_RETRIES = "0";

const MAX_BYTES = 16 * 1024 * 1024;

async function readBody(request: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface MiniApp {
  origin: string;
  /** The user a request without `x-test-user` is signed in as (null: signed out). */
  session: string | null;
  /** Deps the routes use; tests may change `callbackUrl`. */
  deps: BlobDirectDeps;
  close(): Promise<void>;
}

async function startMiniApp(deps: BlobDirectDeps): Promise<MiniApp> {
  const app: MiniApp = { origin: "", session: null, deps, close: async () => undefined };
  const server = http.createServer((request, response) => {
    const send = (status: number, body?: unknown) => {
      response.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
      response.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const run = async () => {
      const url = new URL(request.url ?? "/", app.origin);
      const raw = await readBody(request);
      const headerUser = request.headers["x-test-user"];
      const currentUserId = async () => {
        const user = typeof headerUser === "string" ? headerUser : app.session;
        if (!user) throw new AppError("UNAUTHENTICATED", "Sign in to continue.");
        return user;
      };
      const json = () => {
        try {
          return JSON.parse(raw.toString("utf8")) as unknown;
        } catch {
          throw new AppError("INVALID_JSON", "The request body is not valid JSON.");
        }
      };
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === "string") headers.set(name, value);
      }
      const webRequest = new Request(url, { method: request.method ?? "GET", headers, ...(raw.length ? { body: new Uint8Array(raw) } : {}) });

      if (request.method === "POST" && url.pathname === "/api/uploads/blob/begin") {
        const userId = await currentUserId();
        return send(201, await beginDirectUpload(app.deps, userId, beginDirectUploadSchema.parse(json())));
      }
      if (request.method === "POST" && url.pathname === BLOB_UPLOAD_PATH) {
        return send(200, await handleBlobUpload(app.deps, { request: webRequest, body: json(), currentUserId }));
      }
      if (request.method === "POST" && url.pathname === "/api/uploads/blob/complete") {
        const userId = await currentUserId();
        const call = await completeDirectUpload(app.deps, userId, completeDirectUploadSchema.parse(json()));
        return send(200, { call: { id: call.id, status: call.status } });
      }
      const deleting = /^\/api\/calls\/([^/]+)$/.exec(url.pathname);
      if (request.method === "DELETE" && deleting) {
        const userId = await currentUserId();
        const deleted = await deleteCallEverywhere(app.deps, { userId, callId: deleting[1] ?? "" });
        return send(deleted ? 204 : 404);
      }
      return send(404, { error: { code: "NOT_FOUND", message: "no such route" } });
    };
    run().catch((error: unknown) => {
      const appError = toAppError(error);
      send(appError.status, { error: { code: appError.code, message: appError.message } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  app.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app.close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  return app;
}

async function expectAppError(promise: Promise<unknown>, code: AppError["code"]): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error, `expected ${code}`).not.toBeNull();
  const appError = toAppError(error);
  expect(appError.code).toBe(code);
  return appError;
}

/** The JSON body the browser's `upload()` sends to ask for a client token. */
function tokenRequest(pathname: string, clientPayload: string | null, multipart = false) {
  const body = { type: "blob.generate-client-token" as const, payload: { pathname, clientPayload, multipart } };
  const request = new Request(`http://app.test${BLOB_UPLOAD_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { request, body };
}

let fake: FakeVercelBlobServer;
let storage: ObjectStorage;

beforeAll(async () => {
  // Off Vercel the SDK says on every token that it found no callback URL for the webhook: expected here.
  const warn = console.warn.bind(console);
  vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith("onUploadCompleted provided but no callbackUrl")) return;
    warn(...args);
  });
  fake = await startFakeVercelBlobServer();
  // Also points the SDK's client-side functions (which read VERCEL_BLOB_API_URL) at the fake.
  storage = createVercelBlobStorage({ token: fake.token, apiUrl: fake.apiUrl });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await fake?.close();
  await cleanupAudio();
});

describe.each(databaseKinds())("direct upload to Vercel Blob on %s", (kind) => {
  let t: TestDatabase;
  let app: MiniApp;
  let deps: BlobDirectDeps;
  let alice: string;
  let bob: string;
  let wav: Buffer;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    deps = { db: t.db, storage, maxUploadBytes: MAX_BYTES, token: fake.token };
    app = await startMiniApp(deps);
    alice = (await upsertUserByExternalId(t.db, { externalUserId: `alice-${kind}` })).id;
    bob = (await upsertUserByExternalId(t.db, { externalUserId: `bob-${kind}` })).id;
    wav = await fs.readFile(await makeAudio("wav"));
  });
  afterEach(() => {
    delete deps.callbackUrl;
    app.session = null;
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  const begin = async (userId: string, extra: Partial<{ size: number; extension: string; title: string; filename: string }> = {}) =>
    beginDirectUpload(deps, userId, beginDirectUploadSchema.parse({ filename: "Acme renewal.wav", size: wav.byteLength, extension: "wav", ...extra }));

  /** The browser's step 2, with the SDK's own `upload()`. */
  const send = (userId: string, started: { callId: string; pathname: string }, body: Buffer, options: { multipart?: boolean; contentType?: string; onUploadProgress?: (event: { loaded: number }) => void } = {}) =>
    upload(started.pathname, body, {
      access: "private",
      handleUploadUrl: `${app.origin}${BLOB_UPLOAD_PATH}`,
      clientPayload: started.callId,
      headers: { "x-test-user": userId },
      multipart: options.multipart ?? false,
      contentType: options.contentType ?? "audio/wav",
      ...(options.onUploadProgress ? { onUploadProgress: options.onUploadProgress } : {}),
    });

  const complete = (userId: string, started: { callId: string; pathname: string }, size: number) =>
    completeDirectUpload(deps, userId, completeDirectUploadSchema.parse({ callId: started.callId, size, pathname: started.pathname }));

  const callRow = async (callId: string) => (await t.db.select().from(callRecords).where(eq(callRecords.id, callId)))[0] ?? null;
  const artifactsOf = (callId: string) => t.db.select().from(callArtifacts).where(eq(callArtifacts.callId, callId));
  const eventsOf = async (callId: string) =>
    (await t.db.select().from(callProcessingEvents).where(eq(callProcessingEvents.callId, callId))).map((event) => `${event.stage} ${event.status}`);

  async function expectNothingLeft(callId: string, pathname: string) {
    expect(await callRow(callId)).toBeNull();
    expect(fake.blobs.has(pathname)).toBe(false);
    expect(await storage.head(pathname)).toBeNull();
  }

  it("begin → client token → upload() → complete queues the call with the uploaded bytes", async () => {
    const started = await begin(alice, { title: "Acme renewal" });
    expect(started.pathname).toBe(originalAudioKey(alice, started.callId, "wav"));
    expect((await callRow(started.callId))?.status).toBe("UPLOADING");

    const progress: number[] = [];
    fake.requests.length = 0;
    const result = await send(alice, started, wav, { onUploadProgress: ({ loaded }) => progress.push(loaded) });
    expect(result.pathname).toBe(started.pathname);
    // The SDK throttles progress; its last report may land just after upload() resolved.
    await vi.waitFor(() => expect(progress.at(-1)).toBe(wav.byteLength));

    // The bytes went to Blob with a client token for exactly this key, never with the read-write token.
    const putRequest = fake.requests.find((request) => request.method === "PUT");
    expect(putRequest?.authorized).toBe(false);
    expect(putRequest?.clientToken?.pathname).toBe(started.pathname);
    expect(putRequest?.clientToken?.maximumSizeInBytes).toBe(MAX_BYTES);
    expect(putRequest?.clientToken?.allowOverwrite).toBe(true);
    expect(putRequest?.clientToken?.addRandomSuffix).toBe(false);
    // Asking for a token is activity, but the call is still an upload.
    expect((await callRow(started.callId))?.status).toBe("UPLOADING");

    const call = await complete(alice, started, wav.byteLength);
    expect(call).toMatchObject({ id: started.callId, status: "QUEUED", title: "Acme renewal", durationSeconds: null });
    const artifacts = await artifactsOf(started.callId);
    expect(artifacts).toHaveLength(1);
    expect(artifacts[0]).toMatchObject({ artifactType: "TEMP_AUDIO", storageKey: started.pathname, byteSize: wav.byteLength, contentType: "audio/wav" });
    expect(await eventsOf(started.callId)).toEqual(["UPLOAD STARTED", "UPLOAD COMPLETED"]);
    expect(fake.blobs.get(started.pathname)?.data.equals(wav)).toBe(true);
    // Checking the object read only its first bytes, with a range request.
    const reads = fake.requests.filter((request) => request.path.startsWith("/blob/"));
    expect(reads).toHaveLength(1);
    expect(reads[0]?.headers.range).toBe("bytes=0-4095");
  });

  it("uploads files over 8 MiB in parts", async () => {
    const large = await fs.readFile(await makeAudio("wav", { durationSeconds: 110 }));
    expect(large.byteLength).toBeGreaterThan(8 * 1024 * 1024);
    const started = await begin(alice, { size: large.byteLength, filename: "Long call.wav" });
    const pendingBefore = fake.pendingMultipartUploads;
    fake.requests.length = 0;
    let loaded = 0;
    await send(alice, started, large, { multipart: true, onUploadProgress: (event) => (loaded = event.loaded) });
    await vi.waitFor(() => expect(loaded).toBe(large.byteLength));
    const actions = fake.requests.filter((request) => request.path === "/api/blob/mpu").map((request) => request.mpuAction);
    expect(actions).toEqual(["create", "upload", "upload", "complete"]);
    expect(fake.requests.filter((request) => request.path === "/api/blob/mpu").every((request) => request.clientToken?.pathname === started.pathname)).toBe(true);

    const call = await complete(alice, started, large.byteLength);
    expect(call.status).toBe("QUEUED");
    expect((await artifactsOf(started.callId))[0]?.byteSize).toBe(large.byteLength);
    expect(fake.pendingMultipartUploads).toBe(pendingBefore);
  });

  it("Blob's upload-completed webhook queues the call; completing afterwards answers the same call", async () => {
    deps.callbackUrl = `${app.origin}${BLOB_UPLOAD_PATH}`;
    const started = await begin(alice);
    fake.callbacks.length = 0;
    await send(alice, started, wav);
    await fake.settleCallbacks();
    expect(fake.callbacks).toHaveLength(1);
    expect(fake.callbacks[0]).toMatchObject({ url: deps.callbackUrl, status: 200 });
    expect((await callRow(started.callId))?.status).toBe("QUEUED");

    const again = await complete(alice, started, wav.byteLength);
    expect(again).toMatchObject({ id: started.callId, status: "QUEUED" });
    expect(await artifactsOf(started.callId)).toHaveLength(1);
    expect(await eventsOf(started.callId)).toEqual(["UPLOAD STARTED", "UPLOAD COMPLETED"]);

    // A webhook whose signature does not check out is refused and changes nothing.
    const other = await begin(alice);
    await storage.put(other.pathname, wav, { contentType: "audio/wav" });
    const forged = JSON.stringify({
      type: "blob.upload-completed",
      payload: { blob: { pathname: other.pathname, url: "x", downloadUrl: "x", contentType: "audio/wav", contentDisposition: "", etag: "" }, tokenPayload: other.callId },
    });
    const answer = await fetch(`${app.origin}${BLOB_UPLOAD_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-vercel-signature": "00".repeat(32) },
      body: forged,
    });
    expect(answer.status).toBe(403);
    expect((await callRow(other.callId))?.status).toBe("UPLOADING");
  });

  it("the browser's complete and the webhook racing queue the call once", async () => {
    const started = await begin(alice);
    await send(alice, started, wav);
    const [fromBrowser, fromWebhook] = await Promise.all([
      complete(alice, started, wav.byteLength),
      finishDirectUpload(deps, { userId: alice, callId: started.callId, pathname: started.pathname, declaredBytes: null }),
    ]);
    expect(fromBrowser.status).toBe("QUEUED");
    expect(fromWebhook.status).toBe("QUEUED");
    expect(await artifactsOf(started.callId)).toHaveLength(1);
    expect(await eventsOf(started.callId)).toEqual(["UPLOAD STARTED", "UPLOAD COMPLETED"]);
  });

  it("completing twice answers the same call", async () => {
    const started = await begin(alice);
    await send(alice, started, wav);
    const first = await complete(alice, started, wav.byteLength);
    const second = await complete(alice, started, wav.byteLength);
    expect(second.id).toBe(first.id);
    expect(second.status).toBe("QUEUED");
    expect(await artifactsOf(started.callId)).toHaveLength(1);
  });

  it("a non-audio object is refused with 415 and leaves no object and no row", async () => {
    const started = await begin(alice);
    const junk = randomBytes(wav.byteLength);
    await send(alice, started, junk, { contentType: "application/octet-stream" });
    expect(fake.blobs.has(started.pathname)).toBe(true);
    const error = await expectAppError(complete(alice, started, junk.byteLength), "UNSUPPORTED_MEDIA_TYPE");
    expect(error.status).toBe(415);
    await expectNothingLeft(started.callId, started.pathname);
  });

  it("audio of another format than the key's extension is refused with 415", async () => {
    const mp3 = await fs.readFile(await makeAudio("mp3"));
    const started = await begin(alice, { size: mp3.byteLength });
    await send(alice, started, mp3, { contentType: "audio/mpeg" });
    await expectAppError(complete(alice, started, mp3.byteLength), "UNSUPPORTED_MEDIA_TYPE");
    await expectNothingLeft(started.callId, started.pathname);
  });

  it("a size mismatch is 400 UPLOAD_INCOMPLETE and leaves nothing; so is completing before the upload", async () => {
    const started = await begin(alice);
    await send(alice, started, wav);
    const error = await expectAppError(complete(alice, started, wav.byteLength + 1), "UPLOAD_INCOMPLETE");
    expect(error.status).toBe(400);
    await expectNothingLeft(started.callId, started.pathname);

    const early = await begin(alice);
    await expectAppError(complete(alice, early, wav.byteLength), "UPLOAD_INCOMPLETE");
    await expectNothingLeft(early.callId, early.pathname);
  });

  it("an object over the limit is refused with 413 (the token's limit stops the browser first)", async () => {
    const small: BlobDirectDeps = { ...deps, maxUploadBytes: 1024 };
    const started = await begin(alice);
    // Written behind the app's back (the client token would have refused it).
    await storage.put(started.pathname, wav, { contentType: "audio/wav" });
    await expectAppError(
      completeDirectUpload(small, alice, { callId: started.callId, size: wav.byteLength, pathname: started.pathname }),
      "PAYLOAD_TOO_LARGE",
    );
    await expectNothingLeft(started.callId, started.pathname);

    const tooBig = await begin(alice);
    const smallApp = app.deps;
    app.deps = small;
    try {
      await expect(send(alice, tooBig, wav)).rejects.toBeInstanceOf(BlobFileTooLargeError);
    } finally {
      app.deps = smallApp;
    }
    expect(fake.blobs.has(tooBig.pathname)).toBe(false);
  });

  it("refuses a token for another user's call, a wrong key, a finished call, or no session", async () => {
    const bobs = await begin(bob);
    const mine = await begin(alice);
    const ask = (pathname: string, clientPayload: string | null, userId: string | null = alice) =>
      handleBlobUpload(deps, {
        ...tokenRequest(pathname, clientPayload),
        currentUserId: async () => {
          if (!userId) throw new AppError("UNAUTHENTICATED", "Sign in to continue.");
          return userId;
        },
      });

    // Bob's key and call, asked by Alice.
    await expectAppError(ask(bobs.pathname, bobs.callId), "FORBIDDEN");
    // Alice's key shape for Bob's call: no such call for her.
    await expectAppError(ask(originalAudioKey(alice, bobs.callId, "wav"), bobs.callId), "NOT_FOUND");
    // Wrong keys for her own call.
    const prefix = mine.pathname.slice(0, mine.pathname.lastIndexOf("/") + 1);
    for (const pathname of [
      `${prefix}original.exe`,
      `${prefix}copy.wav`,
      `${prefix}original.wav.mp3`,
      mine.pathname.replace(alice, bob),
      originalAudioKey(alice, randomUUID(), "wav"),
      `${mine.pathname}/x`,
      mine.pathname.toUpperCase(),
    ]) {
      await expectAppError(ask(pathname, mine.callId), "FORBIDDEN");
    }
    await expectAppError(ask(mine.pathname, null), "FORBIDDEN");
    await expectAppError(ask(mine.pathname, "not-a-uuid"), "FORBIDDEN");
    await expectAppError(ask(mine.pathname, mine.callId, null), "UNAUTHENTICATED");

    // The SDK's upload() gets no token either, and nothing reaches Blob.
    await expect(send(alice, bobs, wav)).rejects.toBeInstanceOf(BlobError);
    await expect(send(alice, { callId: mine.callId, pathname: `${prefix}copy.wav` }, wav)).rejects.toBeInstanceOf(BlobError);
    expect(fake.blobs.has(bobs.pathname)).toBe(false);
    expect(fake.blobs.has(`${prefix}copy.wav`)).toBe(false);

    // The right request gets a token scoped to the key, the limit and audio types.
    const granted = await ask(mine.pathname, mine.callId);
    expect(granted.type).toBe("blob.generate-client-token");
    const payload = getPayloadFromClientToken((granted as { clientToken: string }).clientToken);
    expect(payload).toMatchObject({
      pathname: mine.pathname,
      maximumSizeInBytes: MAX_BYTES,
      allowedContentTypes: ALLOWED_CONTENT_TYPES,
      addRandomSuffix: false,
      allowOverwrite: true,
    });
    expect(payload.validUntil).toBeGreaterThan(Date.now() + CLIENT_TOKEN_TTL_MS - 60_000);

    // Once the call is queued, no new token.
    await send(alice, mine, wav);
    await complete(alice, mine, wav.byteLength);
    await expectAppError(ask(mine.pathname, mine.callId), "NOT_FOUND");
  });

  it("completing another user's call is 404 and leaves it alone", async () => {
    const started = await begin(alice);
    await send(alice, started, wav);
    await expectAppError(complete(bob, started, wav.byteLength), "NOT_FOUND");
    await expectAppError(
      completeDirectUpload(deps, bob, { callId: started.callId, size: wav.byteLength, pathname: originalAudioKey(bob, started.callId, "wav") }),
      "NOT_FOUND",
    );
    expect((await callRow(started.callId))?.status).toBe("UPLOADING");
    expect(fake.blobs.has(started.pathname)).toBe(true);
    expect((await complete(alice, started, wav.byteLength)).status).toBe("QUEUED");
  });

  it("begin refuses what cannot be a recording before creating anything", async () => {
    const before = (await t.db.select().from(callRecords)).length;
    await expectAppError(begin(alice, { size: MAX_BYTES + 1 }), "PAYLOAD_TOO_LARGE");
    await expectAppError(begin(alice, { size: 0 }), "UNSUPPORTED_MEDIA_TYPE");
    await expectAppError(begin(alice, { extension: "exe" }), "VALIDATION_FAILED");
    await expectAppError(begin(alice, { extension: "WAV" }), "VALIDATION_FAILED");
    expect((await t.db.select().from(callRecords)).length).toBe(before);
  });

  describe("the upload page's client (components/upload/direct-upload.ts)", () => {
    function run(file: File, cancelAt?: (handle: ReturnType<typeof startDirectUpload>, sent: number) => boolean) {
      const phases: ActivePhase[] = [];
      const progress: UploadProgress[] = [];
      let handle!: ReturnType<typeof startDirectUpload>;
      const result = new Promise<{ callId: string | null } | { failure: UploadFailure } | "cancelled">((resolve) => {
        handle = startDirectUpload(
          file,
          { filename: file.name, filetype: "audio/wav", title: "From the page", direction: "OUTGOING" },
          {
            onPhase: (phase) => phases.push(phase),
            onProgress: (event) => {
              progress.push(event);
              if (cancelAt?.(handle, event.sent)) void handle.cancel().then(() => resolve("cancelled"));
            },
            onSuccess: (callId) => resolve({ callId }),
            onFailure: (failure) => resolve({ failure }),
          },
          { origin: app.origin },
        );
      });
      return { result, phases, progress };
    }

    it("sends a file through begin, Blob and complete, reporting progress", async () => {
      app.session = alice;
      const { result, phases, progress } = run(new File([new Uint8Array(wav)], "From the page.wav", { type: "audio/wav" }));
      const outcome = await result;
      expect(outcome).toMatchObject({ callId: expect.any(String) });
      const callId = (outcome as { callId: string }).callId;
      expect(await callRow(callId)).toMatchObject({ status: "QUEUED", title: "From the page", direction: "OUTGOING", userId: alice });
      expect(phases).toContain("processing");
      expect(progress.at(-1)).toMatchObject({ sent: wav.byteLength, total: wav.byteLength });
    });

    it("cancelling mid-upload deletes the call and whatever reached Blob", async () => {
      app.session = alice;
      const large = await fs.readFile(await makeAudio("wav", { durationSeconds: 110 }));
      const rowsBefore = (await t.db.select().from(callRecords)).length;
      const keysBefore = new Set(fake.blobs.keys());
      fake.requests.length = 0;
      // The first progress report comes as the first part starts: cancel there.
      const { result } = run(new File([new Uint8Array(large)], "Cancel me.wav"), () => true);
      expect(await result).toBe("cancelled");
      expect(fake.requests.some((request) => request.mpuAction === "create")).toBe(true);
      expect(fake.requests.some((request) => request.mpuAction === "complete")).toBe(false);
      expect((await t.db.select().from(callRecords)).length).toBe(rowsBefore);
      expect([...fake.blobs.keys()].filter((key) => !keysBefore.has(key))).toEqual([]);
    });

    it("refuses a file that is not audio without asking the server", async () => {
      app.session = alice;
      const before = (await t.db.select().from(callRecords)).length;
      const { result } = run(new File([new Uint8Array(randomBytes(5000))], "notes.wav"));
      expect(await result).toMatchObject({ failure: { retryable: false } });
      expect((await t.db.select().from(callRecords)).length).toBe(before);
    });

    it("a refused upload is reported with the server's message", async () => {
      app.session = null; // signed out
      const { result } = run(new File([new Uint8Array(wav)], "Signed out.wav"));
      expect(await result).toMatchObject({ failure: { retryable: true, message: expect.stringMatching(/session/i) } });
    });
  });
});

describe("the fake Blob API honours client tokens", () => {
  const pathname = `users/${randomUUID()}/calls/${randomUUID()}/audio/original.wav`;
  const token = (options: Partial<Parameters<typeof generateClientTokenFromReadWriteToken>[0]> = {}) =>
    generateClientTokenFromReadWriteToken({ token: fake.token, pathname, ...options });

  afterEach(() => {
    fake.blobs.delete(pathname);
  });

  it("stores an upload within the token's limits and refuses the rest", async () => {
    const bytes = Buffer.from("RIFF....WAVE");
    const ok = await token({ maximumSizeInBytes: 100, allowedContentTypes: ["audio/*"] });
    await clientPut(pathname, bytes, { access: "private", token: ok, contentType: "audio/wav" });
    expect(fake.blobs.get(pathname)?.data.equals(bytes)).toBe(true);

    // allowOverwrite is false by default: a second put to the same key is refused.
    await expect(clientPut(pathname, bytes, { access: "private", token: ok, contentType: "audio/wav" })).rejects.toThrow(/already exists/);
    const overwrite = await token({ allowOverwrite: true });
    await clientPut(pathname, Buffer.from("RIFF"), { access: "private", token: overwrite });
    expect(fake.blobs.get(pathname)?.data.toString()).toBe("RIFF");
    fake.blobs.delete(pathname);

    await expect(clientPut(`${pathname}.mp3`, bytes, { access: "private", token: ok, contentType: "audio/wav" })).rejects.toBeInstanceOf(
      BlobPathnameMismatchError,
    );
    await expect(clientPut(pathname, Buffer.alloc(101), { access: "private", token: ok, contentType: "audio/wav" })).rejects.toBeInstanceOf(
      BlobFileTooLargeError,
    );
    await expect(clientPut(pathname, bytes, { access: "private", token: ok, contentType: "text/html" })).rejects.toBeInstanceOf(
      BlobContentTypeNotAllowedError,
    );
    const expired = await token({ validUntil: Date.now() - 1000 });
    await expect(clientPut(pathname, bytes, { access: "private", token: expired })).rejects.toBeInstanceOf(BlobClientTokenExpiredError);
    const forged = await generateClientTokenFromReadWriteToken({ token: `vercel_blob_rw_${fake.storeId}_${"0".repeat(32)}`, pathname });
    await expect(clientPut(pathname, bytes, { access: "private", token: forged })).rejects.toBeInstanceOf(BlobAccessError);
    expect(fake.blobs.has(pathname)).toBe(false);
  });

  it("limits multipart uploads too, and a client token cannot read, list or delete", async () => {
    const small = await token({ maximumSizeInBytes: 9 * 1024 * 1024, allowedContentTypes: ["audio/wav"] });
    await expect(
      clientPut(pathname, Buffer.alloc(10 * 1024 * 1024), { access: "private", token: small, multipart: true, contentType: "audio/wav" }),
    ).rejects.toBeInstanceOf(BlobFileTooLargeError);
    expect(fake.blobs.has(pathname)).toBe(false);

    const ok = await token();
    await clientPut(pathname, Buffer.alloc(9 * 1024 * 1024, 1), { access: "private", token: ok, multipart: true });
    expect(fake.blobs.get(pathname)?.data.length).toBe(9 * 1024 * 1024);
    await expect(blobHead(pathname, { token: ok })).rejects.toBeInstanceOf(BlobError);
  });
});
