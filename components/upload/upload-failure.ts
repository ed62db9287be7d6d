import { fieldErrorsFromDetails } from "./metadata-fields";
import type { UploadFailure } from "./resumable-upload";

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

/**
 * What the user is told when the server refused an upload, from its status and JSON error body — the
 * same for the tus and the Vercel Blob path. `goneMessage` is what a 404 (or 410) means on that path.
 */
export function describeRefusal(status: number, rawBody: string | null, goneMessage: string): UploadFailure {
  let body: ErrorBody | null = null;
  try {
    body = rawBody ? (JSON.parse(rawBody) as ErrorBody) : null;
  } catch {
    body = null;
  }
  const serverMessage = typeof body?.error?.message === "string" ? body.error.message : null;
  const fieldErrors = fieldErrorsFromDetails(body?.error?.details);
  const hasFieldErrors = Object.keys(fieldErrors).length > 0;
  switch (status) {
    case 401:
      return { message: "Your session has ended. Sign in again in another tab, then try again.", retryable: true };
    case 404:
    case 410:
      return { message: goneMessage, retryable: true };
    case 413:
      return { message: serverMessage ?? "This file is larger than the server accepts.", retryable: false };
    case 415:
      return { message: serverMessage ?? "This file is not a recording Scryon can read.", retryable: false };
    case 400:
      return {
        message: hasFieldErrors ? "Some details are not valid. Fix them and try again." : (serverMessage ?? "The upload was incomplete. Try again."),
        ...(hasFieldErrors ? { fieldErrors } : {}),
        retryable: true,
      };
    default:
      return {
        message: serverMessage ?? `The upload failed (the server answered ${status}). Nothing was saved; try again.`,
        retryable: true,
      };
  }
}
