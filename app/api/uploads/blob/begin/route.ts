import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/session";
import { apiRoute, readJson } from "@/lib/http/api";
import { beginDirectUpload, beginDirectUploadSchema, loadBlobDirectDeps } from "@/lib/uploads/blob-direct";

// Step 1 of a direct upload to Vercel Blob: the call in UPLOADING and the key to write. See lib/uploads/blob-direct.ts.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const POST = apiRoute(async (request) => {
  const user = await requireUser();
  const deps = await loadBlobDirectDeps();
  const input = await readJson(request, beginDirectUploadSchema);
  const started = await beginDirectUpload(deps, user.id, input);
  return NextResponse.json(started, { status: 201, headers: { "Cache-Control": "no-store" } });
});
