import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { makeAudio } from "../tests/helpers/make-audio";
import { signFirebaseToken, signInWithFirebaseToken } from "./support/firebase-tokens";

/**
 * Personal API tokens end to end (issue 16): create one on Settings → API tokens, copy it from the one-time
 * notice, use it from another client (no cookies) to list and upload calls, see "last used", revoke it with
 * the confirmation, and the same request is 401.
 */

test("create a token, use it against /api/calls, revoke it, and it is refused", async ({ page, playwright, baseURL }) => {
  await page.goto("/sign-in");
  expect((await signInWithFirebaseToken(page.request, await signFirebaseToken({ uid: `tokens-${Date.now()}`, name: "Toni Tokens" }))).status()).toBe(302);

  await page.goto("/settings/tokens");
  await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();
  await expect(page.getByTestId("no-tokens")).toBeVisible();

  await page.getByLabel("Name").fill("CI uploader");
  await page.getByRole("radio", { name: /Read and write/ }).check();
  await page.getByRole("button", { name: "Create token" }).click();
  const notice = page.getByTestId("new-token");
  await expect(notice).toContainText("You won’t see it again");
  await expect(page.getByRole("heading", { name: /Copy your new token/ })).toBeFocused();
  const token = await page.getByTestId("new-token-value").inputValue();
  expect(token).toMatch(/^scy_[0-9A-Za-z]{43}$/);
  await expect(page.getByTestId("token-row")).toHaveCount(1);
  await expect(page.getByTestId("token-row")).toContainText("Read and write");
  await expect(page.getByTestId("token-row")).toContainText("Never used");
  await expect(page.getByTestId("token-row")).toContainText(`${token.slice(0, 8)}…${token.slice(-4)}`);
  await page.getByRole("button", { name: "I’ve copied it" }).click();
  await expect(notice).toHaveCount(0);

  // Another client, no cookies: the token alone.
  const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  try {
    const audio = fs.readFileSync(await makeAudio("wav"));
    const uploaded = await api.post("/api/calls", { multipart: { title: "Uploaded by CI", file: { name: "ci.wav", mimeType: "audio/wav", buffer: audio } } });
    expect(uploaded.status(), await uploaded.text()).toBe(201);
    const listed = await api.get("/api/calls?status=UPLOADING,QUEUED,PROCESSING,COMPLETED,FAILED");
    expect(listed.status()).toBe(200);
    expect(((await listed.json()) as { items: { title: string }[] }).items.map((call) => call.title)).toContain("Uploaded by CI");
    // Token management is for the session only.
    expect((await api.get("/api/tokens")).status()).toBe(403);

    await page.reload();
    await expect(page.getByTestId("token-row")).toContainText("Last used");
    await page.getByRole("button", { name: "Revoke CI uploader" }).click();
    const dialog = page.getByRole("dialog", { name: "Revoke “CI uploader”?" });
    await expect(dialog).toBeVisible();
    await dialog.getByRole("button", { name: "Revoke token" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByTestId("no-tokens")).toBeVisible();

    const refused = await api.get("/api/calls");
    expect(refused.status()).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("UNAUTHENTICATED");
  } finally {
    await api.dispose();
  }
});
