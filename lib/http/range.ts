/**
 * HTTP byte ranges (RFC 9110 §14) for serving stored audio, as pure functions.
 *
 * `resolveRangeHeader(header, size)` reads a `Range` request header against a representation of
 * `size` bytes and says what to answer:
 *   - `full`           → 200 with the whole body. No header, a unit other than `bytes`, or a header that
 *                        is not valid `bytes=` syntax: RFC 9110 §14.2 lets a server ignore those.
 *   - `partial`        → 206 with `Content-Range: bytes start-end/size` (`end` inclusive).
 *   - `unsatisfiable`  → 416 with `Content-Range: bytes *\/size` (see `unsatisfiedContentRange`).
 *
 * Supported forms: `bytes=a-b`, `bytes=a-` (to the end), `bytes=-n` (the last n bytes). A last position
 * past the end is clamped to the last byte; a suffix longer than the body means the whole body.
 *
 * Several ranges (`bytes=0-1,5-9`): we do not send multipart/byteranges. The FIRST satisfiable range is
 * served as a single-part 206 (its `Content-Range` says exactly which bytes came back, which clients must
 * read); only when none is satisfiable is the answer 416. Browsers' media elements only ever ask for
 * one range.
 */

export type RangeResolution =
  | { kind: "full" }
  | { kind: "partial"; start: number; end: number; /** How many ranges the header asked for. */ requested: number }
  | { kind: "unsatisfiable" };

/** One syntactically valid byte-range-spec: `first-last`, `first-` or `-suffix`. */
export type ByteRangeSpec =
  | { type: "bounded"; first: number; last: number }
  | { type: "open"; first: number }
  | { type: "suffix"; length: number };

/** Longest header we read; anything longer is ignored (served in full) rather than parsed. */
export const MAX_RANGE_HEADER_LENGTH = 1024;
/** Most ranges we read from one header; more than this is ignored (served in full). */
export const MAX_RANGES = 32;

const DIGITS = /^[0-9]+$/;
// OWS = *( SP / HTAB )
const trimOws = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, "");

/**
 * Parses the syntax of a `Range` header. Null means "ignore it": missing, too long, another unit, or
 * not valid `bytes=` syntax (including `bytes=5-2`, whose last position is before its first).
 */
export function parseRangeHeader(header: string | null | undefined): ByteRangeSpec[] | null {
  if (header == null || header.length > MAX_RANGE_HEADER_LENGTH) return null;
  const value = trimOws(header);
  const equals = value.indexOf("=");
  if (equals < 0) return null;
  // The range unit is case-insensitive (RFC 9110 §14.1).
  if (trimOws(value.slice(0, equals)).toLowerCase() !== "bytes") return null;

  // A range-set is a comma list; empty elements (",,") are allowed by the list syntax, but not an empty set.
  const parts = value
    .slice(equals + 1)
    .split(",")
    .map(trimOws)
    .filter((part) => part !== "");
  if (parts.length === 0 || parts.length > MAX_RANGES) return null;

  const specs: ByteRangeSpec[] = [];
  for (const part of parts) {
    const dash = part.indexOf("-");
    if (dash < 0 || part.indexOf("-", dash + 1) >= 0) return null;
    const firstText = part.slice(0, dash);
    const lastText = part.slice(dash + 1);
    if (firstText === "") {
      if (!DIGITS.test(lastText)) return null;
      specs.push({ type: "suffix", length: Number(lastText) });
      continue;
    }
    if (!DIGITS.test(firstText)) return null;
    const first = Number(firstText);
    if (lastText === "") {
      specs.push({ type: "open", first });
      continue;
    }
    if (!DIGITS.test(lastText)) return null;
    const last = Number(lastText);
    if (last < first) return null;
    specs.push({ type: "bounded", first, last });
  }
  return specs;
}

/**
 * The inclusive byte range one spec selects from a body of `size` bytes, or null when it selects none
 * (starts at or after the end, a zero-length suffix, or an empty body).
 * Numbers too big to be exact still compare correctly against any real size.
 */
export function resolveSpec(spec: ByteRangeSpec, size: number): { start: number; end: number } | null {
  if (size <= 0) return null;
  switch (spec.type) {
    case "bounded":
      return spec.first < size ? { start: spec.first, end: Math.min(spec.last, size - 1) } : null;
    case "open":
      return spec.first < size ? { start: spec.first, end: size - 1 } : null;
    case "suffix":
      return spec.length > 0 ? { start: Math.max(0, size - spec.length), end: size - 1 } : null;
  }
}

/** What to answer for a `Range` header on a body of `size` bytes (see the module comment). */
export function resolveRangeHeader(header: string | null | undefined, size: number): RangeResolution {
  const specs = parseRangeHeader(header);
  if (!specs) return { kind: "full" };
  for (const spec of specs) {
    const range = resolveSpec(spec, size);
    if (range) return { kind: "partial", ...range, requested: specs.length };
  }
  return { kind: "unsatisfiable" };
}

/** `bytes 0-99/1234` */
export function contentRange(start: number, end: number, size: number): string {
  return `bytes ${start}-${end}/${size}`;
}

/** `bytes *\/1234`, for a 416. */
export function unsatisfiedContentRange(size: number): string {
  return `bytes */${size}`;
}

/**
 * `If-Range` (RFC 9110 §13.1.5): the Range applies only when the validator still matches. We only send
 * strong ETags, so the comparison is a strong one; a date or a weak tag never matches, which means the
 * client gets the full, current body (always safe).
 */
export function ifRangeMatches(ifRange: string | null | undefined, etag: string): boolean {
  if (ifRange == null) return true;
  const value = trimOws(ifRange);
  return !value.startsWith("W/") && value === etag;
}

/** `If-None-Match` (RFC 9110 §13.1.2) with weak comparison: `*`, or any listed tag equal to ours. */
export function ifNoneMatchMatches(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (ifNoneMatch == null) return false;
  const value = trimOws(ifNoneMatch);
  if (value === "*") return true;
  const opaque = (tag: string) => trimOws(tag).replace(/^W\//, "");
  const ours = opaque(etag);
  return value.split(",").some((tag) => opaque(tag) === ours);
}
