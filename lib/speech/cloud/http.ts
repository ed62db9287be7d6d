import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { StageError, errorFromStatus, sanitizeErrorMessage } from "@/lib/pipeline/errors";
import type { DiarizationResult, DiarizationSegment, DiarizationSpeaker, PreparedAudio, TranscribedWord } from "../types";

/**
 * The small HTTP client shared by the cloud speech adapters: one attempt = one `fetch` with its own timeout
 * (AbortSignal), retried with exponential backoff and full jitter on 429, 5xx, timeouts and network errors
 * (a `Retry-After` answer is honoured), every failure turned into a `StageError` the pipeline can classify.
 *
 * API keys are sent in a header only; they never reach an error message (vendor texts are redacted and
 * sanitised before they are quoted) and nothing here logs.
 */

/** Options every cloud adapter takes. */
export interface CloudProviderOptions {
  apiKey: string;
  /** The vendor's API origin (tests point it at a local stub). */
  baseUrl?: string;
  /** Per HTTP attempt, including reading the answer. */
  timeoutMs?: number;
  /** Retries after the first attempt for transient failures (429, 5xx, timeouts, network errors). */
  maxRetries?: number;
  fetch?: typeof fetch;
  /** Interval between status polls (asynchronous vendors). */
  pollIntervalMs?: number;
  /** First backoff delay; doubles per retry (with jitter), capped at 30 s. Default 1000. */
  retryBaseDelayMs?: number;
}

export interface HttpClientConfig {
  /** Vendor name used in messages ("deepgram"). */
  provider: string;
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  fetch: typeof fetch;
  /** Retry an attempt that timed out (default true). False: the timeout is thrown at once (the stage retries). */
  retryTimeouts?: boolean;
  /** Retry a 2xx answer that cannot be parsed (default true). */
  retryMalformed?: boolean;
  /**
   * A `Retry-After` above 60 s: false (default) throws at once so the pipeline's own backoff takes over; true
   * waits 60 s and retries.
   */
  capRetryAfter?: boolean;
  /** Ceiling of one backoff delay. Default 30 s. */
  retryMaxDelayMs?: number;
  /** The vendor's explanation in an error body, quoted (redacted) in messages. Default: `err_msg`, `error`, … */
  errorDetail?: (body: string) => string;
}

/** Retry and error settings a provider may set beside `httpConfig`'s defaults. */
export type HttpPolicy = Pick<HttpClientConfig, "retryTimeouts" | "retryMalformed" | "capRetryAfter" | "retryMaxDelayMs" | "errorDetail">;

/**
 * For adapters with long requests (OpenAI, pyannoteAI): a timeout or an unreadable answer is left to the
 * pipeline's stage retry, backoff stays ≤ 8 s, and a long `Retry-After` is waited out up to 60 s.
 */
export const STAGE_RETRIED_POLICY: HttpPolicy = {
  retryTimeouts: false,
  retryMalformed: false,
  capRetryAfter: true,
  retryMaxDelayMs: 8_000,
};

export interface HttpRequest {
  method: "GET" | "POST" | "PUT";
  /** Path and query, appended to the base URL (a config whose `baseUrl` is "" takes absolute URLs). */
  path: string;
  headers?: Record<string, string>;
  /** Called once per attempt (a stream cannot be sent twice). */
  body?: () => BodyInit | Promise<BodyInit>;
  signal?: AbortSignal;
}

/** A `Retry-After` above this is not waited for here: the pipeline's own backoff takes over. */
const MAX_RETRY_AFTER_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;

export function httpConfig(
  provider: string,
  defaultBaseUrl: string,
  options: CloudProviderOptions,
  policy: HttpPolicy = {},
): HttpClientConfig {
  if (!options.apiKey) throw new StageError("INVALID_CONFIG", `No API key is configured for ${provider}.`, false);
  return {
    provider,
    apiKey: options.apiKey,
    baseUrl: (options.baseUrl ?? defaultBaseUrl).replace(/\/+$/, ""),
    timeoutMs: options.timeoutMs ?? 300_000,
    maxRetries: Math.max(0, options.maxRetries ?? 3),
    retryBaseDelayMs: Math.max(0, options.retryBaseDelayMs ?? 1000),
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    ...policy,
  };
}

/** Sends `request` (with retries) and returns the parsed JSON answer of the first 2xx response. */
export async function requestJson(config: HttpClientConfig, request: HttpRequest): Promise<unknown> {
  return send(config, request, (text) => JSON.parse(text) as unknown);
}

/** As `requestJson`, for answers that are not JSON (a storage upload): the body text of the first 2xx response. */
export async function requestText(config: HttpClientConfig, request: HttpRequest): Promise<string> {
  return send(config, request, (text) => text);
}

async function send<T>(config: HttpClientConfig, request: HttpRequest, parse: (text: string) => T): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const outcome = await attemptOnce(config, request, parse);
    if (outcome.ok) return outcome.value;
    const { error, kind } = outcome;
    let { retryAfterMs } = outcome;
    const allowed = (kind !== "timeout" || config.retryTimeouts !== false) && (kind !== "malformed" || config.retryMalformed !== false);
    const retryable = allowed && error.transient && attempt < config.maxRetries;
    if (retryAfterMs !== null && retryAfterMs > MAX_RETRY_AFTER_MS) {
      if (!config.capRetryAfter) throw error;
      retryAfterMs = MAX_RETRY_AFTER_MS;
    }
    if (!retryable) throw error;
    const delay = retryAfterMs ?? backoffDelay(config.retryBaseDelayMs, attempt, config.retryMaxDelayMs);
    await sleep(delay, request.signal);
  }
}

type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; error: StageError; retryAfterMs: number | null; kind: "status" | "malformed" | "timeout" | "network" };

async function attemptOnce<T>(config: HttpClientConfig, request: HttpRequest, parse: (text: string) => T): Promise<Outcome<T>> {
  request.signal?.throwIfAborted();
  const timeout = AbortSignal.timeout(config.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  try {
    const body = request.body ? await request.body() : undefined;
    const init: RequestInit & { duplex?: "half" } = { method: request.method, headers: request.headers, body, signal };
    if (body instanceof ReadableStream) init.duplex = "half"; // required by Node's fetch for streamed bodies
    const response = await config.fetch(`${config.baseUrl}${request.path}`, init);
    const text = await response.text();
    if (response.ok) {
      try {
        return { ok: true, value: parse(text) };
      } catch (cause) {
        return { ok: false, error: malformedResponse(config.provider, cause), retryAfterMs: null, kind: "malformed" };
      }
    }
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
    return { ok: false, error: statusError(config, response.status, text), retryAfterMs, kind: "status" };
  } catch (cause) {
    if (request.signal?.aborted) throw request.signal.reason; // the caller gave up: not ours to classify
    if (cause instanceof StageError) throw cause;
    if (timeout.aborted || isNamed(cause, "TimeoutError")) {
      return {
        ok: false,
        error: new StageError("PROVIDER_TIMEOUT", `${config.provider} did not answer within ${Math.round(config.timeoutMs / 1000)} s.`, true),
        retryAfterMs: null,
        kind: "timeout",
      };
    }
    if (isNamed(cause, "AbortError")) throw cause;
    return {
      ok: false,
      error: new StageError("PROVIDER_UNAVAILABLE", `Could not reach ${config.provider}.`, true, { cause: networkCause(cause, config.apiKey) }),
      retryAfterMs: null,
      kind: "network",
    };
  }
}

/** The StageError for a non-2xx answer; a short vendor explanation is quoted, redacted. */
export function statusError(
  config: Pick<HttpClientConfig, "provider" | "apiKey" | "errorDetail">,
  status: number,
  body: string,
): StageError {
  if (status === 401 || status === 403) {
    return new StageError(
      "PROVIDER_REJECTED",
      `${config.provider} refused the API key (HTTP ${status}): check the configured key and its permissions.`,
      false,
    );
  }
  const base = errorFromStatus(status, config.provider);
  const detail = (config.errorDetail ?? vendorMessage)(body);
  if (!detail) return base;
  const message = safeMessage(`${base.message.replace(/\.$/, "")}: ${detail}`, config.apiKey);
  return new StageError(base.code, message, base.transient);
}

export function malformedResponse(provider: string, cause?: unknown): StageError {
  return new StageError("PROVIDER_UNAVAILABLE", `${provider} returned a malformed response.`, true, cause ? { cause } : undefined);
}

/** Removes the key (and anything else secret-looking) from a text before it becomes an error message. */
export function safeMessage(text: string, apiKey: string): string {
  const redacted = apiKey ? text.split(apiKey).join("[redacted]") : text;
  return sanitizeErrorMessage(redacted);
}

/** The human part of a vendor error body (`err_msg`, `error`, `message`, …), if any. */
function vendorMessage(body: string): string {
  if (!body) return "";
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    for (const key of ["err_msg", "error", "message", "detail", "reason"]) {
      const value = json?.[key];
      if (typeof value === "string" && value.trim()) return value.trim().slice(0, 200);
    }
    return "";
  } catch {
    return ""; // HTML error pages and the like say nothing useful
  }
}

/** Seconds or an HTTP date → milliseconds (null when absent or unreadable). */
export function parseRetryAfter(value: string | null): number | null {
  if (value === null || value.trim() === "") return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - Date.now());
}

/**
 * `Retry-After` (seconds or an HTTP date) → milliseconds, capped at `capMs`; undefined when absent or
 * unreadable. (`requestJson` parses with `parseRetryAfter` and, per `capRetryAfter`, refuses to wait past
 * MAX_RETRY_AFTER_MS or waits that long at most.)
 */
export function cappedRetryAfterMs(header: string | null, capMs: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, capMs);
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - Date.now()), capMs);
}

/** Exponential backoff with full jitter: uniform in [base·2ⁿ / 2, base·2ⁿ], capped at `maxMs`. */
export function backoffDelay(baseMs: number, attempt: number, maxMs = MAX_BACKOFF_MS): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function isNamed(error: unknown, name: string): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === name;
}

/** Keeps the error code of a network failure (ECONNREFUSED, …) as the cause, without anything else. */
function networkCause(error: unknown, apiKey: string): Error {
  const inner = (error as { cause?: unknown })?.cause ?? error;
  const code = (inner as { code?: unknown })?.code;
  const message = inner instanceof Error ? safeMessage(inner.message, apiKey) : "network error";
  const out = new Error(message);
  if (typeof code === "string") (out as Error & { code?: string }).code = code;
  return out;
}

// --- audio bodies ----------------------------------------------------------------------------------------------

const CONTENT_TYPES: Record<string, string> = {
  ".wav": "audio/wav",
  ".mp3": "audio/mpeg",
  ".m4a": "audio/mp4",
  ".mp4": "audio/mp4",
  ".aac": "audio/aac",
  ".ogg": "audio/ogg",
  ".oga": "audio/ogg",
  ".opus": "audio/ogg",
  ".webm": "audio/webm",
  ".flac": "audio/flac",
};

/** Which file of a `PreparedAudio` to send: the decoded 16 kHz WAV (default) or the original upload (smaller). */
export type AudioUpload = "wav" | "original";

export interface AudioBody {
  filePath: string;
  contentType: string;
  /** A fresh stream of the file per call. */
  body: () => Promise<BodyInit>;
}

export function audioBody(audio: PreparedAudio, which: AudioUpload = "wav"): AudioBody {
  const filePath = which === "original" ? audio.sourcePath : audio.wavPath;
  const contentType = which === "original" ? (CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? "application/octet-stream") : "audio/wav";
  return {
    filePath,
    contentType,
    body: async () => {
      try {
        await stat(filePath); // a missing file is our problem, not the vendor's: fail before sending
      } catch (cause) {
        throw new StageError("AUDIO_MISSING", "The decoded recording is missing; prepare the audio again.", false, { cause });
      }
      return Readable.toWeb(createReadStream(filePath)) as unknown as ReadableStream<Uint8Array>;
    },
  };
}

// --- one vendor answer shared by the diarization and transcription stages ----------------------------------------

const inFlight = new Map<string, Promise<unknown>>();

/**
 * Both stages of one call usually ask the same vendor about the same file (at once or one after the other);
 * one request answers both. Concurrent callers share the promise; a finished answer is kept for a minute.
 */
export async function sharedRequest<T>(key: string, run: () => Promise<T>): Promise<T> {
  const existing = inFlight.get(key);
  if (existing) return existing as Promise<T>;
  const promise = run();
  inFlight.set(key, promise);
  const forget = () => {
    if (inFlight.get(key) === promise) inFlight.delete(key);
  };
  promise.then(() => setTimeout(forget, 60_000).unref(), forget);
  return promise;
}

/** A cache key for one file's content version. */
export async function fileVersionKey(filePath: string): Promise<string> {
  try {
    const s = await stat(filePath);
    return `${filePath}:${s.size}:${s.mtimeMs}`;
  } catch {
    return filePath;
  }
}

// --- speaker turns → DiarizationResult ---------------------------------------------------------------------------

export interface SpeakerTurn {
  speaker: string;
  start: number;
  end: number;
}

/** Consecutive words of one speaker as turns (words without a speaker are skipped). */
export function turnsFromWords(words: TranscribedWord[]): SpeakerTurn[] {
  const turns: SpeakerTurn[] = [];
  for (const word of [...words].sort((a, b) => a.start - b.start)) {
    if (!word.speaker) continue;
    const last = turns[turns.length - 1];
    if (last && last.speaker === word.speaker) last.end = Math.max(last.end, word.end);
    else turns.push({ speaker: word.speaker, start: word.start, end: word.end });
  }
  return turns;
}

/** Sorted segments and the speakers in order of first appearance, labelled after their id ("S2" → "Speaker 2"). */
export function diarizationFromTurns(turns: SpeakerTurn[]): DiarizationResult {
  const segments: DiarizationSegment[] = turns
    .filter((t) => Number.isFinite(t.start) && Number.isFinite(t.end))
    .map((t) => ({ speaker: t.speaker, start: t.start, end: Math.max(t.start, t.end) }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const speakers: DiarizationSpeaker[] = [];
  const seen = new Set<string>();
  for (const segment of segments) {
    if (seen.has(segment.speaker)) continue;
    seen.add(segment.speaker);
    const n = /^S(\d+)$/.exec(segment.speaker)?.[1];
    speakers.push({ id: segment.speaker, label: n ? `Speaker ${n}` : segment.speaker });
  }
  return { speakers, segments };
}
