import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { CallPage } from "./pages/CallPage";
import { signFirebaseToken, signInWithFirebaseToken } from "./support/firebase-tokens";

/** A short spoken recording made with espeak-ng, so the local engine has words to time. */
function spokenRecording(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "scryon-e2e-transcript-")), "Proposal call.wav");
  execFileSync("espeak-ng", [
    "-v",
    "en-us",
    "-s",
    "140",
    "-w",
    file,
    "Hello Sam. Can you send me the proposal by Friday? The proposal should include the pricing. Thanks, talk soon.",
  ]);
  return file;
}

/** The transcript section of a call page. */
class Transcript {
  constructor(private readonly page: Page) {}

  get region(): Locator {
    return this.page.getByRole("region", { name: "Transcript" });
  }

  get segments(): Locator {
    return this.region.getByTestId("transcript-segment");
  }

  get words(): Locator {
    return this.region.getByTestId("transcript-word");
  }

  get search(): Locator {
    return this.region.getByRole("searchbox", { name: "Search transcript" });
  }

  get matchCount(): Locator {
    return this.region.getByTestId("transcript-match-count");
  }
}

test("a completed call shows its transcript, synced to the audio and searchable", async ({ page }) => {
  test.setTimeout(180_000);
  const idToken = await signFirebaseToken({ uid: `transcript-${Date.now()}`, name: "Tara Transcript" });
  await page.goto("/sign-in");
  expect((await signInWithFirebaseToken(page.request, idToken)).status()).toBe(302);

  const file = spokenRecording();
  const uploaded = await page.request.post("/api/calls", {
    multipart: { file: { name: path.basename(file), mimeType: "audio/wav", buffer: fs.readFileSync(file) } },
  });
  expect(uploaded.status()).toBe(201);
  const { call } = (await uploaded.json()) as { call: { id: string } };

  const callPage = new CallPage(page);
  await callPage.goto(call.id);
  await expect(callPage.status).toContainText("Completed", { timeout: 150_000 });
  // The transcript is server-rendered: load the page again now that processing has finished.
  await page.reload();

  const transcript = new Transcript(page);
  await expect(transcript.region).toBeVisible();
  await expect(transcript.segments.first()).toBeVisible();
  await expect(transcript.region.getByTestId("transcript-speaker").first()).toHaveText(/\S/);
  await expect(transcript.region.getByRole("button", { name: /^Play from / }).first()).toBeVisible();

  // Clicking a word moves the audio to (about) that word's start.
  await callPage.audioDuration();
  const word = transcript.words.nth(Math.min(3, (await transcript.words.count()) - 1));
  const wordStart = Number(await word.getAttribute("data-start"));
  expect(wordStart).toBeGreaterThan(0);
  const seeked = callPage.audio.evaluate(
    (element: HTMLAudioElement) =>
      new Promise<void>((resolve) => {
        element.muted = true;
        element.addEventListener("seeked", () => resolve(), { once: true });
      }),
  );
  await word.click();
  await seeked;
  await expect
    .poll(() => callPage.audio.evaluate((element: HTMLAudioElement) => element.currentTime))
    .toBeGreaterThanOrEqual(wordStart - 0.05);
  const position = await callPage.audio.evaluate((element: HTMLAudioElement) => element.currentTime);
  expect(position).toBeLessThan(wordStart + 2);

  // Search: a word the recording says (whatever the engine heard, taken from the transcript itself).
  const searchable = (await transcript.words.allTextContents()).map((text) => text.replace(/[^\p{L}]/gu, "").toLowerCase()).find((text) => text.length >= 4);
  expect(searchable, "the transcript has a word to search for").toBeTruthy();
  await callPage.audio.evaluate((element: HTMLAudioElement) => element.pause());
  await transcript.search.fill(searchable!);
  await expect(transcript.matchCount).toHaveText(/^1 of \d+$/);
  const total = Number((await transcript.matchCount.textContent())!.split(" of ")[1]);
  await transcript.search.press("Enter");
  await expect(transcript.matchCount).toHaveText(total > 1 ? `2 of ${total}` : `1 of ${total}`);
  await transcript.search.press("Shift+Enter");
  await expect(transcript.matchCount).toHaveText(`1 of ${total}`);
  await transcript.search.fill("zzzqqq");
  await expect(transcript.matchCount).toHaveText("No matches");
});
