import "server-only";
import { z } from "zod";
import { CALL_DIRECTIONS, CALL_STATUSES, MAX_QUERY_LENGTH } from "@/components/calls/filters";
import { createActionItemSchema, listActionItemsQuerySchema, patchActionItemSchema } from "@/lib/action-items/input";
import { createApiTokenSchema } from "@/lib/auth/api-token-input";
import { callMetadataSchema } from "@/lib/calls/metadata";
import { ERROR_STATUS } from "@/lib/http/errors";
import { speakerBatchEditSchema, speakerEditSchema } from "@/lib/speakers/edit";
import { TRANSCRIPT_FORMATS } from "@/lib/transcript/export";
import { beginDirectUploadSchema, completeDirectUploadSchema } from "@/lib/uploads/blob-direct";
import { searchQuerySchema } from "@/lib/search/query";
import { safeText } from "@/lib/validation/input";
import { createEndpointSchema, deliveriesQuerySchema, patchEndpointSchema } from "@/lib/webhooks/input";
import type { Operation } from "./build";

/**
 * Every operation of the HTTP API, for `GET /api/openapi.json`. Bodies and query strings use the zod schemas
 * the route handlers validate with; where a route builds its schema inline from exported parts, the same
 * parts are put together here the same way (noted). tests/tokens/openapi.test.ts fails when a route or
 * method in app/api has no operation here.
 */

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
      message: z.string(),
      details: z.unknown().optional().describe("Per-field problems (`[{ path, message }]`) for VALIDATION_FAILED, or `{ reason, … }`."),
    }),
  })
  .describe("Every error: the code, a message for people, and sometimes details.");

const apiTokenJson = z.object({
  id: z.uuid(),
  name: z.string(),
  scope: z.enum(["read", "write"]),
  prefix: z.string().describe("The token's first 8 characters (`scy_` and four more)."),
  lastFour: z.string(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable().describe("Updated at most once a minute."),
});

// As app/api/calls/route.ts validates `GET /api/calls` (built from the same exported lists and text rule).
const listCallsQuery = z.object({
  cursor: safeText({ max: 500 }).optional().describe("`nextCursor` of the previous page."),
  limit: z.coerce.number().int().min(1).max(100).optional().describe("Page size, default 25."),
  q: safeText({ max: MAX_QUERY_LENGTH, trim: false }).optional().describe("Searches title, contact and organization."),
  status: z.string().optional().describe(`A comma list of ${CALL_STATUSES.join(", ")}. Default: all but UPLOADING.`),
  direction: z.enum(CALL_DIRECTIONS).optional(),
});

const transcriptQuery = z.object({ format: z.enum(TRANSCRIPT_FORMATS).optional().describe("Default json.") });
// As app/api/calls/[id]/route.ts: the metadata fields, nothing else.
const patchCallBody = callMetadataSchema.strict();
// As app/api/calls/[id]/speakers/route.ts.
const speakerBatchBody = z.object({ edits: z.array(speakerBatchEditSchema).min(1).max(50) }).strict();
// As app/api/voice-profile/consent/route.ts.
const consentBody = z.object({ version: safeText({ min: 1, max: 200 }).describe("Must be the current consent version (`GET /api/voice-profile`).") }).strict();
const blobUploadBody = z
  .object({
    type: z.enum(["blob.generate-client-token", "blob.upload-completed"]),
    payload: z.record(z.string(), z.unknown()),
  })
  .describe("The @vercel/blob client protocol (`handleUpload`); the browser's `upload()` sends it. Upload-completed webhooks are signed by Blob, not by a user.");

const id = { id: "The call's id." };
const read = { kind: "token", scope: "read" } as const;
const write = { kind: "token", scope: "write" } as const;
const TUS = "The tus 1.0 protocol (https://tus.io/protocols/resumable-upload): answers in its headers; errors in the JSON envelope.";
const tusHeaders = { "Tus-Resumable": "1.0.0" };

export const OPERATIONS: Operation[] = [
  // Calls
  { method: "get", path: "/api/calls", tag: "Calls", summary: "List calls, newest first", auth: read, query: listCallsQuery, responses: { "200": "`{ items, nextCursor }`" } },
  {
    method: "post",
    path: "/api/calls",
    tag: "Calls",
    summary: "Upload a recording",
    description: "Streamed to disk, checked by magic bytes and by decoding, stored, and queued. Rejected uploads leave no row and no bytes.",
    auth: write,
    body: { multipart: callMetadataSchema, files: ["file"] },
    responses: { "201": "`{ call }`, QUEUED", "413": "Larger than the configured maximum.", "415": "Not a recognised audio format." },
  },
  { method: "get", path: "/api/calls/{id}", tag: "Calls", summary: "A call", auth: read, pathParams: id, responses: { "200": "`{ call }`", "404": "No such call of yours." } },
  { method: "patch", path: "/api/calls/{id}", tag: "Calls", summary: "Change a call's metadata", auth: write, pathParams: id, body: { json: patchCallBody }, responses: { "200": "`{ call }`", "404": "No such call of yours." } },
  { method: "delete", path: "/api/calls/{id}", tag: "Calls", summary: "Delete a call and everything made from it", auth: write, pathParams: id, responses: { "204": "Deleted.", "404": "No such call of yours." } },
  {
    method: "get",
    path: "/api/calls/{id}/audio",
    tag: "Calls",
    summary: "The original recording (HTTP ranges)",
    auth: read,
    pathParams: id,
    headers: { Range: "`bytes=a-b`, `a-` or `-n`", "If-Range": "An ETag from an earlier answer." },
    responses: { "200": { description: "The whole file.", contentTypes: ["audio/*"] }, "206": { description: "The range asked for.", contentTypes: ["audio/*"] }, "304": "Not modified.", "404": "No such call, or its audio is no longer stored.", "416": "The range is outside the recording." },
  },
  { method: "head", path: "/api/calls/{id}/audio", tag: "Calls", summary: "The recording's headers", auth: read, pathParams: id, responses: { "200": "Headers only.", "404": "No such call, or no audio." } },
  {
    method: "get",
    path: "/api/calls/{id}/transcript",
    tag: "Calls",
    summary: "The transcript as JSON, text, SRT or WebVTT",
    auth: read,
    pathParams: id,
    query: transcriptQuery,
    responses: { "200": { description: "The transcript.", contentTypes: ["application/json", "text/plain", "application/x-subrip", "text/vtt"] }, "404": "No such call, or the transcript is not ready yet." },
  },
  { method: "get", path: "/api/calls/{id}/events", tag: "Calls", summary: "The processing timeline", auth: read, pathParams: id, responses: { "200": "`{ callStatus, events }`", "404": "No such call of yours." } },
  { method: "get", path: "/api/calls/{id}/action-items", tag: "Action items", summary: "A call's summary and action items", auth: read, pathParams: id, responses: { "200": "`{ summary, items }`", "404": "No such call of yours." } },
  { method: "post", path: "/api/calls/{id}/action-items", tag: "Action items", summary: "Add an action item by hand", auth: write, pathParams: id, body: { json: createActionItemSchema }, responses: { "201": "`{ item }`", "404": "No such call of yours." } },
  { method: "get", path: "/api/calls/{id}/speakers", tag: "Speakers", summary: "A call's speakers", auth: read, pathParams: id, responses: { "200": "`{ speakers }`", "404": "No such call, or no transcript yet." } },
  { method: "patch", path: "/api/calls/{id}/speakers", tag: "Speakers", summary: "Several speaker edits, all or none", auth: write, pathParams: id, body: { json: speakerBatchBody }, responses: { "200": "`{ speakers }`", "404": "No such call, transcript or speaker." } },
  {
    method: "patch",
    path: "/api/calls/{id}/speakers/{speakerId}",
    tag: "Speakers",
    summary: "Rename a speaker or mark it as you",
    auth: write,
    pathParams: { ...id, speakerId: "The speaker's id in the transcript." },
    body: { json: speakerEditSchema },
    responses: { "200": "`{ speakers }`", "404": "No such call, transcript or speaker." },
  },
  { method: "post", path: "/api/calls/{id}/reanalyze", tag: "Calls", summary: "Make the summary and action items again", auth: write, pathParams: id, responses: { "202": "`{ call }`", "404": "No such call of yours.", "409": "Not processed yet." } },
  { method: "post", path: "/api/calls/{id}/retry", tag: "Calls", summary: "Retry a failed call from the stage that failed", auth: write, pathParams: id, responses: { "202": "`{ call }`", "404": "No such call of yours.", "409": "The call has not failed." } },

  // Action items
  {
    method: "get",
    path: "/api/action-items",
    tag: "Action items",
    summary: "Action items across calls (JSON, CSV or iCalendar)",
    auth: read,
    query: listActionItemsQuerySchema,
    responses: { "200": { description: "`{ items, truncated }`, or a download.", contentTypes: ["application/json", "text/csv", "text/calendar"] } },
  },
  { method: "patch", path: "/api/action-items/{id}", tag: "Action items", summary: "Change an action item", auth: write, pathParams: { id: "The item's id." }, body: { json: patchActionItemSchema }, responses: { "200": "`{ item }`", "404": "No such item of yours." } },
  { method: "delete", path: "/api/action-items/{id}", tag: "Action items", summary: "Delete an action item", auth: write, pathParams: { id: "The item's id." }, responses: { "204": "Deleted.", "404": "No such item of yours." } },

  // Uploads
  {
    method: "post",
    path: "/api/uploads",
    tag: "Uploads",
    summary: "Start a resumable (tus) upload",
    description: `${TUS} \`Upload-Metadata\` carries \`filename\` and the call's metadata fields (base64).`,
    auth: write,
    headers: { ...tusHeaders, "Upload-Length": "The file's size in bytes (or Upload-Defer-Length: 1).", "Upload-Metadata": "`key base64value` pairs, comma-separated." },
    responses: { "201": "Created; `Location` is the upload's URL." },
  },
  { method: "options", path: "/api/uploads", tag: "Uploads", summary: "tus capabilities", auth: read, responses: { "204": "`Tus-Version`, `Tus-Extension`, `Tus-Max-Size`." } },
  { method: "head", path: "/api/uploads/{uploadId}", tag: "Uploads", summary: "Where an upload stands (`Upload-Offset`)", auth: read, pathParams: { uploadId: "The upload's id (the call's id)." }, headers: tusHeaders, responses: { "200": "`Upload-Offset`, `Upload-Length`.", "404": "No such upload of yours." } },
  {
    method: "patch",
    path: "/api/uploads/{uploadId}",
    tag: "Uploads",
    summary: "Send the next bytes",
    description: `${TUS} The last PATCH answers 204 with \`X-Scryon-Call-Id\` once the call is queued, or the error JSON.`,
    auth: write,
    pathParams: { uploadId: "The upload's id (the call's id)." },
    headers: { ...tusHeaders, "Upload-Offset": "Where these bytes start." },
    body: { contentType: "application/offset+octet-stream", description: "The bytes from Upload-Offset on." },
    responses: { "204": "Stored; `Upload-Offset` is the new offset.", "404": "No such upload of yours.", "409": "Upload-Offset does not match.", "413": "Beyond the configured maximum.", "415": "Not a recognised audio format." },
  },
  { method: "delete", path: "/api/uploads/{uploadId}", tag: "Uploads", summary: "Abandon an upload", auth: write, pathParams: { uploadId: "The upload's id (the call's id)." }, headers: tusHeaders, responses: { "204": "Gone.", "404": "No such upload of yours." } },
  { method: "get", path: "/api/uploads/{uploadId}", tag: "Uploads", summary: "Not part of tus: always 404", auth: read, pathParams: { uploadId: "The upload's id." }, responses: { "404": "tus has no GET of an upload." } },
  { method: "options", path: "/api/uploads/{uploadId}", tag: "Uploads", summary: "tus capabilities", auth: read, pathParams: { uploadId: "The upload's id." }, responses: { "204": "As `OPTIONS /api/uploads`." } },
  {
    method: "post",
    path: "/api/uploads/blob",
    tag: "Uploads",
    summary: "Vercel Blob direct uploads: client tokens and Blob's upload-completed webhook",
    description: "Only when recordings are stored in Vercel Blob (404 otherwise).",
    auth: write,
    body: { json: blobUploadBody },
    responses: { "200": "The @vercel/blob protocol's answer.", "403": "A key that is not yours.", "404": "Not stored in Blob, or no such call of yours." },
  },
  { method: "post", path: "/api/uploads/blob/begin", tag: "Uploads", summary: "Begin a direct upload to Vercel Blob", auth: write, body: { json: beginDirectUploadSchema }, responses: { "201": "`{ callId, pathname, … }`", "404": "Not stored in Blob." } },
  { method: "post", path: "/api/uploads/blob/complete", tag: "Uploads", summary: "Finish a direct upload: check the object, queue the call", auth: write, body: { json: completeDirectUploadSchema }, responses: { "200": "`{ call }`", "404": "No such upload of yours." } },

  // Search
  {
    method: "get",
    path: "/api/search",
    tag: "Search",
    summary: "Find words in your transcripts, summaries and action items",
    description: "PostgreSQL full-text search, `websearch_to_tsquery` syntax: words, \"a phrase\", `or`, `-word`. Newest call first, the best matches of a call first.",
    auth: read,
    query: searchQuerySchema,
    responses: { "200": "`{ items: [{ call, speaker, start, snippet: { text, highlights }, href }], nextCursor, noSearchableWords }`" },
  },

  // Webhooks: a write token even to read (the answers carry the signing secrets).
  { method: "get", path: "/api/webhooks", tag: "Webhooks", summary: "Your webhook endpoints, with their signing secrets", auth: write, responses: { "200": "`{ endpoints, eventTypes }`" } },
  {
    method: "post",
    path: "/api/webhooks",
    tag: "Webhooks",
    summary: "Add an endpoint",
    description: "http(s) only; private, loopback and link-local targets are refused unless the server allows them. Deliveries are signed as the Standard Webhooks specification says (`webhook-id`, `webhook-timestamp`, `webhook-signature`).",
    auth: write,
    body: { json: createEndpointSchema },
    responses: { "201": "`{ endpoint }` with its new `whsec_` secret." },
  },
  { method: "patch", path: "/api/webhooks/{id}", tag: "Webhooks", summary: "Change an endpoint (`active: true` clears a disable)", auth: write, pathParams: { id: "The endpoint's id." }, body: { json: patchEndpointSchema }, responses: { "200": "`{ endpoint }`", "404": "No such endpoint of yours." } },
  { method: "delete", path: "/api/webhooks/{id}", tag: "Webhooks", summary: "Delete an endpoint and its delivery log", auth: write, pathParams: { id: "The endpoint's id." }, responses: { "204": "Deleted.", "404": "No such endpoint of yours." } },
  { method: "get", path: "/api/webhooks/{id}/deliveries", tag: "Webhooks", summary: "An endpoint's delivery log, newest first", auth: write, pathParams: { id: "The endpoint's id." }, query: deliveriesQuerySchema, responses: { "200": "`{ items, nextCursor }`", "404": "No such endpoint of yours." } },
  {
    method: "post",
    path: "/api/webhooks/{id}/deliveries/{deliveryId}/retry",
    tag: "Webhooks",
    summary: "Send a delivery again (same `webhook-id` and body)",
    auth: write,
    pathParams: { id: "The endpoint's id.", deliveryId: "The delivery's id." },
    responses: { "202": "`{ delivery }`, pending.", "404": "No such delivery of yours.", "409": "It is being sent, or the endpoint is off." },
  },

  // Voice profile
  { method: "get", path: "/api/voice-profile", tag: "Voice profile", summary: "Your voice profile's state", auth: read, responses: { "200": "`{ consent, profile, enrollment, apply }` (never the voiceprint)" } },
  {
    method: "post",
    path: "/api/voice-profile",
    tag: "Voice profile",
    summary: "Enroll a voice sample",
    auth: write,
    body: { multipart: z.object({}), files: ["sample"] },
    responses: { "202": "The state, enrollment RUNNING.", "409": "No current consent, or an enrollment is running.", "413": "Too large.", "415": "Not audio." },
  },
  { method: "delete", path: "/api/voice-profile", tag: "Voice profile", summary: "Delete the profile, your consent and any sample", auth: write, responses: { "204": "Deleted." } },
  { method: "post", path: "/api/voice-profile/consent", tag: "Voice profile", summary: "Give consent to the current text", auth: write, body: { json: consentBody }, responses: { "200": "The state.", "409": "Not the current consent version." } },
  { method: "post", path: "/api/voice-profile/apply", tag: "Voice profile", summary: "Look for you in your earlier calls", auth: write, responses: { "202": "The state, apply RUNNING.", "409": "No usable profile, or a run is going." } },

  // API tokens
  { method: "get", path: "/api/tokens", tag: "API tokens", summary: "Your active API tokens (never the secrets)", auth: { kind: "session" }, responses: { "200": { description: "`{ items }`", json: z.object({ items: z.array(apiTokenJson) }) } } },
  {
    method: "post",
    path: "/api/tokens",
    tag: "API tokens",
    summary: "Create an API token",
    description: "The token is in this answer only: the server keeps its SHA-256.",
    auth: { kind: "session" },
    body: { json: createApiTokenSchema },
    responses: { "201": { description: "`{ token, apiToken }`", json: z.object({ token: z.string().describe("`scy_` and 43 characters. Shown once."), apiToken: apiTokenJson }) }, "409": "Too many active tokens." },
  },
  { method: "delete", path: "/api/tokens/{id}", tag: "API tokens", summary: "Revoke an API token (at once)", auth: { kind: "session" }, pathParams: { id: "The token's id." }, responses: { "204": "Revoked.", "404": "No such active token of yours." } },

  // Settings → Speech (administrators, signed-in session only: 403 for everyone else and for API tokens).
  { method: "get", path: "/api/admin/speech", tag: "Administration", summary: "The speech engine: stages, health, optional models and downloads", auth: { kind: "session" }, responses: { "200": "`{ speech }`", "403": "Not an administrator." } },
  {
    method: "post",
    path: "/api/admin/speech/models/{id}/download",
    tag: "Administration",
    summary: "Start (or join) the background download of an optional model",
    auth: { kind: "session" },
    pathParams: { id: "The model id (as in the manifest)." },
    responses: { "202": "`{ download, speech }`", "403": "Not an administrator.", "404": "No such model.", "409": "Not enough disk space, or the model is not pinned.", "503": "The model host cannot be reached (details.pullCommand)." },
  },
  { method: "delete", path: "/api/admin/speech/models/{id}/download", tag: "Administration", summary: "Cancel a download (or dismiss a failed one)", auth: { kind: "session" }, pathParams: { id: "The model id." }, responses: { "200": "`{ speech }`", "403": "Not an administrator.", "404": "No download of this model." } },
  { method: "delete", path: "/api/admin/speech/models/{id}", tag: "Administration", summary: "Remove an installed model", auth: { kind: "session" }, pathParams: { id: "The model id." }, responses: { "200": "`{ speech }`", "403": "Not an administrator.", "404": "Not installed.", "409": "It is downloading." } },

  // This document, and what is not for API clients.
  { method: "get", path: "/api/openapi.json", tag: "Meta", summary: "This OpenAPI description", auth: { kind: "none" }, responses: { "200": "OpenAPI 3.1 JSON." } },
  { method: "get", path: "/api/auth/{nextauth}", tag: "Internal", summary: "Auth.js (the browser's sign-in; not for API clients)", auth: { kind: "none" }, pathParams: { nextauth: "Auth.js action." }, responses: { "200": "Auth.js." } },
  { method: "post", path: "/api/auth/{nextauth}", tag: "Internal", summary: "Auth.js (the browser's sign-in; not for API clients)", auth: { kind: "none" }, pathParams: { nextauth: "Auth.js action." }, responses: { "200": "Auth.js." } },
  { method: "get", path: "/api/inngest", tag: "Internal", summary: "Inngest's signed endpoint (404 with the embedded engine)", auth: { kind: "none" }, responses: { "200": "Inngest.", "404": "Embedded engine." } },
  { method: "post", path: "/api/inngest", tag: "Internal", summary: "Inngest's signed endpoint (404 with the embedded engine)", auth: { kind: "none" }, responses: { "200": "Inngest.", "404": "Embedded engine." } },
  { method: "put", path: "/api/inngest", tag: "Internal", summary: "Inngest's signed endpoint (404 with the embedded engine)", auth: { kind: "none" }, responses: { "200": "Inngest.", "404": "Embedded engine." } },
];
