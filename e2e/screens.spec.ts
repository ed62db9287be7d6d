import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { CallPage } from "./pages/CallPage";
import { CallsPage } from "./pages/CallsPage";
import { InboxPage } from "./pages/InboxPage";
import { SignInPage } from "./pages/SignInPage";
import { UploadPage } from "./pages/UploadPage";
import { VoiceProfilePage } from "./pages/VoiceProfilePage";
import { signFirebaseToken, signInWithFirebaseToken } from "./support/firebase-tokens";

/**
 * Every page in its meaningful states at 1280 and 390 px (issue 14): a full-page PNG of each under
 * artifacts/screenshots/<page>-<state>-<width>.png (kept by CI as an artifact), and on each one no horizontal
 * overflow (the document no wider than the window, no element wider than the viewport unless a scrolling
 * container holds it), no console error, no page error and no failed same-origin request.
 */

const SHOTS_DIR = path.resolve("artifacts/screenshots");
const WIDTHS = [1280, 390] as const;
const HEIGHT = { 1280: 800, 390: 844 } as const;
const MISSING_CALL = "00000000-0000-4000-8000-000000000000";

/** espeak-ng speech (Debian), so the local engine has words to transcribe. */
function spoken(name: string, text: string): { name: string; mimeType: string; buffer: Buffer } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "scryon-e2e-screens-")), name);
  execFileSync("espeak-ng", ["-v", "en-us", "-s", "140", "-w", file, text]);
  return { name, mimeType: "audio/wav", buffer: fs.readFileSync(file) };
}

async function upload(request: APIRequestContext, title: string, file: ReturnType<typeof spoken>): Promise<string> {
  const response = await request.post("/api/calls", { multipart: { title, file } });
  expect(response.status(), await response.text()).toBe(201);
  return ((await response.json()) as { call: { id: string } }).call.id;
}

interface Problems {
  console: string[];
  pageErrors: string[];
  failedRequests: string[];
}

/** A browser context at `width`, signed in as `uid` (or signed out), collecting console errors and failures. */
async function openContext(browser: Browser, width: number, uid: string | null, email?: string): Promise<{ context: BrowserContext; page: Page; problems: Problems; expected404: Set<string> }> {
  const context = await browser.newContext({ viewport: { width, height: HEIGHT[width as 1280 | 390] }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: Problems = { console: [], pageErrors: [], failedRequests: [] };
  // Documents that are meant to answer 404 (the not-found call); anything else ≥ 400 from this site is a failure.
  const expected404 = new Set<string>();
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    // Chromium reports the not-found document's own 404 as a console error.
    if (/status of 404/.test(text) && [...expected404].some((url) => message.location().url === url)) return;
    problems.console.push(`${text} (${message.location().url})`);
  });
  page.on("pageerror", (error) => problems.pageErrors.push(String(error)));
  page.on("requestfailed", (request) => {
    if (!request.url().startsWith(E2E.baseURL)) return;
    // Navigating away (or the audio element seeking) cancels requests: not a failure.
    if (request.failure()?.errorText === "net::ERR_ABORTED") return;
    problems.failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on("response", (response) => {
    const url = response.url();
    if (!url.startsWith(E2E.baseURL) || response.status() < 400) return;
    if (response.status() === 404 && expected404.has(url)) return;
    problems.failedRequests.push(`${response.request().method()} ${url}: ${response.status()}`);
  });
  if (uid) {
    await page.goto("/sign-in");
    expect((await signInWithFirebaseToken(page.request, await signFirebaseToken({ uid, name: "Sasha Screens", ...(email ? { email } : {}) }))).status()).toBe(302);
  }
  return { context, page, problems, expected404 };
}

/** Elements wider than the viewport or reaching past its edges, unless a scrolling/clipping ancestor inside the viewport holds them. */
async function overflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; offenders: string[] }> {
  return page.evaluate(() => {
    const innerWidth = window.innerWidth;
    const offenders: string[] = [];
    const describe = (element: Element) => {
      const id = element.id ? `#${element.id}` : "";
      const testId = element.getAttribute("data-testid") ? `[data-testid=${element.getAttribute("data-testid")}]` : "";
      const cls = typeof element.className === "string" && element.className ? `.${element.className.trim().split(/\s+/).slice(0, 4).join(".")}` : "";
      return `${element.tagName.toLowerCase()}${id}${testId}${cls}`;
    };
    const clipped = (element: Element): boolean => {
      for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
        const style = getComputedStyle(parent);
        if (/(auto|scroll|hidden|clip)/.test(style.overflowX)) {
          const rect = parent.getBoundingClientRect();
          return rect.left >= -1 && rect.right <= innerWidth + 1;
        }
      }
      return false;
    };
    for (const element of document.body.querySelectorAll("*")) {
      const rect = element.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      const style = getComputedStyle(element);
      if (style.visibility === "hidden" || style.position === "fixed") continue;
      // Screen-reader-only text is clipped to a 1 px box.
      if (style.clip === "rect(0px, 0px, 0px, 0px)" || style.clipPath === "inset(50%)") continue;
      if ((rect.width > innerWidth + 1 || rect.right > innerWidth + 1 || rect.left < -1) && !clipped(element)) {
        offenders.push(`${describe(element)} (left ${Math.round(rect.left)}, width ${Math.round(rect.width)})`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, offenders: offenders.slice(0, 10) };
  });
}

/** Checks the page as it is now and saves artifacts/screenshots/<name>-<width>.png. */
async function shoot(page: Page, problems: Problems, name: string, width: number) {
  await page.evaluate(() => document.fonts.ready);
  const layout = await overflow(page);
  expect(layout.scrollWidth, `${name} at ${width}px: the document is wider than the window`).toBeLessThanOrEqual(layout.innerWidth);
  expect(layout.offenders, `${name} at ${width}px: elements wider than the viewport`).toEqual([]);
  fs.mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS_DIR, `${name}-${width}.png`), fullPage: true, animations: "disabled", caret: "hide" });
  expect(problems.console, `${name} at ${width}px: console errors`).toEqual([]);
  expect(problems.pageErrors, `${name} at ${width}px: page errors`).toEqual([]);
  expect(problems.failedRequests, `${name} at ${width}px: failed requests`).toEqual([]);
}

test.describe("screens", () => {
  const runId = Date.now();
  const fullUser = `screens-full-${runId}`;
  const emptyUser = `screens-empty-${runId}`;
  let completedId = "";
  let processingId = "";

  test.beforeAll(async ({ browser }) => {
    // The call to be shown completed goes first, so it is done by the time its screenshot is taken.
    const { context, page } = await openContext(browser, 1280, fullUser);
    try {
      completedId = await upload(page.request, "Pricing follow-up with Sam", spoken("Pricing follow-up.wav", "Hello Sam. Can you send me the proposal by Friday? We need to update the pricing. Thanks, talk soon."));
      for (const [title, dueDate, priority] of [
        ["Send Sam the proposal", "2030-01-04", "high"],
        ["Update the pricing sheet before the demo with the numbers finance agreed on", "2030-01-10", "medium"],
        ["Book the follow-up call", null, "low"],
      ] as const) {
        const added = await page.request.post(`/api/calls/${completedId}/action-items`, { data: { title, dueDate, priority } });
        expect(added.status(), await added.text()).toBe(201);
      }
    } finally {
      await context.close();
    }
  });

  for (const width of WIDTHS) {
    test(`signed-out pages and empty states at ${width}px`, async ({ browser }) => {
      const out = await openContext(browser, width, null);
      try {
        await out.page.goto("/");
        await expect(out.page.getByRole("heading", { level: 1 })).toBeVisible();
        // The overflow check finds what it is meant to find.
        await out.page.evaluate(() => {
          const wide = document.createElement("div");
          wide.id = "too-wide";
          wide.style.width = "2000px";
          wide.style.height = "10px";
          document.querySelector("main")?.append(wide);
        });
        const planted = await overflow(out.page);
        expect(planted.scrollWidth).toBeGreaterThan(planted.innerWidth);
        expect(planted.offenders.join(" ")).toContain("div#too-wide");
        await out.page.evaluate(() => document.getElementById("too-wide")?.remove());
        await shoot(out.page, out.problems, "home-signed-out", width);
        await new SignInPage(out.page).goto();
        await shoot(out.page, out.problems, "sign-in-default", width);
      } finally {
        await out.context.close();
      }

      const empty = await openContext(browser, width, `${emptyUser}-${width}`);
      try {
        await new CallsPage(empty.page).goto();
        await expect(empty.page.getByRole("heading", { name: "No calls yet" })).toBeVisible();
        await shoot(empty.page, empty.problems, "calls-empty", width);
        const inbox = new InboxPage(empty.page);
        await inbox.goto();
        await expect(inbox.empty).toBeVisible();
        await shoot(empty.page, empty.problems, "action-items-empty", width);
        const upload = new UploadPage(empty.page);
        await upload.goto();
        await shoot(empty.page, empty.problems, "upload-empty", width);
        await upload.chooseFiles([await writeSpoken("Quarterly review with Dana.wav")]);
        await upload.expectReady("Quarterly review with Dana.wav");
        await shoot(empty.page, empty.problems, "upload-selected", width);
        await empty.page.goto("/record");
        await expect(empty.page.getByRole("heading", { level: 1, name: "Record a call" })).toBeVisible();
        await shoot(empty.page, empty.problems, "record-idle", width);
        const voice = new VoiceProfilePage(empty.page);
        await voice.goto();
        await voice.expectStep("consent");
        await shoot(empty.page, empty.problems, "voice-profile-consent", width);
        await empty.page.goto("/settings");
        await expect(empty.page.getByRole("button", { name: "End all sessions" })).toBeVisible();
        await shoot(empty.page, empty.problems, "settings", width);
        await empty.page.goto("/settings/tokens");
        await expect(empty.page.getByTestId("no-tokens")).toBeVisible();
        await shoot(empty.page, empty.problems, "settings-tokens-empty", width);
        await empty.page.getByLabel("Name").fill("Nightly export to the CRM");
        await empty.page.getByRole("button", { name: "Create token" }).click();
        await expect(empty.page.getByTestId("new-token")).toBeVisible();
        await shoot(empty.page, empty.problems, "settings-tokens-created", width);
        await empty.page.goto("/search");
        await expect(empty.page.getByTestId("search-empty")).toBeVisible();
        await shoot(empty.page, empty.problems, "search-empty", width);
        await empty.page.goto("/search?q=proposal");
        await expect(empty.page.getByTestId("search-no-results")).toBeVisible();
        await shoot(empty.page, empty.problems, "search-no-results", width);
        const missingUrl = `${E2E.baseURL}/calls/${MISSING_CALL}`;
        empty.expected404.add(missingUrl);
        const response = await empty.page.goto(missingUrl);
        expect(response?.status()).toBe(404);
        await expect(empty.page.getByRole("heading", { name: "This call does not exist or is not yours" })).toBeVisible();
        await shoot(empty.page, empty.problems, "call-not-found", width);
      } finally {
        await empty.context.close();
      }
    });
  }

  test("a call in progress at both widths", async ({ browser }) => {
    test.setTimeout(120_000);
    const seed = await openContext(browser, 1280, fullUser);
    try {
      // Longer speech than the completed call's, so it is still in progress while both widths are shot.
      const words = Array.from({ length: 6 }, () => "We went through the contract line by line and agreed to meet again next week.").join(" ");
      processingId = await upload(seed.page.request, "Contract walkthrough", spoken("Contract walkthrough.wav", words));
    } finally {
      await seed.context.close();
    }
    for (const width of WIDTHS) {
      const { context, page, problems } = await openContext(browser, width, fullUser);
      try {
        const callPage = new CallPage(page);
        await callPage.goto(processingId);
        await expect(callPage.heading).toHaveText("Contract walkthrough");
        await expect(callPage.status).toHaveText(/Queued|Processing|Uploading/);
        await shoot(page, problems, "call-processing", width);
        await new CallsPage(page).goto();
        await expect(page.getByTestId("call-row").first()).toBeVisible();
        await shoot(page, problems, "calls-with-calls", width);
      } finally {
        await context.close();
      }
    }
  });

  test("Settings → Speech for an administrator at both widths", async ({ browser }) => {
    for (const width of WIDTHS) {
      const { context, page, problems } = await openContext(browser, width, `screens-speech-admin-${width}`, E2E.adminEmail);
      try {
        await page.goto("/settings/speech");
        await expect(page.getByRole("heading", { name: "What runs now" })).toBeVisible();
        await expect(page.getByTestId("model-whisper-base.en")).toBeVisible();
        await shoot(page, problems, "settings-speech", width);
      } finally {
        await context.close();
      }
    }
  });

  test("Settings → Webhooks empty, and with an endpoint, its secret and its delivery log, at both widths", async ({ browser }) => {
    for (const width of WIDTHS) {
      const { context, page, problems } = await openContext(browser, width, `screens-webhooks-${width}`);
      try {
        await page.goto("/settings/webhooks");
        await expect(page.getByTestId("no-endpoints")).toBeVisible();
        await shoot(page, problems, "settings-webhooks-empty", width);
        await page.getByRole("button", { name: "Add endpoint" }).click();
        await page.getByLabel("URL").fill("https://93.184.216.34/hooks/scryon-crm");
        await page.getByLabel("Label (optional)").fill("CRM sync");
        await page.getByRole("checkbox", { name: /action_item\.completed/ }).check();
        await shoot(page, problems, "settings-webhooks-form", width);
        await page.getByRole("button", { name: "Add endpoint" }).click();
        const row = page.getByTestId("endpoint-row");
        await expect(row).toContainText("https://93.184.216.34/hooks/scryon-crm");
        await row.getByRole("button", { name: "Reveal" }).click();
        await expect(row.getByTestId("endpoint-secret")).toHaveValue(/^whsec_/);
        await row.getByRole("button", { name: "Show delivery log" }).click();
        await expect(row.getByTestId("no-deliveries")).toBeVisible();
        await shoot(page, problems, "settings-webhooks-endpoint", width);
      } finally {
        await context.close();
      }
    }
  });

  test("a completed call with its transcript, and the inbox with items, at both widths", async ({ browser }) => {
    test.setTimeout(180_000);
    for (const width of WIDTHS) {
      const { context, page, problems } = await openContext(browser, width, fullUser);
      try {
        const callPage = new CallPage(page);
        await callPage.goto(completedId);
        await expect(callPage.status).toContainText("Completed", { timeout: 150_000 });
        await expect(callPage.transcript.getByTestId("transcript-segment").first()).toBeVisible();
        await expect(callPage.actionItems.item("Send Sam the proposal")).toBeVisible();
        await callPage.audioDuration();
        await shoot(page, problems, "call-completed", width);
        const inbox = new InboxPage(page);
        await inbox.goto("status=all");
        await expect(inbox.item("Send Sam the proposal")).toBeVisible();
        await shoot(page, problems, "action-items-with-items", width);
        await page.goto("/search?q=proposal");
        await expect(page.getByTestId("search-result").first()).toBeVisible();
        await shoot(page, problems, "search-results", width);
      } finally {
        await context.close();
      }
    }
  });
});

async function writeSpoken(name: string): Promise<string> {
  const file = spoken(name, "Hello Dana, this is the quarterly review.");
  const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "scryon-e2e-screens-")), name);
  fs.writeFileSync(target, file.buffer);
  return target;
}
