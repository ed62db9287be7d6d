/**
 * Pipeline errors are classified once, here: transient ones (timeouts, 429, 5xx, a crashed engine) are
 * retried with backoff; permanent ones (bad audio, other 4xx, bad config) fail the call at once with a
 * short error code the UI can explain.
 */
export type StageErrorCode =
  | "AUDIO_UNDECODABLE"
  | "AUDIO_MISSING"
  | "ENGINE_UNAVAILABLE"
  | "PROVIDER_TIMEOUT"
  | "PROVIDER_RATE_LIMITED"
  | "PROVIDER_UNAVAILABLE"
  | "PROVIDER_REJECTED"
  | "INVALID_CONFIG"
  | "STALLED"
  /** The server stopped (crash, kill -9, restart) while this attempt ran; the engine retries it. */
  | "INTERRUPTED"
  | "INTERNAL";

export class StageError extends Error {
  constructor(
    public readonly code: StageErrorCode,
    message: string,
    public readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StageError";
  }
}

/** Classifies an HTTP status from a provider. */
export function errorFromStatus(status: number, provider: string): StageError {
  if (status === 408) return new StageError("PROVIDER_TIMEOUT", `${provider} timed out.`, true);
  if (status === 429) return new StageError("PROVIDER_RATE_LIMITED", `${provider} is rate limiting requests.`, true);
  if (status >= 500) return new StageError("PROVIDER_UNAVAILABLE", `${provider} is unavailable (HTTP ${status}).`, true);
  return new StageError("PROVIDER_REJECTED", `${provider} refused the request (HTTP ${status}).`, false);
}

/** Anything thrown by a stage, as a StageError. Unknown errors are transient: a retry may well succeed. */
export function classifyError(error: unknown): StageError {
  if (error instanceof StageError) return error;
  if (error instanceof Error) {
    const name = error.name;
    const code = (error as { code?: unknown }).code;
    if (name === "TimeoutError" || name === "AbortError" || code === "ETIMEDOUT") {
      return new StageError("PROVIDER_TIMEOUT", "The request timed out.", true, { cause: error });
    }
    if (code === "ECONNREFUSED" || code === "ECONNRESET" || code === "EPIPE" || code === "ENOTFOUND") {
      return new StageError("PROVIDER_UNAVAILABLE", "Could not reach the provider.", true, { cause: error });
    }
    if (name === "AudioProbeError") return new StageError("AUDIO_UNDECODABLE", "The recording could not be decoded.", false, { cause: error });
    if (code === "ENOENT" && /pocketsphinx|ffmpeg|spawn/i.test(error.message)) {
      return new StageError("ENGINE_UNAVAILABLE", "The local speech engine is not installed.", false, { cause: error });
    }
  }
  return new StageError("INTERNAL", "An unexpected error stopped this stage.", true, { cause: error });
}

const SECRET_PATTERNS: RegExp[] = [
  /\b(sk|pk|rk)[-_][A-Za-z0-9_-]{8,}/g, // API keys (OpenAI, Stripe-style)
  /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi,
  /\b(token|key|secret|password|apikey|api_key)=([^&\s]+)/gi,
  /\b[A-Fa-f0-9]{32,}\b/g, // long hex secrets
  /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, // JWTs
];

/**
 * What may be stored and shown of an error message: one line, no stack, no file paths, no keys, no
 * URLs with credentials, at most 300 characters.
 */
export function sanitizeErrorMessage(message: string): string {
  const firstLine = message.split("\n")[0] ?? "";
  const words = firstLine.split(/(\s+)/).map((word) => {
    if (/^https?:\/\//.test(word)) {
      try {
        const url = new URL(word);
        return `${url.protocol}//${url.host}${url.pathname}`; // no credentials, no query string
      } catch {
        return "[url]";
      }
    }
    // File paths reveal the server's layout: /srv/app/.data/…, C:\\…
    return /^(?:[A-Za-z]:)?(?:[\\/][^\\/\s]+){2,}/.test(word.replace(/^[("']/, "")) ? "[path]" : word;
  });
  let text = words.join("");
  for (const pattern of SECRET_PATTERNS) text = text.replace(pattern, "[redacted]");
  text = text.trim();
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
