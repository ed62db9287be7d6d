import { NextResponse } from "next/server";
import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/session";
import { apiRoute } from "@/lib/http/api";
import { searchQuerySchema } from "@/lib/search/query";
import { searchCalls } from "@/lib/search/service";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * `GET /api/search?q=&cursor=` → `{ items, nextCursor, noSearchableWords }`: the user's transcript segments,
 * summaries and action items matching `q` (websearch syntax: words, "a phrase", `or`, `-word`), newest call
 * first and the best matches of a call first. Each item has the call, the speaker, the start time, a
 * snippet `{ text, highlights: [[start, end], …] }` (plain text; the ranges are the matches) and `href`, the
 * call page at that moment. An empty or over-long `q`, control characters, or a cursor this server did not
 * write: 400.
 */
export const GET = apiRoute(async (request) => {
  const user = await requireUser();
  const searchParams = new URL(request.url).searchParams;
  const query = searchQuerySchema.parse({ q: searchParams.get("q") ?? "", cursor: searchParams.get("cursor") ?? undefined });
  const page = await searchCalls(await getDb(), { userId: user.id, query: query.q, cursor: query.cursor ?? null });
  return NextResponse.json(page, { headers: { "Cache-Control": "private, no-store" } });
});
