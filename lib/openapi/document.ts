import "server-only";
import { buildDocument } from "./build";
import { OPERATIONS, errorSchema } from "./operations";

const INFO = {
  title: "Scryon API",
  version: "1",
  description:
    "Calls, transcripts, action items and uploads of the signed-in user. Authenticate with a personal API token (`Authorization: Bearer scy_…`, Settings → API tokens) or the browser session. Another user's objects are answered like ones that do not exist (404). Errors are `{ error: { code, message, details? } }`.",
};

let cached: Record<string, unknown> | null = null;

/** The OpenAPI document, built once per process (the schemas do not change while it runs). */
export function openApiDocument(): Record<string, unknown> {
  cached ??= buildDocument(INFO, OPERATIONS, errorSchema);
  return cached;
}
