import { describe, expect, it } from "vitest";
import { INITIAL_INTENT, applyPercent, applySummary, canApply, shouldPoll, stepFor, stepHeading } from "@/components/voice-profile/profile-model";
import type { VoiceProfileState } from "@/components/voice-profile/types";

const consented = { currentVersion: "2026-11-01", consentedVersion: "2026-11-01", consentedAt: "2026-12-01T10:00:00.000Z", current: true };
const notConsented = { currentVersion: "2026-11-01", consentedVersion: null, consentedAt: null, current: false };
const profile = {
  status: "ACTIVE" as const,
  provider: "local",
  model: "scryon-mfcc-pitch",
  modelVersion: "1",
  consentVersion: "2026-11-01",
  consentedAt: "2026-12-01T10:00:00.000Z",
  sampleSeconds: 14.2,
  enrolledAt: "2026-12-01T10:01:00.000Z",
  updatedAt: "2026-12-01T10:01:00.000Z",
  usable: true,
  threshold: 0.8,
};
const running = { id: "e1", state: "RUNNING" as const, startedAt: "2026-12-01T10:00:30.000Z", finishedAt: null, errorCode: null, errorMessage: null };
const succeeded = { ...running, state: "SUCCEEDED" as const, finishedAt: "2026-12-01T10:01:00.000Z" };
const failed = (finishedAt: string) => ({ ...running, state: "FAILED" as const, finishedAt, errorCode: "MULTIPLE_VOICES", errorMessage: "More than one voice is speaking." });

const state = (overrides: Partial<VoiceProfileState>): VoiceProfileState => ({ consent: notConsented, profile: null, enrollment: null, apply: null, ...overrides });

describe("stepFor", () => {
  it("starts with consent when there is nothing", () => {
    expect(stepFor(state({}), INITIAL_INTENT)).toEqual({ kind: "consent", reason: "new" });
  });

  it("asks for consent again (without a profile) when the user consented to an older version", () => {
    expect(stepFor(state({ consent: { ...consented, consentedVersion: "2025-01-01", current: false } }), INITIAL_INTENT)).toEqual({ kind: "consent", reason: "new" });
  });

  it("records once consent is current and there is no profile", () => {
    expect(stepFor(state({ consent: consented }), INITIAL_INTENT)).toEqual({ kind: "record", replacing: false });
  });

  it("shows progress while an enrollment runs, whatever else is there", () => {
    expect(stepFor(state({ consent: consented, enrollment: running }), INITIAL_INTENT)).toEqual({ kind: "enrolling" });
    expect(stepFor(state({ consent: consented, profile, enrollment: running }), { recordAgain: true, sawEnrollment: false })).toEqual({ kind: "enrolling" });
  });

  it("shows a failed first enrollment until the user chooses to record again", () => {
    const body = state({ consent: consented, enrollment: failed("2026-12-01T10:01:00.000Z") });
    expect(stepFor(body, INITIAL_INTENT)).toMatchObject({ kind: "failed", enrollment: { errorCode: "MULTIPLE_VOICES" } });
    expect(stepFor(body, { recordAgain: true, sawEnrollment: true })).toEqual({ kind: "record", replacing: false });
  });

  it("shows the profile, announcing success only when the page watched it being made", () => {
    const body = state({ consent: consented, profile, enrollment: succeeded });
    expect(stepFor(body, INITIAL_INTENT)).toEqual({ kind: "profile", profile, justEnrolled: false, failure: null });
    expect(stepFor(body, { recordAgain: false, sawEnrollment: true })).toEqual({ kind: "profile", profile, justEnrolled: true, failure: null });
  });

  it("keeps the profile and shows a failure of a later attempt to replace it", () => {
    const later = failed("2026-12-02T09:00:00.000Z");
    expect(stepFor(state({ consent: consented, profile, enrollment: later }), INITIAL_INTENT)).toEqual({ kind: "profile", profile, justEnrolled: false, failure: later });
    // An older failure (before the profile was made) is history.
    expect(stepFor(state({ consent: consented, profile, enrollment: failed("2026-12-01T09:00:00.000Z") }), INITIAL_INTENT)).toMatchObject({ failure: null });
  });

  it("records a replacement when asked", () => {
    expect(stepFor(state({ consent: consented, profile }), { recordAgain: true, sawEnrollment: false })).toEqual({ kind: "record", replacing: true });
  });

  it("asks to consent to the new text when the profile needs it, even when the user asked to record", () => {
    const needs = state({ consent: { ...consented, currentVersion: "2027-01-01", current: false }, profile: { ...profile, status: "NEEDS_CONSENT", usable: false } });
    expect(stepFor(needs, INITIAL_INTENT)).toEqual({ kind: "consent", reason: "changed" });
    expect(stepFor(needs, { recordAgain: true, sawEnrollment: false })).toEqual({ kind: "consent", reason: "changed" });
    // A profile marked NEEDS_CONSENT is never shown as active, even if the consent block disagrees.
    expect(stepFor(state({ consent: consented, profile: { ...profile, status: "NEEDS_CONSENT" } }), INITIAL_INTENT)).toEqual({ kind: "consent", reason: "changed" });
  });

  it("has a heading for every step", () => {
    expect(stepHeading({ kind: "consent", reason: "changed" })).toBe("The consent text has changed");
    expect(stepHeading({ kind: "record", replacing: true })).toBe("Record a new voice sample");
    expect(stepHeading({ kind: "enrolling" })).toBe("Making your voice profile…");
  });
});

describe("polling and apply", () => {
  const apply = { state: "RUNNING" as const, total: 5, processed: 2, matched: 1, skippedExpired: 1, startedAt: "2026-12-02T10:00:00.000Z", finishedAt: null };

  it("polls only while something runs", () => {
    expect(shouldPoll(state({ consent: consented }))).toBe(false);
    expect(shouldPoll(state({ consent: consented, enrollment: running }))).toBe(true);
    expect(shouldPoll(state({ consent: consented, profile, enrollment: succeeded, apply }))).toBe(true);
    expect(shouldPoll(state({ consent: consented, profile, enrollment: succeeded, apply: { ...apply, state: "DONE" } }))).toBe(false);
  });

  it("offers 'Find me in my earlier calls' with a usable active profile and nothing running", () => {
    expect(canApply(state({ consent: consented, profile }))).toBe(true);
    expect(canApply(state({ consent: consented, profile, apply }))).toBe(false);
    expect(canApply(state({ consent: consented, profile: { ...profile, usable: false } }))).toBe(false);
    expect(canApply(state({ consent: consented }))).toBe(false);
    expect(canApply(state({ consent: { ...consented, current: false }, profile: { ...profile, status: "NEEDS_CONSENT" } }))).toBe(false);
  });

  it("says how far the run got", () => {
    expect(applySummary(apply)).toBe("Looked at 2 of 5 calls · found you in 1 call · 1 skipped because their audio has expired");
    expect(applyPercent(apply)).toBe(40);
    expect(applySummary({ ...apply, state: "DONE", processed: 5, matched: 3, skippedExpired: 0 })).toBe("Looked at 5 earlier calls · found you in 3 calls");
    expect(applySummary({ ...apply, state: "DONE", total: 0, processed: 0, matched: 0, skippedExpired: 0 })).toBe("No earlier calls to look at");
    expect(applySummary({ ...apply, state: "FAILED" })).toMatch(/^Stopped after 2 of 5 calls/);
    expect(applyPercent({ ...apply, total: 0, processed: 0 })).toBe(0);
  });
});
