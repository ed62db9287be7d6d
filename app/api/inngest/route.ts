import { serve } from "inngest/next";
import type { NextRequest } from "next/server";
import { getInngest } from "@/inngest/client";
import { getFunctions } from "@/inngest/functions";
import { loadEnv } from "@/lib/env";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const notFound = () => Response.json({ error: { code: "NOT_FOUND", message: "Not found." } }, { status: 404 });

/**
 * The Inngest serve endpoint, signed, when an Inngest server is configured. In embedded mode the engine
 * calls the functions in-process and this URL answers 404: an unsigned dev handler must never be reachable.
 */
let handlers: ReturnType<typeof serve> | null | undefined;
function served() {
  handlers ??= loadEnv().pipeline.mode === "inngest" ? serve({ client: getInngest(), functions: getFunctions() }) : null;
  return handlers;
}

type Handler = (request: NextRequest, context: unknown) => Promise<Response>;
const delegate = (method: "GET" | "POST" | "PUT"): Handler => async (request, context) => {
  const handler = served()?.[method] as Handler | undefined;
  return handler ? handler(request, context) : notFound();
};

export const GET = delegate("GET");
export const POST = delegate("POST");
export const PUT = delegate("PUT");
