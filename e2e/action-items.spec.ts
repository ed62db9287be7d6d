import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { CallPage } from "./pages/CallPage";
import { InboxPage } from "./pages/InboxPage";
import { signFirebaseToken, signInWithFirebaseToken } from "./support/firebase-tokens";

/**
 * Sentences the local analyzer turns into action items even as pocketsphinx mishears espeak ("We need to update
 * the pricing." tends to come out as "we need to look like the pricing"), spoken with pauses between them.
 */
const COMMITMENTS = [
  "We need to update the pricing.",
  "I will send the proposal by Friday.",
  "We need to schedule the demo.",
  "Let's review the contract next week.",
];

function spokenRecording(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "scryon-e2e-action-items-")), "Pricing follow-up.wav");
  // SSML breaks between sentences, so each lands in a segment of its own.
  const ssml = `<speak>${COMMITMENTS.join('<break time="1500ms"/>')}</speak>`;
  execFileSync("espeak-ng", ["-v", "en-us", "-s", "140", "-m", "-w", file, ssml]);
  return file;
}

/** The browser's local date moved by `days`, as `YYYY-MM-DD`. */
function localDate(page: Page, days: number): Promise<string> {
  return page.evaluate((offset) => {
    const date = new Date();
    date.setDate(date.getDate() + offset);
    return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
  }, days);
}

interface TranscriptJson {
  speakers: { id: string; label: string }[];
  segments: { id: string; speakerId: string; start: number; text: string }[];
}

test("a call's summary and action items: source playback, done, snooze, edit, add, speakers, inbox and export", async ({ page }) => {
  test.setTimeout(300_000);
  const idToken = await signFirebaseToken({ uid: `action-items-${Date.now()}`, name: "Avery Action" });
  await page.goto("/sign-in");
  expect((await signInWithFirebaseToken(page.request, idToken)).status()).toBe(302);

  const file = spokenRecording();
  const uploaded = await page.request.post("/api/calls", {
    multipart: { title: "Pricing follow-up", file: { name: path.basename(file), mimeType: "audio/wav", buffer: fs.readFileSync(file) } },
  });
  expect(uploaded.status(), await uploaded.text()).toBe(201);
  const { call } = (await uploaded.json()) as { call: { id: string } };

  // --- The panel fills in by itself when processing finishes (no reload) ----------------------
  const callPage = new CallPage(page);
  const panel = callPage.actionItems;
  await callPage.goto(call.id);
  await expect(panel.summary).toBeVisible();
  await expect(callPage.status).toContainText("Completed", { timeout: 200_000 });
  await expect(panel.summary.getByTestId("summary-text").or(panel.summary.getByTestId("summary-empty"))).toBeVisible({ timeout: 20_000 });

  // Read in the page (its session, a fresh connection): the request context's idle keep-alive socket can be reset.
  const transcript = await page.evaluate(async (url) => (await (await fetch(url)).json()) as TranscriptJson, `/api/calls/${call.id}/transcript`);
  const heard = transcript.segments.map((segment) => segment.text).join(" | ");
  const generated = await panel.items.count();
  expect(generated, `the local analyzer found no action item; the transcript said: "${heard}"`).toBeGreaterThanOrEqual(1);
  await expect(panel.summary.getByTestId("summary-text")).toHaveText(/\S/);
  await expect(panel.summary.getByTestId("summary-provider")).toHaveText(/^Summarised by .+ · .+$/);

  // The transcript is on the page now (the page refreshed itself when the status changed).
  await expect(callPage.transcript.getByTestId("transcript-segment").first()).toBeVisible();
  await callPage.audioDuration();
  await callPage.audio.evaluate((element: HTMLAudioElement) => {
    element.muted = true;
  });

  // --- Source: seeks the audio to the cited segment, plays, scrolls to and highlights it --------
  const generatedRow = panel.items.filter({ has: page.getByRole("button", { name: /^Source: play/ }) }).first();
  const generatedTitle = (await generatedRow.getByTestId("action-item-title").textContent())!.trim();
  const source = panel.sourceButton(generatedRow);
  const segmentId = (await source.getAttribute("data-source-segment"))!;
  const segment = transcript.segments.find((candidate) => candidate.id === segmentId);
  expect(segment, `segment ${segmentId} is in the transcript`).toBeTruthy();
  await source.click();
  await expect.poll(() => callPage.currentTime()).toBeGreaterThanOrEqual(segment!.start - 0.05);
  expect(await callPage.currentTime()).toBeLessThan(segment!.start + 5);
  await expect(callPage.segment(segmentId)).toHaveAttribute("data-revealed", "true");
  await expect(callPage.segment(segmentId)).toBeInViewport();
  await callPage.audio.evaluate((element: HTMLAudioElement) => element.pause());

  // --- A failed change is rolled back, with an alert -------------------------------------------
  await page.route("**/api/action-items/*", (route) =>
    route.request().method() === "PATCH"
      ? route.fulfill({ status: 500, contentType: "application/json", body: JSON.stringify({ error: { code: "INTERNAL", message: "Simulated outage." } }) })
      : route.fallback(),
  );
  // click, not check: the rollback can land before Playwright reads the box back.
  await panel.checkbox(generatedRow).click();
  await expect(panel.error).toContainText("Simulated outage.");
  await expect(panel.checkbox(generatedRow)).not.toBeChecked();
  await expect(generatedRow).toHaveAttribute("data-status", "OPEN");
  await page.unroute("**/api/action-items/*");
  await panel.error.getByRole("button", { name: "Dismiss" }).click();

  // --- Add by hand, edit, done, snooze --------------------------------------------------------
  const speakerId = transcript.segments[0]!.speakerId;
  const speakerLabel = transcript.speakers.find((speaker) => speaker.id === speakerId)!.label;
  const yesterday = await localDate(page, -1);
  const contract = await panel.add({ title: "Send the signed contract", owner: speakerLabel, dueDate: yesterday, priority: "High" });
  await expect(panel.owner(contract)).toContainText(speakerLabel);
  await expect(panel.due(contract)).toContainText("Overdue");
  await expect(contract).toHaveAttribute("data-overdue", "true");
  const kickoff = await panel.add({ title: "Book the kickoff meeting" });
  await expect(panel.owner(kickoff)).toContainText("Unassigned");
  const legal = await panel.add({ title: "Chase the legal review", description: "Ask about the indemnity clause." });

  const editedTitle = `Update the pricing sheet ${Date.now()}`;
  await panel.edit(panel.item(generatedTitle).first(), { title: editedTitle, dueDate: "2030-01-15", owner: "Me" });
  const edited = panel.item(editedTitle);
  await expect(edited).toBeVisible();
  await expect(panel.due(edited)).toHaveText("Due Tue, Jan 15, 2030");
  await expect(panel.owner(edited)).toContainText("You");

  await panel.markDone(kickoff);
  await expect(panel.checkbox(kickoff)).toBeChecked();
  await expect(kickoff.getByTestId("action-item-title")).toHaveCSS("text-decoration-line", "line-through");

  // Keyboard: the menu opens on its first choice, arrows move, Escape closes it and focus returns to its button.
  const snoozeButton = legal.getByRole("button", { name: /^Snooze/ });
  await snoozeButton.click();
  await expect(legal.getByRole("menuitem").first()).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(legal.getByRole("menuitem").nth(1)).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(legal.getByRole("menu")).toHaveCount(0);
  await expect(snoozeButton).toBeFocused();
  await panel.snooze(legal, "Tomorrow");

  // Delete asks first.
  const mistake = await panel.add({ title: "Added by mistake" });
  await panel.delete(mistake);
  await expect(panel.item("Added by mistake")).toHaveCount(0);
  await expect(panel.status(legal)).toHaveText("Snoozed until tomorrow, 9:00 AM");

  // --- Speakers: a name given in the transcript shows there and on the items that speaker owns ------
  await callPage.editSpeaker(speakerLabel, { name: "Dana Prospect" });
  await expect(callPage.speakerLegend).toContainText("Dana Prospect");
  await expect(callPage.transcript.getByTestId("transcript-speaker").first()).toHaveText("Dana Prospect");
  await expect(panel.owner(contract)).toContainText("Dana Prospect");

  // --- Everything persisted --------------------------------------------------------------------
  await page.reload();
  await expect(panel.item(editedTitle)).toBeVisible();
  await expect(panel.due(panel.item(editedTitle))).toHaveText("Due Tue, Jan 15, 2030");
  await expect(panel.owner(panel.item(editedTitle))).toContainText("You");
  await expect(panel.owner(panel.item("Send the signed contract"))).toContainText("Dana Prospect");
  await expect(panel.status(panel.item("Chase the legal review"))).toHaveText("Snoozed until tomorrow, 9:00 AM");
  await expect(panel.item("Book the kickoff meeting")).toHaveCount(0);
  await expect(panel.item("Added by mistake")).toHaveCount(0);
  await expect(panel.doneToggle).toHaveText("Done (1)");
  await panel.showDone();
  await expect(panel.checkbox(panel.item("Book the kickoff meeting"))).toBeChecked();
  await expect(callPage.transcript.getByTestId("transcript-speaker").first()).toHaveText("Dana Prospect");

  // --- Analyse again: generated items are made anew, what the user touched stays ------------------
  const itemsNow = () =>
    page.evaluate(async (url) => ((await (await fetch(url)).json()) as { items: { title: string; origin: string; userModified: boolean }[] }).items, `/api/calls/${call.id}/action-items`);
  const before = await itemsNow();
  await panel.summary.getByRole("button", { name: "Analyse again" }).click();
  // It is quick: wait for the second ANALYSIS run on the timeline rather than for a passing "Processing".
  const analysisRuns = () =>
    page.evaluate(async (url) => {
      const body = (await (await fetch(url)).json()) as { callStatus: string; events: { stage: string; status: string }[] };
      return `${body.events.filter((event) => event.stage === "ANALYSIS" && event.status === "COMPLETED").length} ${body.callStatus}`;
    }, `/api/calls/${call.id}/events`);
  await expect.poll(analysisRuns, { timeout: 120_000 }).toBe("2 COMPLETED");
  await expect(callPage.status).toContainText("Completed");
  await expect(panel.summary.getByTestId("summary-text")).toHaveText(/\S/, { timeout: 20_000 });
  await expect(panel.item(editedTitle)).toBeVisible();
  await expect(panel.owner(panel.item("Send the signed contract"))).toContainText("Dana Prospect");
  await expect(panel.status(panel.item("Chase the legal review"))).toHaveText("Snoozed until tomorrow, 9:00 AM");
  await expect(panel.doneToggle).toHaveText("Done (1)");
  // No duplicates: as many items as before (the edited item's source is not turned into a second item).
  const after = await itemsNow();
  expect(after.length).toBe(before.length);
  expect(after.filter((item) => item.userModified).map((item) => item.title).sort()).toEqual(before.filter((item) => item.userModified).map((item) => item.title).sort());

  // --- The inbox -------------------------------------------------------------------------------
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Action items" }).click();
  const inbox = new InboxPage(page);
  await expect(inbox.heading).toBeVisible();
  // Open (the default) hides the done and the snoozed ones.
  await expect(inbox.item(editedTitle)).toBeVisible();
  await expect(inbox.item("Send the signed contract")).toHaveAttribute("data-overdue", "true");
  await expect(inbox.item("Book the kickoff meeting")).toHaveCount(0);
  await expect(inbox.item("Chase the legal review")).toHaveCount(0);
  await expect(inbox.callLink(inbox.item(editedTitle))).toHaveAttribute("href", `/calls/${call.id}`);
  // Mine first.
  await expect(inbox.items.first()).toHaveAttribute("data-item-id", (await inbox.item(editedTitle).getAttribute("data-item-id"))!);

  await inbox.filter("Status", "Done", /status=done/);
  await expect(inbox.item("Book the kickoff meeting")).toBeVisible();
  await expect(inbox.item(editedTitle)).toHaveCount(0);
  await inbox.filter("Status", "Snoozed", /status=snoozed/);
  await expect(inbox.item("Chase the legal review")).toBeVisible();
  await expect(inbox.items).toHaveCount(1);
  await inbox.filter("Status", "All", /status=all/);
  await inbox.filter("Owner", "Mine", /owner=me/);
  await expect(inbox.item(editedTitle)).toBeVisible();
  await expect(inbox.item("Send the signed contract")).toHaveCount(0);
  await inbox.filter("Owner", "Everyone", /^(?!.*owner=)/);
  await inbox.filter("Due", "Overdue", /due=overdue/);
  await expect(inbox.item("Send the signed contract")).toBeVisible();
  await expect(inbox.item(editedTitle)).toHaveCount(0);
  await inbox.filter("Due", "Any time", /^(?!.*due=)/);

  // Filters survive a reload (they are the URL).
  await page.reload();
  await expect(inbox.filters.getByLabel("Status", { exact: true })).toHaveValue("all");

  // Exports follow the filters and the browser's date.
  const today = await localDate(page, 0);
  const csvHref = (await inbox.csvLink.getAttribute("href"))!;
  expect(csvHref).toContain("format=csv");
  expect(csvHref).toContain("status=all");
  expect(csvHref).toContain(`today=${today}`);
  // Fetched by the page itself, with its session, as the link would be.
  const csv = await page.evaluate(async (href) => {
    const response = await fetch(href);
    return { status: response.status, type: response.headers.get("content-type") ?? "", text: await response.text() };
  }, csvHref);
  expect(csv.status).toBe(200);
  expect(csv.type).toContain("text/csv");
  expect(csv.text).toContain(editedTitle);
  expect(await inbox.icsLink.getAttribute("href")).toContain("format=ics");

  // Ticking an item off in the inbox keeps it in place and persists.
  await inbox.markDone(inbox.item("Send the signed contract"));
  await page.reload();
  await expect(inbox.checkbox(inbox.item("Send the signed contract"))).toBeChecked();

  // A long inbox comes a page (50) at a time: "Load more" brings the rest, each item once.
  const added = await page.evaluate(async (url) => {
    for (let i = 0; i < 55; i++) {
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title: `Backlog item ${i}` }) });
      if (response.status !== 201) return response.status;
    }
    return 201;
  }, `/api/calls/${call.id}/action-items`);
  expect(added).toBe(201);
  const total = await page.evaluate(async () => {
    let count = 0;
    let cursor: string | null = null;
    do {
      const answer = (await (await fetch(`/api/action-items?status=all${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)).json()) as { items: unknown[]; nextCursor: string | null };
      count += answer.items.length;
      cursor = answer.nextCursor;
    } while (cursor);
    return count;
  });
  expect(total).toBeGreaterThan(55);
  await inbox.filter("Status", "All", /status=all/);
  await expect(inbox.items).toHaveCount(50);
  await expect(page.getByTestId("inbox-summary")).toContainText("50 items shown, more below");
  await page.getByTestId("inbox-load-more").click();
  await expect(inbox.items).toHaveCount(total);
  await expect(page.getByTestId("inbox-load-more")).toHaveCount(0);
  await expect(page.getByTestId("inbox-summary")).toContainText(`${total} items`);
  await expect(page.getByTestId("inbox-summary")).not.toContainText("more below");
});
