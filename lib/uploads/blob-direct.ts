import "server-only";
import { BlobError } from "@vercel/blob";
import { handleUpload, type HandleUploadBody } from "@vercel/blob/client";
import { z } from "zod";
import { getDb } from "@/db";
import { getCall, touchUploadingCall } from "@/db/queries/calls";
import { isUuid } from "@/db/queries/ids";
import type { CallRecord } from "@/db/schema";
import { SNIFF_BYTES, sniffAudio } from "@/lib/audio/sniff";
import {
  abandonUpload,
  beginCall,
  emptyFile,
  incomplete,
  isAlreadyQueued,
  notAudio,
  queueStoredAudio,
  tooLarge,
  type IngestDeps,
} from "@/lib/calls/ingest";
import { callMetadataSchema, uploadFilenameSchema } from "@/lib/calls/metadata";
import { safeText } from "@/lib/validation/input";
import { loadEnv } from "@/lib/env";
import { toAppError } from "@/lib/http/api";
import { AppError, notFound } from "@/lib/http/errors";
import { enqueueCall } from "@/lib/pipeline/enqueue";
import { getStorage, originalAudioKey, type ObjectStorage } from "@/lib/storage";

/**
 * Direct uploads to Vercel Blob (`SCRYON_STORAGE=vercel-blob`, i.e. production on Vercel).
 *
 * Serverless functions cap request bodies (4.5 MB on Vercel), so there the browser sends the recording
 * straight to Blob instead of through the app; with the local storage driver the tus endpoint
 * (`lib/uploads/tus.ts`) stays the only browser path and these routes answer 404.
 *
 *   1. `POST /api/uploads/blob/begin` — JSON: the metadata fields of `callMetadataSchema` plus `filename`,
 *      `size` and `extension` (from the browser's own `sniffAudio`). Size and extension are checked and
 *      the call is created in UPLOADING (`beginCall`): 201 `{ callId, pathname }`, where `pathname` is
 *      `originalAudioKey(userId, callId, extension)` — the only key the browser may write.
 *   2. The browser calls `upload(pathname, file, { access: "private", handleUploadUrl: "/api/uploads/blob",
 *      clientPayload: callId, multipart: size > 8 MiB })` from `@vercel/blob/client`.
 *   3. `POST /api/uploads/blob` (`handleUpload`) gives it a client token — signed with the read-write
 *      token, valid for that one pathname, `maximumSizeInBytes` = the upload limit, audio content types,
 *      no random suffix, overwrite allowed (so a failed attempt can be sent again) — but only to the
 *      signed-in owner of a call still in UPLOADING whose key is exactly that pathname. The same route
 *      receives Blob's `blob.upload-completed` webhook (signature checked by the SDK; no session: it
 *      comes from Vercel), which finishes the upload like step 4. Off Vercel the SDK finds no callback
 *      URL (unless `VERCEL_BLOB_CALLBACK_URL` is set) and only step 4 finishes it.
 *   4. `POST /api/uploads/blob/complete` — JSON `{ callId, size, pathname }` → 200 `{ call }`. The object
 *      is checked where it lies (`finishDirectUpload`): it must exist with exactly the declared size
 *      (≤ the limit), and its first `SNIFF_BYTES` (one range read) must be audio of the key's extension.
 *      Then TEMP_AUDIO + UPLOAD COMPLETED + UPLOADING → QUEUED in one transaction (`queueStoredAudio`).
 *      Decoding the whole file is left to the pipeline's AUDIO_PREP stage, which fails the call with a
 *      readable reason when it cannot (the app never downloads the whole recording here). Completing a
 *      call that is already queued — a retry, or the webhook was first — answers the call again.
 *      A rejected upload (413, 415, 400 UPLOAD_INCOMPLETE) is abandoned: its object and row are deleted.
 *
 * The browser cancels (or gives up on) an upload with `DELETE /api/calls/:id`. An upload that never
 * completes stays in UPLOADING, hidden from the call list, until the stale-upload sweep removes it
 * with its objects (off Vercel, without the webhook, that includes one whose bytes all arrived but
 * whose browser closed before completing).
 *
 * Deployment: the page's CSP must allow the Blob API origin (`https://vercel.com`, or the origin of
 * `NEXT_PUBLIC_VERCEL_BLOB_API_URL`) in `connect-src`. The SDK streams request bodies with fetch, which
 * Chromium sends only over HTTP/2 (vercel.com is); it falls back to XHR for `http://localhost` APIs only.
 * A client token stays valid for `CLIENT_TOKEN_TTL_MS` even after the call is queued, so its owner could
 * overwrite their own recording until then; AUDIO_PREP decodes what is actually stored.
 */

/** The browser's token endpoint (`handleUploadUrl`). */
export const BLOB_UPLOAD_PATH = "/api/uploads/blob";

/** Every extension `sniffAudio` can answer (keep in step with lib/audio/sniff.ts). */
export const AUDIO_EXTENSIONS = ["wav", "aiff", "caf", "flac", "ogg", "opus", "webm", "mka", "awb", "amr", "m4a", "aac", "mp3"] as const;
export type AudioExtension = (typeof AUDIO_EXTENSIONS)[number];

/**
 * Content types the browser may declare for the object. Not a check (the bytes are sniffed on complete):
 * it keeps the stored type sensible. MP4/WebM/Matroska/QuickTime/3GPP video containers carry call audio
 * too, and browsers call unknown files application/octet-stream.
 */
export const ALLOWED_CONTENT_TYPES = [
  "audio/*",
  "video/mp4",
  "video/webm",
  "video/x-matroska",
  "video/quicktime",
  "video/3gpp",
  "application/ogg",
  "application/octet-stream",
];

/**
 * How long a client token stays valid. Multipart parts are sent with the same token, so it must cover a
 * whole upload: 6 h is 2 GiB at about 0.8 Mbit/s. Well inside the 24 h after which the sweep removes an
 * upload that went quiet (asking for a token counts as activity).
 */
export const CLIENT_TOKEN_TTL_MS = 6 * 60 * 60 * 1000;

export interface BlobDirectDeps extends IngestDeps {
  /** The Blob store's read-write token: signs client tokens and verifies Blob's webhooks. */
  token: string;
  /** Where Blob should POST `blob.upload-completed`; default: the SDK's choice (Vercel's URL env vars). */
  callbackUrl?: string;
}

/** The deps from the app's configuration, or 404 when storage is not Vercel Blob (the browser uses tus then). */
export async function loadBlobDirectDeps(): Promise<BlobDirectDeps> {
  const env = loadEnv();
  if (env.storage.driver !== "vercel-blob") {
    throw new AppError("NOT_FOUND", "Direct uploads are only available when recordings are stored in Vercel Blob. Use /api/uploads.");
  }
  return {
    db: await getDb(),
    storage: getStorage(),
    maxUploadBytes: env.maxUploadBytes,
    token: env.storage.token,
    onQueued: (call) => enqueueCall(call),
  };
}

const callIdSchema = z.string().refine(isUuid, "must be a call id");

export const beginDirectUploadSchema = callMetadataSchema.extend({
  filename: uploadFilenameSchema,
  size: z.number().int("must be a whole number of bytes").nonnegative(),
  extension: z.enum(AUDIO_EXTENSIONS, { message: "must be the extension of a recognised audio format" }),
});

export const completeDirectUploadSchema = z.object({
  callId: callIdSchema,
  size: z.number().int("must be a whole number of bytes").nonnegative(),
  pathname: safeText({ min: 1, max: 1000, trim: false }),
});

/** Step 1: checks what the browser declared and creates the call in UPLOADING. */
export async function beginDirectUpload(
  deps: Pick<IngestDeps, "db" | "maxUploadBytes">,
  userId: string,
  input: z.infer<typeof beginDirectUploadSchema>,
): Promise<{ callId: string; pathname: string }> {
  const { filename, size, extension, ...metadata } = input;
  if (size > deps.maxUploadBytes) throw tooLarge(deps.maxUploadBytes);
  if (size === 0) throw emptyFile();
  const call = await beginCall(deps.db, userId, metadata, filename ?? null);
  return { callId: call.id, pathname: originalAudioKey(userId, call.id, extension) };
}

/**
 * The extension of `pathname` when it is exactly the original-audio key of this user's call, else null.
 * Never throws: ids are checked before a key is built.
 */
export function audioExtensionOfKey(pathname: string, userId: string, callId: string): AudioExtension | null {
  if (!isUuid(callId)) return null;
  const extension = pathname.slice(pathname.lastIndexOf(".") + 1) as AudioExtension;
  if (!AUDIO_EXTENSIONS.includes(extension)) return null;
  try {
    return originalAudioKey(userId, callId, extension) === pathname ? extension : null;
  } catch {
    return null;
  }
}

const KEY_PATTERN = /^users\/([0-9a-f-]{36})\/calls\/([0-9a-f-]{36})\/audio\/original\.[a-z0-9]{1,8}$/;

/** `{ userId, callId }` of an original-audio key (for the webhook, which has no session). */
export function parseOriginalAudioKey(pathname: string): { userId: string; callId: string } | null {
  const match = KEY_PATTERN.exec(pathname);
  if (!match) return null;
  const [, userId = "", callId = ""] = match;
  return audioExtensionOfKey(pathname, userId, callId) ? { userId, callId } : null;
}

const blobEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("blob.generate-client-token"),
    payload: z.object({ pathname: z.string(), clientPayload: z.string().nullable(), multipart: z.boolean() }),
  }),
  z.object({
    type: z.literal("blob.upload-completed"),
    payload: z.object({ blob: z.object({ pathname: z.string() }), tokenPayload: z.string().nullable().optional() }),
  }),
]);

export type BlobUploadAnswer = Awaited<ReturnType<typeof handleUpload>>;

/**
 * Step 3: `POST /api/uploads/blob`. `currentUserId` is asked only for a token request (the webhook has
 * no session). `body` is the parsed JSON, passed to the SDK untouched: the webhook's signature covers
 * its exact serialisation.
 */
export async function handleBlobUpload(
  deps: BlobDirectDeps,
  { request, body, currentUserId }: { request: Request; body: unknown; currentUserId: () => Promise<string> },
): Promise<BlobUploadAnswer> {
  const parsed = blobEventSchema.safeParse(body);
  if (!parsed.success) throw new AppError("VALIDATION_FAILED", "This is not a Blob upload event.");
  try {
    return await handleUpload({
      token: deps.token,
      request,
      body: body as HandleUploadBody,
      async onBeforeGenerateToken(pathname, clientPayload) {
        const userId = await currentUserId();
        const callId = clientPayload ?? "";
        if (!audioExtensionOfKey(pathname, userId, callId)) {
          throw new AppError("FORBIDDEN", "An upload may only be written to the audio key of its own call.");
        }
        // Ownership, still UPLOADING, and a heartbeat so the stale-upload sweep leaves it alone.
        if (!(await touchUploadingCall(deps.db, { userId, callId }))) {
          throw new AppError("NOT_FOUND", "This upload does not exist or has already finished.");
        }
        return {
          allowedContentTypes: ALLOWED_CONTENT_TYPES,
          maximumSizeInBytes: deps.maxUploadBytes,
          addRandomSuffix: false,
          allowOverwrite: true,
          validUntil: Date.now() + CLIENT_TOKEN_TTL_MS,
          tokenPayload: callId,
          ...(deps.callbackUrl ? { callbackUrl: deps.callbackUrl } : {}),
        };
      },
      async onUploadCompleted({ blob, tokenPayload }) {
        await finishFromWebhook(deps, blob.pathname, tokenPayload ?? null);
      },
    });
  } catch (error) {
    // The SDK refuses a webhook without a valid signature; any other SDK error is ours (logged as a 500).
    if (error instanceof BlobError && /callback signature/i.test(error.message)) {
      throw new AppError("FORBIDDEN", "This Blob event could not be verified.");
    }
    throw error;
  }
}

/**
 * Blob's webhook: finish the upload if it checks out. A rejection is only logged: the browser's
 * complete reports it to the person and cleans up (or the stale-upload sweep does), and abandoning here
 * would turn that report into a bare 404. Infrastructure errors propagate, so Blob retries the webhook.
 */
async function finishFromWebhook(deps: BlobDirectDeps, pathname: string, tokenPayload: string | null): Promise<void> {
  const key = parseOriginalAudioKey(pathname);
  if (!key || key.callId !== tokenPayload) {
    console.warn("[uploads] ignored a Blob upload-completed event for an unexpected pathname");
    return;
  }
  try {
    await finishDirectUpload(deps, { ...key, pathname, declaredBytes: null });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.code !== "NOT_FOUND") console.warn(`[uploads] a direct upload did not pass its checks: ${error.code}`);
  }
}

/** The first `min(size, SNIFF_BYTES)` bytes of an object, with one range read. */
async function readHead(storage: ObjectStorage, key: string, size: number): Promise<Uint8Array> {
  const result = await storage.get(key, { range: { start: 0, end: Math.min(size, SNIFF_BYTES) - 1 } });
  if (!result) throw new AppError("UPLOAD_INCOMPLETE", "The recording disappeared from storage before it was checked. Upload it again.");
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = result.body.getReader();
  // Read the (bounded) range to its end. Stopping early needs a cancel, and that must not be awaited:
  // Next's patched fetch tees response bodies, and cancelling one branch of a tee only settles once
  // the other branch is cancelled too (measured: an awaited cancel hung the request).
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
    if (length > SNIFF_BYTES) {
      void reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, SNIFF_BYTES);
}

/**
 * Step 4 (and the webhook): checks the object the browser wrote and queues the call. Idempotent: a call
 * past UPLOADING is answered as it is. Throws AppErrors the person can read; does not clean up (see
 * `completeDirectUpload`). `declaredBytes` is null for the webhook, which does not know the size.
 */
export async function finishDirectUpload(
  deps: Pick<IngestDeps, "db" | "storage" | "maxUploadBytes" | "onQueued">,
  { userId, callId, pathname, declaredBytes }: { userId: string; callId: string; pathname: string; declaredBytes: number | null },
): Promise<CallRecord> {
  const call = await getCall(deps.db, { userId, callId });
  if (!call) throw notFound("Upload");
  if (call.status !== "UPLOADING") return call;
  const extension = audioExtensionOfKey(pathname, userId, callId);
  if (!extension) throw new AppError("VALIDATION_FAILED", "The pathname is not this call's audio key.");
  if (declaredBytes !== null && declaredBytes > deps.maxUploadBytes) throw tooLarge(deps.maxUploadBytes);

  const stored = await deps.storage.head(pathname);
  if (!stored) {
    throw declaredBytes === null
      ? new AppError("UPLOAD_INCOMPLETE", "The recording has not arrived in storage. Upload it again.")
      : incomplete(0, declaredBytes);
  }
  if (stored.size > deps.maxUploadBytes) throw tooLarge(deps.maxUploadBytes);
  if (declaredBytes !== null && stored.size !== declaredBytes) throw incomplete(stored.size, declaredBytes);
  if (stored.size === 0) throw emptyFile();

  const sniff = sniffAudio(await readHead(deps.storage, pathname, stored.size));
  if (!sniff) throw notAudio();
  if (sniff.extension !== extension) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `The file's contents are ${sniff.format.toUpperCase()}, not the .${extension} it was sent as.`);
  }

  // Only the magic bytes are checked here: decoding the whole recording (and its duration) is the
  // pipeline's AUDIO_PREP stage, which fails the call with a readable reason if it cannot.
  let queued: CallRecord;
  try {
    queued = await queueStoredAudio(deps.db, {
      userId,
      callId,
      key: pathname,
      contentType: sniff.mimeType,
      byteSize: stored.size,
      durationSeconds: null,
    });
  } catch (error) {
    // Finished meanwhile by the other finisher (browser or webhook): answer the call as it is now.
    if (!isAlreadyQueued(error)) throw error;
    const current = await getCall(deps.db, { userId, callId });
    if (!current) throw notFound("Upload");
    return current;
  }
  await deps.onQueued?.(queued);
  return queued;
}

/** Errors that mean "this upload will never be a call": its object and row are deleted. */
const REJECTIONS = new Set(["PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "UPLOAD_INCOMPLETE"]);

/**
 * Step 4: `POST /api/uploads/blob/complete`. A rejected upload leaves no row and no object; other
 * failures (a storage outage) leave it in place, so that completing again can succeed.
 */
export async function completeDirectUpload(
  deps: Pick<IngestDeps, "db" | "storage" | "maxUploadBytes" | "onQueued">,
  userId: string,
  input: z.infer<typeof completeDirectUploadSchema>,
): Promise<CallRecord> {
  try {
    return await finishDirectUpload(deps, { userId, callId: input.callId, pathname: input.pathname, declaredBytes: input.size });
  } catch (error) {
    const appError = toAppError(error);
    if (REJECTIONS.has(appError.code)) await abandonUpload(deps, { userId, callId: input.callId });
    throw appError;
  }
}
