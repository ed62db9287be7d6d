import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import { FileStore } from "@tus/file-store";
import { Server } from "@tus/server";
import type { Database } from "@/db";
import { touchUploadingCall } from "@/db/queries/calls";
import { abandonUpload, beginCall, finishUpload, tooLarge, type IngestDeps } from "@/lib/calls/ingest";
import { callMetadataSchema } from "@/lib/calls/metadata";
import { toAppError } from "@/lib/http/api";
import { AppError } from "@/lib/http/errors";
import type { ObjectStorage } from "@/lib/storage";

export const TUS_PATH = "/api/uploads";
export const CALL_ID_HEADER = "X-Scryon-Call-Id";

/** tus hooks answer errors as `{ status_code, body }`; ours carry the API's JSON error shape. */
function tusError(error: AppError) {
  return { status_code: error.status, body: JSON.stringify({ error: { code: error.code, message: error.message } }) };
}

const stores = globalThis as unknown as { __scryonTusStores?: Map<string, FileStore> };

function fileStore(directory: string): FileStore {
  stores.__scryonTusStores ??= new Map();
  let store = stores.__scryonTusStores.get(directory);
  if (!store) {
    store = new FileStore({ directory });
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

  const server = new Server({
    path: TUS_PATH,
    datastore: fileStore(directory),
    maxSize: deps.maxUploadBytes,
    relativeLocation: true,
    exposedHeaders: [CALL_ID_HEADER],
    async namingFunction(request, metadata) {
      const declared = Number(request.headers.get("upload-length"));
      if (Number.isFinite(declared) && declared > deps.maxUploadBytes) throw tusError(tooLarge(deps.maxUploadBytes));
      const parsed = callMetadataSchema.safeParse(
        Object.fromEntries(Object.entries(metadata ?? {}).filter(([, value]) => value != null && value !== "")),
      );
      if (!parsed.success) throw tusError(toAppError(parsed.error));
      const call = await beginCall(db, userId, parsed.data, metadata?.filename ?? null);
      return call.id;
    },
    async onIncomingRequest(_request, uploadId) {
      // Ownership check on every request, and a heartbeat so a slow upload is not taken for abandoned.
      if (!(await touchUploadingCall(db, { userId, callId: uploadId }))) {
        throw tusError(new AppError("NOT_FOUND", "This upload does not exist or has already finished."));
      }
    },
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

  return {
    async handle(request: Request): Promise<Response> {
      const response = await server.handleWeb(request);
      // A terminated (cancelled) upload takes its call row with it.
      if (request.method === "DELETE" && response.status === 204) {
        const callId = new URL(request.url).pathname.split("/").pop() ?? "";
        await abandonUpload({ db, storage }, { userId, callId });
      }
      return response;
    },
  };
}
