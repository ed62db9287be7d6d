import { NextResponse } from "next/server";
import { getDb } from "@/db";
import { listActionItemPage, listActionItems } from "@/db/queries/action-items";
import { ACTION_ITEM_CONTENT_TYPES, actionItemsToCsv, actionItemsToIcs, exportFileName } from "@/lib/action-items/export";
import { listActionItemsQuerySchema } from "@/lib/action-items/input";
import { toActionItemJson } from "@/lib/action-items/serialize";
import { inboxFilter, todayIn } from "@/lib/action-items/service";
import { requireUser } from "@/lib/auth/session";
import { loadEnv } from "@/lib/env";
import { apiRoute } from "@/lib/http/api";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * `GET /api/action-items?status=OPEN|DONE|SNOOZED|all&owner=me|all&callId=&due=overdue|today|week|none|any
 * &today=YYYY-MM-DD&limit=&cursor=&format=json|csv|ics` — the user's action items across calls, their own first,
 * then by due date, a page at a time (`nextCursor`). `format=csv` and `format=ics` download the whole list (up
 * to 1 000 items) as a spreadsheet or a calendar of due dates.
 */
export const GET = apiRoute(async (request) => {
  const user = await requireUser();
  const url = new URL(request.url);
  const query = listActionItemsQuerySchema.parse(Object.fromEntries(url.searchParams));
  const today = query.today ?? todayIn(loadEnv().timeZone);
  const filter = inboxFilter(query, today);
  if (query.format === "json") {
    const page = await listActionItemPage(await getDb(), { userId: user.id, filter: { ...filter, limit: query.limit }, cursor: query.cursor });
    const items = page.rows.map((row) => toActionItemJson(row.item, row.call));
    return NextResponse.json({ items, nextCursor: page.nextCursor }, { headers: { "Cache-Control": "private, no-store" } });
  }
  const rows = await listActionItems(await getDb(), { userId: user.id, filter });
  const items = rows.map((row) => toActionItemJson(row.item, row.call));
  const body = query.format === "csv" ? actionItemsToCsv(items) : actionItemsToIcs(items, { appBaseUrl: url.origin });
  return new Response(body, {
    headers: {
      "Content-Type": ACTION_ITEM_CONTENT_TYPES[query.format],
      "Content-Disposition": `attachment; filename="${exportFileName(query.format, new Date())}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
});
