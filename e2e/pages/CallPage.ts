import { expect, type Locator, type Page } from "@playwright/test";
import { ActionItemsPanel } from "./ActionItemsPanel";

/** One call (/calls/:id): editable details, the recording, the transcript and its speakers, summary and action items, delete. */
export class CallPage {
  constructor(private readonly page: Page) {}

  async goto(id: string) {
    await this.page.goto(`/calls/${id}`);
  }

  get heading(): Locator {
    return this.page.getByRole("heading", { level: 1 });
  }

  get audio(): Locator {
    return this.page.getByTestId("call-audio");
  }

  get status(): Locator {
    return this.page.getByTestId("call-status").first();
  }

  /** Waits until the player has read the recording's metadata; returns its duration in seconds. */
  async audioDuration(): Promise<number> {
    await expect
      .poll(() => this.audio.evaluate((element: HTMLAudioElement) => (Number.isFinite(element.duration) ? element.duration : 0)))
      .toBeGreaterThan(0);
    return this.audio.evaluate((element: HTMLAudioElement) => element.duration);
  }

  /** Sets currentTime and resolves on the element's `seeked` event, with the position it landed on. */
  async seekTo(seconds: number): Promise<number> {
    return this.audio.evaluate(
      (element: HTMLAudioElement, target) =>
        new Promise<number>((resolve, reject) => {
          element.addEventListener("seeked", () => resolve(element.currentTime), { once: true });
          element.addEventListener("error", () => reject(new Error(`audio error ${element.error?.code}`)), { once: true });
          element.currentTime = target;
        }),
      seconds,
    );
  }

  /**
   * Plays (muted, so no user gesture is needed) until the position has advanced past `from`, then
   * pauses; returns where playback started and where it was when paused.
   */
  async playFromCurrentPosition(): Promise<{ startedAt: number; reached: number }> {
    return this.audio.evaluate(
      (element: HTMLAudioElement) =>
        new Promise<{ startedAt: number; reached: number }>((resolve, reject) => {
          const startedAt = element.currentTime;
          const onTime = () => {
            if (element.currentTime > startedAt + 0.2) {
              element.removeEventListener("timeupdate", onTime);
              element.pause();
              resolve({ startedAt: element.played.length ? element.played.start(0) : startedAt, reached: element.currentTime });
            }
          };
          element.addEventListener("timeupdate", onTime);
          element.muted = true;
          element.play().catch(reject);
        }),
    );
  }

  async edit(fields: Partial<Record<"Title" | "Contact name" | "Phone number" | "Organization", string>>) {
    await this.page.getByRole("button", { name: "Edit details" }).click();
    const form = this.page.getByRole("form", { name: "Edit call details" });
    await expect(form.getByLabel("Title")).toBeFocused();
    for (const [label, value] of Object.entries(fields)) await form.getByLabel(label, { exact: true }).fill(value);
    await form.getByRole("button", { name: "Save changes" }).click();
  }

  get editForm(): Locator {
    return this.page.getByRole("form", { name: "Edit call details" });
  }

  /** Opens the delete confirmation; returns the dialog. */
  async openDeleteDialog(): Promise<Locator> {
    await this.page.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = this.page.getByRole("dialog", { name: "Delete this call?" });
    await expect(dialog).toBeVisible();
    return dialog;
  }

  get actionItems(): ActionItemsPanel {
    return new ActionItemsPanel(this.page);
  }

  get transcript(): Locator {
    return this.page.getByRole("region", { name: "Transcript" });
  }

  /** A transcript segment by its id ("s0001"). */
  segment(id: string): Locator {
    return this.transcript.locator(`[data-segment-id="${id}"]`);
  }

  get speakerLegend(): Locator {
    return this.transcript.getByRole("list", { name: "Speakers" });
  }

  /** Names a speaker (by its label, "Speaker 1") in the transcript's "Edit speakers" form, optionally as the user. */
  async editSpeaker(label: string, edit: { name?: string; isMe?: boolean }) {
    const trigger = this.transcript.getByRole("button", { name: "Edit speakers" });
    await trigger.click();
    const form = this.transcript.getByRole("form", { name: "Edit speakers" });
    await expect(form).toBeVisible();
    if (edit.name !== undefined) await form.getByLabel(`Name for ${label}`).fill(edit.name);
    if (edit.isMe) await form.getByRole("radio", { name: `This is me (${label})` }).check();
    await form.getByRole("button", { name: "Save speakers" }).click();
    await expect(form).toHaveCount(0);
    await expect(trigger).toBeFocused();
  }

  /** The audio element's position, in seconds. */
  currentTime(): Promise<number> {
    return this.audio.evaluate((element: HTMLAudioElement) => element.currentTime);
  }
}
