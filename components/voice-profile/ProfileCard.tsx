"use client";

import { useRef, useState } from "react";
import { AbsoluteTime } from "@/components/calls/RelativeTime";
import { ActionAlert } from "@/components/ui/alerts";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { ApiError } from "@/components/lib/http-client";
import { deleteVoiceProfile, findMeInEarlierCalls } from "./api";
import { enrollmentFailureMessage } from "./messages";
import { applyPercent, applySummary, canApply } from "./profile-model";
import { ProgressBar } from "./ProgressBar";
import type { Enrollment, VoiceProfile, VoiceProfileState } from "./types";

const PROVIDER_NAMES: Record<string, string> = { local: "Scryon local engine", pyannote: "pyannoteAI" };

const buttonSecondary =
  "rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 disabled:opacity-60";

/** The enrolled profile: what it is, "Find me in my earlier calls", record again, delete. */
export function ProfileCard({
  state,
  profile,
  justEnrolled,
  failure,
  onState,
  onRecordAgain,
  onDeleted,
}: {
  state: VoiceProfileState;
  profile: VoiceProfile;
  justEnrolled: boolean;
  failure: Enrollment | null;
  onState: (state: VoiceProfileState) => void;
  onRecordAgain: () => void;
  onDeleted: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [applyError, setApplyError] = useState<string | null>(null);
  const [applying, setApplying] = useState(false);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const { apply } = state;

  async function confirmDelete() {
    setDeleting(true);
    setDeleteError(null);
    try {
      await deleteVoiceProfile();
      setConfirming(false);
      onDeleted();
    } catch (error) {
      setDeleting(false);
      setDeleteError(error instanceof ApiError ? error.message : "The voice profile could not be deleted. Try again.");
    }
  }

  async function startApply() {
    setApplying(true);
    setApplyError(null);
    try {
      onState(await findMeInEarlierCalls());
    } catch (error) {
      setApplyError(error instanceof ApiError ? error.message : "Could not start looking through your calls. Try again.");
    } finally {
      setApplying(false);
    }
  }

  return (
    <div className="space-y-6">
      {justEnrolled ? (
        <p className="rounded-lg border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900" data-testid="enrollment-succeeded">
          Your voice profile is ready. From now on, Scryon marks you as “You” in new calls when your voice is recognised.
        </p>
      ) : null}
      {failure ? (
        <div role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900" data-testid="enrollment-failed">
          <p className="font-medium">Your new sample could not be used; your earlier voice profile is still in place.</p>
          <p className="mt-1">{enrollmentFailureMessage(failure)}</p>
        </div>
      ) : null}

      <dl className="grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-2" data-testid="voice-profile-details">
        <div>
          <dt className="text-slate-500">Status</dt>
          <dd className="font-medium text-slate-900" data-testid="profile-status">
            {profile.usable ? "Active — used for new calls" : "Not usable with the current voiceprint provider"}
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Enrolled on</dt>
          <dd className="font-medium text-slate-900">
            <AbsoluteTime iso={profile.enrolledAt} />
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Consent</dt>
          <dd className="font-medium text-slate-900" data-testid="profile-consent">
            Version {profile.consentVersion}
            {profile.consentedAt ? (
              <span className="font-normal text-slate-600">
                , agreed <AbsoluteTime iso={profile.consentedAt} />
              </span>
            ) : null}
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Provider and model</dt>
          <dd className="font-medium text-slate-900" data-testid="profile-provider">
            {PROVIDER_NAMES[profile.provider] ?? profile.provider}
            {profile.model ? ` · ${profile.model}${profile.modelVersion ? ` v${profile.modelVersion}` : ""}` : ""}
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Speech used</dt>
          <dd className="font-medium text-slate-900" data-testid="profile-seconds">
            {profile.sampleSeconds !== null ? `${Math.round(profile.sampleSeconds)} seconds` : "Not reported by the provider"}
          </dd>
        </div>
      </dl>
      {!profile.usable ? (
        <p className="text-sm text-slate-600">
          The server now uses another voiceprint provider or model than the one this profile was made with. Record again to make a profile it can use.
        </p>
      ) : null}

      <section aria-labelledby="apply-heading" className="rounded-xl border border-slate-200 p-4">
        <h3 id="apply-heading" className="text-sm font-semibold text-slate-900">
          Your earlier calls
        </h3>
        <p className="mt-1 text-sm text-slate-600">
          Calls processed before this profile existed do not know which speaker is you. Scryon can look through them and mark you where your voice is
          recognised. Calls whose audio has expired cannot be checked and are skipped.
        </p>
        {apply ? (
          <div className="mt-3" data-testid="apply-progress" data-state={apply.state}>
            <ProgressBar label="Finding you in your earlier calls" percent={applyPercent(apply)} />
            <p className="mt-1 text-sm text-slate-700" data-testid="apply-summary">
              {apply.state === "RUNNING" ? "Looking… " : apply.state === "FAILED" ? "This run stopped early. " : "Done. "}
              {applySummary(apply)}
            </p>
          </div>
        ) : null}
        <ActionAlert message={applyError} actionLabel="Dismiss" onAction={() => setApplyError(null)} className="mt-3" />
        {canApply(state) ? (
          <button type="button" onClick={() => void startApply()} disabled={applying} aria-busy={applying} className={`${buttonSecondary} mt-3`}>
            {applying ? "Starting…" : apply ? "Look through my earlier calls again" : "Find me in my earlier calls"}
          </button>
        ) : null}
      </section>

      <div className="flex flex-wrap gap-3 border-t border-slate-100 pt-4">
        <button type="button" onClick={onRecordAgain} className={buttonSecondary}>
          Record again
        </button>
        <button
          ref={deleteButton}
          type="button"
          onClick={() => setConfirming(true)}
          className="rounded-lg border border-red-300 bg-white px-4 py-2 text-sm font-medium text-red-700 hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600"
        >
          Delete my voice profile
        </button>
      </div>
      <p className="text-xs text-slate-500">Recording again replaces this profile once the new one has been made.</p>
      {confirming ? (
        <ConfirmDialog
          heading="Delete your voice profile?"
          description="Your voiceprint and everything made from your sample are removed now. New calls will no longer mark you automatically. Calls already processed keep the names they show."
          confirmLabel="Delete my voice profile"
          pendingLabel="Deleting…"
          pending={deleting}
          error={deleteError}
          onCancel={() => {
            setConfirming(false);
            setDeleteError(null);
            deleteButton.current?.focus();
          }}
          onConfirm={() => void confirmDelete()}
        />
      ) : null}
    </div>
  );
}

/** A failed first enrollment: the server's message, advice, "Record again". */
export function EnrollmentFailed({ enrollment, onRecordAgain }: { enrollment: Enrollment; onRecordAgain: () => void }) {
  return (
    <div className="space-y-4">
      <div role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900" data-testid="enrollment-failed">
        <p className="font-medium">{enrollmentFailureMessage(enrollment)}</p>
        <p className="mt-1">The sample has been deleted; nothing of it was kept.</p>
      </div>
      <button
        type="button"
        onClick={onRecordAgain}
        className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
      >
        Record again
      </button>
    </div>
  );
}

/** With a profile waiting for new consent: delete it rather than agree. */
export function DeleteInstead({ onDeleted }: { onDeleted: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  return (
    <div className="mt-6 border-t border-slate-100 pt-4">
      <p className="text-sm text-slate-600">Do not agree? Delete your voice profile instead.</p>
      <button
        ref={button}
        type="button"
        onClick={() => setConfirming(true)}
        className="mt-2 rounded-lg border border-red-300 bg-white px-4 py-2 text-sm font-medium text-red-700 hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600"
      >
        Delete my voice profile
      </button>
      {confirming ? (
        <ConfirmDialog
          heading="Delete your voice profile?"
          description="Your voiceprint and everything made from your sample are removed now. Calls already processed keep the names they show."
          confirmLabel="Delete my voice profile"
          pendingLabel="Deleting…"
          pending={deleting}
          error={error}
          onCancel={() => {
            setConfirming(false);
            setError(null);
            button.current?.focus();
          }}
          onConfirm={() => {
            setDeleting(true);
            setError(null);
            deleteVoiceProfile().then(
              () => {
                setConfirming(false);
                onDeleted();
              },
              (caught: unknown) => {
                setDeleting(false);
                setError(caught instanceof ApiError ? caught.message : "The voice profile could not be deleted. Try again.");
              },
            );
          }}
        />
      ) : null}
    </div>
  );
}
