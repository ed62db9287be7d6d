import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { Webhook } from "standardwebhooks";
import { makeAudio } from "../tests/helpers/make-audio";
import { signFirebaseToken, signInWithFirebaseToken } from "./support/firebase-tokens";

/**
 * Webhooks through the running app (the server has SCRYON_WEBHOOKS_ALLOW_PRIVATE=1 to reach this test's
 * receiver on 127.0.0.1): an endpoint added on the settings page gets a signed action_item.updated when an
 * item is edited; a refused delivery shows as failed in the log, and "Send again" delivers it.
 */
test("an endpoint added on the page receives signed events; the log shows a failure and Send again delivers it", async ({ page }) => {
  const received: { headers: Record<string, string>; body: string }[] = [];
  const replies: number[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers as Record<string, string>, body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(replies.shift() ?? 200, { "content-type": "text/plain" }).end("thanks");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scryon`;
  try {
    await page.goto("/sign-in");
    expect((await signInWithFirebaseToken(page.request, await signFirebaseToken({ uid: "webhooks-e2e", name: "Wanda Webhooks" }))).status()).toBe(302);
    const uploaded = await page.request.post("/api/calls", {
      multipart: { title: "Webhook call", file: { name: "call.wav", mimeType: "audio/wav", buffer: fs.readFileSync(await makeAudio("wav")) } },
    });
    expect(uploaded.status()).toBe(201);
    const callId = ((await uploaded.json()) as { call: { id: string } }).call.id;

    await page.goto("/settings/webhooks");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await page.getByLabel("URL").fill(url);
    await page.getByRole("checkbox", { name: /call\.completed/ }).uncheck();
    // Only edits: the call's own processing (which may create items) sends nothing to this endpoint.
    await page.getByRole("checkbox", { name: /action_item\.updated/ }).check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const row = page.getByTestId("endpoint-row");
    await row.getByRole("button", { name: "Reveal" }).click();
    const secret = await row.getByTestId("endpoint-secret").inputValue();
    expect(secret).toMatch(/^whsec_/);

    const added = await page.request.post(`/api/calls/${callId}/action-items`, { data: { title: "Send the contract" } });
    expect(added.status()).toBe(201);
    const itemId = ((await added.json()) as { item: { id: string } }).item.id;
    expect((await page.request.patch(`/api/action-items/${itemId}`, { data: { title: "Send the signed contract" } })).status()).toBe(200);
    await expect.poll(() => received.length).toBe(1);
    const event = new Webhook(secret).verify(received[0]!.body, received[0]!.headers) as { type: string; data: { actionItem: { title: string }; call: { id: string } } };
    expect(event.type).toBe("action_item.updated");
    expect(event.data.actionItem.title).toBe("Send the signed contract");
    expect(event.data.call.id).toBe(callId);

    // The receiver refuses the next one (400 is not retried): the log says so, and Send again delivers it.
    replies.push(400);
    expect((await page.request.patch(`/api/action-items/${itemId}`, { data: { title: "Book the kickoff" } })).status()).toBe(200);
    await expect.poll(() => received.length).toBe(2);
    await row.getByRole("button", { name: "Show delivery log" }).click();
    const log = row.getByTestId("delivery-log");
    await expect(async () => {
      await log.getByRole("button", { name: "Refresh" }).click();
      await expect(log.getByTestId("delivery-row").first()).toContainText("Failed", { timeout: 1000 });
    }).toPass();
    const failed = log.getByTestId("delivery-row").first();
    await expect(failed).toContainText("HTTP 400");
    await expect(log.getByTestId("delivery-row").nth(1)).toContainText("Delivered");
    await failed.getByRole("button", { name: "Send action_item.updated again" }).click();
    await expect.poll(() => received.length).toBe(3);
    expect(received[2]!.headers["webhook-id"]).toBe(received[1]!.headers["webhook-id"]);
    expect((new Webhook(secret).verify(received[2]!.body, received[2]!.headers) as { data: { actionItem: { title: string } } }).data.actionItem.title).toBe("Book the kickoff");
    await expect(async () => {
      await log.getByRole("button", { name: "Refresh" }).click();
      await expect(log.getByTestId("delivery-row").first()).toContainText("Delivered", { timeout: 1000 });
    }).toPass();

    // 410 Gone: the server turns the endpoint off at once, and the page says why; turning it on clears that.
    replies.push(410);
    expect((await page.request.patch(`/api/action-items/${itemId}`, { data: { title: "Book the kickoff call" } })).status()).toBe(200);
    await expect.poll(() => received.length).toBe(4);
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId("endpoint-disabled")).toContainText("410 Gone", { timeout: 1000 });
    }).toPass();
    await expect(row).toContainText("Off");
    await row.getByRole("button", { name: "Show delivery log" }).click();
    await expect(row.getByTestId("delivery-row")).toHaveCount(3);
    await page.screenshot({ path: "artifacts/screenshots/webhooks-disabled-and-log-1280.png", fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: "artifacts/screenshots/webhooks-disabled-and-log-390.png", fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await row.getByRole("button", { name: /^Turn on/ }).click();
    await expect(page.getByTestId("endpoint-disabled")).toHaveCount(0);
    await expect(row).toContainText("Active");

    // Edit: a label and one more event; focus comes back to the row's Edit button.
    await row.getByRole("button", { name: /^Edit/ }).click();
    const form = page.getByTestId("endpoint-form");
    await form.getByLabel("Label (optional)").fill("Tracker");
    await form.getByRole("checkbox", { name: /action_item\.completed/ }).check();
    await form.getByRole("button", { name: "Save" }).click();
    await expect(row).toContainText("Tracker");
    await expect(row.getByRole("listitem").filter({ hasText: "action_item.completed" })).toBeVisible();
    await expect(row.getByRole("button", { name: "Edit Tracker" })).toBeFocused();
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
