import { expect, type Locator, type Page } from "@playwright/test";

export interface ItemFields {
  title?: string;
  description?: string;
  /** An owner option's label: "Me", "Unassigned" or a speaker's name. */
  owner?: string;
  /** `YYYY-MM-DD`, or "" to clear. */
  dueDate?: string;
  priority?: "High" | "Medium" | "Low";
}

/** Fills the fields of an action-item form (edit or add) that are given. */
export async function fillItemForm(form: Locator, fields: ItemFields) {
  if (fields.title !== undefined) await form.getByLabel("Title").fill(fields.title);
  if (fields.description !== undefined) await form.getByLabel(/^Description/).fill(fields.description);
  if (fields.owner !== undefined) await form.getByLabel("Owner").selectOption({ label: fields.owner });
  if (fields.dueDate !== undefined) await form.getByLabel("Due date").fill(fields.dueDate);
  if (fields.priority !== undefined) await form.getByLabel("Priority").selectOption({ label: fields.priority });
}

/** Row-level actions shared by the call page's panel and the inbox (both render the same rows). */
export class ActionItemRows {
  constructor(
    protected readonly page: Page,
    readonly root: Locator,
  ) {}

  get items(): Locator {
    return this.root.getByTestId("action-item");
  }

  /** The row whose title is exactly `title`. */
  item(title: string): Locator {
    return this.items.filter({ has: this.page.getByTestId("action-item-title").getByText(title, { exact: true }) });
  }

  checkbox(row: Locator): Locator {
    return row.getByRole("checkbox", { name: /^Done: / });
  }

  async markDone(row: Locator) {
    await this.checkbox(row).check();
    await expect(row).toHaveAttribute("data-status", "DONE");
  }

  async edit(row: Locator, fields: ItemFields) {
    const id = await row.getAttribute("data-item-id");
    await row.getByRole("button", { name: /^Edit/ }).click();
    const editing = this.root.locator(`[data-item-id="${id}"]`);
    const form = editing.getByRole("form", { name: /^Edit action item/ });
    await expect(form.getByLabel("Title")).toBeFocused();
    await fillItemForm(form, fields);
    await form.getByRole("button", { name: "Save" }).click();
    await expect(form).toHaveCount(0);
    // Focus goes back to the row's Edit button.
    await expect(editing.getByRole("button", { name: /^Edit/ })).toBeFocused();
  }

  /** Snoozes with a preset ("Tomorrow", "Next Monday", "Next week"). */
  async snooze(row: Locator, preset: "Tomorrow" | "Next Monday" | "Next week") {
    await row.getByRole("button", { name: /^Snooze/ }).click();
    const menu = row.getByRole("menu");
    await expect(menu.getByRole("menuitem").first()).toBeFocused();
    await menu.getByRole("menuitem", { name: new RegExp(`^${preset}`) }).click();
    await expect(menu).toHaveCount(0);
    await expect(row).toHaveAttribute("data-status", "SNOOZED");
  }

  async delete(row: Locator) {
    await row.getByRole("button", { name: /^Delete/ }).click();
    const dialog = this.page.getByRole("dialog", { name: "Delete this action item?" });
    await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
    await dialog.getByRole("button", { name: "Delete item" }).click();
    await expect(dialog).toHaveCount(0);
  }

  owner(row: Locator): Locator {
    return row.getByTestId("action-item-owner");
  }

  due(row: Locator): Locator {
    return row.getByTestId("action-item-due");
  }

  status(row: Locator): Locator {
    return row.getByTestId("action-item-status");
  }
}

/** The call page's Summary card and Action items panel. */
export class ActionItemsPanel extends ActionItemRows {
  constructor(page: Page) {
    super(page, page.getByRole("region", { name: "Action items" }));
  }

  get region(): Locator {
    return this.root;
  }

  get summary(): Locator {
    return this.page.getByRole("region", { name: "Summary" });
  }

  get error(): Locator {
    return this.root.getByRole("alert");
  }

  get emptyState(): Locator {
    return this.root.getByTestId("action-items-empty");
  }

  /** The "Done (n)" disclosure. */
  get doneToggle(): Locator {
    return this.root.getByRole("button", { name: /^Done \(\d+\)$/ });
  }

  async showDone() {
    if ((await this.doneToggle.getAttribute("aria-expanded")) !== "true") await this.doneToggle.click();
    await expect(this.doneToggle).toHaveAttribute("aria-expanded", "true");
  }

  /** Adds an item by hand; resolves when its row is shown. */
  async add(fields: ItemFields & { title: string }): Promise<Locator> {
    await this.root.getByRole("button", { name: "Add action item" }).click();
    const form = this.root.getByRole("form", { name: "Add action item" });
    await expect(form.getByLabel("Title")).toBeFocused();
    await fillItemForm(form, fields);
    await form.getByRole("button", { name: "Add", exact: true }).click();
    await expect(form).toHaveCount(0);
    const row = this.item(fields.title);
    await expect(row).toBeVisible();
    return row;
  }

  /** The button quoting an item's source words. */
  sourceButton(row: Locator): Locator {
    return row.getByRole("button", { name: /^Source: play/ });
  }
}
