import "server-only";
import { Readable } from "node:stream";
import { NextResponse } from "next/server";
import { getDb } from "@/db";
import { updateCall } from "@/db/queries/calls";
import type { CallRecord, User } from "@/db/schema";
import { loadEnv } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { enqueueCall } from "@/lib/pipeline/enqueue";
import { getStorage } from "@/lib/storage";
import { multipartParser, readFilePart } from "@/lib/uploads/multipart-file";
import { abandonUpload, beginCall, finishUpload, spoolToFile, tooLarge, type IngestDeps } from "./ingest";
import { multipartSpoolPath, uploadSpoolDir } from "./lifecycle";
import { callMetadataSchema, uploadFilenameSchema } from "./metadata";
import { toCallJson } from "./serialize";

// Room for the multipart envelope and metadata fields around the file itself.
const ENVELOPE_BYTES = 1024 * 1024;

/**
 * `POST /api/calls` (multipart/form-data: `file` plus metadata fields) for people who automate.
 * The file part is streamed to a spool file (never buffered), checked, stored, and the call queued;
 * 201 with the call. Fields may come before or after the file.
 */
export async function handleMultipartUpload(request: Request, user: User): Promise<Response> {
  const env = loadEnv();
  const deps: IngestDeps = { db: await getDb(), storage: getStorage(), maxUploadBytes: env.maxUploadBytes, onQueued: (call) => enqueueCall(call) };
  const call = await receiveMultipartUpload(request, user.id, deps, uploadSpoolDir(env.dataDir));
  return NextResponse.json({ call: toCallJson(call) }, { status: 201, headers: { Location: `/api/calls/${call.id}` } });
}

interface SpooledFile {
  call: CallRecord;
  filePath: string;
}

export async function receiveMultipartUpload(request: Request, userId: string, deps: IngestDeps, spoolDir: string): Promise<CallRecord> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
    throw new AppError("VALIDATION_FAILED", "Send the recording as multipart/form-data with a `file` field.");
  }
  const declaredLength = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declaredLength) && declaredLength > deps.maxUploadBytes + ENVELOPE_BYTES) throw tooLarge(deps.maxUploadBytes);
  if (!request.body) throw new AppError("VALIDATION_FAILED", "The request has no body.");

  const parser = multipartParser(contentType, { files: 1, fields: 20, fieldSize: 10_000, parts: 30 });
  const body = Readable.fromWeb(request.body as import("node:stream/web").ReadableStream<Uint8Array>);
  const fields: Record<string, string> = {};

  /** Metadata sent before the file is checked before anything is created; a failed spool cleans up after itself. */
  async function spoolFilePart(stream: Readable, filename: string | undefined): Promise<SpooledFile> {
    const call = await beginCall(deps.db, userId, callMetadataSchema.parse(fields), uploadFilenameSchema.parse(filename ?? null));
    const filePath = multipartSpoolPath(spoolDir, call.id);
    try {
      await spoolToFile(stream, { filePath, maxBytes: deps.maxUploadBytes });
    } catch (error) {
      await abandonUpload(deps, { userId, callId: call.id, filePath });
      throw error;
    }
    return { call, filePath };
  }

  const { job, failed } = await readFilePart({
    body,
    parser,
    fileField: "file",
    receive: (stream, info) => spoolFilePart(stream, info.filename),
    onField: (name, value) => {
      fields[name] = value;
    },
  });
  if (failed) {
    const partial = await job?.catch(() => null);
    if (partial) await abandonUpload(deps, { userId, callId: partial.call.id, filePath: partial.filePath });
    throw new AppError("UPLOAD_INCOMPLETE", "The upload stopped before the whole file arrived. Nothing was saved; upload it again.");
  }

  if (!job) throw new AppError("VALIDATION_FAILED", "Add the recording as a `file` field.");
  const { call, filePath } = await job;
  try {
    // Fields that came after the file apply now.
    const metadata = callMetadataSchema.parse(fields);
    await updateCall(deps.db, { userId, callId: call.id, patch: { ...metadata, title: metadata.title ?? call.title } });
    return await finishUpload(deps, { userId, callId: call.id, filePath });
  } catch (error) {
    await abandonUpload(deps, { userId, callId: call.id, filePath });
    throw error;
  }
}
