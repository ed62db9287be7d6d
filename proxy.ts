import { NextResponse, type NextRequest } from "next/server";
import { loadEnv } from "@/lib/env";
import { buildContentSecurityPolicy } from "@/lib/http/csp";
import { applyTransportSecurity, refusesMissingOrigin } from "@/lib/http/security-headers";

/**
 * Pages only: a per-request CSP nonce, and the path for sign-in redirects. API routes stay out of the
 * matcher on purpose: Next buffers a request body for the proxy and cuts it at 10 MB, which would
 * silently truncate uploads (DESIGN.md).
 */
export function proxy(request: NextRequest) {
  // Server actions are POSTs to page paths; one without an Origin header is not from a browser page.
  if (refusesMissingOrigin(request)) {
    const refused = NextResponse.json(
      { error: { code: "FORBIDDEN", message: "This request must come from a page of this site (no Origin header)." } },
      { status: 403 },
    );
    applyTransportSecurity(request, refused.headers);
    return refused;
  }
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = buildContentSecurityPolicy(loadEnv(), nonce);
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("content-security-policy", csp);
  requestHeaders.set("x-scryon-path", request.nextUrl.pathname + request.nextUrl.search);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", csp);
  applyTransportSecurity(request, response.headers);
  return response;
}

export const config = {
  matcher: [
    {
      source: "/((?!api/|_next/static|_next/image|favicon.ico).*)",
      missing: [{ type: "header", key: "next-router-prefetch" }],
    },
  ],
};
