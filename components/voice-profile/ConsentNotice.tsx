import Link from "next/link";

/** On a call page: the user's voice profile waits for consent to a new text version, so it was not used. */
export function VoiceConsentNotice() {
  return (
    <div role="note" className="mb-4 flex flex-wrap items-center justify-between gap-3 rounded-xl border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="voice-consent-notice">
      <p className="min-w-0 flex-1">
        The voice-profile consent text has changed. Until you agree to the new version, Scryon does not use your voice profile to mark you in calls.
      </p>
      <Link href="/voice-profile" className="shrink-0 rounded-lg bg-white px-3 py-1.5 font-medium text-amber-900 ring-1 ring-amber-300 hover:bg-amber-100">
        Review the consent
      </Link>
    </div>
  );
}
