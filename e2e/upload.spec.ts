import { readFile } from "node:fs/promises";
import { expect, test, type Page, type Request } from "@playwright/test";
import { RecordingFiles } from "./support/audio-files";
import { SignInPage } from "./pages/SignInPage";
import { UploadPage } from "./pages/UploadPage";

let files: RecordingFiles;

test.beforeAll(async () => {
  files = await RecordingFiles.create();
});

test.afterAll(async () => {
  await files?.cleanup();
});

async function signInToUpload(page: Page): Promise<UploadPage> {
  const signIn = new SignInPage(page);
  await signIn.goto("/upload");
  await signIn.continueAsLocalDeveloper();
  await expect(page).toHaveURL(/\/upload$/);
  const upload = new UploadPage(page);
  await expect(page.getByRole("heading", { name: "Upload recordings", level: 1 })).toBeVisible();
  return upload;
}

/** Every request the page makes to the tus endpoint, to check what was (not) sent. */
function recordUploadRequests(page: Page): Request[] {
  const requests: Request[] = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname.startsWith("/api/uploads")) requests.push(request);
  });
  return requests;
}

/** The tus Upload-Metadata header of a creation request, decoded. */
function uploadMetadata(request: Request): Record<string, string> {
  const header = request.headers()["upload-metadata"] ?? "";
  return Object.fromEntries(
    header
      .split(",")
      .filter(Boolean)
      .map((pair) => {
        const [key = "", value = ""] = pair.trim().split(" ");
        return [key, Buffer.from(value, "base64").toString("utf8")];
      }),
  );
}

const suffix = () => Math.random().toString(36).slice(2, 8);

test("two real recordings upload with progress, end with a link to the call, and are listed under Calls", async ({ page }) => {
  const upload = await signInToUpload(page);
  await expect(page.getByText(/WAV, MP3, M4A.*up to 2 GB each/)).toBeVisible();
  await expect(page.getByText(/picks up where it stopped/)).toBeVisible();

  const run = suffix();
  const wavName = `Pricing call with Acme ${run}.wav`;
  const mp3Name = `Support call Globex ${run}.mp3`;
  const wav = await files.recording(wavName, "wav", 3);
  const mp3 = await files.recording(mp3Name, "mp3", 3);

  await upload.chooseFiles([wav, mp3]);
  await upload.expectReady(wavName);
  await upload.expectReady(mp3Name);
  await expect(upload.field(wavName, "Title")).toHaveValue(`Pricing call with Acme ${run}`);
  await expect(upload.field(mp3Name, "Title")).toHaveValue(`Support call Globex ${run}`);
  await expect(upload.field(wavName, "Recorded at")).not.toHaveValue("");
  await upload.field(mp3Name, "Contact name").fill("Grace Hopper");
  await upload.field(mp3Name, "Phone number").fill("+1 555 0100");
  await upload.field(mp3Name, "Direction").selectOption("INCOMING");

  const requests = recordUploadRequests(page);
  await upload.uploadAll(2);

  for (const name of [wavName, mp3Name]) await expect(upload.progressBar(name)).toBeVisible();
  const wavCallId = await upload.expectDone(wavName);
  const mp3CallId = await upload.expectDone(mp3Name);
  expect(wavCallId).not.toBe(mp3CallId);
  await expect(upload.status(wavName)).toHaveText(/Uploaded/);
  const creations = requests.filter((request) => request.method() === "POST");
  expect(creations).toHaveLength(2);
  const sent = creations.map((request) => uploadMetadata(request)).find((metadata) => metadata.filename === mp3Name);
  expect(sent).toMatchObject({
    filetype: "audio/mpeg",
    title: `Support call Globex ${run}`,
    contactName: "Grace Hopper",
    phoneNumber: "+1 555 0100",
    direction: "INCOMING",
  });
  expect(sent?.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
  expect(sent).not.toHaveProperty("organization"); // empty fields are left out

  await page.goto("/calls");
  await expect(page.getByRole("main").getByText(`Pricing call with Acme ${run}`, { exact: true })).toBeVisible();
  await expect(page.getByRole("main").getByText(`Support call Globex ${run}`, { exact: true })).toBeVisible();
});

test("a text file named notes.mp3 is rejected in the browser and nothing is uploaded", async ({ page }) => {
  const upload = await signInToUpload(page);
  const requests = recordUploadRequests(page);
  const notes = await files.textFile("notes.mp3", "Call notes: follow up with Acme about pricing on Friday.\n".repeat(20));

  await upload.chooseFiles([notes]);
  await expect(upload.alert("notes.mp3")).toHaveText(/not a recording Scryon can read/);
  await expect(upload.card("notes.mp3").getByRole("button", { name: /^Upload/ })).toHaveCount(0);
  await expect(upload.progressBar("notes.mp3")).toHaveCount(0);
  expect(requests).toHaveLength(0);

  await upload.card("notes.mp3").getByRole("button", { name: "Remove notes.mp3" }).click();
  await expect(upload.card("notes.mp3")).toHaveCount(0);
  expect(requests).toHaveLength(0);
});

test("a recording dropped on the page is added like a chosen one", async ({ page }) => {
  const upload = await signInToUpload(page);
  const name = `Dropped call ${suffix()}.mp3`;
  const bytes = (await readFile(await files.recording(name, "mp3", 3))).toString("base64");
  await upload.dropFile(name, "audio/mpeg", bytes);
  await upload.expectReady(name);
  await expect(upload.card(name).getByText(/· MP3$/)).toBeVisible();
  await upload.upload(name);
  await upload.expectDone(name);
});

test("invalid details are shown next to the field and nothing is sent until they are fixed", async ({ page }) => {
  const upload = await signInToUpload(page);
  const name = `Phone check ${suffix()}.wav`;
  await upload.chooseFiles([await files.recording(name, "wav", 3)]);
  await upload.expectReady(name);
  const requests = recordUploadRequests(page);

  await upload.field(name, "Phone number").fill("call me maybe");
  await upload.upload(name);
  const phone = upload.field(name, "Phone number");
  await expect(phone).toHaveAttribute("aria-invalid", "true");
  await expect(phone).toHaveAccessibleDescription(/must be a phone number/i);
  await expect(phone).toBeFocused();
  expect(requests).toHaveLength(0);

  await phone.fill("+44 20 7946 0958");
  await expect(phone).not.toHaveAttribute("aria-invalid");
  await upload.upload(name);
  await upload.expectDone(name);
});

test("a dropped connection is retried, and after a reload the same file resumes where it stopped", async ({ page }) => {
  // 21 MB: two tus chunks (16 MiB each), so the server holds the first when the connection drops.
  const name = `Long board call ${suffix()}.wav`;
  const recording = await files.recording(name, "wav", 240);
  const upload = await signInToUpload(page);
  const requests = recordUploadRequests(page);

  // "Lose the connection" for every chunk after the first.
  let connected = false;
  await page.route("**/api/uploads/**", async (route) => {
    const request = route.request();
    if (!connected && request.method() === "PATCH" && request.headers()["upload-offset"] !== "0") {
      await route.abort("internetdisconnected");
    } else {
      await route.continue();
    }
  });

  await upload.chooseFiles([recording]);
  await upload.upload(name);
  await expect(upload.status(name)).toHaveText(/Connection lost, retrying…/);
  await expect(upload.progressBar(name)).toHaveAttribute("aria-valuenow", /^[1-9]\d?$/);

  // Leaving now asks first: the browser still holds the only copy being sent.
  const dialog = new Promise<string>((resolve) =>
    page.once("dialog", (prompt) => {
      resolve(prompt.type());
      void prompt.accept();
    }),
  );
  await page.reload();
  expect(await dialog).toBe("beforeunload");
  await expect(page.getByRole("heading", { name: "Upload recordings", level: 1 })).toBeVisible();

  connected = true;
  const firstPatchAfterReload = page.waitForRequest((request) => request.method() === "PATCH" && request.url().includes("/api/uploads/"));
  await upload.chooseFiles([recording]);
  await expect(upload.card(name).getByText(/Part of this file was uploaded earlier/)).toBeVisible();
  await upload.upload(name);
  expect((await firstPatchAfterReload).headers()["upload-offset"]).toBe(String(16 * 1024 * 1024));
  await upload.expectDone(name);
  // One upload, resumed: never a second one created.
  expect(requests.filter((request) => request.method() === "POST")).toHaveLength(1);
});

test("cancelling an upload deletes it from the server", async ({ page }) => {
  const name = `Cancelled call ${suffix()}.wav`;
  const recording = await files.recording(name, "wav", 240);
  const upload = await signInToUpload(page);

  await page.route("**/api/uploads/**", async (route) => {
    const request = route.request();
    if (request.method() === "PATCH" && request.headers()["upload-offset"] !== "0") await route.abort("internetdisconnected");
    else await route.continue();
  });

  await upload.chooseFiles([recording]);
  await upload.upload(name);
  await expect(upload.status(name)).toHaveText(/Connection lost, retrying…/);
  const terminated = page.waitForResponse((response) => response.request().method() === "DELETE");
  await upload.cancel(name);
  expect((await terminated).status()).toBe(204);
  await expect(upload.status(name)).toHaveText(/Upload cancelled/);
  await expect(upload.progressBar(name)).toHaveCount(0);

  await page.goto("/calls");
  await expect(page.getByRole("heading", { name: "Calls", level: 1 })).toBeVisible();
  await expect(page.getByRole("main").getByText(name.replace(/\.wav$/, ""))).toHaveCount(0);
});
