import { expect, type Page } from "@playwright/test";

export class AppShell {
  constructor(private readonly page: Page) {}

  async expectSignedInAs(name: string) {
    await expect(this.page.getByTestId("user-name")).toHaveText(name);
  }

  async signOut() {
    await this.page.getByRole("button", { name: "Sign out" }).click();
    await expect(this.page.getByText("You are signed out.")).toBeVisible();
  }
}
