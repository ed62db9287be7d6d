import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { assetPath, generateModelArchive, startModelHost, type ModelHost } from "../tests/speech-setup/model-host";
import { signFirebaseToken, signInWithFirebaseToken } from "./support/firebase-tokens";

/**
 * Settings → Speech on the CI machine: the page shows the engine's real state (pocketsphinx installed, the
 * optional models missing), and a model downloaded from a local model host (SCRYON_MODELS_BASE_URL, a test
 * model from SCRYON_MODELS_TEST_MANIFEST — the engine never loads it) completes with its progress bar moving,
 * and is removed again. Who may open the page and its API: e2e/access-control.spec.ts.
 */

async function signIn(page: Page, uid: string, email: string) {
  await page.goto("/sign-in");
  expect((await signInWithFirebaseToken(page.request, await signFirebaseToken({ uid, name: uid, email }))).status()).toBe(302);
}

let host: ModelHost | null = null;

test("an administrator's email that Firebase has not verified grants nothing", async ({ page }) => {
  await page.goto("/sign-in");
  const token = await signFirebaseToken({ uid: "speech-admin-impostor", name: "Impostor", email: E2E.adminEmail, emailVerified: false });
  expect((await signInWithFirebaseToken(page.request, token)).status()).toBe(302);
  expect((await page.request.get("/api/admin/speech")).status()).toBe(403);
  expect((await page.goto("/settings/speech"))?.status()).toBe(403);
});

test.afterAll(async () => {
  await host?.close();
  fs.rmSync(E2E.modelsManifest, { force: true });
});

test("the page shows what runs on this machine: pocketsphinx installed, the optional models missing", async ({ page }) => {
  fs.rmSync(E2E.modelsManifest, { force: true });
  await signIn(page, "speech-admin", E2E.adminEmail);
  const response = await page.goto("/settings/speech");
  expect(response?.status()).toBe(200);
  await expect(page.getByTestId("stage-transcription-running")).toHaveText("local");
  await expect(page.getByTestId("stage-transcription")).toContainText("pocketsphinx (built-in, draft quality)");
  await expect(page.getByTestId("stage-diarization-running")).toHaveText("local");
  await expect(page.getByTestId("health-pocketsphinx")).toHaveAttribute("data-ok", "true");
  await expect(page.getByTestId("health-vad")).toHaveAttribute("data-ok", "true");
  for (const id of ["whisper-base.en", "pyannote-segmentation-3.0", "nemo-titanet-small"]) {
    await expect(page.getByTestId(`model-${id}`)).toHaveAttribute("data-state", "missing");
    await expect(page.getByTestId(`model-${id}`).getByRole("button", { name: /^Download/ })).toBeVisible();
  }
  // No model host is up yet (this machine has no internet either): the download fails at once, saying why and what to run.
  const pyannote = page.getByTestId("model-pyannote-segmentation-3.0");
  await pyannote.getByRole("button", { name: /^Download/ }).click();
  await expect(pyannote.getByRole("alert")).toContainText(/Could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\).*npm run models:pull/);
  await expect(pyannote).toHaveAttribute("data-state", "failed");
  await pyannote.screenshot({ path: "artifacts/screenshots/settings-speech-offline-1280.png" });
  await pyannote.getByRole("button", { name: /^Dismiss/ }).click();
  await expect(pyannote).toHaveAttribute("data-state", "missing");
  await expect(pyannote.getByRole("alert")).toHaveCount(0);
  // The unpinned model is offered through models:pull only.
  await expect(page.getByTestId("model-wespeaker-resnet34-lm")).toContainText("--pin-on-first-download");
  await expect(page.getByTestId("model-wespeaker-resnet34-lm").getByRole("button", { name: /^Download/ })).toHaveCount(0);
});

test("a download from the local model host completes with the progress bar moving; the model can be removed", async ({ page }) => {
  const { archive, spec } = await generateModelArchive("e2e-test-model", { bytes: 3 * 1024 * 1024 });
  fs.writeFileSync(E2E.modelsManifest, JSON.stringify({ models: [spec] }));
  const held = Math.floor(archive.length / 3);
  // A third at once, then held until the page has shown it; the rest trickles (a few seconds) so polls see it move.
  host = await startModelHost({
    port: E2E.modelsPort,
    assets: { [assetPath(spec)]: { body: archive, holdAfter: held, trickle: { chunkBytes: 32 * 1024, pauseMs: 50 } } },
  });

  await signIn(page, "speech-admin", E2E.adminEmail);
  await page.goto("/settings/speech");
  const card = page.getByTestId(`model-${spec.id}`);
  await expect(card).toHaveAttribute("data-state", "missing");
  await card.getByRole("button", { name: /^Download/ }).click();

  const bar = card.getByRole("progressbar");
  await expect(bar).toBeVisible();
  await expect.poll(async () => Number(await bar.getAttribute("aria-valuenow"))).toBeGreaterThanOrEqual(Math.floor((held / archive.length) * 100) - 1);
  const first = Number(await bar.getAttribute("aria-valuenow"));
  expect(first).toBeLessThan(100);
  await expect(card).toContainText(/of \d+\.\d MB/);
  await card.screenshot({ path: "artifacts/screenshots/settings-speech-downloading-1280.png" });
  host.release(assetPath(spec));
  await expect.poll(async () => Number((await bar.getAttribute("aria-valuenow", { timeout: 2000 }).catch(() => "100")) ?? 0)).toBeGreaterThan(first);

  await expect(card).toHaveAttribute("data-state", "installed", { timeout: 30_000 });
  await expect(card.getByTestId(`model-${spec.id}-state`)).toHaveText("Installed, verified (pinned-archive)");
  expect(host.requests.filter((r) => r.path === assetPath(spec))).toHaveLength(1);
  // The engine never loads a test model: what runs is unchanged.
  await expect(page.getByTestId("stage-transcription-running")).toHaveText("local");

  await card.getByRole("button", { name: /^Remove/ }).click();
  await card.getByRole("button", { name: "Remove model" }).click();
  await expect(card).toHaveAttribute("data-state", "missing");
});
