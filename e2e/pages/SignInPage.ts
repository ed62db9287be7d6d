import { expect, type Page } from "@playwright/test";

export class SignInPage {
  constructor(private readonly page: Page) {}

  async goto(callbackUrl?: string) {
    await this.page.goto(callbackUrl ? `/sign-in?callbackUrl=${encodeURIComponent(callbackUrl)}` : "/sign-in");
    await expect(this.page.getByRole("heading", { name: "Sign in to Scryon" })).toBeVisible();
  }

  async continueAsLocalDeveloper() {
    await this.page.getByRole("button", { name: "Continue as local developer" }).click();
  }
}
