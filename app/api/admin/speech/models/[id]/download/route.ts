import { NextResponse } from "next/server";
import { requireAdmin } from "@/lib/admin/access";
import { toAdminError } from "@/lib/admin/errors";
import { getSpeechStatus, modelDownloadDeps } from "@/lib/admin/speech";
import { apiRoute } from "@/lib/http/api";
import { cancelModelDownload, startModelDownload } from "@/lib/speech/models/downloads";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Params = { id: string };

/**
 * Starts the background download of a model (or joins the one running: two clicks, one download). 202 once
 * the model host answers; 503 at once when it cannot be reached (with the `npm run models:pull` hint), 409 for
 * a full disk or an unpinned model, 404 for an unknown id. Administrators only (403).
 */
export const POST = apiRoute<Params>(async (_request, { params }) => {
  await requireAdmin();
  const { id } = await params;
  const deps = modelDownloadDeps();
  try {
    const download = await startModelDownload(deps, id);
    return NextResponse.json({ download, speech: await getSpeechStatus(undefined, deps) }, { status: 202 });
  } catch (error) {
    throw toAdminError(error);
  }
});

/** Cancels a running download (or dismisses a failed one): the partial file is deleted. 404 when there is none. */
export const DELETE = apiRoute<Params>(async (_request, { params }) => {
  await requireAdmin();
  const { id } = await params;
  const deps = modelDownloadDeps();
  try {
    const found = await cancelModelDownload(deps, id);
    if (!found) return NextResponse.json({ error: { code: "NOT_FOUND", message: "No download of this model is running." } }, { status: 404 });
    return NextResponse.json({ speech: await getSpeechStatus(undefined, deps) });
  } catch (error) {
    throw toAdminError(error);
  }
});
