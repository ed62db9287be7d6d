import { expect, type Locator, type Page } from "@playwright/test";

/** The record page (/record): start, pause, resume, stop, the upload's status, an unfinished recording. */
export class RecordPage {
  constructor(private readonly page: Page) {}

  async goto() {
    await this.page.goto("/record");
    await expect(this.page.getByRole("heading", { name: "Record a call", level: 1 })).toBeVisible();
  }

  get start(): Locator {
    return this.page.getByRole("button", { name: "Start recording" });
  }
  get pause(): Locator {
    return this.page.getByRole("button", { name: "Pause", exact: true });
  }
  get resume(): Locator {
    return this.page.getByRole("button", { name: "Resume", exact: true });
  }
  get stop(): Locator {
    return this.page.getByRole("button", { name: "Stop and save" });
  }
  get timer(): Locator {
    return this.page.getByRole("timer", { name: "Time recorded" });
  }
  get status(): Locator {
    return this.page.getByTestId("recorder-status");
  }
  get uploadStatus(): Locator {
    return this.page.getByTestId("upload-status");
  }
  get micMeter(): Locator {
    return this.page.getByRole("meter", { name: "Microphone level" });
  }
  field(label: string): Locator {
    return this.page.getByLabel(label, { exact: true });
  }
  get finishUnfinished(): Locator {
    return this.page.getByRole("button", { name: "Finish the unfinished recording" });
  }

  /** Bytes the server confirmed so far, from the status line ("… (12 KB)" / "… 12 KB on the server"). */
  async confirmedKb(): Promise<number> {
    const text = (await this.uploadStatus.textContent()) ?? "";
    const match = /([\d.]+) (KB|MB)/.exec(text);
    if (!match) return 0;
    return Number(match[1]) * (match[2] === "MB" ? 1024 : 1);
  }

  /** Waits until every chunk so far is on the server and at least `kb` of it. */
  async expectAllSaved(kb = 0) {
    await expect(this.uploadStatus).toContainText("All saved on the server", { timeout: 30_000 });
    await expect.poll(() => this.confirmedKb(), { timeout: 30_000 }).toBeGreaterThan(kb);
  }

  /** After stop: the done panel; returns the call id its link points at. */
  async expectSaved(): Promise<string> {
    const link = this.page.getByRole("link", { name: "Open the call" });
    await expect(link).toBeVisible({ timeout: 60_000 });
    const href = await link.getAttribute("href");
    const match = /^\/calls\/([0-9a-f-]{36})$/.exec(href ?? "");
    expect(match, `Open the call link ${href}`).not.toBeNull();
    return match![1]!;
  }
}
