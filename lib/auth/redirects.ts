const PARSE_BASE = "http://scryon.invalid";
// Browsers drop TAB/CR/LF inside URLs and read "\" as "/", so "/\t/evil.example" becomes "//evil.example".
const UNSAFE_IN_TARGET = /[\u0000-\u001F\u007F\\]/;

/**
 * Only same-origin paths are followed after sign-in. The target is parsed with the URL parser against a
 * placeholder origin and compared by origin after normalisation; control characters (which browsers strip),
 * backslashes, protocol-relative (`//evil`) and absolute URLs are refused and fall back. Returns the
 * normalised path + query + fragment, never the raw input.
 */
export function safeCallbackPath(value: unknown, fallback = "/calls"): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2000) return fallback;
  if (!value.startsWith("/") || UNSAFE_IN_TARGET.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, PARSE_BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== PARSE_BASE) return fallback;
  const target = `${url.pathname}${url.search}${url.hash}`;
  // Re-parse what we give back: it must still be a path of this origin (e.g. not "//…" after normalisation).
  if (target.startsWith("//") || new URL(target, PARSE_BASE).origin !== PARSE_BASE) return fallback;
  return target;
}
