import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { User } from "@/db/schema";
import { parseEnv, type AppEnv } from "@/lib/env";
import { unauthenticated } from "@/lib/http/errors";
import { closedPort } from "./model-host";

/**
 * Who may use Settings → Speech: administrators (SCRYON_ADMIN_EMAILS, or the local-dev user when it is the
 * only way in), on every admin route and the page; everyone else 403 (signed out: 401 / sign-in). The route
 * handlers are called directly with the session stood in for; over HTTP: e2e/access-control.spec.ts.
 */

const world = vi.hoisted(() => ({
  user: null as User | null,
  env: null as AppEnv | null,
  requireUserOptions: [] as unknown[],
}));

vi.mock("@/lib/auth/session", () => ({
  requireUser: async (options?: unknown) => {
    world.requireUserOptions.push(options);
    if (!world.user) throw unauthenticated();
    return world.user;
  },
  requirePageUser: async () => {
    if (!world.user) throw new Error("redirect to sign-in");
    return world.user;
  },
}));
vi.mock("@/lib/env", async (importOriginal) => ({ ...(await importOriginal<typeof import("@/lib/env")>()), loadEnv: () => world.env! }));

const { isAdmin, requireAdminPage } = await import("@/lib/admin/access");
const speechRoute = await import("@/app/api/admin/speech/route");
const downloadRoute = await import("@/app/api/admin/speech/models/[id]/download/route");
const modelRoute = await import("@/app/api/admin/speech/models/[id]/route");

const dataDir = await mkdtemp(path.join(os.tmpdir(), "scryon-admin-access-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const user = (externalUserId: string, email: string | null): User =>
  ({ id: "00000000-0000-4000-8000-00000000000a", externalUserId, email, displayName: "x", sessionVersion: 0 }) as User;
const FIREBASE = { FIREBASE_PROJECT_ID: "p", FIREBASE_API_KEY: "k" };

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;
const ROUTES: [string, Handler, string, Record<string, string>][] = [
  ["GET", speechRoute.GET as Handler, "/api/admin/speech", {}],
  ["POST", downloadRoute.POST as Handler, "/api/admin/speech/models/whisper-base.en/download", { id: "whisper-base.en" }],
  ["DELETE", downloadRoute.DELETE as Handler, "/api/admin/speech/models/whisper-base.en/download", { id: "whisper-base.en" }],
  ["DELETE", modelRoute.DELETE as Handler, "/api/admin/speech/models/whisper-base.en", { id: "whisper-base.en" }],
];
const send = (method: string, handler: Handler, url: string, params: Record<string, string>) =>
  handler(new Request(`http://localhost${url}`, { method }), { params: Promise.resolve(params) });

beforeEach(() => {
  world.user = null;
  world.requireUserOptions = [];
});

describe("who is an administrator", () => {
  it("users listed in SCRYON_ADMIN_EMAILS (any case), and the local-dev user only when it is the only way in", () => {
    const listed = parseEnv({ ...FIREBASE, SCRYON_ADMIN_EMAILS: "Ops@Example.org, root@example.org" });
    expect(isAdmin(user("firebase-1", "ops@example.org"), listed)).toBe(true);
    expect(isAdmin(user("firebase-2", " ROOT@example.org "), listed)).toBe(true);
    expect(isAdmin(user("firebase-3", "someone@example.org"), listed)).toBe(false);
    expect(isAdmin(user("firebase-4", null), listed)).toBe(false);
    // Beside Firebase anyone may click "Continue as local developer": not an administrator there.
    expect(isAdmin(user("local-dev", null), parseEnv({ ...FIREBASE, SCRYON_LOCAL_DEV_SIGN_IN: "on" }))).toBe(false);
    // A single-user install (no identity provider): the local-dev user owns it.
    expect(isAdmin(user("local-dev", null), parseEnv({}))).toBe(true);
    // …unless local-dev sign-in is off, or refused in production.
    expect(isAdmin(user("local-dev", null), parseEnv({ SCRYON_LOCAL_DEV_SIGN_IN: "off" }))).toBe(false);
    expect(isAdmin(user("local-dev", null), parseEnv({ NODE_ENV: "production", AUTH_SECRET: "s" }))).toBe(false);
  });
});

describe("the admin routes and the page", () => {
  const env = (extra: Record<string, string> = {}) => parseEnv({ ...FIREBASE, SCRYON_DATA_DIR: dataDir, SCRYON_ADMIN_EMAILS: "admin@example.org", ...extra });

  it("signed out: 401 on every route", async () => {
    world.env = env();
    for (const [method, handler, url, params] of ROUTES) expect((await send(method, handler, url, params)).status, `${method} ${url}`).toBe(401);
  });

  it("a signed-in non-administrator: 403 on every route and the page, and nothing is started or removed", async () => {
    world.env = env();
    for (const u of [user("firebase-bob", "bob@example.org"), user("local-dev", null)]) {
      world.user = u;
      for (const [method, handler, url, params] of ROUTES) {
        const response = await send(method, handler, url, params);
        expect(response.status, `${method} ${url}`).toBe(403);
        const body = (await response.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe("FORBIDDEN");
        expect(JSON.stringify(body)).not.toContain(dataDir);
      }
      vi.stubEnv("__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS", "true");
      try {
        await expect(requireAdminPage("/settings/speech")).rejects.toMatchObject({ digest: "NEXT_HTTP_ERROR_FALLBACK;403" });
      } finally {
        vi.unstubAllEnvs();
      }
    }
  });

  it("an administrator reads the state; API tokens are not accepted (session only)", async () => {
    world.env = env();
    world.user = user("firebase-admin", "Admin@example.org");
    const response = await send(...ROUTES[0]!);
    expect(response.status).toBe(200);
    const { speech } = (await response.json()) as { speech: { stages: { stage: string; running: string }[]; models: { id: string; state: string }[] } };
    expect(speech.stages.map((s) => [s.stage, s.running])).toEqual([
      ["diarization", "local"],
      ["transcription", "local"],
      ["voiceprint", "local"],
    ]);
    expect(speech.models.find((m) => m.id === "whisper-base.en")?.state).toBe("missing");
    expect(world.requireUserOptions).toEqual([{ allowTokens: false }]);
    await expect(requireAdminPage("/settings/speech")).resolves.toMatchObject({ externalUserId: "firebase-admin" });
  });

  it("an administrator's bad requests: an unknown model is 404; an unreachable host is 503 at once with the models:pull hint", async () => {
    world.env = env({ SCRYON_MODELS_BASE_URL: `http://127.0.0.1:${await closedPort()}` });
    world.user = user("firebase-admin", "admin@example.org");
    expect((await send("POST", downloadRoute.POST as Handler, "/api/admin/speech/models/nope/download", { id: "nope" })).status).toBe(404);
    expect((await send("DELETE", modelRoute.DELETE as Handler, "/api/admin/speech/models/nope", { id: "nope" })).status).toBe(404);
    expect((await send("DELETE", modelRoute.DELETE as Handler, "/api/admin/speech/models/whisper-base.en", { id: "whisper-base.en" })).status).toBe(404);
    const offline = await send("POST", downloadRoute.POST as Handler, "/api/admin/speech/models/pyannote-segmentation-3.0/download", { id: "pyannote-segmentation-3.0" });
    expect(offline.status).toBe(503);
    const body = (await offline.json()) as { error: { code: string; message: string; details: { reason: string; pullCommand: string } } };
    expect(body.error).toMatchObject({ code: "SERVICE_UNAVAILABLE", details: { reason: "OFFLINE", pullCommand: "npm run models:pull" } });
    expect(body.error.message).toMatch(/Could not reach 127\.0\.0\.1:\d+ .*npm run models:pull/);
    // The failure is shown on the page until dismissed.
    const state = (await (await send(...ROUTES[0]!)).json()) as { speech: { models: { id: string; state: string }[] } };
    expect(state.speech.models.find((m) => m.id === "pyannote-segmentation-3.0")?.state).toBe("failed");
    expect((await send("DELETE", downloadRoute.DELETE as Handler, "/api/admin/speech/models/pyannote-segmentation-3.0/download", { id: "pyannote-segmentation-3.0" })).status).toBe(200);
  });
});
