import { NextResponse } from "next/server";
import { getDb } from "@/db";
import { getCall } from "@/db/queries/calls";
import { listCallEvents } from "@/db/queries/events";
import { requireUser } from "@/lib/auth/session";
import { apiRoute } from "@/lib/http/api";
import { notFound } from "@/lib/http/errors";
import { toTimelineEvent } from "@/lib/calls/serialize";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The call's processing timeline: every stage attempt, oldest first. */
export const GET = apiRoute<{ id: string }>(async (_request, { params }) => {
  const user = await requireUser();
  const { id } = await params;
  const db = await getDb();
  const call = await getCall(db, { userId: user.id, callId: id });
  if (!call) throw notFound();
  const events = await listCallEvents(db, { userId: user.id, callId: id });
  return NextResponse.json({
    callStatus: call.status,
    events: events.map(toTimelineEvent),
  });
});
