import { NextResponse } from "next/server";
import { z } from "zod";
import { CALL_DIRECTIONS, CALL_STATUSES, DEFAULT_LISTED_STATUSES, MAX_QUERY_LENGTH } from "@/components/calls/filters";
import { getDb } from "@/db";
import { listCalls } from "@/db/queries/calls";
import { requireUser } from "@/lib/auth/session";
import { handleMultipartUpload } from "@/lib/calls/multipart-upload";
import { processingIds, toCallListJson } from "@/lib/calls/serialize";
import { latestStages } from "@/db/queries/events";
import { apiRoute } from "@/lib/http/api";
import { safeText } from "@/lib/validation/input";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** An empty query parameter (`?q=`) means "not given". */
const absentIfEmpty = (value: unknown) => (value === "" ? undefined : value);

const listQuerySchema = z.object({
  cursor: z.preprocess(absentIfEmpty, safeText({ max: 500 }).optional()),
  limit: z.preprocess(absentIfEmpty, z.coerce.number().int().min(1).max(100).optional()),
  q: z.preprocess(absentIfEmpty, safeText({ max: MAX_QUERY_LENGTH, trim: false }).optional()),
  // A comma list (`status=QUEUED,PROCESSING`) or the parameter repeated; duplicates are harmless.
  status: z.preprocess(
    (value) => (value === "" ? undefined : typeof value === "string" ? value.split(",").map((s) => s.trim()) : value),
    z.array(z.enum(CALL_STATUSES)).min(1).optional(),
  ),
  direction: z.preprocess(absentIfEmpty, z.enum(CALL_DIRECTIONS).optional()),
});

/**
 * `GET /api/calls?cursor=&limit=&q=&status=&direction=` → `{ items, nextCursor }`, newest first.
 * Without `status`, calls still UPLOADING are left out.
 */
export const GET = apiRoute(async (request) => {
  const user = await requireUser();
  const searchParams = new URL(request.url).searchParams;
  const query = listQuerySchema.parse({
    cursor: searchParams.get("cursor") ?? undefined,
    limit: searchParams.get("limit") ?? undefined,
    q: searchParams.get("q") ?? undefined,
    status: searchParams.has("status") ? searchParams.getAll("status").join(",") : undefined,
    direction: searchParams.get("direction") ?? undefined,
  });
  const db = await getDb();
  const page = await listCalls(db, {
    userId: user.id,
    limit: query.limit ?? 25,
    cursor: query.cursor ?? null,
    query: query.q ?? null,
    statuses: query.status ? [...new Set(query.status)] : DEFAULT_LISTED_STATUSES,
    direction: query.direction ?? null,
  });
  return NextResponse.json(
    { items: toCallListJson(page.items, await latestStages(db, processingIds(page.items))), nextCursor: page.nextCursor },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

/** `POST /api/calls`: multipart upload (`file` + metadata fields) → 201 `{ call }`. */
export const POST = apiRoute(async (request) => handleMultipartUpload(request, await requireUser()));
