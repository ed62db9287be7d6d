import { expect, type Locator, type Page } from "@playwright/test";

/** The voice-profile page (/voice-profile): consent, recorder, enrollment, profile, delete. */
export class VoiceProfilePage {
  constructor(private readonly page: Page) {}

  async goto() {
    await this.page.goto("/voice-profile");
    await expect(this.page.getByRole("heading", { name: "Voice profile", level: 1 })).toBeVisible();
  }

  /** The current step's section; its `data-step` is consent, record, enrolling, failed or profile. */
  get step(): Locator {
    return this.page.getByTestId("voice-step");
  }

  get stepHeading(): Locator {
    return this.step.getByRole("heading", { level: 2 }).first();
  }

  async expectStep(kind: "consent" | "record" | "enrolling" | "failed" | "profile", heading?: string | RegExp, timeout?: number) {
    await expect(this.step).toHaveAttribute("data-step", kind, { timeout });
    if (heading) await expect(this.stepHeading).toHaveText(heading);
  }

  get consentCheckbox(): Locator {
    return this.step.getByRole("checkbox", { name: /^I agree that Scryon makes and keeps a voiceprint/ });
  }

  get consentVersion(): Locator {
    return this.step.getByTestId("consent-version");
  }

  async consent(button: "Agree and continue" | "Agree and turn my profile back on" = "Agree and continue") {
    const agree = this.step.getByRole("button", { name: button });
    await expect(this.consentCheckbox).not.toBeChecked();
    await expect(agree).toBeDisabled();
    await this.consentCheckbox.check();
    await expect(agree).toBeEnabled();
    await agree.click();
  }

  get startRecording(): Locator {
    return this.step.getByRole("button", { name: "Start recording" });
  }

  get stopRecording(): Locator {
    return this.step.getByRole("button", { name: "Stop recording" });
  }

  get levelMeter(): Locator {
    return this.step.getByRole("meter", { name: "Microphone level" });
  }

  get speechSeconds(): Locator {
    return this.step.getByTestId("speech-seconds");
  }

  get review(): Locator {
    return this.step.getByTestId("sample-review");
  }

  get playback(): Locator {
    return this.step.getByTestId("sample-playback");
  }

  get sampleIssues(): Locator {
    return this.step.getByTestId("sample-issue");
  }

  get send(): Locator {
    return this.step.getByRole("button", { name: "Send sample" });
  }

  get alert(): Locator {
    return this.step.getByRole("alert");
  }

  /** Plays the recording (muted: no user gesture needed) until it has advanced; returns where it got to. */
  async playBack(): Promise<number> {
    return this.playback.evaluate(
      (element: HTMLAudioElement) =>
        new Promise<number>((resolve, reject) => {
          const onTime = () => {
            if (element.currentTime > 0.3) {
              element.removeEventListener("timeupdate", onTime);
              element.pause();
              resolve(element.currentTime);
            }
          };
          element.addEventListener("timeupdate", onTime);
          element.addEventListener("error", () => reject(new Error(`audio error ${element.error?.code}`)), { once: true });
          element.muted = true;
          element.play().catch(reject);
        }),
    );
  }

  detail(testId: "profile-status" | "profile-consent" | "profile-provider" | "profile-seconds"): Locator {
    return this.step.getByTestId(testId);
  }

  get findMe(): Locator {
    return this.step.getByRole("button", { name: /^(Find me in my earlier calls|Look through my earlier calls again)$/ });
  }

  get applyProgress(): Locator {
    return this.step.getByTestId("apply-progress");
  }

  async deleteProfile() {
    await this.step.getByRole("button", { name: "Delete my voice profile" }).click();
    const dialog = this.page.getByRole("dialog", { name: "Delete your voice profile?" });
    await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
    await dialog.getByRole("button", { name: "Delete my voice profile" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(this.page.getByTestId("profile-deleted")).toContainText("Calls already processed keep the speaker names they show");
  }
}
