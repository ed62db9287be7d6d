import { getDb } from "@/db";
import { getArtifact } from "@/db/queries/artifacts";
import { getCall } from "@/db/queries/calls";
import type { CallArtifact, User } from "@/db/schema";
import { requireUser } from "@/lib/auth/session";
import { apiRoute, errorResponse } from "@/lib/http/api";
import { AppError, notFound } from "@/lib/http/errors";
import {
  contentRange,
  ifNoneMatchMatches,
  ifRangeMatches,
  resolveRangeHeader,
  unsatisfiedContentRange,
} from "@/lib/http/range";
import { getStorage, isStorageError } from "@/lib/storage";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Params = { id: string };

const audioGone = () => new AppError("NOT_FOUND", "The audio for this call is no longer stored.");
const unsatisfiable = (size: number) =>
  errorResponse(new AppError("RANGE_NOT_SATISFIABLE", "The requested byte range is outside the recording."), {
    "Content-Range": unsatisfiedContentRange(size),
    "Accept-Ranges": "bytes",
    "Cache-Control": "private, max-age=0",
  });

/** The call's TEMP_AUDIO artifact. A missing (or another user's) call is "Call not found."; a call without audio says so. */
async function findAudio(user: User, callId: string): Promise<CallArtifact> {
  const db = await getDb();
  const artifact = await getArtifact(db, { userId: user.id, callId, type: "TEMP_AUDIO" });
  if (artifact) return artifact;
  throw (await getCall(db, { userId: user.id, callId })) ? audioGone() : notFound();
}

/**
 * Headers every answer about the audio carries. The ETag is the artifact id: an artifact's bytes never
 * change (a new recording would be a new artifact), so it is a strong validator for `If-Range`.
 */
function baseHeaders(artifact: CallArtifact): Headers {
  return new Headers({
    "Accept-Ranges": "bytes",
    "Cache-Control": "private, max-age=0",
    "Content-Type": artifact.contentType,
    ETag: `"${artifact.id}"`,
    "Last-Modified": artifact.createdAt.toUTCString(),
  });
}

/**
 * `GET /api/calls/:id/audio` streams the original recording (TEMP_AUDIO) from object storage.
 *
 * - No `Range` → 200 with the whole file.
 * - `Range: bytes=a-b | a- | -n` → 206 with `Content-Range`; a range that selects nothing → 416 with
 *   `Content-Range: bytes *\/size`. A header with several ranges is answered with the first satisfiable
 *   one as a single part (no multipart/byteranges); an invalid header is ignored (200). See lib/http/range.ts.
 * - `If-Range` that no longer matches → 200 with the whole file; `If-None-Match` that matches → 304.
 * - Audio that expired (retention) or was never stored → 404 NOT_FOUND "The audio for this call is no longer stored."
 *
 * `Content-Length` is set on every answer, but Next 16's Node server drops it from route-handler
 * responses (FORBIDDEN_HEADERS in next/dist/server/send-response.js) and sends the body chunked; the
 * body is still exactly the bytes `Content-Range` names, and media elements seek fine over it.
 */
export const GET = apiRoute<Params>(async (request, { params }) => {
  const user = await requireUser();
  const { id } = await params;
  const artifact = await findAudio(user, id);
  const headers = baseHeaders(artifact);
  const etag = headers.get("ETag")!;

  if (ifNoneMatchMatches(request.headers.get("if-none-match"), etag)) {
    headers.delete("Content-Type");
    return new Response(null, { status: 304, headers });
  }

  const rangeHeader = ifRangeMatches(request.headers.get("if-range"), etag) ? request.headers.get("range") : null;
  // The recorded byte size was checked against the stored object when the upload finished, so it can
  // resolve suffix ranges without a round trip to storage; the storage answer below is what is served.
  const resolution = resolveRangeHeader(rangeHeader, artifact.byteSize);
  if (resolution.kind === "unsatisfiable") return unsatisfiable(artifact.byteSize);

  const storage = getStorage();
  let object;
  try {
    object = await storage.get(
      artifact.storageKey,
      resolution.kind === "partial" ? { range: { start: resolution.start, end: resolution.end } } : undefined,
    );
  } catch (error) {
    if (!isStorageError(error, "RANGE_NOT_SATISFIABLE")) throw error;
    // The stored object is shorter than recorded: answer with its real size.
    const stored = await storage.head(artifact.storageKey);
    if (!stored) throw audioGone();
    return unsatisfiable(stored.size);
  }
  if (!object) throw audioGone();

  if (object.range) {
    headers.set("Content-Range", contentRange(object.range.start, object.range.end, object.size));
    headers.set("Content-Length", String(object.range.end - object.range.start + 1));
    return new Response(object.body, { status: 206, headers });
  }
  headers.set("Content-Length", String(object.size));
  return new Response(object.body, { status: 200, headers });
});

/** `HEAD /api/calls/:id/audio`: the GET headers for the whole file, without reading it (Range is ignored for HEAD). */
export const HEAD = apiRoute<Params>(async (_request, { params }) => {
  const user = await requireUser();
  const { id } = await params;
  const artifact = await findAudio(user, id);
  const stored = await getStorage().head(artifact.storageKey);
  if (!stored) throw audioGone();
  const headers = baseHeaders(artifact);
  headers.set("Content-Length", String(stored.size));
  return new Response(null, { status: 200, headers });
});
