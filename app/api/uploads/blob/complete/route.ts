import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/session";
import { toCallJson } from "@/lib/calls/serialize";
import { apiRoute, readJson } from "@/lib/http/api";
import { completeDirectUpload, completeDirectUploadSchema, loadBlobDirectDeps } from "@/lib/uploads/blob-direct";

// Last step of a direct upload to Vercel Blob: check the object and queue the call. See lib/uploads/blob-direct.ts.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const POST = apiRoute(async (request) => {
  const user = await requireUser();
  const deps = await loadBlobDirectDeps();
  const input = await readJson(request, completeDirectUploadSchema);
  const call = await completeDirectUpload(deps, user.id, input);
  return NextResponse.json({ call: toCallJson(call) }, { headers: { "Cache-Control": "no-store" } });
});
