import { defineConfig } from "@playwright/test";
import path from "node:path";

const PORT = Number(process.env.E2E_PORT ?? 3210);
const JWKS_PORT = Number(process.env.E2E_JWKS_PORT ?? 3211);
/** e2e/speech-setup.spec.ts serves model archives here (the app downloads from it, never from the internet). */
const MODELS_PORT = Number(process.env.E2E_MODELS_PORT ?? 3212);
const dataDir = path.resolve(".data/e2e");
export const E2E = {
  baseURL: `http://127.0.0.1:${PORT}`,
  jwksURL: `http://127.0.0.1:${JWKS_PORT}`,
  firebaseProjectId: "scryon-e2e",
  keyFile: path.join(dataDir, "..", "e2e-signing-key.json"),
  modelsPort: MODELS_PORT,
  modelsManifest: path.join(dataDir, "..", "e2e-test-models.json"),
  /** Signs in as an administrator (SCRYON_ADMIN_EMAILS). */
  adminEmail: "speech-admin@e2e.test",
} as const;

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  fullyParallel: false,
  // One server with one embedded database: run the specs one after another.
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: E2E.baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: [
    {
      // A local stand-in for Google's JWKS endpoint, with a key made for this run (tests sign with it).
      command: `npx tsx e2e/support/jwks-server.ts`,
      url: `${E2E.jwksURL}/health`,
      env: { JWKS_PORT: String(JWKS_PORT), JWKS_KEY_FILE: E2E.keyFile },
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      // The built app (`npm run build` first), on its embedded defaults with a fresh data dir.
      command: `rm -rf ${dataDir} && npx next start -p ${PORT} -H 127.0.0.1`,
      url: `${E2E.baseURL}/sign-in`,
      reuseExistingServer: false,
      timeout: 120_000,
      env: {
        NEXT_TELEMETRY_DISABLED: "1",
        SCRYON_DATA_DIR: dataDir,
        AUTH_SECRET: "e2e-only-secret-0123456789abcdefghijklmnop",
        SCRYON_ALLOW_LOCAL_DEV_IN_PRODUCTION: "true",
        SCRYON_LOCAL_DEV_SIGN_IN: "on",
        FIREBASE_PROJECT_ID: E2E.firebaseProjectId,
        FIREBASE_API_KEY: "e2e-api-key",
        FIREBASE_JWKS_URL: `${E2E.jwksURL}/jwks`,
        // e2e/record.spec.ts: a recording whose page was closed is finished after 20 s instead of 10 minutes.
        SCRYON_RECORDING_FINALIZE_SECONDS: "20",
        // e2e/speech-setup.spec.ts: the administrator, the local model host, and its test models.
        SCRYON_ADMIN_EMAILS: "speech-admin@e2e.test",
        SCRYON_MODELS_BASE_URL: `http://127.0.0.1:${MODELS_PORT}`,
        SCRYON_MODELS_TEST_MANIFEST: path.join(dataDir, "..", "e2e-test-models.json"),
        // e2e/webhooks.spec.ts: its receiver listens on 127.0.0.1, which webhooks refuse by default.
        SCRYON_WEBHOOKS_ALLOW_PRIVATE: "1",
      },
    },
  ],
});
