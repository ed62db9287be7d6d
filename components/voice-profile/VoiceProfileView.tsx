"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { usePolling } from "@/components/hooks/use-polling";
import { ActionAlert, Announcement } from "@/components/ui/alerts";
import { fetchVoiceProfile } from "./api";
import { ConsentStep } from "./ConsentStep";
import { DeleteInstead, EnrollmentFailed, ProfileCard } from "./ProfileCard";
import { INITIAL_INTENT, shouldPoll, stepFor, stepHeading, type PageIntent, type Step } from "./profile-model";
import { ProgressBar } from "./ProgressBar";
import { SampleStep } from "./SampleStep";
import type { VoiceProfileState } from "./types";

const POLL_MS = 1000;

/** What the status region reads out when the page reaches a step. */
function announcementFor(step: Step): string {
  switch (step.kind) {
    case "consent":
      return step.reason === "changed" ? "The consent text has changed; your agreement is needed again." : "Read the consent text before recording.";
    case "record":
      return "Ready to record.";
    case "enrolling":
      return "Your sample was sent. Making your voice profile.";
    case "failed":
      return "The voice profile could not be made.";
    case "profile":
      return step.justEnrolled ? "Your voice profile is ready." : step.failure ? "Your new sample could not be used." : "";
  }
}

/**
 * The voice-profile page below its title: one step at a time (consent → record → enrolling → profile),
 * chosen by `stepFor` from the server's state; polls while an enrollment or an apply run is going on.
 * Focus moves to the step's heading when the step changes.
 */
export function VoiceProfileView({ initial }: { initial: VoiceProfileState | null }) {
  const [state, setState] = useState<VoiceProfileState | null>(initial);
  const [intent, setIntent] = useState<PageIntent>(INITIAL_INTENT);
  const [deleted, setDeleted] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  const receive = useCallback((next: VoiceProfileState) => {
    setState(next);
    if (next.enrollment?.state === "RUNNING") setIntent((current) => ({ ...current, recordAgain: false, sawEnrollment: true }));
  }, []);

  const reload = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const next = await fetchVoiceProfile(signal);
        if (signal?.aborted) return;
        setLoadError(null);
        receive(next);
      } catch {
        if (!signal?.aborted) setLoadError("Could not load your voice profile. Check your connection and try again.");
      }
    },
    [receive],
  );

  // Without a server render (or after one failed), load in the browser.
  useEffect(() => {
    if (initial !== null) return;
    const controller = new AbortController();
    fetchVoiceProfile(controller.signal).then(receive, () => {
      if (!controller.signal.aborted) setLoadError("Could not load your voice profile. Check your connection and try again.");
    });
    return () => controller.abort();
  }, [initial, receive]);

  usePolling((signal) => reload(signal), { enabled: state !== null && shouldPoll(state), intervalMs: POLL_MS });

  // Back on this tab: the profile may have changed elsewhere (deleted or consented in another tab, a new
  // consent text), so ask again.
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState === "visible") void reload();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => document.removeEventListener("visibilitychange", onVisible);
  }, [reload]);

  const step = state ? stepFor(state, intent) : null;
  const stepKey = step ? `${step.kind}:${step.kind === "consent" ? step.reason : step.kind === "record" ? step.replacing : ""}` : "loading";
  const firstKey = useRef(stepKey);
  useEffect(() => {
    // The first step is where the page starts; later ones take focus so keyboard and screen-reader users follow.
    if (firstKey.current === "loading") firstKey.current = stepKey; // loaded in the browser: still the first step
    if (stepKey === firstKey.current) return;
    firstKey.current = "";
    headingRef.current?.focus();
  }, [stepKey]);

  if (!state || !step) {
    return (
      <div className="mt-6 space-y-3">
        <ActionAlert message={loadError} actionLabel="Try again" onAction={() => void reload()} />
        {!loadError ? <p className="text-sm text-slate-600">Loading your voice profile…</p> : null}
      </div>
    );
  }

  const recordAgain = () => {
    setDeleted(false);
    setIntent((current) => ({ ...current, recordAgain: true }));
  };

  return (
    <div className="mt-6 space-y-6">
      {deleted ? (
        <div role="status" className="rounded-xl border border-slate-200 bg-white p-4 text-sm text-slate-700 shadow-sm" data-testid="profile-deleted">
          <p className="font-medium text-slate-900">Your voice profile was deleted.</p>
          <p className="mt-1">
            Your voiceprint and everything made from your sample are gone. Calls already processed keep the speaker names they show; you can rename speakers
            or say which one is you on any call, as before.
          </p>
        </div>
      ) : null}

      {!state.profile && step.kind === "consent" ? <WhatItDoes /> : null}

      <section aria-labelledby="voice-step-heading" className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6" data-testid="voice-step" data-step={step.kind}>
        <h2 id="voice-step-heading" ref={headingRef} tabIndex={-1} className="text-lg font-semibold tracking-tight focus:outline-none">
          {stepHeading(step)}
        </h2>
        <div className="mt-4">
          {step.kind === "consent" ? (
            <ConsentStep
              key={`${state.consent.currentVersion}:${step.reason}`}
              state={state}
              reason={step.reason}
              onConsented={(next) => {
                setDeleted(false);
                receive(next);
              }}
              onStale={() => void reload()}
            />
          ) : null}
          {step.kind === "consent" && step.reason === "changed" ? (
            <DeleteInstead
              onDeleted={() => {
                setDeleted(true);
                setIntent(INITIAL_INTENT);
                void reload();
              }}
            />
          ) : null}
          {step.kind === "consent" ? null : step.kind === "record" ? (
            <SampleStep
              replacing={step.replacing}
              onSent={(next) => {
                setDeleted(false);
                setIntent({ recordAgain: false, sawEnrollment: true });
                receive(next);
              }}
              onCancel={step.replacing ? () => setIntent((current) => ({ ...current, recordAgain: false })) : null}
            />
          ) : step.kind === "enrolling" ? (
            <div className="space-y-3" data-testid="enrollment-progress">
              <ProgressBar label="Making your voice profile" percent={null} />
              <p className="text-sm text-slate-600">
                Scryon is computing a voiceprint from your sample. This takes a few seconds; the sample is deleted as soon as it is done. You can leave this
                page — it carries on.
              </p>
            </div>
          ) : step.kind === "failed" ? (
            <EnrollmentFailed enrollment={step.enrollment} onRecordAgain={recordAgain} />
          ) : (
            <ProfileCard
              state={state}
              profile={step.profile}
              justEnrolled={step.justEnrolled}
              failure={step.failure}
              onState={receive}
              onRecordAgain={recordAgain}
              onDeleted={() => {
                setDeleted(true);
                setIntent(INITIAL_INTENT);
                void reload();
              }}
            />
          )}
        </div>
      </section>
      <Announcement message={loadError ?? announcementFor(step)} testId="voice-profile-announcement" />
      {loadError ? <ActionAlert message={loadError} actionLabel="Try again" onAction={() => void reload()} /> : null}
    </div>
  );
}

function WhatItDoes() {
  return (
    <section aria-labelledby="what-heading" className="rounded-2xl border border-slate-200 bg-white p-4 text-sm text-slate-700 shadow-sm sm:p-6">
      <h2 id="what-heading" className="text-base font-semibold text-slate-900">
        What a voice profile does
      </h2>
      <p className="mt-2">
        You read a short text aloud once. From then on Scryon recognises your voice in the calls you upload and marks that speaker as “You” — so the
        action items you promised show up as yours, without naming speakers by hand. When it is not sure, it leaves the speaker unknown.
      </p>
      <ol className="mt-3 list-decimal space-y-1 pl-5">
        <li>Read what is kept and agree to it.</li>
        <li>Record about half a minute of your voice (or upload a recording), listen to it, send it.</li>
        <li>Scryon makes the voiceprint and deletes the recording.</li>
      </ol>
    </section>
  );
}
