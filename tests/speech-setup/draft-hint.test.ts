import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { User } from "@/db/schema";
import { parseEnv } from "@/lib/env";
import { updateLock } from "@/lib/speech/models/lock";
import { findModelSpec } from "@/lib/speech/models/manifest";
import { sha256 } from "./model-host";

/** The call page's draft-quality notice: when it points to Settings → Speech, and for whom it is a link. */

// Auth.js is not loaded outside Next; the hint does not sign anyone in.
vi.mock("@/lib/auth/session", () => ({ requireUser: async () => null, requirePageUser: async () => null }));
const { draftUpgradeHint } = await import("@/lib/admin/speech");

const root = await mkdtemp(path.join(os.tmpdir(), "scryon-draft-hint-"));
afterAll(() => rm(root, { recursive: true, force: true }));

const admin = { externalUserId: "firebase-a", email: "admin@example.org" } as Pick<User, "email" | "externalUserId">;
const other = { externalUserId: "firebase-b", email: "b@example.org" } as Pick<User, "email" | "externalUserId">;
const env = (modelsDir: string, extra: Record<string, string> = {}) =>
  parseEnv({ FIREBASE_PROJECT_ID: "p", FIREBASE_API_KEY: "k", SCRYON_ADMIN_EMAILS: "admin@example.org", SCRYON_MODELS_DIR: modelsDir, ...extra });

/** A model installed as models:pull leaves it (files, and the lock entry of a download that matched the pin). */
async function install(modelsDir: string, id: string) {
  const spec = findModelSpec(id)!;
  await mkdir(path.join(modelsDir, id), { recursive: true });
  const files: Record<string, { sha256: string; size: number }> = {};
  for (const f of Object.values(spec.files)) {
    const body = f.sha256 ? null : `fake ${f.path}`;
    if (!body) throw new Error("use a model whose files are not pinned");
    await writeFile(path.join(modelsDir, id, f.path), body);
    files[f.path] = { sha256: sha256(body), size: Buffer.byteLength(body) };
  }
  await updateLock(modelsDir, id, { asset: { url: spec.asset.url, sha256: spec.asset.sha256!, size: 1, trust: "pinned" }, files, installedAt: "now" });
}

describe("the draft-quality notice's hint", () => {
  it("with only the built-in recogniser: a link for administrators, a sentence for others", () => {
    const dir = path.join(root, "none");
    expect(draftUpgradeHint(admin, env(dir))).toEqual({ canInstall: true });
    expect(draftUpgradeHint(other, env(dir))).toEqual({ canInstall: false });
  });

  it("a draft-quality model installed (Moonshine tiny) still leaves a better one to install", async () => {
    const dir = path.join(root, "moonshine");
    await install(dir, "moonshine-tiny-en");
    expect(draftUpgradeHint(admin, env(dir))).toEqual({ canInstall: true });
  });

  it("none once Whisper base.en is installed, or when transcription is not local", async () => {
    const dir = path.join(root, "whisper");
    await install(dir, "whisper-base.en");
    expect(draftUpgradeHint(admin, env(dir))).toBeNull();
    expect(draftUpgradeHint(admin, env(path.join(root, "none"), { SCRYON_TRANSCRIPTION_PROVIDER: "deepgram", DEEPGRAM_API_KEY: "x" }))).toBeNull();
  });
});
