import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/session";
import { apiRoute } from "@/lib/http/api";
import { AppError } from "@/lib/http/errors";
import { handleBlobUpload, loadBlobDirectDeps } from "@/lib/uploads/blob-direct";

// Vercel Blob direct uploads: client tokens for the browser, and Blob's upload-completed webhook
// (which carries no session: the SDK checks its signature instead). See lib/uploads/blob-direct.ts.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const POST = apiRoute(async (request) => {
  const deps = await loadBlobDirectDeps();
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new AppError("INVALID_JSON", "The request body is not valid JSON.");
  }
  const answer = await handleBlobUpload(deps, { request, body, currentUserId: async () => (await requireUser()).id });
  return NextResponse.json(answer, { headers: { "Cache-Control": "no-store" } });
});
