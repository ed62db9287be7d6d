import { DetailedError, Upload, defaultOptions, type PreviousUpload } from "tus-js-client";
import { SpeedMeter } from "./format";
import type { FieldErrors } from "./metadata-fields";
import { describeRefusal } from "./upload-failure";

/** The tus endpoint (app/api/uploads). tus-js-client resolves the Location it answers against it. */
export const UPLOAD_PATH = "/api/uploads";
export const CALL_ID_HEADER = "X-Scryon-Call-Id";
export const CHUNK_SIZE = 16 * 1024 * 1024;
export const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000];
/** After the retries above are spent on a lost connection, keep trying this often (and on `online`). */
const RECONNECT_EVERY_MS = 10_000;
/** Progress reaches the UI at most this often (the last byte always does). */
const PROGRESS_INTERVAL_MS = 200;

export interface UploadProgress {
  sent: number;
  total: number;
  bytesPerSecond: number | null;
  secondsLeft: number | null;
}

export type ActivePhase = "uploading" | "retrying" | "paused" | "processing";

export interface UploadFailure {
  message: string;
  fieldErrors?: FieldErrors;
  /** Whether sending the same file again can help (false for "not audio", "too large"). */
  retryable: boolean;
}

export interface UploadCallbacks {
  onPhase(phase: ActivePhase): void;
  onProgress(progress: UploadProgress): void;
  /** The server stored and checked the recording; `callId` null: every byte arrived but no call was confirmed. */
  onSuccess(callId: string | null): void;
  onFailure(failure: UploadFailure): void;
}

export interface UploadHandle {
  /** Stops the upload and deletes what the server has of it. */
  cancel(): Promise<void>;
  /** Stops sending without deleting anything: choosing the same file again resumes it. */
  stop(): void;
  /** Reconnect now instead of waiting for the next automatic attempt. */
  reconnectNow(): void;
}

function endpoint(): string {
  // Absolute on purpose: tus-js-client resolves the server's (relative) Location against the endpoint.
  return new URL(UPLOAD_PATH, window.location.origin).href;
}

/** An unfinished upload of this very file (same name, size, type, modification time) from earlier. */
export async function findUnfinishedUpload(file: File): Promise<PreviousUpload | null> {
  try {
    const previous = await new Upload(file, { endpoint: endpoint() }).findPreviousUploads();
    return newest(previous);
  } catch {
    return null;
  }
}

function newest(uploads: PreviousUpload[]): PreviousUpload | null {
  let best: PreviousUpload | null = null;
  for (const upload of uploads) {
    if (!upload.uploadUrl) continue;
    if (!best || Date.parse(upload.creationTime) > Date.parse(best.creationTime)) best = upload;
  }
  return best;
}

function sameMetadata(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

/** Marks a request we refuse to send (see `lostWhileChecking`). */
class DuplicateGuardError extends Error {}

/**
 * Sends one file with tus: 16 MiB chunks, retries with backoff, and resumption of an earlier upload of
 * the same file (after a reload or a dropped connection) when it was started with the same details.
 */
export function startResumableUpload(file: File, metadata: Record<string, string>, callbacks: UploadCallbacks): UploadHandle {
  const meter = new SpeedMeter();
  let phase: ActivePhase = "uploading";
  let finished = false;
  let lastEmit = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  // Every byte was sent and the connection dropped before the server answered: it may have kept the
  // recording. Then the server no longer knows the upload, and tus would silently start a second one.
  let lostWhileChecking = false;

  const setPhase = (next: ActivePhase) => {
    if (finished || next === phase) return;
    phase = next;
    callbacks.onPhase(next);
  };

  const clearReconnect = () => {
    if (reconnectTimer) clearTimeout(reconnectTimer);
    reconnectTimer = null;
    window.removeEventListener("online", onOnline);
  };

  const finish = () => {
    finished = true;
    clearReconnect();
  };

  const upload = new Upload(file, {
    endpoint: endpoint(),
    metadata,
    chunkSize: CHUNK_SIZE,
    retryDelays: RETRY_DELAYS,
    removeFingerprintOnSuccess: true,
    onProgress(sent, total) {
      if (finished) return;
      if (phase === "retrying" || phase === "paused") {
        meter.pause();
        setPhase("uploading");
      }
      const bytesPerSecond = meter.sample(sent, performance.now());
      // Sending again below the end: the server did not have every byte, so nothing was finished.
      if (sent < total) lostWhileChecking = false;
      if (sent >= total) {
        setPhase("processing");
      } else if (phase === "processing") {
        setPhase("uploading");
      }
      const now = performance.now();
      if (sent < total && now - lastEmit < PROGRESS_INTERVAL_MS) return;
      lastEmit = now;
      callbacks.onProgress({
        sent,
        total,
        bytesPerSecond,
        secondsLeft: bytesPerSecond && bytesPerSecond > 0 ? (total - sent) / bytesPerSecond : null,
      });
    },
    onShouldRetry(error) {
      if (finished) return false;
      if (error.causingError instanceof DuplicateGuardError) return false;
      const status = error.originalResponse?.getStatus() ?? 0;
      // Unlike tus's default, a browser that says it is offline still retries: that is the case to cover.
      const retry = status === 0 || status === 409 || status === 423 || status >= 500;
      if (retry) {
        if (status === 0 && phase === "processing") lostWhileChecking = true;
        setPhase("retrying");
      }
      return retry;
    },
    onBeforeRequest(request) {
      if (lostWhileChecking && request.getMethod() === "POST") throw new DuplicateGuardError("duplicate guard");
    },
    onSuccess({ lastResponse }) {
      if (finished) return;
      finish();
      // Only the answer to the last chunk carries the call id. Without it (a resumed upload whose bytes
      // were all there already) the server has not confirmed a call, and the page must not claim one.
      callbacks.onSuccess(lastResponse.getHeader(CALL_ID_HEADER) || null);
    },
    onError(error) {
      if (finished) return;
      if (error instanceof DetailedError && error.causingError instanceof DuplicateGuardError) {
        finish();
        callbacks.onFailure({
          message:
            "The connection dropped while the server was checking the recording, so Scryon cannot tell whether it arrived. " +
            "Look for it under Calls before uploading it again.",
          retryable: true,
        });
        return;
      }
      const failure = describeFailure(error);
      if (failure === "connection") {
        setPhase("paused");
        scheduleReconnect();
        return;
      }
      finish();
      callbacks.onFailure(failure);
    },
  });

  function onOnline() {
    reconnect();
  }

  function reconnect() {
    if (finished) return;
    clearReconnect();
    setPhase("retrying");
    upload.start();
  }

  function scheduleReconnect() {
    clearReconnect();
    reconnectTimer = setTimeout(reconnect, RECONNECT_EVERY_MS);
    window.addEventListener("online", onOnline);
  }

  void (async () => {
    const previous = await upload.findPreviousUploads().catch(() => [] as PreviousUpload[]);
    if (finished) return; // cancelled before it began
    const match = newest(previous.filter((candidate) => sameMetadata(candidate.metadata ?? {}, metadata)));
    for (const stale of previous) {
      if (stale === match) continue;
      // Started with other details: the server holds a call with the old ones. Start over, and let the
      // server delete the old partial upload.
      if (stale.uploadUrl) void Upload.terminate(stale.uploadUrl, { retryDelays: null }).catch(() => undefined);
      void defaultOptions.urlStorage.removeUpload(stale.urlStorageKey).catch(() => undefined);
    }
    if (match) upload.resumeFromPreviousUpload(match);
    upload.start();
  })();

  return {
    async cancel() {
      finish();
      try {
        await upload.abort(true);
      } catch {
        // The server could not be told (offline?). It deletes uploads that stop on its own.
      }
    },
    stop() {
      finish();
      void upload.abort(false);
    },
    reconnectNow() {
      reconnect();
    },
  };
}


function describeFailure(error: Error): UploadFailure | "connection" {
  if (!(error instanceof DetailedError)) {
    // Not an HTTP problem: reading the file failed (moved, deleted, changed on disk).
    return {
      message: "The file could not be read. It may have been moved, changed or deleted; choose it again.",
      retryable: true,
    };
  }
  const response = error.originalResponse;
  const status = response?.getStatus() ?? 0;
  if (!response || status === 0 || status === 502 || status === 503 || status === 504) return "connection";

  return describeRefusal(status, response.getBody(), "The server no longer has the part uploaded so far. Try again to send the file from the start.");
}
