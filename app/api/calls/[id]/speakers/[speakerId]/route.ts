import { NextResponse } from "next/server";
import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/session";
import { apiRoute, readJson } from "@/lib/http/api";
import { AppError, notFound } from "@/lib/http/errors";
import { speakerEditSchema } from "@/lib/speakers/edit";
import { updateCallSpeaker } from "@/lib/speakers/update";
import { getStorage } from "@/lib/storage";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * `PATCH /api/calls/:id/speakers/:speakerId` with `{ displayName?, isMe? }` → `{ speakers }`: renames a
 * speaker (or marks which one is the user); the transcript and the action items it owns follow.
 */
export const PATCH = apiRoute<{ id: string; speakerId: string }>(async (request, { params }) => {
  const user = await requireUser();
  const { id, speakerId } = await params;
  const edit = await readJson(request, speakerEditSchema);
  const result = await updateCallSpeaker({ db: await getDb(), storage: getStorage() }, { userId: user.id, callId: id, speakerId, edit });
  if (!result.ok) {
    if (result.reason === "call-not-found") throw notFound();
    if (result.reason === "transcript-not-ready") throw new AppError("NOT_FOUND", "The transcript is not ready yet.");
    throw notFound("Speaker");
  }
  return NextResponse.json({ speakers: result.speakers }, { headers: { "Cache-Control": "private, no-store" } });
});
