import { NextResponse } from "next/server";
import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/session";
import { toCallJson } from "@/lib/calls/serialize";
import { apiRoute } from "@/lib/http/api";
import { reanalyzeCall } from "@/lib/pipeline/enqueue";
import { getStorage } from "@/lib/storage";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * `POST /api/calls/:id/reanalyze` → 202: the summary and action items are made again (after renaming
 * speakers, or with another analysis provider). Items the user edited, snoozed, completed or added stay.
 * 409 unless the call is COMPLETED with a transcript.
 */
export const POST = apiRoute<{ id: string }>(async (_request, { params }) => {
  const user = await requireUser();
  const { id } = await params;
  const call = await reanalyzeCall({ db: await getDb(), storage: getStorage() }, { userId: user.id, callId: id });
  return NextResponse.json({ call: toCallJson(call) }, { status: 202 });
});
