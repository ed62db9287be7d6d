import { expect, type Locator, type Page } from "@playwright/test";

/** The upload page (/upload): file picker, one card per file, resumable uploads. */
export class UploadPage {
  constructor(private readonly page: Page) {}

  async goto() {
    await this.page.goto("/upload");
    await expect(this.page.getByRole("heading", { name: "Upload recordings", level: 1 })).toBeVisible();
  }

  get fileInput(): Locator {
    return this.page.getByLabel("Choose files");
  }

  async chooseFiles(paths: string[]) {
    await this.fileInput.setInputFiles(paths);
  }

  /** Drops a file (bytes as base64) on the drop zone the way a file manager would. */
  async dropFile(name: string, type: string, base64: string) {
    const dataTransfer = await this.page.evaluateHandle(
      ({ name, type, base64 }) => {
        const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type }));
        return transfer;
      },
      { name, type, base64 },
    );
    const zone = this.page.getByRole("region", { name: /^(Drag call recordings here|Add more recordings|Drop to add the recordings)$/ });
    for (const event of ["dragenter", "dragover", "drop"]) await zone.dispatchEvent(event, { dataTransfer });
  }

  /** The card of one selected file, found by its file name. */
  card(fileName: string): Locator {
    return this.page.getByRole("article", { name: fileName, exact: true });
  }

  field(fileName: string, label: string): Locator {
    return this.card(fileName).getByLabel(label, { exact: true });
  }

  progressBar(fileName: string): Locator {
    return this.page.getByRole("progressbar", { name: `Upload of ${fileName}`, exact: true });
  }

  status(fileName: string): Locator {
    return this.card(fileName).getByRole("status");
  }

  alert(fileName: string): Locator {
    return this.card(fileName).getByRole("alert");
  }

  async expectReady(fileName: string) {
    await expect(this.card(fileName).getByRole("button", { name: `Upload ${fileName}`, exact: true })).toBeVisible();
  }

  async upload(fileName: string) {
    await this.card(fileName).getByRole("button", { name: `Upload ${fileName}`, exact: true }).click();
  }

  async uploadAll(count: number) {
    await this.page.getByRole("button", { name: `Upload all (${count})` }).click();
  }

  async cancel(fileName: string) {
    await this.card(fileName).getByRole("button", { name: `Cancel upload of ${fileName}` }).click();
  }

  /** Waits for the done state and returns the call id the "Open call" link points at. */
  async expectDone(fileName: string): Promise<string> {
    const link = this.card(fileName).getByRole("link", { name: /^Open call/ });
    await expect(link).toBeVisible({ timeout: 30_000 });
    await expect(this.progressBar(fileName)).toHaveAttribute("aria-valuenow", "100");
    const href = await link.getAttribute("href");
    const match = /^\/calls\/([0-9a-f-]{36})$/.exec(href ?? "");
    expect(match, `Open call link ${href}`).not.toBeNull();
    return match![1]!;
  }
}
