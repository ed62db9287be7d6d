import { createHash } from "node:crypto";
import { chromium, expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import config from "../playwright.config";
import { RecordPage } from "./pages/RecordPage";
import { signFirebaseToken, signInWithFirebaseToken } from "./support/firebase-tokens";
import { makeVoiceFixtures, type VoiceFixtures } from "./support/voices";

/**
 * Recording in the browser, end to end, with Chromium's fake microphone playing a real voice (a LibriSpeech
 * reader, looped): record, pause, resume, stop → the call is processed with a transcript, and the bytes on the
 * server are exactly the bytes the recorder produced (SHA-256 of the chunks the page pushed to
 * `window.__scryonRecorderProbe` against GET /api/calls/:id/audio); the connection drops mid-recording and
 * comes back → no gap, no duplicate; the page is closed mid-recording → the server finishes the recording
 * after SCRYON_RECORDING_FINALIZE_SECONDS (set short for the e2e server in playwright.config.ts) with the
 * audio up to the last chunk it got.
 */

let voices: VoiceFixtures;
let browser: Browser;
const baseArgs = (config.use?.launchOptions?.args ?? []) as string[];

test.beforeAll(async () => {
  voices = makeVoiceFixtures({ user: "441-128982-0000.flac", other: "163-121908-0000.flac", splitSeconds: 10.5 });
  browser = await chromium.launch({
    executablePath: config.use?.launchOptions?.executablePath,
    args: [...baseArgs, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-audio-capture=${voices.enrollmentWav}`],
  });
});
test.afterAll(async () => {
  await browser?.close();
  voices?.cleanup();
});

async function signedIn(uid: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: config.use?.baseURL, permissions: ["microphone"] });
  // The test hook: the recorder pushes every chunk it produces here, in order.
  await context.addInitScript(() => {
    window.__scryonRecorderProbe = [];
  });
  const page = await context.newPage();
  await page.goto("/sign-in");
  expect((await signInWithFirebaseToken(page.request, await signFirebaseToken({ uid, name: "Rita Recorder" }))).status()).toBe(302);
  return { context, page };
}

/** Everything the recorder produced so far, concatenated. */
async function produced(page: Page): Promise<Buffer> {
  const base64 = await page.evaluate(() => {
    const chunks = window.__scryonRecorderProbe ?? [];
    let binary = "";
    for (const chunk of chunks) for (let i = 0; i < chunk.length; i += 0x8000) binary += String.fromCharCode(...chunk.subarray(i, i + 0x8000));
    return btoa(binary);
  });
  return Buffer.from(base64, "base64");
}

const chunkCount = (page: Page) => page.evaluate(() => window.__scryonRecorderProbe?.length ?? 0);
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

async function serverAudio(page: Page, callId: string): Promise<Buffer> {
  const response = await page.request.get(`/api/calls/${callId}/audio`);
  expect(response.status()).toBe(200);
  return Buffer.from(await response.body());
}

async function callJson(page: Page, callId: string) {
  const response = await page.request.get(`/api/calls/${callId}`);
  return response.ok() ? ((await response.json()) as { call: { status: string; title: string } }).call : null;
}

test("record, pause, resume, stop: processed with a transcript, the server's bytes are the recorder's", async () => {
  test.setTimeout(240_000);
  const { context, page } = await signedIn(`rec-main-${Date.now()}`);
  try {
    await page.goto("/calls");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Record" }).click();
    const record = new RecordPage(page);
    await expect(page.getByRole("heading", { name: "Record a call", level: 1 })).toBeVisible();
    await record.field("Contact name").fill("Dana Example");

    await record.start.click();
    await expect(record.status).toHaveText("Recording.");
    await expect(record.pause).toBeFocused();
    await expect.poll(async () => Number(await record.micMeter.getAttribute("aria-valuenow")), { timeout: 15_000 }).toBeGreaterThan(0);
    await record.expectAllSaved(0);

    await record.pause.click();
    await expect(record.status).toHaveText("Paused.");
    const pausedAt = await record.timer.textContent();
    await record.resume.click();
    await expect(record.status).toHaveText("Recording.");
    const before = await chunkCount(page);
    await expect.poll(() => chunkCount(page), { timeout: 20_000 }).toBeGreaterThan(before);
    await expect(record.timer).not.toHaveText(pausedAt ?? "");

    await record.stop.click();
    const callId = await record.expectSaved();
    const bytes = await produced(page);
    expect(bytes.length).toBeGreaterThan(1000);
    expect(sha256(await serverAudio(page, callId))).toBe(sha256(bytes));

    const call = await callJson(page, callId);
    expect(call?.title).toMatch(/^Recording, \d{1,2} \w{3} \d{2}:\d{2}$/);
    await expect.poll(async () => (await callJson(page, callId))?.status, { timeout: 180_000, intervals: [1000] }).toBe("COMPLETED");
    const transcript = (await (await page.request.get(`/api/calls/${callId}/transcript`)).json()) as { segments: { words?: { text: string }[] }[] };
    expect(transcript.segments.flatMap((segment) => segment.words ?? []).length).toBeGreaterThan(3);
    const events = (await (await page.request.get(`/api/calls/${callId}/events`)).json()) as { events: { stage: string; provider: string | null }[] };
    expect(events.events.some((event) => event.stage === "UPLOAD" && event.provider === "browser recorder")).toBe(true);

    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: test.info().outputPath(`record-done-${width}.png`), fullPage: true });
    }
  } finally {
    await context.close();
  }
});

test("the connection drops mid-recording and comes back: no gap, no duplicate bytes", async () => {
  test.setTimeout(120_000);
  const { context, page } = await signedIn(`rec-drop-${Date.now()}`);
  try {
    const record = new RecordPage(page);
    await record.goto();
    await record.start.click();
    await record.expectAllSaved(0);
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: test.info().outputPath(`record-recording-${width}.png`), fullPage: true });
    }

    await page.route("**/api/uploads/**", (route) => route.abort("internetdisconnected"));
    await expect(record.uploadStatus).toContainText("Offline", { timeout: 20_000 });
    // One more chunk made while offline: it waits in the browser.
    const offlineChunks = await chunkCount(page);
    await expect.poll(() => chunkCount(page), { timeout: 20_000 }).toBeGreaterThan(offlineChunks);
    await page.unroute("**/api/uploads/**");
    await record.expectAllSaved(0);

    await record.stop.click();
    const callId = await record.expectSaved();
    const bytes = await produced(page);
    const stored = await serverAudio(page, callId);
    expect(stored.length).toBe(bytes.length);
    expect(sha256(stored)).toBe(sha256(bytes));
  } finally {
    await context.close();
  }
});

test("the page closed mid-recording: the server finishes it with the audio up to the last chunk", async () => {
  test.setTimeout(150_000);
  const uid = `rec-close-${Date.now()}`;
  const { context, page } = await signedIn(uid);
  const record = new RecordPage(page);
  await record.goto();
  await record.start.click();
  await record.expectAllSaved(0);
  const secondChunk = await chunkCount(page);
  await expect.poll(() => chunkCount(page), { timeout: 20_000 }).toBeGreaterThan(secondChunk);
  await record.expectAllSaved(0);

  // Closing asks first while recording.
  const dialog = page.waitForEvent("dialog");
  await page.close({ runBeforeUnload: true });
  const asked = await dialog;
  expect(asked.type()).toBe("beforeunload");
  await asked.dismiss();

  const session = await page.evaluate(() => JSON.parse(window.localStorage.getItem("scryon.recording.session") ?? "null") as { callId: string } | null);
  expect(session?.callId).toMatch(/^[0-9a-f-]{36}$/);
  const snapshot = await produced(page);
  await context.close(); // the tab dies: no stop, no final PATCH

  const { context: later, page: again } = await signedIn(uid);
  try {
    await expect
      .poll(async () => (await callJson(again, session!.callId))?.status ?? "missing", { timeout: 90_000, intervals: [1000] })
      .toMatch(/^(QUEUED|PROCESSING|COMPLETED)$/);
    const call = await callJson(again, session!.callId);
    expect(call?.title).toMatch(/\(ended unexpectedly at \d{2}:\d{2}\)$/);
    const stored = await serverAudio(again, session!.callId);
    // Up to the last chunk the server got: at least what was confirmed before the close, byte for byte.
    const common = Math.min(stored.length, snapshot.length);
    expect(common).toBeGreaterThan(1000);
    expect(sha256(stored.subarray(0, common))).toBe(sha256(snapshot.subarray(0, common)));
    await again.goto("/calls");
    await expect(again.getByText(/ended unexpectedly at/).first()).toBeVisible();
  } finally {
    await later.close();
  }
});

test("a reload mid-recording offers to finish the unfinished recording; finishing keeps the bytes the server had", async () => {
  test.setTimeout(150_000);
  const { context, page } = await signedIn(`rec-reload-${Date.now()}`);
  try {
    const record = new RecordPage(page);
    await record.goto();
    await record.start.click();
    await expect(record.status).toHaveText("Recording.");
    await expect.poll(() => chunkCount(page), { timeout: 20_000 }).toBeGreaterThan(0);
    await record.expectAllSaved(0);
    const beforeReload = await produced(page);

    // Reloading asks first (the recording would stop); the user goes ahead.
    page.once("dialog", (dialog) => void dialog.accept());
    await page.reload();
    await expect(page.getByRole("heading", { name: "An unfinished recording from this browser" })).toBeVisible();
    await expect(record.start).toBeVisible();
    await record.finishUnfinished.click();
    const callId = await record.expectSaved();

    await expect
      .poll(async () => (await callJson(page, callId))?.status ?? "missing", { timeout: 60_000, intervals: [1000] })
      .toMatch(/^(QUEUED|PROCESSING|COMPLETED)$/);
    // What the server had confirmed before the reload is there, byte for byte, at the start of the recording.
    const stored = await serverAudio(page, callId);
    const common = Math.min(stored.length, beforeReload.length);
    expect(common).toBeGreaterThan(1000);
    expect(sha256(stored.subarray(0, common))).toBe(sha256(beforeReload.subarray(0, common)));
    // Finished means finished: the offer is gone on the next visit.
    await record.goto();
    await expect(record.finishUnfinished).toHaveCount(0);
  } finally {
    await context.close();
  }
});
