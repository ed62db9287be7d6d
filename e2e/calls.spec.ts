import fs from "node:fs/promises";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { cleanupAudio, makeAudio } from "../tests/helpers/make-audio";
import { CallPage } from "./pages/CallPage";
import { CallsPage } from "./pages/CallsPage";
import { SignInPage } from "./pages/SignInPage";

/**
 * The call list, the call page and the call API, on calls created through `POST /api/calls` (multipart)
 * with real recordings made by ffmpeg. Titles carry a per-test suffix: other specs share the user.
 */

interface CallJson {
  id: string;
  title: string;
  status: string;
  durationSeconds: number | null;
}

const STATUS_LABEL: Record<string, string> = {
  QUEUED: "Queued",
  PROCESSING: "Processing",
  COMPLETED: "Completed",
  FAILED: "Failed",
};

let recording: Buffer;
const created: string[] = [];

test.beforeAll(async () => {
  recording = await fs.readFile(await makeAudio("mp3", { durationSeconds: 6 }));
});

test.afterAll(async () => {
  await cleanupAudio();
});

test.afterEach(async ({ page }) => {
  // Leave the shared local-dev user as we found it (a call deleted by the test answers 404: fine).
  for (const id of created.splice(0)) await page.request.delete(`/api/calls/${id}`);
});

const suffix = () => Math.random().toString(36).slice(2, 8);

async function signIn(page: Page) {
  const signInPage = new SignInPage(page);
  await signInPage.goto();
  await signInPage.continueAsLocalDeveloper();
  await expect(page).toHaveURL(/\/calls$/);
}

async function uploadCall(request: APIRequestContext, fields: Record<string, string>): Promise<CallJson> {
  const response = await request.post("/api/calls", {
    multipart: { ...fields, file: { name: "recording.mp3", mimeType: "audio/mpeg", buffer: recording } },
  });
  expect(response.status(), await response.text()).toBe(201);
  const { call } = (await response.json()) as { call: CallJson };
  created.push(call.id);
  return call;
}

async function currentStatus(request: APIRequestContext, id: string): Promise<string> {
  return ((await (await request.get(`/api/calls/${id}`)).json()) as { call: CallJson }).call.status;
}

test("the list shows uploaded calls with their status; search and filters narrow it and live in the URL", async ({ page }) => {
  await signIn(page);
  const run = suffix();
  const alpha = await uploadCall(page.request, {
    title: `Alpha pricing ${run}`,
    contactName: "Jane Doe",
    organization: `Acme ${run}`,
    direction: "INCOMING",
  });
  const beta = await uploadCall(page.request, { title: `Beta renewal ${run}`, organization: `Globex ${run}`, direction: "OUTGOING" });

  const calls = new CallsPage(page);
  await calls.goto();
  await expect(calls.row(alpha.title)).toBeVisible();
  await expect(calls.row(beta.title)).toBeVisible();
  // Newest first.
  const titles = await calls.rows.getByRole("link").allTextContents();
  expect(titles.indexOf(beta.title)).toBeLessThan(titles.indexOf(alpha.title));
  await expect(calls.row(alpha.title)).toContainText("Jane Doe");
  await expect(calls.row(alpha.title)).toContainText("0:06");
  await expect(calls.row(alpha.title)).toContainText("Incoming");
  // While processing, the chip also names the stage ("Processing · Transcription").
  await expect(calls.status(alpha.title)).toHaveText(/^(Queued|Processing( · .+)?|Completed|Failed)$/);

  // Search by organization; the filter survives a reload.
  await calls.search(`Acme ${run}`);
  await expect(calls.row(alpha.title)).toBeVisible();
  await expect(calls.row(beta.title)).toHaveCount(0);
  await page.reload();
  await expect(calls.searchBox).toHaveValue(`Acme ${run}`);
  await expect(calls.row(alpha.title)).toBeVisible();
  await expect(calls.row(beta.title)).toHaveCount(0);

  // Direction filter (combined with a search that matches both).
  await calls.search(run);
  await expect(calls.rows).toHaveCount(2);
  await calls.filterByDirection("Outgoing");
  await expect(page).toHaveURL(/direction=OUTGOING/);
  await expect(calls.row(beta.title)).toBeVisible();
  await expect(calls.row(alpha.title)).toHaveCount(0);
  await calls.filterByDirection("All directions");
  await expect(calls.rows).toHaveCount(2);

  // Status filter: the one the call is in keeps it; a shared URL with it opens filtered. (Wait until
  // processing has settled, so the status cannot change between reading it and filtering by it.)
  await expect.poll(() => currentStatus(page.request, alpha.id), { timeout: 120_000 }).toMatch(/^(COMPLETED|FAILED)$/);
  const status = await currentStatus(page.request, alpha.id);
  await calls.goto(`q=${encodeURIComponent(alpha.title)}&status=${status}`);
  await expect(calls.statusFilter).toHaveValue(status);
  await expect(calls.row(alpha.title)).toBeVisible();
  await expect(calls.status(alpha.title)).toHaveText(new RegExp(`^${STATUS_LABEL[status]!}`));

  // Nothing matches: its own state, and a way back.
  await calls.goto();
  await calls.search(`no such call ${run}`);
  await calls.expectNoMatches();
  await page.getByRole("main").getByRole("link", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(/\/calls$/);
  await expect(calls.searchBox).toHaveValue("");
  await expect(calls.row(alpha.title)).toBeVisible();
});

test("Load more follows the cursor to older calls", async ({ page }) => {
  await signIn(page);
  const run = suffix();
  // One more than a page.
  for (let i = 0; i < 26; i++) await uploadCall(page.request, { title: `Paged ${run} #${String(i).padStart(2, "0")}` });
  const calls = new CallsPage(page);
  await calls.goto(`q=${run}`);
  await expect(calls.rows).toHaveCount(25);
  await expect(calls.row(`Paged ${run} #25`)).toBeVisible();
  await expect(calls.row(`Paged ${run} #00`)).toHaveCount(0);

  await page.getByRole("button", { name: "Load more" }).click();
  await expect(calls.rows).toHaveCount(26);
  // Reading continues at the first call that was added, and there is nothing more to load.
  await expect(page.getByRole("link", { name: `Paged ${run} #00`, exact: true })).toBeFocused();
  await expect(page.getByRole("button", { name: "Load more" })).toHaveCount(0);
});

test("while a listed call is in progress the list polls and updates rows in place", async ({ page }) => {
  await signIn(page);
  const run = suffix();
  const call = await uploadCall(page.request, { title: `Live ${run}` });
  const calls = new CallsPage(page);
  await calls.goto(`q=${run}`);
  await expect(calls.row(call.title)).toBeVisible();
  test.skip(!["QUEUED", "PROCESSING"].includes(await currentStatus(page.request, call.id)), "the call already finished processing");

  const polled = page.waitForRequest((request) => new URL(request.url()).pathname === "/api/calls");
  // Renamed elsewhere (say, another tab): the row follows without a reload.
  const patch = await page.request.patch(`/api/calls/${call.id}`, { data: { title: `Live renamed ${run}` } });
  expect(patch.status()).toBe(200);
  await polled;
  await expect(page.getByRole("link", { name: `Live renamed ${run}`, exact: true })).toBeVisible();
});

test("the call page plays the recording with range requests, seeks, and keeps edited details", async ({ page }) => {
  await signIn(page);
  const run = suffix();
  const call = await uploadCall(page.request, {
    title: `Playback ${run}`,
    contactName: "Grace Hopper",
    organization: "Navy",
    phoneNumber: "+1 555 0100",
    direction: "OUTGOING",
  });
  const audioStatuses: number[] = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname === `/api/calls/${call.id}/audio`) audioStatuses.push(response.status());
  });

  const calls = new CallsPage(page);
  await calls.goto(`q=${encodeURIComponent(call.title)}`);
  await calls.open(call.title);
  await expect(page).toHaveURL(new RegExp(`/calls/${call.id}$`));
  const callPage = new CallPage(page);
  await expect(callPage.status).toHaveText(/^(Queued|Processing|Completed|Failed)$/);
  await expect(page.getByText("Grace Hopper").first()).toBeVisible();
  await expect(page.getByText("+1 555 0100")).toBeVisible();
  await expect(page.getByRole("region", { name: "Action items" })).toContainText(/once processing has run|No action items were found in this call/);
  // This recording is a tone: before processing the transcript is a placeholder, after it there is no speech.
  await expect(page.getByRole("region", { name: "Transcript" })).toContainText(/once processing has run|No speech was found in this recording/);
  // The timeline shows what really happened, starting with the finished upload (e2e/pipeline.spec.ts follows the rest).
  const timeline = page.getByRole("region", { name: "Processing timeline" });
  await expect(timeline.getByTestId("stage-UPLOAD")).toHaveAttribute("data-state", "done");

  // The player reads the duration, seeks, and plays from where it was sent.
  const duration = await callPage.audioDuration();
  expect(duration).toBeGreaterThan(5);
  expect(duration).toBeLessThan(7);
  const landed = await callPage.seekTo(3);
  expect(landed).toBeGreaterThanOrEqual(2.9);
  const { startedAt, reached } = await callPage.playFromCurrentPosition();
  expect(startedAt).toBeGreaterThanOrEqual(2.9);
  expect(reached).toBeGreaterThan(3);
  expect(audioStatuses).toContain(206);

  // A bad value is refused with the field's message; a good edit is saved and survives a reload.
  await callPage.edit({ "Phone number": "call me maybe" });
  await expect(callPage.editForm.getByText("Phone number must be a phone number.")).toBeVisible();
  await expect(callPage.editForm.getByLabel("Phone number")).toBeFocused();
  await callPage.editForm.getByLabel("Phone number").fill("+1 555 0199");
  await callPage.editForm.getByLabel("Title").fill(`Playback edited ${run}`);
  await callPage.editForm.getByRole("button", { name: "Save changes" }).click();
  await expect(callPage.editForm).toHaveCount(0);
  await expect(callPage.heading).toHaveText(`Playback edited ${run}`);
  await expect(page.getByRole("button", { name: "Edit details" })).toBeFocused();
  await page.reload();
  await expect(callPage.heading).toHaveText(`Playback edited ${run}`);
  await expect(page.getByText("+1 555 0199")).toBeVisible();
  await expect(page).toHaveTitle(new RegExp(`Playback edited ${run}`));
});

test("the call API: malformed JSON, validation, byte ranges", async ({ page }) => {
  await signIn(page);
  const call = await uploadCall(page.request, { title: `API ${suffix()}` });
  const url = `/api/calls/${call.id}`;

  const malformed = await page.request.patch(url, {
    headers: { "Content-Type": "application/json" },
    data: Buffer.from('{"title": "unfinished'),
  });
  expect(malformed.status()).toBe(400);
  expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe("INVALID_JSON");

  const empty = await page.request.patch(url, { data: { title: "   " } });
  expect(empty.status()).toBe(400);
  expect(((await empty.json()) as { error: { code: string } }).error.code).toBe("VALIDATION_FAILED");

  for (const query of ["status=DONE", "direction=SIDEWAYS", "limit=0", "limit=1000"]) {
    const response = await page.request.get(`/api/calls?${query}`);
    expect(response.status(), query).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code, query).toBe("VALIDATION_FAILED");
  }
  const badCursor = await page.request.get("/api/calls?cursor=not-a-cursor");
  expect(badCursor.status()).toBe(400);
  expect(((await badCursor.json()) as { error: { code: string } }).error.code).toBe("INVALID_CURSOR");

  const audio = `${url}/audio`;
  const full = await page.request.get(audio);
  expect(full.status()).toBe(200);
  expect(full.headers()["accept-ranges"]).toBe("bytes");
  expect(full.headers()["cache-control"]).toBe("private, max-age=0");
  expect(full.headers()["content-type"]).toBe("audio/mpeg");
  const size = (await full.body()).length;
  expect(size).toBe(recording.length);

  const first = await page.request.get(audio, { headers: { Range: "bytes=0-99" } });
  expect(first.status()).toBe(206);
  expect(first.headers()["content-range"]).toBe(`bytes 0-99/${size}`);
  const firstBytes = await first.body();
  expect(firstBytes.length).toBe(100);
  expect(firstBytes.equals(recording.subarray(0, 100))).toBe(true);

  const tail = await page.request.get(audio, { headers: { Range: "bytes=-10" } });
  expect(tail.status()).toBe(206);
  expect(tail.headers()["content-range"]).toBe(`bytes ${size - 10}-${size - 1}/${size}`);
  expect((await tail.body()).equals(recording.subarray(size - 10))).toBe(true);

  const beyond = await page.request.get(audio, { headers: { Range: `bytes=${size}-` } });
  expect(beyond.status()).toBe(416);
  expect(beyond.headers()["content-range"]).toBe(`bytes */${size}`);
});

test("deleting a call asks first, then removes it everywhere", async ({ page }) => {
  await signIn(page);
  const call = await uploadCall(page.request, { title: `Delete me ${suffix()}` });
  const callPage = new CallPage(page);
  await callPage.goto(call.id);
  await expect(callPage.heading).toHaveText(call.title);

  // Cancel keeps it, and focus goes back to the button.
  let dialog = await callPage.openDeleteDialog();
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("button", { name: "Delete", exact: true })).toBeFocused();
  expect((await page.request.get(`/api/calls/${call.id}`)).status()).toBe(200);

  dialog = await callPage.openDeleteDialog();
  await dialog.getByRole("button", { name: "Delete call" }).click();
  await expect(page).toHaveURL(/\/calls$/);
  await expect(page.getByRole("heading", { name: "Calls", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: call.title, exact: true })).toHaveCount(0);
  const gone = await page.request.get(`/api/calls/${call.id}`);
  expect(gone.status()).toBe(404);
  expect(((await gone.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  expect((await page.request.get(`/api/calls/${call.id}/audio`)).status()).toBe(404);

  // Its page now says so, with a way back.
  await callPage.goto(call.id);
  await expect(page.getByRole("heading", { name: "This call does not exist or is not yours" })).toBeVisible();
  await page.getByRole("link", { name: "Back to your calls" }).click();
  await expect(page).toHaveURL(/\/calls$/);
});
