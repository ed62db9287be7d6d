import { NextResponse } from "next/server";
import { requireAdmin } from "@/lib/admin/access";
import { toAdminError } from "@/lib/admin/errors";
import { getSpeechStatus, modelDownloadDeps } from "@/lib/admin/speech";
import { apiRoute } from "@/lib/http/api";
import { removeModel } from "@/lib/speech/models/downloads";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Removes an installed model; the next call uses the engine without it. 404 when it is not installed, 409 while it downloads. */
export const DELETE = apiRoute<{ id: string }>(async (_request, { params }) => {
  await requireAdmin();
  const { id } = await params;
  const deps = modelDownloadDeps();
  try {
    const removed = await removeModel(deps, id);
    if (!removed) return NextResponse.json({ error: { code: "NOT_FOUND", message: "This model is not installed." } }, { status: 404 });
    return NextResponse.json({ speech: await getSpeechStatus(undefined, deps) });
  } catch (error) {
    throw toAdminError(error);
  }
});
