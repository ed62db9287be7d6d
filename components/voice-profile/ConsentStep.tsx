"use client";

import { useId, useState } from "react";
import { ApiError } from "@/components/lib/http-client";
import { FormError } from "@/components/ui/alerts";
import { AbsoluteTime } from "@/components/calls/RelativeTime";
import { giveConsent } from "./api";
import type { VoiceProfileState } from "./types";

/**
 * The consent text and the explicit consent: an unticked box and a button that stays disabled until it is
 * ticked. Nothing is recorded, and the microphone is not asked for, before this.
 */
export function ConsentText({ version }: { version: string }) {
  return (
    <div className="space-y-3 text-sm leading-relaxed text-slate-700" data-testid="consent-text">
      <dl className="space-y-3">
        <div>
          <dt className="font-semibold text-slate-900">What is stored</dt>
          <dd>
            A voiceprint: a list of numbers computed from your voice sample that describes how your voice sounds. Not the recording itself — the sample is
            deleted as soon as the voiceprint has been made (or could not be).
          </dd>
        </div>
        <div>
          <dt className="font-semibold text-slate-900">What it is for</dt>
          <dd>Marking which speaker is you in your own calls, so that your action items are yours. It is used on this Scryon server only and sent nowhere else.</dd>
        </div>
        <div>
          <dt className="font-semibold text-slate-900">Who can see it</dt>
          <dd>Only you see that you have a voice profile. The voiceprint itself is never shown and never returned by any API — not to you, not to anyone else.</dd>
        </div>
        <div>
          <dt className="font-semibold text-slate-900">How long it is kept</dt>
          <dd>Until you delete it.</dd>
        </div>
        <div>
          <dt className="font-semibold text-slate-900">How to delete it</dt>
          <dd>
            On this page, with “Delete my voice profile”, at any time. It is removed at once with everything made from your sample. Calls already processed
            keep the speaker names they show, and you can rename speakers as before.
          </dd>
        </div>
      </dl>
      <p className="text-xs text-slate-500" data-testid="consent-version">
        Consent text version {version}
      </p>
    </div>
  );
}

export function ConsentStep({
  state,
  reason,
  onConsented,
  onStale,
}: {
  state: VoiceProfileState;
  reason: "new" | "changed";
  onConsented: (state: VoiceProfileState) => void;
  /** The server refused the version (it changed meanwhile): the page reloads its state. */
  onStale: () => void;
}) {
  const id = useId();
  const [agreed, setAgreed] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const version = state.consent.currentVersion;

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!agreed) return;
    setPending(true);
    setError(null);
    try {
      onConsented(await giveConsent(version));
    } catch (caught) {
      setPending(false);
      if (caught instanceof ApiError && caught.status === 409) {
        setAgreed(false);
        setError("The consent text has just changed. Read it again and agree to the new version.");
        onStale();
        return;
      }
      setError(caught instanceof ApiError ? caught.message : "Your consent could not be saved. Try again.");
    }
  }

  return (
    <form onSubmit={submit} aria-labelledby={`${id}-label`} className="space-y-4">
      {reason === "changed" ? (
        <p className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="consent-changed">
          You agreed to version {state.consent.consentedVersion ?? state.profile?.consentVersion ?? "an earlier version"}
          {state.consent.consentedAt ? (
            <>
              {" "}
              on <AbsoluteTime iso={state.consent.consentedAt} />
            </>
          ) : null}
          . Your voice profile is kept but not used for new calls until you agree to this version. Agreeing turns it back on — no new recording needed.
        </p>
      ) : null}
      <ConsentText version={version} />
      <div className="flex items-start gap-3">
        <input
          id={`${id}-agree`}
          type="checkbox"
          checked={agreed}
          onChange={(event) => setAgreed(event.target.checked)}
          className="mt-0.5 h-4 w-4 shrink-0 accent-brand-600"
        />
        <label htmlFor={`${id}-agree`} id={`${id}-label`} className="text-sm text-slate-800">
          I agree that Scryon makes and keeps a voiceprint of my voice as described above (version {version}).
        </label>
      </div>
      <FormError message={error} />
      <button
        type="submit"
        disabled={!agreed || pending}
        aria-busy={pending}
        className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 disabled:cursor-not-allowed disabled:opacity-50"
      >
        {pending ? "Saving…" : reason === "changed" ? "Agree and turn my profile back on" : "Agree and continue"}
      </button>
    </form>
  );
}
