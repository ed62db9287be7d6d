import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import { Server } from "@tus/server";
import type { Database } from "@/db";
import { getArtifact } from "@/db/queries/artifacts";
import { isUuid } from "@/db/queries/ids";
import { findUploadingCall, getCall, touchUploadingCall } from "@/db/queries/calls";
import { abandonUpload, beginCall, finishUpload, tooLarge, type IngestDeps } from "@/lib/calls/ingest";
import { callMetadataSchema, uploadFilenameSchema } from "@/lib/calls/metadata";
import { toAppError } from "@/lib/http/api";
import { AppError } from "@/lib/http/errors";
import type { ObjectStorage } from "@/lib/storage";
import { SniffingFileStore } from "./tus-store";

export const TUS_PATH = "/api/uploads";
export const CALL_ID_HEADER = "X-Scryon-Call-Id";

function uploadIdOf(request: Request): string {
  return new URL(request.url).pathname.slice(TUS_PATH.length + 1);
}

/**
 * If the answer to the last chunk was lost, the client asks again (HEAD, or PATCH at the final offset).
 * The upload is already a call by then: say it is complete, with its call id, instead of a 404 that
 * would make the client start a second upload.
 */
async function answerForFinishedUpload(db: Database, userId: string, request: Request): Promise<Response | null> {
  if (request.method !== "HEAD" && request.method !== "PATCH") return null;
  const callId = uploadIdOf(request);
  const call = await getCall(db, { userId, callId });
  if (!call || call.status === "UPLOADING") return null;
  const audio = await getArtifact(db, { userId, callId, type: "TEMP_AUDIO" });
  if (!audio) return null;
  const size = String(audio.byteSize);
  return new Response(null, {
    status: request.method === "HEAD" ? 200 : 204,
    headers: { "Tus-Resumable": "1.0.0", "Upload-Offset": size, "Upload-Length": size, "Cache-Control": "no-store", [CALL_ID_HEADER]: call.id },
  });
}

/**
 * After a crash between the last byte and the end of `finishUpload`, a complete upload sits in the tus
 * folder with its call still UPLOADING. Finish those (or reject them, as `finishUpload` would) instead
 * of letting the stale-upload sweep throw a whole recording away.
 */
export async function recoverCompletedUploads(deps: IngestDeps, spoolDir: string): Promise<number> {
  const directory = path.join(spoolDir, "tus");
  let names: string[];
  try {
    names = await fs.readdir(directory);
  } catch {
    return 0;
  }
  let recovered = 0;
  for (const name of names.filter((entry) => entry.endsWith(".json"))) {
    const id = name.slice(0, -".json".length);
    const filePath = path.join(directory, id);
    const info = JSON.parse(await fs.readFile(path.join(directory, name), "utf8")) as { size?: number };
    const stat = await fs.stat(filePath).catch(() => null);
    const call = await findUploadingCall(deps.db, id);
    if (!call || !stat || typeof info.size !== "number" || stat.size !== info.size) continue;
    try {
      await finishUpload(deps, { userId: call.userId, callId: id, filePath, declaredBytes: info.size });
      recovered++;
    } catch (error) {
      console.warn(`[uploads] a recovered upload was rejected: ${toAppError(error).code}`);
      await abandonUpload(deps, { userId: call.userId, callId: id, filePath });
    }
    await fs.rm(path.join(directory, name), { force: true });
  }
  return recovered;
}

/** tus hooks answer errors as `{ status_code, body }`; ours carry the API's JSON error shape. */
function tusError(error: AppError) {
  return { status_code: error.status, body: JSON.stringify({ error: { code: error.code, message: error.message } }) };
}

const isTusError = (error: unknown): error is ReturnType<typeof tusError> =>
  typeof error === "object" && error !== null && typeof (error as { status_code?: unknown }).status_code === "number";

/** Runs a hook; anything it throws that is not already a tus answer becomes one (never SQL or a stack). */
async function hook<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isTusError(error)) throw error;
    throw tusError(toAppError(error));
  }
}

// The API's error codes for the statuses @tus/server answers by itself.
const TUS_STATUS_CODES: Record<number, string> = {
  400: "VALIDATION_FAILED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  410: "NOT_FOUND",
  412: "UNSUPPORTED_TUS_VERSION",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  460: "CHECKSUM_MISMATCH",
};

/**
 * tus protocol errors in the API's JSON envelope, keeping the headers the protocol requires (Tus-Resumable,
 * Tus-Version on 412, Upload-Offset, …). @tus/server's own messages are fixed strings; anything 5xx is
 * replaced by the generic message, so no SQL, stack or id can leave through it.
 */
export async function tusErrorAsJson(response: Response): Promise<Response> {
  if (response.status < 400) return response;
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown } };
    if (typeof parsed?.error?.code === "string") return rebuild(response, text);
  } catch {
    // plain text from @tus/server
  }
  const internal = response.status >= 500;
  if (internal) console.error(`[uploads] tus answered ${response.status}`);
  const body = {
    error: {
      code: internal ? "INTERNAL" : (TUS_STATUS_CODES[response.status] ?? "VALIDATION_FAILED"),
      message: internal ? "Something went wrong on our side. Nothing was lost; try again." : text.trim().slice(0, 200) || "The upload request was refused.",
    },
  };
  return rebuild(response, JSON.stringify(body));
}

function rebuild(response: Response, body: string): Response {
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  headers.set("content-type", "application/json");
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

const stores = globalThis as unknown as { __scryonTusStores?: Map<string, SniffingFileStore> };

function fileStore(directory: string): SniffingFileStore {
  stores.__scryonTusStores ??= new Map();
  let store = stores.__scryonTusStores.get(directory);
  if (!store) {
    store = new SniffingFileStore({ directory });
    stores.__scryonTusStores.set(directory, store);
  }
  return store;
}

/**
 * A tus 1.0 server for one signed-in user's request. The upload id IS the call id: creating an upload
 * creates the call in UPLOADING, every chunk keeps it fresh, the last chunk runs `finishUpload`, and a
 * cancelled (terminated) or rejected upload leaves nothing behind. Another user's upload id is a 404.
 */
export function createTusServer(options: { userId: string; deps: IngestDeps; spoolDir: string }) {
  const { userId, deps } = options;
  const directory = path.join(options.spoolDir, "tus");
  const db: Database = deps.db;
  const storage: ObjectStorage = deps.storage;

  const store = fileStore(directory);
  const server = new Server({
    path: TUS_PATH,
    datastore: store,
    maxSize: deps.maxUploadBytes,
    relativeLocation: true,
    exposedHeaders: [CALL_ID_HEADER],
    namingFunction: (request, metadata) =>
      hook(async () => {
        const declared = Number(request.headers.get("upload-length"));
        if (Number.isFinite(declared) && declared > deps.maxUploadBytes) throw tusError(tooLarge(deps.maxUploadBytes));
        const fields = Object.fromEntries(Object.entries(metadata ?? {}).filter(([, value]) => value != null && value !== ""));
        const parsed = callMetadataSchema.safeParse(fields);
        if (!parsed.success) throw tusError(toAppError(parsed.error));
        const filename = uploadFilenameSchema.safeParse(metadata?.filename ?? null);
        if (!filename.success) throw tusError(toAppError(filename.error));
        const call = await beginCall(db, userId, parsed.data, filename.data ?? null);
        created = call.id;
        return call.id;
      }),
    onIncomingRequest: (_request, uploadId) =>
      hook(async () => {
        // Ownership check on every request, and a heartbeat so a slow upload is not taken for abandoned.
        if (!(await touchUploadingCall(db, { userId, callId: uploadId }))) {
          throw tusError(new AppError("NOT_FOUND", "This upload does not exist or has already finished."));
        }
      }),
    async onUploadFinish(_request, upload) {
      const filePath = path.join(directory, upload.id);
      try {
        const call = await finishUpload(deps, { userId, callId: upload.id, filePath, declaredBytes: upload.size ?? null });
        await fs.rm(`${filePath}.json`, { force: true });
        return { status_code: 204, headers: { [CALL_ID_HEADER]: call.id } };
      } catch (error) {
        const appError = toAppError(error);
        await abandonUpload({ db, storage }, { userId, callId: upload.id, filePath });
        await fs.rm(`${filePath}.json`, { force: true });
        throw tusError(appError);
      }
    },
  });

  /** An upload refused for good: its call row, spool file and metadata file go. */
  const discard = async (callId: string) => {
    const filePath = path.join(directory, callId);
    await abandonUpload({ db, storage }, { userId, callId, filePath });
    await fs.rm(`${filePath}.json`, { force: true });
  };

  // The id namingFunction created during this request (one server per request).
  let created: string | null = null;

  return {
    async handle(request: Request): Promise<Response> {
      const finished = await answerForFinishedUpload(db, userId, request);
      if (finished) return finished;
      const response = await server.handleWeb(request);
      // The first chunk was not audio (sniffed while it streamed): the upload goes, the client is told why.
      const refusal = request.method === "PATCH" && isUuid(uploadIdOf(request)) ? store.takeRefusal(uploadIdOf(request)) : null;
      if (refusal) {
        await discard(uploadIdOf(request));
        return new Response(JSON.stringify({ error: { code: refusal.code, message: refusal.message } }), {
          status: refusal.status,
          headers: { "Tus-Resumable": "1.0.0", "Content-Type": "application/json", "Cache-Control": "no-store" },
        });
      }
      // A terminated (cancelled) upload takes its call row with it.
      if (request.method === "DELETE" && response.status === 204) {
        await abandonUpload({ db, storage }, { userId, callId: uploadIdOf(request) });
      }
      // A creation that was refused (e.g. creation-with-upload over the length) leaves nothing.
      if (request.method === "POST" && response.status >= 400 && created) await discard(created);
      // Over a size limit (the declared length, a deferred length, or more bytes than declared): the upload
      // can never complete as sent, so it goes. A 409 (offset conflict) keeps it: the client resumes with HEAD.
      if (request.method === "PATCH" && response.status === 413 && isUuid(uploadIdOf(request))) await discard(uploadIdOf(request));
      // HEAD answers carry no body: the status and the tus headers are the answer.
      if (request.method === "HEAD" && response.status >= 400) {
        const headers = new Headers(response.headers);
        headers.delete("content-length");
        headers.delete("content-type");
        return new Response(null, { status: response.status, headers });
      }
      return tusErrorAsJson(response);
    },
  };
}
