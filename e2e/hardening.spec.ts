import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { SignInPage } from "./pages/SignInPage";
import { signFirebaseToken, signInWithFirebaseToken } from "./support/firebase-tokens";

/**
 * Issue 14 against `next start` over HTTP: the layers the Vitest corpus cannot reach (proxy.ts, Next's
 * server-action handling, real cookies, headers on the wire).
 */

const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const meta = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString("base64")}`)
    .join(",");

test("sign-in callbackUrl tricks stay on this site, and CR/LF is not a 500", async ({ page }) => {
  // A tab passes a naive same-origin check and browsers drop it: /\t/evil.example → //evil.example.
  await page.goto("/sign-in?callbackUrl=/%09/evil.example");
  await new SignInPage(page).continueAsLocalDeveloper();
  await expect(page).toHaveURL(new RegExp(`^${E2E.baseURL}/calls$`));
  // Signed in: the page redirects at once, to this site.
  for (const target of ["/%09/evil.example", "/%0d%0a/evil.example", "//evil.example", "/%5Cevil.example", "https://evil.example/"]) {
    const response = await page.goto(`/sign-in?callbackUrl=${target}`);
    expect(response?.status()).toBeLessThan(500);
    expect(new URL(page.url()).origin).toBe(E2E.baseURL);
  }
});

test("a server-action POST without Origin is refused; pages carry HSTS only over https", async ({ request }) => {
  const refused = await request.post("/sign-in", { headers: { "Next-Action": "0".repeat(42), "Content-Type": "text/plain" }, data: "[]", maxRedirects: 0 });
  expect(refused.status()).toBe(403);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");

  const plain = await request.get("/sign-in");
  expect(plain.headers()["strict-transport-security"]).toBeUndefined();
  const secure = await request.get("/sign-in", { headers: { "X-Forwarded-Proto": "https" } });
  expect(secure.headers()["strict-transport-security"]).toContain("max-age=");
});

test("API answers over HTTP: CSP on every response, bad input is a JSON 400, tus errors in the envelope", async ({ page }) => {
  const unauthenticated = await page.request.get("/api/calls");
  expect(unauthenticated.status()).toBe(401);
  expect(unauthenticated.headers()["content-security-policy"]).toBe(API_CSP);
  expect((await page.request.get("/api/auth/session")).headers()["content-security-policy"]).toBe(API_CSP);

  await new SignInPage(page).goto();
  await new SignInPage(page).continueAsLocalDeveloper();
  await expect(page).toHaveURL(/\/calls$/);

  const nul = await page.request.get("/api/calls?q=%00");
  expect(nul.status()).toBe(400);
  expect(((await nul.json()) as { error: { code: string } }).error.code).toBe("VALIDATION_FAILED");

  const cursor = Buffer.from(JSON.stringify(["0000-01-01T00:00:00.000Z", "00000000-0000-4000-8000-000000000000"])).toString("base64url");
  expect((await page.request.get(`/api/calls?cursor=${cursor}`)).status()).toBe(400);
  expect((await page.request.get("/api/action-items?due=week&today=9999-12-31")).status()).toBe(400);

  const noBoundary = await page.request.post("/api/calls", { headers: { "Content-Type": "multipart/form-data" }, data: "whatever" });
  expect(noBoundary.status()).toBe(400);
  expect(noBoundary.headers()["content-type"]).toContain("application/json");

  const tus = await page.request.post("/api/uploads", {
    headers: { "Tus-Resumable": "1.0.0", "Upload-Length": "1000", "Upload-Metadata": meta({ filename: "a.wav", title: "bad\u0000title" }) },
  });
  expect(tus.status()).toBe(400);
  expect(tus.headers()["tus-resumable"]).toBe("1.0.0");
  expect(tus.headers()["content-security-policy"]).toBe(API_CSP);
  const body = await tus.text();
  expect(JSON.parse(body)).toMatchObject({ error: { code: "VALIDATION_FAILED" } });
  expect(body).not.toMatch(/insert into|failed query/i);

  const version = await page.request.post("/api/uploads", { headers: { "Tus-Resumable": "0.1.0", "Upload-Length": "10" } });
  expect(version.status()).toBeLessThan(500);
  expect(((await version.json()) as { error: { code: string } }).error.code).toBeTruthy();
});

test("'End all sessions' signs the user out in every browser", async ({ browser }) => {
  const idToken = await signFirebaseToken({ uid: `firebase-everywhere-${Date.now()}`, name: "Eve Everywhere", email: "eve@example.com" });
  const laptop = await browser.newContext();
  const phone = await browser.newContext();
  try {
    const laptopPage = await laptop.newPage();
    const phonePage = await phone.newPage();
    for (const page of [laptopPage, phonePage]) {
      await page.goto("/sign-in");
      expect((await signInWithFirebaseToken(page.request, idToken)).status()).toBe(302);
      await page.goto("/calls");
      await expect(page.getByTestId("user-name")).toHaveText("Eve Everywhere");
    }
    await laptopPage.getByRole("link", { name: "Settings" }).click();
    await laptopPage.getByRole("button", { name: "End all sessions" }).click();
    await expect(laptopPage).toHaveURL(/\/sign-in\?signedOut=everywhere/);
    await expect(laptopPage.getByRole("status")).toContainText("every browser");

    // The phone still holds its cookie, but the session it carries is over.
    await phonePage.goto("/calls");
    await expect(phonePage).toHaveURL(/\/sign-in/);
    expect((await phonePage.request.get("/api/calls")).status()).toBe(401);

    // Signing in again works.
    await phonePage.goto("/sign-in");
    expect((await signInWithFirebaseToken(phonePage.request, idToken)).status()).toBe(302);
    expect((await phonePage.request.get("/api/calls")).status()).toBe(200);
  } finally {
    await laptop.close();
    await phone.close();
  }
});
