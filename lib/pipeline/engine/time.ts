/** Durations and due times as the SDK sends them (SDK spec §1.3.2 "Time String", §5.3.2 Sleep). */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const TIME_STRING = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w))+$/;
const TIME_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w)/g;

/** "2h45m" → 9_900_000; null when it is not a time string. */
export function parseTimeString(value: string): number | null {
  if (!TIME_STRING.test(value)) return null;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(TIME_PART)) total += Number(amount) * (UNIT_MS[unit!] ?? 0);
  return total;
}

/**
 * When a sleep (or timeout) given as a time string or an ISO date ends, counted from `now`.
 * Null when the value is neither: the engine fails the run rather than guessing.
 */
export function resolveDueAt(value: unknown, now: Date): Date | null {
  if (typeof value !== "string" || value === "") return null;
  const ms = parseTimeString(value);
  if (ms !== null) return new Date(now.getTime() + ms);
  // Only full ISO dates; Date.parse accepts many loose formats we would rather refuse.
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : new Date(at);
}

/** `Retry-After` from a RetryAfterError: seconds, or an ISO date (SDK spec §4.4.3). */
export function parseRetryAfter(header: string | null, now: Date): Date | null {
  if (!header) return null;
  if (/^\d+(\.\d+)?$/.test(header)) return new Date(now.getTime() + Number(header) * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : new Date(at);
}

/** Default retry backoff: 10 s, 20 s, 40 s … capped at one hour. Deterministic (one engine, no herd). */
export function defaultBackoff(attempt: number): number {
  return Math.min(10_000 * 2 ** attempt, 3_600_000);
}
