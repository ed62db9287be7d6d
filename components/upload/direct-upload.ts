import { SNIFF_BYTES, sniffAudio } from "@/lib/audio/sniff";
import { NOT_A_RECORDING_MESSAGE } from "./check-file";
import { SpeedMeter } from "./format";
import type { ActivePhase, UploadCallbacks, UploadFailure, UploadHandle } from "./resumable-upload";
import { describeRefusal } from "./upload-failure";

/**
 * Sends one file straight to Vercel Blob (when the server stores recordings there; see
 * lib/uploads/blob-direct.ts): begin → `upload()` from `@vercel/blob/client` with a client token from the
 * app → complete. Same callbacks and handle as the tus upload, so the card shows the same progress,
 * speed, time left and cancel. Nothing to resume: a failed or cancelled upload is deleted on the server
 * and "Try again" sends the file from the start.
 */

export const BLOB_BEGIN_PATH = "/api/uploads/blob/begin";
export const BLOB_TOKEN_PATH = "/api/uploads/blob";
export const BLOB_COMPLETE_PATH = "/api/uploads/blob/complete";
/** Larger files go to Blob in parts (8 MiB each, several at a time, each retried on its own). */
export const MULTIPART_ABOVE_BYTES = 8 * 1024 * 1024;
/** Completing is idempotent: after a lost answer or a 5xx, ask again after these delays. */
const COMPLETE_RETRY_DELAYS = [1000, 3000, 5000, 10000];
const PROGRESS_INTERVAL_MS = 200;

export interface DirectUploadOptions {
  /** The app's origin; default the page's. */
  origin?: string;
}


class Cancelled extends Error {}

const connectionLost = (): UploadFailure => ({
  message: "The connection dropped before the whole file arrived. Nothing was saved; try again.",
  retryable: true,
});

export function startDirectUpload(
  file: File,
  metadata: Record<string, string>,
  callbacks: UploadCallbacks,
  options: DirectUploadOptions = {},
): UploadHandle {
  const origin = options.origin ?? window.location.origin;
  const controller = new AbortController();
  const meter = new SpeedMeter();
  let phase: ActivePhase = "uploading";
  let finished = false;
  let lastEmit = 0;
  let callId: string | null = null;
  /** Once complete was asked for, only a cancel deletes the call. */
  let completing = false;
  /** The SDK throttles progress and may report a stale figure after the upload resolved: ignored. */
  let allSent = false;

  const setPhase = (next: ActivePhase) => {
    if (finished || next === phase) return;
    phase = next;
    callbacks.onPhase(next);
  };
  const fail = (failure: UploadFailure) => {
    if (finished) return;
    finished = true;
    void discard(true);
    callbacks.onFailure(failure);
  };

  /**
   * Deletes the call (and whatever reached Blob) of an upload that will not complete. After complete was
   * asked for, only a cancel does (the server deletes rejected uploads itself).
   */
  async function discard(keepalive: boolean, cancelling = false): Promise<void> {
    const id = callId;
    if (!id || (completing && !cancelling)) return;
    callId = null;
    try {
      await fetch(`${origin}/api/calls/${encodeURIComponent(id)}`, { method: "DELETE", keepalive });
    } catch {
      // Offline: the server removes uploads that stop on its own.
    }
  }

  function onProgress(loaded: number) {
    if (finished || allSent) return;
    const total = file.size;
    const sent = Math.min(loaded, total);
    const bytesPerSecond = meter.sample(sent, performance.now());
    if (sent >= total) setPhase("processing");
    const now = performance.now();
    if (sent < total && now - lastEmit < PROGRESS_INTERVAL_MS) return;
    lastEmit = now;
    callbacks.onProgress({
      sent,
      total,
      bytesPerSecond,
      secondsLeft: bytesPerSecond && bytesPerSecond > 0 ? (total - sent) / bytesPerSecond : null,
    });
  }

  async function postJson(path: string, body: unknown): Promise<Response> {
    if (finished) throw new Cancelled();
    try {
      return await fetch(`${origin}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
    } catch (error) {
      if (finished || controller.signal.aborted) throw new Cancelled();
      throw error;
    }
  }

  async function run() {
    // The card checked the file already; the extension (the key's) comes from the same sniffer.
    const sniff = sniffAudio(new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer()));
    if (!sniff) return fail({ message: NOT_A_RECORDING_MESSAGE, retryable: false });

    let begun: Response;
    try {
      begun = await postJson(BLOB_BEGIN_PATH, { ...metadata, size: file.size, extension: sniff.extension });
    } catch (error) {
      if (error instanceof Cancelled) return;
      return fail({ message: "The server could not be reached. Check the connection and try again.", retryable: true });
    }
    if (!begun.ok) return fail(await describeFailure(begun));
    const started = (await begun.json()) as { callId: string; pathname: string };
    callId = started.callId;
    if (finished) return void discard(false, true); // cancelled while beginning

    const { upload } = await import("@vercel/blob/client");
    try {
      await upload(started.pathname, file, {
        access: "private",
        handleUploadUrl: `${origin}${BLOB_TOKEN_PATH}`,
        clientPayload: started.callId,
        multipart: file.size > MULTIPART_ABOVE_BYTES,
        // The bare media type: what the token's allowed list is written in.
        contentType: sniff.mimeType.split(";")[0]!.trim(),
        abortSignal: controller.signal,
        onUploadProgress: ({ loaded }) => onProgress(loaded),
      });
    } catch (error) {
      if (finished || controller.signal.aborted) return;
      console.warn("[upload] direct upload to storage failed", error);
      return fail(connectionLost());
    }
    onProgress(file.size);
    allSent = true;
    setPhase("processing");

    completing = true;
    const body = { callId: started.callId, size: file.size, pathname: started.pathname };
    for (let attempt = 0; ; attempt++) {
      let answer: Response | null = null;
      try {
        answer = await postJson(BLOB_COMPLETE_PATH, body);
      } catch (error) {
        if (error instanceof Cancelled) return;
      }
      if (answer?.ok) {
        const { call } = (await answer.json()) as { call: { id: string } };
        if (finished) return;
        finished = true;
        callbacks.onSuccess(call.id);
        return;
      }
      const retry = answer === null || answer.status >= 500;
      const delay = COMPLETE_RETRY_DELAYS[attempt];
      if (!retry || delay === undefined) {
        if (finished) return;
        finished = true;
        callbacks.onFailure(
          answer
            ? await describeFailure(answer)
            : {
                message:
                  "Every byte was sent, but the server could not be asked to check the recording. " +
                  "Look for it under Calls before uploading it again.",
                retryable: true,
              },
        );
        return;
      }
      setPhase("retrying");
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (finished) return;
      setPhase("processing");
    }
  }

  void run().catch((error: unknown) => {
    console.warn("[upload] direct upload failed", error);
    fail({ message: "The file could not be read. It may have been moved, changed or deleted; choose it again.", retryable: true });
  });

  return {
    async cancel() {
      finished = true;
      controller.abort();
      await discard(false, true);
    },
    stop() {
      // Leaving the page: nothing can resume a direct upload, so do not leave half of one behind
      // (but a recording already being checked is left to finish).
      finished = true;
      controller.abort();
      void discard(true);
    },
    reconnectNow() {
      // The Blob client retries on its own; there is no paused state to leave.
    },
  };
}

async function describeFailure(response: Response): Promise<UploadFailure> {
  const body = await response.text().catch(() => null);
  return describeRefusal(response.status, body, "The server no longer has this upload. Try again to send the file from the start.");
}
