import type { ApplyRun, Enrollment, VoiceProfile, VoiceProfileState } from "./types";

/**
 * Which step the voice-profile page shows for a GET body (`VoiceProfileState`) and what the user did on the
 * page since it loaded (`PageIntent`). Pure, so every combination is tested (tests/components/voice-profile-model.test.ts).
 */

export type Step =
  /** Consent first. "new": no profile yet; "changed": a profile waits for consent to a new text version. */
  | { kind: "consent"; reason: "new" | "changed" }
  /** The recorder (or a file), after consent. `replacing`: an active profile exists and will be replaced. */
  | { kind: "record"; replacing: boolean }
  /** An enrollment run is going on. */
  | { kind: "enrolling" }
  /** The last enrollment failed and there is no profile: its message and "Record again". */
  | { kind: "failed"; enrollment: Enrollment }
  /**
   * The profile. `justEnrolled`: the page watched the enrollment that made it; `failure`: a later attempt to
   * replace it failed (the old profile stays).
   */
  | { kind: "profile"; profile: VoiceProfile; justEnrolled: boolean; failure: Enrollment | null };

export interface PageIntent {
  /** The user asked to record (again) since the last sample was sent. */
  recordAgain: boolean;
  /** The page saw an enrollment running (so a success now is news worth announcing). */
  sawEnrollment: boolean;
}

export const INITIAL_INTENT: PageIntent = { recordAgain: false, sawEnrollment: false };

const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Number.NaN);

export function stepFor(state: VoiceProfileState, intent: PageIntent): Step {
  const { consent, profile, enrollment } = state;
  if (enrollment?.state === "RUNNING") return { kind: "enrolling" };
  if (profile && (profile.status === "NEEDS_CONSENT" || !consent.current)) return { kind: "consent", reason: "changed" };
  if (!consent.current) return { kind: "consent", reason: "new" };
  if (!profile) {
    if (enrollment?.state === "FAILED" && !intent.recordAgain) return { kind: "failed", enrollment };
    return { kind: "record", replacing: false };
  }
  if (intent.recordAgain) return { kind: "record", replacing: true };
  // A failure newer than the profile is an attempt to replace it that did not work.
  const failure = enrollment?.state === "FAILED" && !(time(enrollment.finishedAt ?? enrollment.startedAt) <= time(profile.updatedAt)) ? enrollment : null;
  return { kind: "profile", profile, justEnrolled: intent.sawEnrollment && enrollment?.state === "SUCCEEDED", failure };
}

/** The page polls the GET while something runs in the background. */
export function shouldPoll(state: VoiceProfileState): boolean {
  return state.enrollment?.state === "RUNNING" || state.apply?.state === "RUNNING";
}

/** "Find me in my earlier calls" is offered with a usable active profile and no run going on. */
export function canApply(state: VoiceProfileState): boolean {
  return state.profile?.status === "ACTIVE" && state.profile.usable && state.consent.current && state.apply?.state !== "RUNNING" && state.enrollment?.state !== "RUNNING";
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** The progress or result of "Find me in my earlier calls", in words. */
export function applySummary(apply: ApplyRun): string {
  const parts: string[] = [];
  if (apply.state === "RUNNING") parts.push(`Looked at ${apply.processed} of ${plural(apply.total, "call", "calls")}`);
  else if (apply.state === "DONE") parts.push(apply.total === 0 ? "No earlier calls to look at" : `Looked at ${plural(apply.total, "earlier call", "earlier calls")}`);
  else parts.push(`Stopped after ${apply.processed} of ${plural(apply.total, "call", "calls")}`);
  if (apply.total > 0 || apply.matched > 0) parts.push(`found you in ${plural(apply.matched, "call", "calls")}`);
  if (apply.skippedExpired > 0) parts.push(`${apply.skippedExpired} skipped because their audio has expired`);
  return parts.join(" · ");
}

/** 0–100 for the apply run's progress bar. */
export function applyPercent(apply: ApplyRun): number {
  if (apply.state !== "RUNNING") return 100;
  return apply.total > 0 ? Math.min(100, Math.floor((apply.processed / apply.total) * 100)) : 0;
}

/** A heading for each step (focus moves to it when the step changes). */
export function stepHeading(step: Step): string {
  switch (step.kind) {
    case "consent":
      return step.reason === "changed" ? "The consent text has changed" : "Before you record: your consent";
    case "record":
      return step.replacing ? "Record a new voice sample" : "Record your voice sample";
    case "enrolling":
      return "Making your voice profile…";
    case "failed":
      return "The voice profile could not be made";
    case "profile":
      return "Your voice profile";
  }
}
