import { NextResponse } from "next/server";
import { getDb } from "@/db";
import { listCallActionItems } from "@/db/queries/action-items";
import { getCall } from "@/db/queries/calls";
import { createActionItemSchema } from "@/lib/action-items/input";
import { toActionItemJson } from "@/lib/action-items/serialize";
import { addActionItem } from "@/lib/action-items/service";
import type { StoredAnalysis } from "@/lib/analysis/types";
import { requireUser } from "@/lib/auth/session";
import { apiRoute, readJson } from "@/lib/http/api";
import { notFound } from "@/lib/http/errors";
import { loadJsonArtifact } from "@/lib/pipeline/artifacts";
import { getStorage } from "@/lib/storage";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Params = { id: string };
const NO_STORE = { "Cache-Control": "private, no-store" };

/**
 * `GET /api/calls/:id/action-items` → `{ summary, items }`: the call's summary (null until the analysis
 * stage has run) with its provider and model, and its action items.
 */
export const GET = apiRoute<Params>(async (_request, { params }) => {
  const user = await requireUser();
  const { id } = await params;
  const db = await getDb();
  const ref = { userId: user.id, callId: id };
  const call = await getCall(db, ref);
  if (!call) throw notFound();
  const [items, analysis] = await Promise.all([
    listCallActionItems(db, ref),
    loadJsonArtifact<StoredAnalysis>({ db, storage: getStorage() }, { ...ref, type: "ANALYSIS_JSON" }),
  ]);
  const summary = analysis ? { text: analysis.summary, provider: analysis.provider, model: analysis.model, createdAt: analysis.createdAt } : null;
  return NextResponse.json({ summary, items: items.map((item) => toActionItemJson(item)) }, { headers: NO_STORE });
});

/** `POST /api/calls/:id/action-items` with `{ title, description?, dueDate?, priority?, owner? }` → 201 `{ item }`. */
export const POST = apiRoute<Params>(async (request, { params }) => {
  const user = await requireUser();
  const { id } = await params;
  const input = await readJson(request, createActionItemSchema);
  const item = await addActionItem({ db: await getDb(), storage: getStorage() }, { userId: user.id, callId: id, input });
  return NextResponse.json({ item: toActionItemJson(item) }, { status: 201, headers: NO_STORE });
});
