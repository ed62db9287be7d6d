import { NextResponse } from "next/server";
import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/session";
import { toCallJson } from "@/lib/calls/serialize";
import { apiRoute } from "@/lib/http/api";
import { retryCall } from "@/lib/pipeline/enqueue";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Retries a failed call: it resumes at the stage that failed. 409 when the call has not failed. */
export const POST = apiRoute<{ id: string }>(async (_request, { params }) => {
  const user = await requireUser();
  const { id } = await params;
  const call = await retryCall(await getDb(), { userId: user.id, callId: id });
  return NextResponse.json({ call: toCallJson(call) }, { status: 202 });
});
