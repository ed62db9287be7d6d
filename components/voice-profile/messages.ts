import { ApiError } from "@/components/lib/http-client";
import { MAX_SAMPLE_BYTES } from "./limits";
import type { SampleIssue } from "./sample-checks";

/** Readable sentences for everything that can go wrong on the voice-profile page. Pure and tested. */

const megabytes = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

/** Why the microphone could not be opened (a `getUserMedia` rejection). */
export function microphoneErrorMessage(error: unknown): string {
  const name = error && typeof error === "object" && "name" in error ? String((error as { name: unknown }).name) : "";
  switch (name) {
    case "NotAllowedError":
    case "PermissionDeniedError":
      return "Scryon may not use your microphone. Allow the microphone for this site in your browser's address bar (or its site settings), then try again — or upload an audio file instead.";
    case "SecurityError":
      return "This browser blocks the microphone on this page. Open Scryon over HTTPS (or on localhost) to record — or upload an audio file instead.";
    case "NotFoundError":
    case "DevicesNotFoundError":
    case "OverconstrainedError":
      return "No microphone was found. Connect one and try again — or upload an audio file instead.";
    case "NotReadableError":
    case "TrackStartError":
      return "The microphone is in use by another application or could not be started. Close the other application and try again.";
    case "AbortError":
      return "The microphone stopped before recording started. Try again.";
    case "NotSupportedError":
    case "TypeError":
      return "This browser cannot record audio here. Use a current browser over HTTPS — or upload an audio file instead.";
    default:
      return "The microphone could not be started. Try again, or upload an audio file instead.";
  }
}

/** The browser's own check of a sample (before it is sent). */
export function sampleIssueMessage(issue: SampleIssue): string {
  switch (issue.kind) {
    case "silent":
      return "We heard almost nothing. Check that the right microphone is selected and not muted, then record again.";
    case "too-short":
      return `We heard about ${Math.floor(issue.speechSeconds)} seconds of speech; a good voiceprint needs at least ${issue.minSeconds}. Record again and read the whole script.`;
    case "clipping":
      return "The recording is so loud that it distorts. Move a little away from the microphone (or lower its input volume) and record again for a better voiceprint.";
  }
}

/** Why a sample could not be sent (`POST /api/voice-profile`). */
export function uploadErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return "The sample could not be sent. Try again.";
  if (error.status === 0) return "Could not reach Scryon. Check your connection and try again.";
  if (error.status === 413) return `The sample is too large. Send at most ${megabytes(MAX_SAMPLE_BYTES)} — a minute of speech is plenty.`;
  if (error.status === 415) return "That file is not audio Scryon can read. Choose a recording (for example WAV, MP3, M4A, WebM or OGG).";
  if (error.status === 409) {
    if (/RUNNING/i.test(error.code)) return "Your voice profile is already being made. Wait for it to finish.";
    if (/CONSENT/i.test(error.code)) return "Your consent is needed first (the consent text may have just changed).";
    return error.message;
  }
  if (error.status >= 500) return "Something went wrong on our side; nothing was kept. Try again.";
  return error.message;
}

/** Advice after a failed enrollment, by its error code (the server's message is shown above it). */
export function enrollmentAdvice(code: string | null): string {
  switch ((code ?? "").toUpperCase()) {
    case "TOO_SHORT":
    case "NOT_ENOUGH_SPEECH":
      return "Record again and read the whole script without long pauses.";
    case "SILENT":
    case "NO_SPEECH":
      return "Check that the right microphone is selected and not muted, then record again.";
    case "CLIPPED":
    case "CLIPPING":
      return "Move a little away from the microphone, or lower its input volume, and record again.";
    case "MULTIPLE_VOICES":
    case "MULTIPLE_SPEAKERS":
      return "Record again somewhere only you are speaking.";
    case "UNREADABLE":
    case "SAMPLE_MISSING":
    case "STALLED":
    case "NOT_AUDIO":
    case "UNSUPPORTED_MEDIA_TYPE":
      return "Record again in the browser, or choose another file.";
    default:
      return "Record again; if it keeps failing, try another microphone or upload a file.";
  }
}

/** The message of a failed enrollment as the user reads it: the server's (it says what to do), or advice by code. */
export function enrollmentFailureMessage(enrollment: { errorCode: string | null; errorMessage: string | null }): string {
  return enrollment.errorMessage?.trim() || `Your voice sample could not be turned into a voice profile. ${enrollmentAdvice(enrollment.errorCode)}`;
}
