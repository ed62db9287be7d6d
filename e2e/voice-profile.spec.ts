import fs from "node:fs";
import path from "node:path";
import { chromium, expect, test, type APIRequestContext, type Browser, type BrowserContext, type Page } from "@playwright/test";
import config from "../playwright.config";
import { CallPage } from "./pages/CallPage";
import { VoiceProfilePage } from "./pages/VoiceProfilePage";
import { signFirebaseToken, signInWithFirebaseToken } from "./support/firebase-tokens";
import { makeVoiceFixtures, overlapSeconds, type VoiceFixtures } from "./support/voices";

/**
 * The voice profile end to end, with real voices (LibriSpeech, tests/fixtures/speech/librispeech/) and
 * Chromium's fake microphone fed from a WAV of the user's voice: consent, record, play back, enroll, find
 * the user in an earlier call, mark the user in a new call (owners follow), correct it, a consent change,
 * delete — and nothing of the profile left in storage. Each browser is launched by the spec with the
 * microphone flags it needs.
 */

/**
 * Reader 441 (F, 16.5 s) is the user, reader 163 (M, 14.7 s) the other party. Of the eight vendored
 * readers, 441 is one whose looped 10.5 s sample the local diarizer keeps as ONE voice with enough speech
 * (most are split in two and refused as "more than one voice"; see docs/voice-profile-ui-notes.md).
 */
const USER_CLIP = "441-128982-0000.flac";
const OTHER_CLIP = "163-121908-0000.flac";
/** The user's clip before this is the enrollment sample; after it, what the user says in the calls. */
const SPLIT_SECONDS = 10.5;
const BLOB_USERS = path.resolve(".data/e2e/blob/users");

let voices: VoiceFixtures;
test.beforeAll(() => {
  voices = makeVoiceFixtures({ user: USER_CLIP, other: OTHER_CLIP, splitSeconds: SPLIT_SECONDS });
});
test.afterAll(() => voices?.cleanup());

const baseArgs = (config.use?.launchOptions?.args ?? []) as string[];
const executablePath = config.use?.launchOptions?.executablePath;

async function launch(extraArgs: string[]): Promise<Browser> {
  return chromium.launch({ executablePath, args: [...baseArgs, ...extraArgs] });
}

async function signedInContext(browser: Browser, uid: string, options: { microphone: boolean }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: config.use?.baseURL, permissions: options.microphone ? ["microphone"] : [] });
  const page = await context.newPage();
  await page.goto("/sign-in");
  expect((await signInWithFirebaseToken(page.request, await signFirebaseToken({ uid, name: "Vera Voice" }))).status()).toBe(302);
  return { context, page };
}

/** Every file stored under users/<id>/voice-profile/ for any user (the e2e server's local storage). */
function voiceProfileFiles(): string[] {
  if (!fs.existsSync(BLOB_USERS)) return [];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else found.push(path.relative(BLOB_USERS, full));
    }
  };
  for (const user of fs.readdirSync(BLOB_USERS)) {
    const dir = path.join(BLOB_USERS, user, "voice-profile");
    if (fs.existsSync(dir)) walk(dir);
  }
  return found;
}

interface TranscriptJson {
  speakers: { id: string; label: string; role: string; displayName: string | null; confidence: number | null }[];
  segments: { id: string; speakerId: string; start: number; end: number }[];
}

/** A full-page screenshot at a phone's and a desktop's width, kept with the test's results for review. */
async function snap(page: Page, name: string) {
  const size = page.viewportSize() ?? { width: 1280, height: 720 };
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: test.info().outputPath(`${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(size);
}

/** Reads JSON through the page (its session, a fresh connection). */
function getJson<T>(page: Page, url: string): Promise<T> {
  return page.evaluate(async (target) => (await (await fetch(target, { cache: "no-store" })).json()) as T, url);
}

async function uploadCall(request: APIRequestContext, title: string): Promise<string> {
  const uploaded = await request.post("/api/calls", {
    multipart: { title, file: { name: `${title}.wav`, mimeType: "audio/wav", buffer: fs.readFileSync(voices.callWav) } },
  });
  expect(uploaded.status(), await uploaded.text()).toBe(201);
  return ((await uploaded.json()) as { call: { id: string } }).call.id;
}

async function waitCompleted(page: Page, callId: string) {
  await expect
    .poll(async () => (await getJson<{ call: { status: string } }>(page, `/api/calls/${callId}`)).call.status, { timeout: 240_000, intervals: [1000] })
    .toBe("COMPLETED");
}

/** The diarized speaker who says most of the user's part of the call, and the one who says most of the other's. */
function expectedSpeakers(transcript: TranscriptJson): { user: string; other: string } {
  const bySpeaker = (spans: typeof voices.userSpans) => {
    const seconds = new Map<string, number>();
    for (const segment of transcript.segments) seconds.set(segment.speakerId, (seconds.get(segment.speakerId) ?? 0) + overlapSeconds([segment], spans));
    return [...seconds.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  };
  return { user: bySpeaker(voices.userSpans), other: bySpeaker(voices.otherSpans) };
}

test("consent, record, play back, enroll; You in earlier and new calls with owners following; consent change; delete leaves nothing", async () => {
  test.setTimeout(600_000);
  const browser = await launch(["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-audio-capture=${voices.enrollmentWav}`]);
  try {
    const { page } = await signedInContext(browser, `voice-${Date.now()}`, { microphone: true });
    const profilePage = new VoiceProfilePage(page);

    // --- A call processed before any profile exists: nobody is "You" --------------------------------
    const earlierId = await uploadCall(page.request, "Before the profile");
    await waitCompleted(page, earlierId);
    const earlier = await getJson<TranscriptJson>(page, `/api/calls/${earlierId}/transcript`);
    expect(earlier.speakers.filter((speaker) => speaker.role === "SELF")).toEqual([]);
    // The two readers must come out as different speakers (how many clusters the diarizer makes is its business).
    const earlierSpeakers = expectedSpeakers(earlier);
    expect(earlierSpeakers.user, `diarization: ${JSON.stringify(earlier.segments.map(({ speakerId, start, end }) => ({ speakerId, start, end })))}`).not.toBe(earlierSpeakers.other);
    test.info().annotations.push({ type: "diarization", description: `${new Set(earlier.segments.map((segment) => segment.speakerId)).size} speakers found in a two-reader call` });

    // --- Consent first: the text, its version, an unticked box, a disabled button ---------------------
    await page.goto("/calls");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Voice profile" }).click();
    await expect(page).toHaveURL(/\/voice-profile$/);
    await profilePage.expectStep("consent", "Before you record: your consent");
    const consentText = profilePage.step.getByTestId("consent-text");
    for (const term of ["What is stored", "What it is for", "Who can see it", "How long it is kept", "How to delete it"]) await expect(consentText).toContainText(term);
    const state0 = await getJson<{ consent: { currentVersion: string } }>(page, "/api/voice-profile");
    await expect(profilePage.consentVersion).toHaveText(`Consent text version ${state0.consent.currentVersion}`);
    // Nothing asks for the microphone before consent.
    await expect(profilePage.startRecording).toHaveCount(0);
    await profilePage.consent();
    await profilePage.expectStep("record", "Record your voice sample");
    await expect(profilePage.stepHeading).toBeFocused();

    // --- Record: the meter moves, the timer counts the speech, stop, play back ------------------------
    await profilePage.startRecording.click();
    await expect.poll(async () => Number(await profilePage.levelMeter.getAttribute("aria-valuenow")), { timeout: 20_000 }).toBeGreaterThan(20);
    await expect(profilePage.speechSeconds).toHaveAttribute("data-enough", "true", { timeout: 60_000 });
    await profilePage.stopRecording.click();
    await expect(profilePage.review).toBeVisible();
    await expect(profilePage.review.getByRole("heading", { name: "Listen to your recording" })).toBeFocused();
    await expect(profilePage.sampleIssues).toHaveCount(0);
    expect(await profilePage.playBack()).toBeGreaterThan(0.3);

    // --- Send: enrollment runs, then the profile ---------------------------------------------------------
    await profilePage.send.click();
    await expect(profilePage.step).toHaveAttribute("data-step", /^(profile|failed)$/, { timeout: 120_000 });
    if ((await profilePage.step.getAttribute("data-step")) === "failed") {
      throw new Error(`enrollment failed: ${await profilePage.step.getByTestId("enrollment-failed").textContent()}`);
    }
    await profilePage.expectStep("profile", "Your voice profile");
    await expect(profilePage.step.getByTestId("enrollment-succeeded")).toBeVisible();
    await expect(profilePage.detail("profile-status")).toHaveText("Active — used for new calls");
    await expect(profilePage.detail("profile-consent")).toContainText(`Version ${state0.consent.currentVersion}`);
    await expect(profilePage.detail("profile-provider")).toHaveText(/\S/);
    await expect(profilePage.detail("profile-seconds")).toHaveText(/^\d+ seconds$/);
    const enrolled = await page.evaluate(async () => await (await fetch("/api/voice-profile")).text());
    expect(enrolled).not.toMatch(/embedding/i);
    // The raw sample is gone once enrollment ended.
    expect(voiceProfileFiles()).toEqual([]);

    // --- "Find me in my earlier calls" marks the user in the call processed before --------------------
    await profilePage.findMe.click();
    await expect(profilePage.applyProgress).toHaveAttribute("data-state", "DONE", { timeout: 180_000 });
    await expect(profilePage.applyProgress.getByTestId("apply-summary")).toContainText("found you in 1 call");
    await snap(page, "profile-after-apply");
    const earlierAfter = await getJson<TranscriptJson>(page, `/api/calls/${earlierId}/transcript`);
    const earlierExpected = expectedSpeakers(earlierAfter);
    expect(earlierAfter.speakers.filter((speaker) => speaker.role === "SELF").map((speaker) => speaker.id)).toEqual([earlierExpected.user]);

    // --- A new call with the profile: "You" on the user's voice, with its score; owners follow ----------
    const callId = await uploadCall(page.request, "With the profile");
    await waitCompleted(page, callId);
    const transcript = await getJson<TranscriptJson>(page, `/api/calls/${callId}/transcript`);
    const expected = expectedSpeakers(transcript);
    expect(expected.user).not.toBe(expected.other);
    const self = transcript.speakers.filter((speaker) => speaker.role === "SELF");
    expect(self.map((speaker) => speaker.id), `speakers: ${JSON.stringify(transcript.speakers)}`).toEqual([expected.user]);
    expect(self[0]!.confidence).toBeGreaterThan(0);
    expect(self[0]!.confidence).toBeLessThan(1);
    const userLabel = self[0]!.label;

    // An item owned by the user's speaker and one owned by the other party.
    for (const [title, speakerId] of [
      ["Send the voice notes", expected.user],
      ["Review the draft", expected.other],
    ] as const) {
      const created = await page.request.post(`/api/calls/${callId}/action-items`, { data: { title, owner: { speakerId } } });
      expect(created.status(), await created.text()).toBe(201);
    }
    const callPage = new CallPage(page);
    await callPage.goto(callId);
    const panel = callPage.actionItems;
    await expect(panel.owner(panel.item("Send the voice notes"))).toContainText("You");
    await expect(panel.owner(panel.item("Review the draft"))).not.toContainText("You");
    const mine = await getJson<{ items: { title: string }[] }>(page, "/api/action-items?owner=me&status=all");
    expect(mine.items.map((item) => item.title)).toContain("Send the voice notes");

    // The speaker editor shows the score; "This isn't me" unmarks the speaker and the item's owner follows.
    await callPage.transcript.getByRole("button", { name: "Edit speakers" }).click();
    const editor = callPage.transcript.getByRole("form", { name: "Edit speakers" });
    await expect(editor.getByTestId("speaker-self-marking")).toContainText(`${userLabel} is you · Recognised by your voice profile (score ${self[0]!.confidence!.toFixed(2)})`);
    await snap(page, "speaker-editor");
    await editor.getByRole("button", { name: `This isn't me (${userLabel})` }).click();
    await editor.getByRole("button", { name: "Save speakers" }).click();
    await expect(editor).toHaveCount(0);
    await expect(panel.owner(panel.item("Send the voice notes"))).not.toContainText("You");
    const corrected = await getJson<TranscriptJson>(page, `/api/calls/${callId}/transcript`);
    expect(corrected.speakers.filter((speaker) => speaker.role === "SELF")).toEqual([]);
    // "This is me" puts it back.
    await callPage.editSpeaker(userLabel, { isMe: true });
    await expect(panel.owner(panel.item("Send the voice notes"))).toContainText("You");

    // --- A new consent text: the page asks again; agreeing turns the profile back on without recording --
    await profilePage.goto();
    await profilePage.expectStep("profile");
    await page.route("**/api/voice-profile", async (route) => {
      if (route.request().method() !== "GET") return route.fallback();
      const real = (await (await route.fetch()).json()) as { consent: Record<string, unknown>; profile: Record<string, unknown> };
      await route.fulfill({
        json: {
          ...real,
          consent: { ...real.consent, consentedVersion: "2025-01-01", current: false },
          profile: { ...real.profile, status: "NEEDS_CONSENT", consentVersion: "2025-01-01", usable: false },
        },
      });
    });
    // Coming back to the tab makes the page ask the server again.
    await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
    await profilePage.expectStep("consent", "The consent text has changed");
    await expect(profilePage.stepHeading).toBeFocused();
    await expect(profilePage.step.getByTestId("consent-changed")).toContainText("You agreed to version 2025-01-01");
    await expect(profilePage.consentVersion).toHaveText(`Consent text version ${state0.consent.currentVersion}`);
    await snap(page, "consent-changed");
    await page.unroute("**/api/voice-profile");
    const consentPost = page.waitForRequest((request) => request.url().endsWith("/api/voice-profile/consent") && request.method() === "POST");
    await profilePage.consent("Agree and turn my profile back on");
    expect((await consentPost).postDataJSON()).toEqual({ version: state0.consent.currentVersion });
    await profilePage.expectStep("profile", "Your voice profile");
    await expect(profilePage.detail("profile-status")).toHaveText("Active — used for new calls");
    await expect(profilePage.startRecording).toHaveCount(0);

    // --- Delete: the row and everything stored are gone ---------------------------------------------------
    await profilePage.deleteProfile();
    await snap(page, "deleted");
    const after = await getJson<{ profile: unknown; enrollment: unknown }>(page, "/api/voice-profile");
    expect(after.profile).toBeNull();
    expect(voiceProfileFiles()).toEqual([]);
    // Calls already processed keep their names.
    const kept = await getJson<TranscriptJson>(page, `/api/calls/${callId}/transcript`);
    expect(kept.speakers.find((speaker) => speaker.id === expected.user)?.role).toBe("SELF");
  } finally {
    await browser.close();
  }
});

test("a denied microphone says so and offers the file upload; silence is caught before sending", async () => {
  // A real microphone device, but the permission prompt is denied (no fake-UI auto-accept).
  const denied = await launch(["--use-fake-device-for-media-stream", "--deny-permission-prompts"]);
  try {
    const { page } = await signedInContext(denied, `voice-denied-${Date.now()}`, { microphone: false });
    const version = (await getJson<{ consent: { currentVersion: string } }>(page, "/api/voice-profile")).consent.currentVersion;
    expect((await page.request.post("/api/voice-profile/consent", { data: { version } })).status()).toBe(200);
    const profilePage = new VoiceProfilePage(page);
    await profilePage.goto();
    await profilePage.expectStep("record");
    await profilePage.startRecording.click();
    await expect(profilePage.alert).toContainText("Scryon may not use your microphone");
    await expect(profilePage.alert).toContainText("upload an audio file instead");
    await expect(profilePage.step.getByLabel("Or upload an audio file instead")).toBeVisible();
    await snap(page, "microphone-denied");
    await expect(profilePage.startRecording).toBeEnabled();
  } finally {
    await denied.close();
  }

  const silent = await launch(["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-audio-capture=${voices.silentWav}`]);
  try {
    const { page } = await signedInContext(silent, `voice-silent-${Date.now()}`, { microphone: true });
    const version = (await getJson<{ consent: { currentVersion: string } }>(page, "/api/voice-profile")).consent.currentVersion;
    expect((await page.request.post("/api/voice-profile/consent", { data: { version } })).status()).toBe(200);
    const profilePage = new VoiceProfilePage(page);
    await profilePage.goto();
    await profilePage.startRecording.click();
    await expect(profilePage.stopRecording).toBeVisible();
    // Some readings of the meter first, then stop.
    await expect(profilePage.step.getByTestId("recording-timer")).toContainText("0:02", { timeout: 10_000 });
    await profilePage.stopRecording.click();
    await expect(profilePage.sampleIssues.first()).toHaveAttribute("data-issue", "silent");
    await expect(profilePage.send).toBeDisabled();
    expect(voiceProfileFiles()).toEqual([]);
  } finally {
    await silent.close();
  }
});

test("an audio file instead of the microphone: checked in the browser, played back, enrolled, deleted", async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto("/sign-in");
  expect((await signInWithFirebaseToken(page.request, await signFirebaseToken({ uid: `voice-file-${Date.now()}`, name: "Fiona File" }))).status()).toBe(302);
  const profilePage = new VoiceProfilePage(page);
  await profilePage.goto();
  await profilePage.consent();
  await profilePage.expectStep("record");
  await profilePage.step.getByLabel("Or upload an audio file instead").setInputFiles(voices.userFileWav);
  await expect(profilePage.review.getByRole("heading", { name: "Listen to my-voice.wav" })).toBeFocused();
  await expect(profilePage.review.getByTestId("sample-length")).toHaveText(/^0:1\d long · about 1\d seconds of speech$/);
  await expect(profilePage.sampleIssues).toHaveCount(0);
  expect(await profilePage.playBack()).toBeGreaterThan(0.3);
  await profilePage.send.click();
  await expect(profilePage.step).toHaveAttribute("data-step", /^(profile|failed)$/, { timeout: 120_000 });
  if ((await profilePage.step.getAttribute("data-step")) === "failed") {
    throw new Error(`enrollment failed: ${await profilePage.step.getByTestId("enrollment-failed").textContent()}`);
  }
  await expect(profilePage.detail("profile-status")).toHaveText("Active — used for new calls");
  await profilePage.deleteProfile();
  expect((await getJson<{ profile: unknown }>(page, "/api/voice-profile")).profile).toBeNull();
  expect(voiceProfileFiles()).toEqual([]);
});
