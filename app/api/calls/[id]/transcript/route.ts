import { getDb } from "@/db";
import { getCall } from "@/db/queries/calls";
import { requireUser } from "@/lib/auth/session";
import { apiRoute } from "@/lib/http/api";
import { AppError, notFound } from "@/lib/http/errors";
import { loadJsonArtifact } from "@/lib/pipeline/artifacts";
import { getStorage } from "@/lib/storage";
import {
  TRANSCRIPT_CONTENT_TYPES,
  TRANSCRIPT_FORMATS,
  exportTranscript,
  isTranscriptFormat,
  transcriptContentDisposition,
} from "@/lib/transcript/export";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const notReady = () => new AppError("NOT_FOUND", "The transcript is not ready yet.");

/**
 * `GET /api/calls/:id/transcript?format=json|txt|srt|vtt` (default json): the normalized transcript, or a
 * download of it as plain text, SubRip or WebVTT. A missing (or another user's) call is "Call not found.";
 * a call whose transcript has not been produced yet is 404 "The transcript is not ready yet.".
 */
export const GET = apiRoute<{ id: string }>(async (request, { params }) => {
  const user = await requireUser();
  const { id } = await params;

  const asked = new URL(request.url).searchParams.get("format") || "json";
  const format = asked.toLowerCase();
  if (!isTranscriptFormat(format)) {
    throw new AppError("VALIDATION_FAILED", `format must be one of ${TRANSCRIPT_FORMATS.join(", ")}.`, [
      { path: "format", message: `Expected one of ${TRANSCRIPT_FORMATS.join(", ")}.` },
    ]);
  }

  const db = await getDb();
  const call = await getCall(db, { userId: user.id, callId: id });
  if (!call) throw notFound();
  const transcript = await loadJsonArtifact<NormalizedTranscript>(
    { db, storage: getStorage() },
    { userId: user.id, callId: call.id, type: "NORMALIZED_TRANSCRIPT_JSON" },
  );
  if (!transcript) throw notReady();

  const headers = new Headers({
    "Content-Type": TRANSCRIPT_CONTENT_TYPES[format],
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
  });
  if (format !== "json") headers.set("Content-Disposition", transcriptContentDisposition(call.title, format));
  return new Response(exportTranscript(transcript, format, call.title), { status: 200, headers });
});
