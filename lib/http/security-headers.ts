/**
 * Response headers that depend on the request (the static ones are in next.config.ts). Edge-safe: used by
 * proxy.ts for pages and by `apiRoute` for route handlers.
 */

export const HSTS_VALUE = "max-age=63072000; includeSubDomains";
/** API responses are data, never documents: nothing may load or frame them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * True when the client reached us over https: directly (the request URL), or through a proxy that says so
 * (`X-Forwarded-Proto`, first value, or RFC 7239 `Forwarded: proto=https`).
 */
export function cameOverHttps(request: Request): boolean {
  try {
    if (new URL(request.url).protocol === "https:") return true;
  } catch {
    // a relative or odd URL: look at the headers
  }
  const forwardedProto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  if (forwardedProto) return forwardedProto === "https";
  const forwarded = request.headers.get("forwarded")?.split(",")[0] ?? "";
  return /(?:^|;)\s*proto="?https"?\s*(?:;|$)/i.test(forwarded);
}

/** Sets HSTS on a response to a request that came over https (never over plain http, where it is ignored and misleading). */
export function applyTransportSecurity(request: Request, headers: Headers): void {
  if (cameOverHttps(request)) headers.set("Strict-Transport-Security", HSTS_VALUE);
}

/** The headers every API response carries: the restrictive CSP, and HSTS over https. */
export function applyApiSecurityHeaders(request: Request, headers: Headers): void {
  headers.set("Content-Security-Policy", API_CSP);
  applyTransportSecurity(request, headers);
}

/**
 * Server actions (and any other state-changing request to a page) must say where they come from. Next
 * compares Origin with the host when it is present but lets a request without one through; browsers always
 * send Origin on POST, so a missing one is a script or a stripped request — refused.
 */
export function refusesMissingOrigin(request: Request): boolean {
  const method = request.method.toUpperCase();
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return false;
  const origin = request.headers.get("origin");
  return !origin || origin === "null";
}
