import { NextResponse } from "next/server";
import { requireAdmin } from "@/lib/admin/access";
import { getSpeechStatus } from "@/lib/admin/speech";
import { apiRoute } from "@/lib/http/api";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The speech engine's state for Settings → Speech: stages, health, models and downloads. Administrators only (403). */
export const GET = apiRoute(async () => {
  await requireAdmin();
  return NextResponse.json({ speech: await getSpeechStatus() }, { headers: { "Cache-Control": "no-store" } });
});
