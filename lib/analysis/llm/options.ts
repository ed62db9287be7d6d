import { StageError } from "@/lib/pipeline/errors";
import { DEFAULT_MAX_CHUNK_CHARS } from "./chunking";

/** Options both LLM providers take (besides their vendor's own). */
export interface LlmProviderOptions {
  model: string;
  /** Per model request, including reading the answer. Default 5 minutes (a local model on a CPU is slow). */
  timeoutMs?: number;
  /** Longest transcript text (formatted lines) sent in one request. Default 24,000 characters. */
  maxChunkChars?: number;
  /** Retries after the first attempt for 429, 5xx, network errors and unusable answers. Default 2. */
  maxRetries?: number;
  /** First backoff delay when the server sends no Retry-After; doubles per retry (with jitter). Default 1000. */
  retryBaseDelayMs?: number;
  /** Sampling temperature; unset by default (some models reject anything but their default). */
  temperature?: number;
  /** Cap on the answer's length in tokens. */
  maxOutputTokens?: number;
  /** A custom fetch (proxies, tests). */
  fetch?: typeof fetch;
}

export const DEFAULT_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_RETRY_BASE_DELAY_MS = 1_000;

export interface ResolvedLlmOptions {
  model: string;
  timeoutMs: number;
  maxChunkChars: number;
  maxRetries: number;
  retryBaseDelayMs: number;
}

export function resolveLlmOptions(options: LlmProviderOptions, provider: string): ResolvedLlmOptions {
  const model = options.model?.trim();
  if (!model) throw new StageError("INVALID_CONFIG", `No model is configured for ${provider}.`, false);
  return {
    model,
    timeoutMs: positive(options.timeoutMs) ?? DEFAULT_TIMEOUT_MS,
    maxChunkChars: positive(options.maxChunkChars) ?? DEFAULT_MAX_CHUNK_CHARS,
    maxRetries: Math.max(0, Math.floor(options.maxRetries ?? DEFAULT_MAX_RETRIES)),
    retryBaseDelayMs: Math.max(0, options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS),
  };
}

/** A base URL without trailing slashes; INVALID_CONFIG when it is not an http(s) URL. */
export function resolveBaseUrl(value: string, provider: string): { baseUrl: string; host: string } {
  const trimmed = value?.trim().replace(/\/+$/, "") ?? "";
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new StageError("INVALID_CONFIG", `The base URL configured for ${provider} is not a valid URL.`, false);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new StageError("INVALID_CONFIG", `The base URL configured for ${provider} must start with http:// or https://.`, false);
  }
  return { baseUrl: trimmed, host: url.host };
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}
