import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { CallPage } from "./pages/CallPage";
import { signFirebaseToken, signInWithFirebaseToken } from "./support/firebase-tokens";

/** A short spoken recording made with espeak-ng (Debian), so the real local engine has speech to work on. */
function spokenRecording(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "scryon-e2e-speech-")), "Proposal follow-up.wav");
  execFileSync("espeak-ng", ["-v", "en-us", "-s", "150", "-w", file, "Hello Sam. Can you send me the proposal by Friday? Thanks, talk soon."]);
  return file;
}

test("an uploaded call goes through every stage, live on its timeline, to Completed", async ({ page }) => {
  test.setTimeout(180_000);
  const idToken = await signFirebaseToken({ uid: `pipeline-${Date.now()}`, name: "Pia Pipeline" });
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
  const timeline = page.getByRole("region", { name: "Processing timeline" });
  await expect(timeline.getByTestId("stage-UPLOAD")).toHaveAttribute("data-state", "done");
  // The page polls: each stage reaches done (or already done) without a reload.
  for (const stage of ["AUDIO_PREP", "DIARIZATION", "TRANSCRIPTION", "NORMALIZATION", "CLEANUP"]) {
    await expect(timeline.getByTestId(`stage-${stage}`)).toHaveAttribute("data-state", /done|skipped/, { timeout: 150_000 });
  }
  await expect(callPage.status).toContainText("Completed");
  // Providers and durations are shown for the stages that ran.
  await expect(timeline.getByTestId("stage-TRANSCRIPTION")).toContainText("local");

  const events = (await (await page.request.get(`/api/calls/${call.id}/events`)).json()) as { callStatus: string; events: { stage: string; status: string }[] };
  expect(events.callStatus).toBe("COMPLETED");
  expect(events.events.filter((event) => event.status === "FAILED")).toEqual([]);
});
