import { expect, test } from "@playwright/test";

test("the home page says what Scryon is and leads to sign-in", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("transcripts, summaries and action items");
  await page.getByRole("link", { name: "Sign in to get started" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
});

test("pages carry the security headers", async ({ request }) => {
  const response = await request.get("/");
  const headers = response.headers();
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
});

test("no secret or server configuration reaches the browser's scripts", async ({ page }) => {
  const scripts: string[] = [];
  page.on("response", async (response) => {
    if (response.request().resourceType() === "script") scripts.push(await response.text().catch(() => ""));
  });
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Continue as local developer" }).click();
  await expect(page).toHaveURL(/\/calls/);
  await page.goto("/upload");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  expect(scripts.length).toBeGreaterThan(0);
  for (const source of scripts) {
    // The e2e server's AUTH_SECRET (playwright.config.ts) and the names of server-only settings.
    expect(source).not.toContain("e2e-only-secret");
    expect(source).not.toMatch(/AUTH_SECRET|DATABASE_URL|BLOB_READ_WRITE_TOKEN|INNGEST_SIGNING_KEY/);
  }
});
