import type { AppEnv } from "@/lib/env";

/**
 * The page Content-Security-Policy: scripts only from this origin with the request's nonce
 * ('strict-dynamic' lets those load their chunks), no framing, no plugins. Firebase sign-in adds its
 * Google endpoints only when it is configured.
 */
export function buildContentSecurityPolicy(env: AppEnv, nonce: string): string {
  const firebase = env.firebase;
  const scriptSrc = ["'self'", `'nonce-${nonce}'`, "'strict-dynamic'"];
  if (env.nodeEnv === "development") scriptSrc.push("'unsafe-eval'"); // React's dev tooling needs eval
  const connectSrc = ["'self'"];
  if (env.storage.driver === "vercel-blob") {
    // The browser uploads recordings straight to Blob (lib/uploads/blob-direct.ts).
    connectSrc.push("https://vercel.com", "https://*.blob.vercel-storage.com");
    if (env.storage.apiUrl) connectSrc.push(new URL(env.storage.apiUrl).origin);
  }
  const frameSrc: string[] = [];
  if (firebase) {
    scriptSrc.push("https://apis.google.com");
    connectSrc.push("https://identitytoolkit.googleapis.com", "https://securetoken.googleapis.com", "https://apis.google.com");
    frameSrc.push(`https://${firebase.authDomain}`);
    if (firebase.emulatorHost) connectSrc.push(`http://${firebase.emulatorHost}`);
  }
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    "script-src": scriptSrc,
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:", "https://lh3.googleusercontent.com"],
    "media-src": ["'self'", "blob:"],
    "font-src": ["'self'"],
    "connect-src": connectSrc,
    "frame-src": frameSrc.length ? frameSrc : ["'none'"],
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(" ")}`)
    .join("; ");
}
