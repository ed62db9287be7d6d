import { expect, test } from "@playwright/test";
import { AppShell } from "./pages/AppShell";
import { SignInPage } from "./pages/SignInPage";
import { signFirebaseToken, signInWithFirebaseToken } from "./support/firebase-tokens";

test("a protected page sends you to sign-in and back; local-dev sign-in and sign-out work", async ({ page }) => {
  await page.goto("/calls");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fcalls/);

  const signIn = new SignInPage(page);
  await signIn.continueAsLocalDeveloper();
  await expect(page).toHaveURL(/\/calls$/);
  await expect(page.getByRole("heading", { level: 1, name: "Calls" })).toBeVisible();

  const shell = new AppShell(page);
  await shell.expectSignedInAs("Local Developer");
  await shell.signOut();

  await page.goto("/calls");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("session cookies are httpOnly and SameSite=Lax", async ({ page, context }) => {
  await new SignInPage(page).goto();
  await new SignInPage(page).continueAsLocalDeveloper();
  await expect(page).toHaveURL(/\/calls$/);
  const session = (await context.cookies()).find((cookie) => cookie.name.endsWith("authjs.session-token"));
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Lax");
});

test("signing in with a Firebase ID token creates the user, who starts with an empty call list", async ({ page }) => {
  // A new uid each run: this user has never uploaded anything.
  const idToken = await signFirebaseToken({ uid: `firebase-ada-${Date.now()}`, name: "Ada Lovelace", email: "ada@example.com" });
  await new SignInPage(page).goto();
  const response = await signInWithFirebaseToken(page.request, idToken);
  expect(response.status()).toBe(302);
  expect(response.headers().location).not.toContain("error");

  await page.goto("/calls");
  await new AppShell(page).expectSignedInAs("Ada Lovelace");
  await expect(page.getByRole("heading", { name: "No calls yet" })).toBeVisible();
  await expect(page.getByRole("link", { name: /upload a recording/i })).toBeVisible();
  await new AppShell(page).signOut();
});

test("a Firebase token for another project is refused", async ({ page }) => {
  const idToken = await signFirebaseToken({ uid: "firebase-mallory", name: "Mallory" }, { audience: "someone-elses-project" });
  await new SignInPage(page).goto();
  const response = await signInWithFirebaseToken(page.request, idToken);
  expect(response.headers().location).toContain("error=CredentialsSignin");
  await page.goto("/calls");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("the sign-in page offers Google and email sign-in when Firebase is configured", async ({ page }) => {
  await new SignInPage(page).goto();
  await expect(page.getByRole("button", { name: "Continue with Google" })).toBeVisible();
  await expect(page.getByLabel("Email", { exact: true })).toBeVisible();
  await expect(page.getByLabel("Password")).toBeVisible();
});
