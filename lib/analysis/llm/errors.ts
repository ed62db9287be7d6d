import {
  APICallError,
  EmptyResponseBodyError,
  InvalidResponseDataError,
  JSONParseError,
  LoadAPIKeyError,
  NoContentGeneratedError,
  NoObjectGeneratedError,
  NoOutputGeneratedError,
  RetryError,
  TypeValidationError,
} from "ai";
import { StageError, classifyError, errorFromStatus, sanitizeErrorMessage } from "@/lib/pipeline/errors";

/**
 * AI SDK errors → the pipeline's StageErrors (codes from lib/pipeline/errors.ts):
 *
 * | what happened                                   | code                   | transient |
 * |-------------------------------------------------|------------------------|-----------|
 * | our per-request timeout fired, HTTP 408         | PROVIDER_TIMEOUT       | yes       |
 * | HTTP 429                                        | PROVIDER_RATE_LIMITED  | yes       |
 * | HTTP 5xx (529 "overloaded" too), network errors | PROVIDER_UNAVAILABLE   | yes       |
 * | an answer that is not the JSON asked for        | PROVIDER_UNAVAILABLE   | yes       |
 * | HTTP 401/403 (bad key)                          | PROVIDER_REJECTED      | no        |
 * | other 4xx (bad model name, context too long, …) | PROVIDER_REJECTED      | no        |
 * | no API key configured                           | INVALID_CONFIG         | no        |
 *
 * There is no separate auth code in StageErrorCode: a refused key is PROVIDER_REJECTED with a message that
 * says so. Messages never carry the key: 401/403 answers are not quoted at all (OpenAI's quotes part of the
 * key), other vendor texts are quoted with the key cut out and `sanitizeErrorMessage` applied. The SDK's
 * error (which holds the request body, i.e. the transcript) is not kept as the cause; the cause is a bare
 * Error with the HTTP status or network error code.
 */

export interface ErrorContext {
  /** For messages: "Anthropic", "OpenAI-compatible API (api.openai.com)". */
  provider: string;
  apiKey: string | undefined;
  timeoutMs: number;
}

/** Whether `error` (or what it wraps) is an abort/timeout from a signal. */
export function isAbortLike(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "AbortError" || name === "TimeoutError" || name === "ResponseAborted";
}

export function toStageError(error: unknown, context: ErrorContext, timedOut = false): StageError {
  if (error instanceof StageError) return error;
  if (timedOut || (isAbortLike(error) && (error as { name?: unknown }).name === "TimeoutError")) {
    return new StageError("PROVIDER_TIMEOUT", `${context.provider} did not answer within ${formatSeconds(context.timeoutMs)}.`, true);
  }
  if (RetryError.isInstance(error)) return toStageError(error.lastError, context);
  if (APICallError.isInstance(error)) return fromApiCallError(error, context);
  if (
    NoObjectGeneratedError.isInstance(error) ||
    NoOutputGeneratedError.isInstance(error) ||
    NoContentGeneratedError.isInstance(error) ||
    JSONParseError.isInstance(error) ||
    TypeValidationError.isInstance(error) ||
    InvalidResponseDataError.isInstance(error) ||
    EmptyResponseBodyError.isInstance(error)
  ) {
    const finish = NoObjectGeneratedError.isInstance(error) && error.finishReason === "length" ? " (the answer was cut off)" : "";
    return new StageError("PROVIDER_UNAVAILABLE", `${context.provider} returned an answer that is not a valid analysis${finish}.`, true, {
      cause: bareCause(error.name),
    });
  }
  if (LoadAPIKeyError.isInstance(error)) {
    return new StageError("INVALID_CONFIG", `No API key is configured for ${context.provider}.`, false);
  }
  if (isNetworkError(error)) {
    return new StageError("PROVIDER_UNAVAILABLE", `Could not reach ${context.provider}.`, true, { cause: networkCause(error) });
  }
  const classified = classifyError(error);
  // Never pass an unknown error's text on unredacted.
  return new StageError(classified.code, redact(classified.message, context.apiKey), classified.transient, {
    cause: bareCause(error instanceof Error ? error.name : "Error"),
  });
}

function fromApiCallError(error: APICallError, context: ErrorContext): StageError {
  const status = error.statusCode;
  if (status === undefined) {
    // No HTTP answer: connection refused/reset, DNS, TLS.
    return new StageError("PROVIDER_UNAVAILABLE", `Could not reach ${context.provider}.`, true, { cause: networkCause(error.cause ?? error) });
  }
  const cause = bareCause("APICallError", status);
  if (status >= 200 && status < 300) {
    return new StageError("PROVIDER_UNAVAILABLE", `${context.provider} returned a malformed response.`, true, { cause });
  }
  if (status === 401 || status === 403) {
    return new StageError(
      "PROVIDER_REJECTED",
      `${context.provider} refused the API key (HTTP ${status}): check the configured key and its permissions.`,
      false,
      { cause },
    );
  }
  const base = errorFromStatus(status, context.provider);
  const detail = vendorDetail(error.message, context.apiKey);
  const message = detail && !base.transient ? `${base.message.replace(/\.$/, "")}: ${detail}` : base.message;
  return new StageError(base.code, redact(message, context.apiKey), base.transient, { cause });
}

/** The vendor's explanation (the SDK puts `error.message` of the JSON body in the message), short and clean. */
function vendorDetail(message: string, apiKey: string | undefined): string {
  const text = redact(message, apiKey).trim();
  if (!text || /^(Bad Request|Not Found|Unprocessable Entity|Forbidden|Unauthorized)$/i.test(text)) return "";
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function redact(text: string, apiKey: string | undefined): string {
  const withoutKey = apiKey ? text.split(apiKey).join("[redacted]") : text;
  return sanitizeErrorMessage(withoutKey);
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT"]);

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

function isNetworkError(error: unknown): boolean {
  if (error instanceof TypeError && /fetch failed|failed to fetch|network/i.test(error.message)) return true;
  const code = errorCode(error);
  return code !== undefined && NETWORK_CODES.has(code);
}

function networkCause(error: unknown): Error {
  const out = bareCause("NetworkError");
  const code = errorCode(error);
  if (code) (out as Error & { code?: string }).code = code;
  return out;
}

function bareCause(name: string, statusCode?: number): Error {
  const cause = new Error(statusCode === undefined ? name : `${name} (HTTP ${statusCode})`);
  if (statusCode !== undefined) (cause as Error & { statusCode?: number }).statusCode = statusCode;
  return cause;
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

/** `retry-after-ms` (OpenAI) or `Retry-After` (seconds or an HTTP date) of a failed call, in ms. */
export function retryAfterMs(error: unknown): number | null {
  const apiError = RetryError.isInstance(error) ? error.lastError : error;
  if (!APICallError.isInstance(apiError)) return null;
  const headers = apiError.responseHeaders ?? {};
  const header = (name: string) => Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  const ms = header("retry-after-ms");
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const value = header("retry-after")?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}
