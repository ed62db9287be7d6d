import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { CallPage } from "./pages/CallPage";
import { signFirebaseToken, signInWithFirebaseToken } from "./support/firebase-tokens";

/** Two sentences with a pause, so the second segment starts well after 0 s. */
function spokenRecording(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scryon-e2e-search-"));
  const first = path.join(dir, "first.wav");
  const second = path.join(dir, "second.wav");
  const file = path.join(dir, "Search call.wav");
  execFileSync("espeak-ng", ["-v", "en-us", "-s", "140", "-w", first, "Hello there. Thanks for joining the call today."]);
  execFileSync("espeak-ng", ["-v", "en-us", "-s", "140", "-w", second, "The warehouse inventory report is ready. Please review the shipment schedule."]);
  const padded = path.join(dir, "padded.wav");
  execFileSync("sox", [first, padded, "pad", "0", "2.5"]);
  execFileSync("sox", [padded, second, file]);
  return file;
}

test("search finds a word of a processed call; the result opens the call at that moment, the segment highlighted", async ({ page }) => {
  test.setTimeout(180_000);
  const idToken = await signFirebaseToken({ uid: `search-${Date.now()}`, name: "Sasha Search" });
  await page.goto("/sign-in");
  expect((await signInWithFirebaseToken(page.request, idToken)).status()).toBe(302);

  const file = spokenRecording();
  const uploaded = await page.request.post("/api/calls", {
    multipart: { title: "Warehouse sync", file: { name: path.basename(file), mimeType: "audio/wav", buffer: fs.readFileSync(file) } },
  });
  expect(uploaded.status()).toBe(201);
  const { call } = (await uploaded.json()) as { call: { id: string } };
  const callPage = new CallPage(page);
  await callPage.goto(call.id);
  await expect(callPage.status).toContainText("Completed", { timeout: 150_000 });

  // A word as the engine heard it (draft ASR mishears): the longest word of a segment that starts after 0 s.
  const transcript = (await (await page.request.get(`/api/calls/${call.id}/transcript`)).json()) as {
    segments: { id: string; start: number; text: string }[];
  };
  const segment = transcript.segments.filter((candidate) => candidate.start > 0.5).find((candidate) => /\p{L}{6,}/u.test(candidate.text)) ?? transcript.segments.find((candidate) => /\p{L}{6,}/u.test(candidate.text));
  expect(segment, "the transcript has a segment with a searchable word").toBeTruthy();
  const word = segment!.text.match(/\p{L}{6,}/gu)!.sort((a, b) => b.length - a.length)[0]!.toLowerCase();

  // The search page: a GET form, so the query lands in the URL.
  await page.goto("/search");
  await expect(page.getByTestId("search-empty")).toBeVisible();
  await page.getByRole("searchbox", { name: "Search your calls" }).fill(word);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(new RegExp(`/search\\?q=${word}$`));
  const result = page.getByTestId("search-result").filter({ has: page.locator("mark", { hasText: new RegExp(word.slice(0, 4), "i") }) }).first();
  await expect(result).toBeVisible();
  await expect(page.getByRole("link", { name: "Warehouse sync" })).toBeVisible();

  // A word nobody said: the no-results state.
  await page.goto("/search?q=zzzqqqxxy");
  await expect(page.getByTestId("search-no-results")).toBeVisible();
  await page.goBack();

  // Open the hit for the segment (a segment's hit, not the summary's): the player is at its start.
  const hit = page.locator(`[data-testid="search-result"][href*="segment=${segment!.id}"]`).first();
  await expect(hit).toBeVisible();
  await hit.click();
  await expect(page).toHaveURL(new RegExp(`/calls/${call.id}\\?t=[\\d.]+&segment=${segment!.id}`));
  await callPage.audioDuration();
  await expect
    .poll(() => callPage.audio.evaluate((element: HTMLAudioElement) => element.currentTime))
    .toBeCloseTo(segment!.start, 1);
  const highlighted = page.locator(`[data-testid="transcript-segment"][data-segment-id="${segment!.id}"]`);
  await expect(highlighted).toHaveAttribute("data-linked", "true");
  await expect(highlighted).toBeInViewport();
  await page.screenshot({ path: test.info().outputPath("call-opened-at-the-moment.png") });
});
