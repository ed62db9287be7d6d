import { serve } from "inngest/next";
import { inngest } from "@/inngest/client";
import { functions } from "@/inngest/functions";
import { loadEnv } from "@/lib/env";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const notFound = () => Response.json({ error: { code: "NOT_FOUND", message: "Not found." } }, { status: 404 });

/**
 * The Inngest serve endpoint, signed, when an Inngest server is configured. In embedded mode the engine
 * calls the functions in-process and this URL answers 404: an unsigned dev handler must never be reachable.
 */
const handlers = loadEnv().pipeline.mode === "inngest" ? serve({ client: inngest, functions }) : null;

export const GET = handlers ? handlers.GET : notFound;
export const POST = handlers ? handlers.POST : notFound;
export const PUT = handlers ? handlers.PUT : notFound;
