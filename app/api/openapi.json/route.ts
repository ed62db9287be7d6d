import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/http/api";
import { openApiDocument } from "@/lib/openapi/document";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * `GET /api/openapi.json`: the machine-readable description of this API. Public: it holds no user data. No
 * `servers`: paths are relative to where the document was fetched from, which is right behind any proxy.
 */
export const GET = apiRoute(async () => NextResponse.json(openApiDocument(), { headers: { "Cache-Control": "public, max-age=300" } }));
