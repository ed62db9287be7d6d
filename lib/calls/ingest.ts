import "server-only";
import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { once } from "node:events";
import type { Database } from "@/db";
import { insertArtifact } from "@/db/queries/artifacts";
import { insertProcessingEvent } from "@/db/queries/events";
import { createCall, deleteCall, getCall, IllegalStatusTransitionError, transitionCallStatus } from "@/db/queries/calls";
import { callRecords, type CallRecord } from "@/db/schema";
import { AudioProbeError, probeAudioFile } from "@/lib/audio/probe";
import { SNIFF_BYTES, sniffAudio, type SniffResult } from "@/lib/audio/sniff";
import { AppError } from "@/lib/http/errors";
import { callPrefix, originalAudioKey, type ObjectStorage } from "@/lib/storage";
import { eq } from "drizzle-orm";
import { titleFromFilename, type CallMetadata } from "./metadata";

/**
 * How a recording becomes a call, whichever way it arrives (multipart POST or resumable tus upload):
 *   1. `beginCall` — a call row in UPLOADING (never listed as a call yet);
 *   2. the bytes are spooled to a local file (`spoolToFile`, or tus's own file store), with the size
 *      limit and the magic-byte check enforced while streaming;
 *   3. `finishUpload` — byte count checked against what the client declared, audio probed, bytes put to
 *      object storage and counted again, then the TEMP_AUDIO artifact and UPLOADING → QUEUED in one
 *      transaction.
 * Any failure goes through `abandonUpload`: no row, no object, no spool file is left behind.
 * A browser that uploads straight to Vercel Blob (`lib/uploads/blob-direct.ts`) skips the spool: its
 * object is checked where it lies and the call queued by the same `queueStoredAudio`.
 */

export interface IngestDeps {
  db: Database;
  storage: ObjectStorage;
  maxUploadBytes: number;
  /** Called once the call is QUEUED (the pipeline trigger). */
  onQueued?: (call: CallRecord) => Promise<void>;
}

export const tooLarge = (maxBytes: number) =>
  new AppError("PAYLOAD_TOO_LARGE", `The file is larger than the ${formatBytes(maxBytes)} limit.`);
export const notAudio = () =>
  new AppError(
    "UNSUPPORTED_MEDIA_TYPE",
    "This file is not a recording Scryon can read. Upload WAV, MP3, M4A, AAC, OGG/Opus, WebM, FLAC or AMR audio.",
  );
export const emptyFile = () => new AppError("UNSUPPORTED_MEDIA_TYPE", "The file is empty.");
const undecodable = () =>
  new AppError("UNSUPPORTED_MEDIA_TYPE", "The file looks like audio but could not be decoded. It may be damaged or cut short.");
export const incomplete = (received: number, expected: number) =>
  new AppError("UPLOAD_INCOMPLETE", `The upload stopped early: ${received} of ${expected} bytes arrived. Nothing was saved; upload it again.`);

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${+(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${+(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

export async function beginCall(db: Database, userId: string, metadata: CallMetadata, filename?: string | null): Promise<CallRecord> {
  // The row and the timeline's first event, both or neither.
  return db.transaction(async (tx) => {
    const call = await createCall(tx, userId, {
      title: metadata.title ?? titleFromFilename(filename),
      contactName: metadata.contactName ?? null,
      contactId: metadata.contactId ?? null,
      phoneNumber: metadata.phoneNumber ?? null,
      organization: metadata.organization ?? null,
      direction: metadata.direction ?? "UNKNOWN",
      ...(metadata.recordedAt ? { recordedAt: metadata.recordedAt } : {}),
    });
    // The upload is the timeline's first stage.
    await insertProcessingEvent(tx, { callId: call.id, userId, stage: "UPLOAD", status: "STARTED", provider: "scryon" });
    return call;
  });
}

/** Bytes a spool write may buffer before the body is paused. */
export const SPOOL_BUFFER_BYTES = 1024 * 1024;

/**
 * Streams a body to `filePath`, never holding more than a chunk in memory. Stops as soon as the size
 * limit is passed or the first bytes are not audio, without reading the rest.
 */
export async function spoolToFile(
  body: AsyncIterable<Uint8Array>,
  { filePath, maxBytes }: { filePath: string; maxBytes: number },
): Promise<{ bytes: number; sniff: SniffResult }> {
  await fs.mkdir(path.dirname(filePath), { recursive: true });
  // A 1 MiB buffer: the ~64 KiB chunks of a request body queue up while a write is out and leave in one
  // writev, instead of a drain wait every 16 KiB (the default).
  const out = createWriteStream(filePath, { highWaterMark: SPOOL_BUFFER_BYTES });
  let bytes = 0;
  let head: Buffer | null = Buffer.alloc(0);
  let sniff: SniffResult | null = null;
  try {
    for await (const chunk of body) {
      bytes += chunk.byteLength;
      if (bytes > maxBytes) throw tooLarge(maxBytes);
      if (head) {
        head = Buffer.concat([head, chunk]);
        if (head.byteLength >= SNIFF_BYTES) {
          sniff = sniffAudio(head.subarray(0, SNIFF_BYTES));
          if (!sniff) throw notAudio();
          head = null;
        }
      }
      if (!out.write(chunk)) await once(out, "drain");
    }
    if (head) {
      if (head.byteLength === 0) throw emptyFile();
      sniff = sniffAudio(head);
      if (!sniff) throw notAudio();
    }
    out.end();
    await once(out, "finish");
    return { bytes, sniff: sniff! };
  } catch (error) {
    // The file is opened asynchronously: wait for the stream to close, or the open could land after the rm
    // and leave an empty spool file behind.
    if (!out.closed) {
      await new Promise<void>((resolve) => {
        out.once("close", resolve);
        out.destroy();
      });
    }
    await fs.rm(filePath, { force: true });
    throw error;
  }
}

async function readHead(filePath: string): Promise<Buffer> {
  const handle = await fs.open(filePath, "r");
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Turns a fully spooled file into stored audio and a QUEUED call. Throws an AppError the user can read;
 * the caller then calls `abandonUpload`.
 */
export async function finishUpload(
  deps: IngestDeps,
  { userId, callId, filePath, declaredBytes }: { userId: string; callId: string; filePath: string; declaredBytes?: number | null },
): Promise<CallRecord> {
  const { size } = await fs.stat(filePath);
  if (declaredBytes != null && size !== declaredBytes) throw incomplete(size, declaredBytes);
  if (size === 0) throw emptyFile();
  if (size > deps.maxUploadBytes) throw tooLarge(deps.maxUploadBytes);
  const sniff = sniffAudio(await readHead(filePath));
  if (!sniff) throw notAudio();

  // music-metadata picks its parser by file extension, so probe through a link that has the right one.
  const probePath = `${filePath}.probe.${sniff.extension}`;
  let durationSeconds: number | null = null;
  await fs.rm(probePath, { force: true });
  await fs.link(filePath, probePath);
  try {
    durationSeconds = (await probeAudioFile(probePath, sniff.mimeType)).durationSeconds;
  } catch (error) {
    if (error instanceof AudioProbeError) throw undecodable();
    throw error;
  } finally {
    await fs.rm(probePath, { force: true });
  }

  const key = originalAudioKey(userId, callId, sniff.extension);
  // Local storage on the spool's filesystem takes the file by a rename (each byte written once); other
  // drivers stream it.
  const stored = deps.storage.putFile
    ? await deps.storage.putFile(key, filePath, { contentType: sniff.mimeType })
    : await deps.storage.put(key, createReadStream(filePath), { contentType: sniff.mimeType });
  if (stored.size !== size) {
    await deps.storage.delete(key);
    throw incomplete(stored.size, size);
  }

  const call = await queueStoredAudio(deps.db, {
    userId,
    callId,
    key,
    contentType: sniff.mimeType,
    byteSize: stored.size,
    durationSeconds,
  });
  await fs.rm(filePath, { force: true });
  try {
    await deps.onQueued?.(call);
  } catch (error) {
    // The recording is safe and the call QUEUED; the next boot sends queued calls to the pipeline again.
    console.error("[uploads] could not hand the call to the pipeline yet", error);
  }
  return call;
}

/**
 * The last step of every upload path, once the audio is checked and stored under `key`: the TEMP_AUDIO
 * artifact, the UPLOAD COMPLETED event and UPLOADING → QUEUED, in one transaction. The status change
 * comes first, as a compare-and-set on the row, so two finishers of the same upload (a browser's
 * "complete" and Blob's webhook) cannot both queue it: the second waits on the row lock, then throws
 * `IllegalStatusTransitionError` and writes nothing.
 */
export async function queueStoredAudio(
  db: Database,
  {
    userId,
    callId,
    key,
    contentType,
    byteSize,
    durationSeconds,
  }: { userId: string; callId: string; key: string; contentType: string; byteSize: number; durationSeconds: number | null },
): Promise<CallRecord> {
  return db.transaction(async (tx) => {
    const queued = await transitionCallStatus(tx, { callId, from: "UPLOADING", to: "QUEUED" });
    await insertArtifact(tx, { callId, artifactType: "TEMP_AUDIO", storageKey: key, contentType, byteSize });
    await insertProcessingEvent(tx, {
      callId,
      userId,
      stage: "UPLOAD",
      status: "COMPLETED",
      provider: "scryon",
      durationMs: Date.now() - queued.createdAt.getTime(),
    });
    if (durationSeconds === null) return queued;
    const [withDuration] = await tx.update(callRecords).set({ durationSeconds }).where(eq(callRecords.id, callId)).returning();
    return withDuration ?? queued;
  });
}

/** True when `error` says the upload was already finished by someone else (see `queueStoredAudio`). */
export function isAlreadyQueued(error: unknown): boolean {
  return error instanceof IllegalStatusTransitionError && error.from === "UPLOADING";
}

/** Removes everything a failed or cancelled upload left: the call row, any stored object, the spool file. */
export async function abandonUpload(
  deps: Pick<IngestDeps, "db" | "storage">,
  { userId, callId, filePath }: { userId: string; callId: string; filePath?: string },
): Promise<void> {
  if (filePath) await fs.rm(filePath, { force: true });
  const call = await getCall(deps.db, { userId, callId });
  // Only an upload that never completed may be thrown away here.
  if (!call || call.status !== "UPLOADING") return;
  await deps.storage.deletePrefix(callPrefix(userId, callId));
  await deleteCall(deps.db, { userId, callId });
}
