import { NextResponse } from "next/server";
import { z } from "zod";
import { getDb } from "@/db";
import { getCall } from "@/db/queries/calls";
import { requireUser } from "@/lib/auth/session";
import { apiRoute, readJson } from "@/lib/http/api";
import { AppError, notFound } from "@/lib/http/errors";
import { loadJsonArtifact } from "@/lib/pipeline/artifacts";
import { speakerBatchEditSchema } from "@/lib/speakers/edit";
import { updateCallSpeakers } from "@/lib/speakers/update";
import { getStorage } from "@/lib/storage";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Params = { id: string };
const NO_STORE = { "Cache-Control": "private, no-store" };
const notReady = () => new AppError("NOT_FOUND", "The transcript is not ready yet.");

/** `GET /api/calls/:id/speakers` → `{ speakers }` (id, label, role, displayName, confidence), without the transcript. */
export const GET = apiRoute<Params>(async (_request, { params }) => {
  const user = await requireUser();
  const { id } = await params;
  const db = await getDb();
  const call = await getCall(db, { userId: user.id, callId: id });
  if (!call) throw notFound();
  const transcript = await loadJsonArtifact<NormalizedTranscript>({ db, storage: getStorage() }, { userId: user.id, callId: id, type: "NORMALIZED_TRANSCRIPT_JSON" });
  if (!transcript) throw notReady();
  return NextResponse.json({ speakers: transcript.speakers }, { headers: NO_STORE });
});

const batchSchema = z.object({ edits: z.array(speakerBatchEditSchema).min(1).max(50) }).strict();

/**
 * `PATCH /api/calls/:id/speakers` with `{ edits: [{ speakerId, displayName?, isMe? }, …] }` → `{ speakers }`:
 * several speaker edits applied in order, all or none (an unknown speaker id saves nothing).
 */
export const PATCH = apiRoute<Params>(async (request, { params }) => {
  const user = await requireUser();
  const { id } = await params;
  const { edits } = await readJson(request, batchSchema);
  const result = await updateCallSpeakers({ db: await getDb(), storage: getStorage() }, { userId: user.id, callId: id, edits });
  if (!result.ok) {
    if (result.reason === "call-not-found") throw notFound();
    if (result.reason === "transcript-not-ready") throw notReady();
    throw notFound("Speaker");
  }
  return NextResponse.json({ speakers: result.speakers }, { headers: NO_STORE });
});
