import { NextResponse } from "next/server";
import { getDb } from "@/db";
import { getCall, updateCall, type CallPatch } from "@/db/queries/calls";
import { requireUser } from "@/lib/auth/session";
import { deleteCallEverywhere } from "@/lib/calls/lifecycle";
import { callMetadataSchema } from "@/lib/calls/metadata";
import { toCallJson } from "@/lib/calls/serialize";
import { apiRoute, readJson } from "@/lib/http/api";
import { notFound } from "@/lib/http/errors";
import { getStorage } from "@/lib/storage";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Params = { id: string };

const NO_STORE = { "Cache-Control": "private, no-store" };

/**
 * PATCH body: any of the metadata fields. Unknown fields (e.g. `status`) are refused rather than
 * silently dropped; an empty or blank title is refused (the other text fields may be cleared with null or "").
 */
const patchSchema = callMetadataSchema.strict().superRefine((value, ctx) => {
  if (value.title === null) ctx.addIssue({ code: "custom", path: ["title"], message: "must not be empty" });
});

/** `GET /api/calls/:id` → `{ call }`. Another user's call is answered like a missing one. */
export const GET = apiRoute<Params>(async (_request, { params }) => {
  const user = await requireUser();
  const { id } = await params;
  const call = await getCall(await getDb(), { userId: user.id, callId: id });
  if (!call) throw notFound();
  return NextResponse.json({ call: toCallJson(call) }, { headers: NO_STORE });
});

/** `PATCH /api/calls/:id` with a JSON body of metadata fields → `{ call }`. */
export const PATCH = apiRoute<Params>(async (request, { params }) => {
  const user = await requireUser();
  const { id } = await params;
  const body = await readJson(request, patchSchema);
  const patch: CallPatch = {};
  if (body.title != null) patch.title = body.title;
  if (body.contactName !== undefined) patch.contactName = body.contactName;
  if (body.contactId !== undefined) patch.contactId = body.contactId;
  if (body.phoneNumber !== undefined) patch.phoneNumber = body.phoneNumber;
  if (body.organization !== undefined) patch.organization = body.organization;
  if (body.direction !== undefined) patch.direction = body.direction;
  if (body.recordedAt !== undefined) patch.recordedAt = body.recordedAt;
  const call = await updateCall(await getDb(), { userId: user.id, callId: id, patch });
  if (!call) throw notFound();
  return NextResponse.json({ call: toCallJson(call) }, { headers: NO_STORE });
});

/** `DELETE /api/calls/:id` → 204; the call's objects and rows are gone. */
export const DELETE = apiRoute<Params>(async (_request, { params }) => {
  const user = await requireUser();
  const { id } = await params;
  const deleted = await deleteCallEverywhere({ db: await getDb(), storage: getStorage() }, { userId: user.id, callId: id });
  if (!deleted) throw notFound();
  return new Response(null, { status: 204 });
});
