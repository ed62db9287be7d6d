import "server-only";
import { NextResponse } from "next/server";
import { z } from "zod";
import { InvalidCursorError } from "@/db/queries/calls";
import { runWithApiRequest } from "@/lib/auth/request-context";
import { isDataException, isDatabaseUnavailable, sqlStateOf } from "./db-errors";
import { AppError } from "./errors";
import { applyApiSecurityHeaders } from "./security-headers";

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorResponse(error: AppError, headers?: HeadersInit): NextResponse<ApiErrorBody> {
  const body: ApiErrorBody = { error: { code: error.code, message: error.message } };
  if (error.details !== undefined) body.error.details = error.details;
  return NextResponse.json(body, { status: error.status, headers });
}

/** Turns anything thrown into a typed AppError; unexpected errors are logged and never shown raw. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) {
    return new AppError(
      "VALIDATION_FAILED",
      "Some fields are not valid.",
      error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
    );
  }
  if (error instanceof InvalidCursorError) return new AppError("INVALID_CURSOR", error.message);
  // The safety net behind the edge validation (lib/validation/input.ts): a value PostgreSQL refuses is the
  // caller's mistake, answered 400 without the SQL, the parameters or any id.
  if (isDataException(error)) {
    console.warn(`[api] database refused a value (SQLSTATE ${sqlStateOf(error)})`);
    return new AppError("VALIDATION_FAILED", "A value in the request cannot be stored.");
  }
  if (isDatabaseUnavailable(error)) {
    console.error("[api] database unavailable", sqlStateOf(error) ?? (error as { code?: unknown })?.code);
    return new AppError("SERVICE_UNAVAILABLE", "The database is not reachable right now. Nothing was lost; try again shortly.");
  }
  console.error("[api] unexpected error", error);
  return new AppError("INTERNAL", "Something went wrong on our side. Nothing was lost; try again.");
}

type RouteContext<P> = { params: Promise<P> };

/** Wraps a route handler: typed errors become `{ error: { code, message } }` with the right status. */
export function apiRoute<P = Record<string, string | string[] | undefined>>(
  handler: (request: Request, context: RouteContext<P>) => Promise<Response>,
): (request: Request, context: RouteContext<P>) => Promise<Response> {
  return async (request, context) => {
    let response: Response;
    try {
      // The request is in context so that requireUser() can read its Authorization header and method.
      response = await runWithApiRequest(request, () => handler(request, context));
    } catch (error) {
      response = errorResponse(toAppError(error));
    }
    try {
      applyApiSecurityHeaders(request, response.headers);
    } catch {
      // immutable headers (a Response.redirect): keep the answer as it is
    }
    return response;
  };
}

/** Reads a JSON body and validates it; malformed JSON and bad fields are 400s with a clear message. */
export async function readJson<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new AppError("INVALID_JSON", "The request body is not valid JSON.");
  }
  return schema.parse(body);
}
