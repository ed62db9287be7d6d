import { expect, type Locator, type Page } from "@playwright/test";
import { ActionItemRows } from "./ActionItemsPanel";

/** /action-items: every action item across calls, with filters in the URL and exports. */
export class InboxPage extends ActionItemRows {
  constructor(page: Page) {
    super(page, page.getByRole("region", { name: "Action items" }));
  }

  async goto(query = "") {
    await this.page.goto(query ? `/action-items?${query}` : "/action-items");
    await expect(this.heading).toBeVisible();
  }

  get heading(): Locator {
    return this.page.getByRole("heading", { level: 1, name: "Action items" });
  }

  get filters(): Locator {
    return this.page.getByRole("search", { name: "Filter action items" });
  }

  /** Picks a filter value by its label ("Status" → "Done") and waits for the URL to carry it. */
  async filter(name: "Status" | "Owner" | "Due" | "Call", option: string, expectedQuery: RegExp) {
    await this.filters.getByLabel(name, { exact: true }).selectOption({ label: option });
    await expect(this.page).toHaveURL(expectedQuery);
    await expect(this.root).not.toHaveAttribute("aria-busy", "true");
  }

  get empty(): Locator {
    return this.root.getByTestId("inbox-empty");
  }

  get csvLink(): Locator {
    return this.page.getByRole("link", { name: "Download CSV" });
  }

  get icsLink(): Locator {
    return this.page.getByRole("link", { name: "Add to calendar (.ics)" });
  }

  callLink(row: Locator): Locator {
    return row.getByTestId("action-item-call");
  }
}
