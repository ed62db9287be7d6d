import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { CallPage } from "./pages/CallPage";
import { signFirebaseToken, signInWithFirebaseToken } from "./support/firebase-tokens";

const E2E_BLOB_ROOT = path.resolve(".data/e2e/blob");

function spoken(name: string, text: string): { name: string; mimeType: string; buffer: Buffer } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "scryon-e2e-retry-")), name);
  execFileSync("espeak-ng", ["-v", "en-us", "-s", "140", "-w", file, text]);
  return { name, mimeType: "audio/wav", buffer: fs.readFileSync(file) };
}

async function upload(request: APIRequestContext, file: ReturnType<typeof spoken>): Promise<string> {
  const response = await request.post("/api/calls", { multipart: { file } });
  expect(response.status()).toBe(201);
  return ((await response.json()) as { call: { id: string } }).call.id;
}

async function statusOf(request: APIRequestContext, id: string): Promise<string> {
  return ((await (await request.get(`/api/calls/${id}`)).json()) as { call: { status: string } }).call.status;
}

/** Where the embedded local storage keeps a call's original recording. */
function storedRecording(callId: string): string {
  for (const user of fs.readdirSync(path.join(E2E_BLOB_ROOT, "users"))) {
    const dir = path.join(E2E_BLOB_ROOT, "users", user, "calls", callId, "audio");
    if (fs.existsSync(dir)) {
      const name = fs.readdirSync(dir).find((entry) => entry.startsWith("original.") && !entry.includes("~"));
      if (name) return path.join(dir, name);
    }
  }
  throw new Error(`no stored recording for ${callId}`);
}

test("a failed stage shows its error in plain words, and Retry completes the call", async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto("/sign-in");
  expect((await signInWithFirebaseToken(page.request, await signFirebaseToken({ uid: `retry-${Date.now()}`, name: "Rita Retry" }))).status()).toBe(302);

  // Two long calls take both of the pipeline's slots (concurrency limit 2), so the third waits in Queued.
  const long = "We went through the renewal terms line by line, the pricing for next year, the support hours and the onboarding plan. ".repeat(6);
  const busy = [await upload(page.request, spoken("Long one.wav", long)), await upload(page.request, spoken("Long two.wav", long))];
  await expect.poll(async () => Promise.all(busy.map((id) => statusOf(page.request, id))), { timeout: 60_000 }).toEqual(["PROCESSING", "PROCESSING"]);
  const target = await upload(page.request, spoken("Short.wav", "Please send the contract today."));
  expect(await statusOf(page.request, target)).toBe("QUEUED");

  // The stored recording goes missing before the pipeline reaches it: a permanent failure.
  const recording = storedRecording(target);
  fs.renameSync(recording, `${recording}.away`);

  const callPage = new CallPage(page);
  await callPage.goto(target);
  const timeline = page.getByRole("region", { name: "Processing timeline" });
  await expect(timeline.getByTestId("stage-AUDIO_PREP")).toHaveAttribute("data-state", "failed", { timeout: 150_000 });
  await expect(timeline.getByTestId("stage-AUDIO_PREP")).toContainText("The recording is no longer stored");
  await expect(callPage.status).toContainText("Failed");

  // Put it back and retry from the page: the call resumes and completes.
  fs.renameSync(`${recording}.away`, recording);
  await timeline.getByRole("button", { name: "Retry processing" }).click();
  await expect(timeline.getByTestId("stage-CLEANUP")).toHaveAttribute("data-state", "done", { timeout: 150_000 });
  await expect(callPage.status).toContainText("Completed");
  await expect(timeline.getByTestId("stage-AUDIO_PREP")).toContainText("2 attempts");
});
