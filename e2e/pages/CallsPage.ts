import { expect, type Locator, type Page } from "@playwright/test";

/** The call list (/calls): filters in the URL, a table of calls, live status chips. */
export class CallsPage {
  constructor(private readonly page: Page) {}

  async goto(query = "") {
    await this.page.goto(query ? `/calls?${query}` : "/calls");
    await expect(this.page.getByRole("heading", { name: "Calls", level: 1 })).toBeVisible();
  }

  get searchBox(): Locator {
    return this.page.getByRole("searchbox", { name: "Search" });
  }

  get statusFilter(): Locator {
    return this.page.getByLabel("Status", { exact: true });
  }

  get directionFilter(): Locator {
    return this.page.getByLabel("Direction", { exact: true });
  }

  get rows(): Locator {
    return this.page.getByTestId("call-row");
  }

  /** The row of the call whose title is exactly `title`. */
  row(title: string): Locator {
    return this.rows.filter({ has: this.page.getByRole("link", { name: title, exact: true }) });
  }

  status(title: string): Locator {
    return this.row(title).getByTestId("call-status");
  }

  async search(text: string) {
    await this.searchBox.fill(text);
    // The list follows the URL once the debounce has passed.
    await expect.poll(() => new URL(this.page.url()).searchParams.get("q") ?? "").toBe(text.trim());
  }

  async filterByStatus(label: string) {
    await this.statusFilter.selectOption({ label });
  }

  async filterByDirection(label: string) {
    await this.directionFilter.selectOption({ label });
  }

  async expectNoMatches() {
    await expect(this.page.getByRole("heading", { name: "No calls match" })).toBeVisible();
  }

  async open(title: string) {
    await this.page.getByRole("link", { name: title, exact: true }).click();
    await expect(this.page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  }
}
