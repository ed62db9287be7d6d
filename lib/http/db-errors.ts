/**
 * Database errors by SQLSTATE, found on the error or anywhere in its `cause` chain (drizzle wraps driver
 * errors in DrizzleQueryError; postgres.js and PGlite both expose `code`).
 */

const SQLSTATE = /^[0-9A-Z]{5}$/;
const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"]);

function* causes(error: unknown): Generator<unknown> {
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    yield current;
    current = typeof current === "object" ? (current as { cause?: unknown }).cause : undefined;
  }
}

/** The SQLSTATE of a database error (e.g. "22P05"), or null. */
export function sqlStateOf(error: unknown): string | null {
  for (const item of causes(error)) {
    const code = typeof item === "object" && item ? (item as { code?: unknown }).code : undefined;
    if (typeof code === "string" && SQLSTATE.test(code)) return code;
  }
  return null;
}

/** Class 22 (data exception): the value, not the server, is wrong — NUL in text, a date out of range, … */
export function isDataException(error: unknown): boolean {
  return sqlStateOf(error)?.startsWith("22") ?? false;
}

/** The database is unreachable or shutting down (class 08, 57P0x, or a driver's connection error). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const state = sqlStateOf(error);
  if (state && (state.startsWith("08") || state.startsWith("57P"))) return true;
  for (const item of causes(error)) {
    const code = typeof item === "object" && item ? (item as { code?: unknown }).code : undefined;
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
  }
  return false;
}
