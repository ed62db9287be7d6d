import { z } from "zod";

/**
 * Turns a list of operations with zod schemas into an OpenAPI 3.1 document. The schemas are the ones the
 * route handlers validate with (lib/openapi/operations.ts imports them), converted by zod's own
 * `z.toJSONSchema` in "input" mode — what a client sends, before defaults and transforms.
 */

export type HttpMethod = "get" | "head" | "post" | "put" | "patch" | "delete" | "options";
/** `token`: an API token (scope below) or the session cookie; `session`: the cookie only; `none`: public. */
export type Auth = { kind: "token"; scope: "read" | "write" } | { kind: "session" } | { kind: "none" };

export interface Operation {
  method: HttpMethod;
  /** OpenAPI path, e.g. `/api/calls/{id}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  auth: Auth;
  /** Path parameters, each a string (ids are UUIDs unless said otherwise). */
  pathParams?: Record<string, string>;
  /** Query parameters from a zod object schema. */
  query?: z.ZodType;
  /** Request body: JSON (a zod schema), multipart form fields (a zod object; `files` names the file fields), or raw bytes. */
  body?:
    | { json: z.ZodType; required?: boolean }
    | { multipart: z.ZodType; files: string[] }
    | { contentType: string; description: string };
  /** Request headers that matter (tus). */
  headers?: Record<string, string>;
  /** Status → description; a JSON schema for the body when there is one. Error statuses use the error envelope. */
  responses: Record<string, string | { description: string; json?: z.ZodType; contentTypes?: string[] }>;
}

export interface DocumentInfo {
  title: string;
  version: string;
  description: string;
}

type JsonSchema = Record<string, unknown>;

/** z.toJSONSchema for what a client sends; dates (coerced) are ISO 8601 strings on the wire. */
export function inputSchema(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    override: (ctx) => {
      const type = (ctx.zodSchema as { _zod: { def: { type: string } } })._zod.def.type;
      if (type === "date") Object.assign(ctx.jsonSchema, { type: "string", format: "date-time" });
    },
  }) as JsonSchema;
  delete out.$schema;
  return out;
}

function outputSchema(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as JsonSchema;
  delete out.$schema;
  return out;
}

function queryParameters(schema: z.ZodType): JsonSchema[] {
  const json = inputSchema(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: "query", required: required.has(name), schema: rest, ...(description ? { description } : {}) };
  });
}

function security(auth: Auth): Record<string, string[]>[] {
  if (auth.kind === "none") return [];
  if (auth.kind === "session") return [{ sessionCookie: [] }];
  // OpenAPI 3.1 lets a non-OAuth scheme list role names: here, the token scope the operation needs.
  return [{ apiToken: [auth.scope] }, { sessionCookie: [] }];
}

const ERROR_RESPONSE = { $ref: "#/components/schemas/Error" };

function responses(operation: Operation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const all: Operation["responses"] = { ...operation.responses };
  if (operation.auth.kind !== "none") {
    all["401"] ??= "No valid credentials: no session, or an API token that is malformed, unknown or revoked (`UNAUTHENTICATED`).";
    if (operation.auth.kind === "token" && operation.auth.scope === "write") {
      all["403"] ??= "A read-only API token (`FORBIDDEN`, `details.reason` `INSUFFICIENT_SCOPE`).";
    }
    if (operation.auth.kind === "session") all["403"] ??= "An API token: token management needs a signed-in session (`FORBIDDEN`, `details.reason` `SESSION_REQUIRED`).";
    all["503"] ??= "The database cannot be reached (`SERVICE_UNAVAILABLE`).";
  }
  if ((operation.query || operation.body) && !all["400"]) all["400"] = "The input is not valid (`VALIDATION_FAILED`, `INVALID_JSON`; `details` lists the fields).";
  for (const [status, value] of Object.entries(all)) {
    const entry = typeof value === "string" ? { description: value } : value;
    if (Number(status) >= 400) {
      out[status] = { description: entry.description, content: { "application/json": { schema: ERROR_RESPONSE } } };
    } else if (entry.json) {
      out[status] = { description: entry.description, content: { "application/json": { schema: outputSchema(entry.json) } } };
    } else if (entry.contentTypes) {
      out[status] = { description: entry.description, content: Object.fromEntries(entry.contentTypes.map((type) => [type, {}])) };
    } else {
      out[status] = { description: entry.description };
    }
  }
  return out;
}

function requestBody(body: NonNullable<Operation["body"]>): Record<string, unknown> {
  if ("json" in body) {
    return { required: body.required ?? true, content: { "application/json": { schema: inputSchema(body.json) } } };
  }
  if ("multipart" in body) {
    const schema = inputSchema(body.multipart);
    const properties = { ...((schema.properties ?? {}) as Record<string, unknown>) };
    for (const file of body.files) properties[file] = { type: "string", contentMediaType: "application/octet-stream", description: "The audio file." };
    return {
      required: true,
      content: { "multipart/form-data": { schema: { ...schema, properties, required: [...new Set([...((schema.required ?? []) as string[]), ...body.files])] } } },
    };
  }
  return { required: true, description: body.description, content: { [body.contentType]: {} } };
}

export function buildDocument(info: DocumentInfo, operations: Operation[], errorSchema: z.ZodType): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const parameters: JsonSchema[] = [];
    for (const [name, description] of Object.entries(operation.pathParams ?? {})) parameters.push({ name, in: "path", required: true, description, schema: { type: "string" } });
    if (operation.query) parameters.push(...queryParameters(operation.query));
    for (const [name, description] of Object.entries(operation.headers ?? {})) parameters.push({ name, in: "header", required: false, description, schema: { type: "string" } });
    const entry: Record<string, unknown> = {
      tags: [operation.tag],
      summary: operation.summary,
      ...(operation.description ? { description: operation.description } : {}),
      operationId: `${operation.method}${operation.path.replace(/[{}]/g, "").split(/[/.-]/).map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join("")}`,
      security: security(operation.auth),
      ...(parameters.length ? { parameters } : {}),
      ...(operation.body ? { requestBody: requestBody(operation.body) } : {}),
      responses: responses(operation),
    };
    (paths[operation.path] ??= {})[operation.method] = entry;
  }
  return {
    openapi: "3.1.0",
    info,
    paths,
    components: {
      securitySchemes: {
        apiToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "scy_…",
          description:
            "A personal API token from Settings → API tokens: `Authorization: Bearer scy_…`. A `read` token may use GET and HEAD; a `write` token everything the session may, except managing tokens. The role listed under an operation's security is the scope it needs.",
        },
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: "authjs.session-token",
          description: "The browser's signed-in session (named `__Secure-authjs.session-token` over https).",
        },
      },
      schemas: { Error: outputSchema(errorSchema) },
    },
  };
}
