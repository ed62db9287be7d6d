import { NextResponse } from "next/server";
import { getDb } from "@/db";
import { deleteActionItem } from "@/db/queries/action-items";
import { patchActionItemSchema } from "@/lib/action-items/input";
import { toActionItemJson } from "@/lib/action-items/serialize";
import { changeActionItem } from "@/lib/action-items/service";
import { requireUser } from "@/lib/auth/session";
import { apiRoute, readJson } from "@/lib/http/api";
import { notFound } from "@/lib/http/errors";
import { getStorage } from "@/lib/storage";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Params = { id: string };

/**
 * `PATCH /api/action-items/:id` with any of `{ title, description, dueDate, priority, owner, status,
 * snoozedUntil }` → `{ item }`. `status: "DONE"` sets `completedAt`, `"OPEN"` reopens, `"SNOOZED"` needs a
 * future `snoozedUntil`. Another user's item is "not found".
 */
export const PATCH = apiRoute<Params>(async (request, { params }) => {
  const user = await requireUser();
  const { id } = await params;
  const input = await readJson(request, patchActionItemSchema);
  const item = await changeActionItem({ db: await getDb(), storage: getStorage() }, { userId: user.id, itemId: id, input });
  return NextResponse.json({ item: toActionItemJson(item) }, { headers: { "Cache-Control": "private, no-store" } });
});

/** `DELETE /api/action-items/:id` → 204. */
export const DELETE = apiRoute<Params>(async (_request, { params }) => {
  const user = await requireUser();
  const { id } = await params;
  if (!(await deleteActionItem(await getDb(), { userId: user.id, itemId: id }))) throw notFound("Action item");
  return new Response(null, { status: 204 });
});
