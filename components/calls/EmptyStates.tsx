import Link from "next/link";

/** No calls at all: say what Scryon does with one and lead to the upload page. */
export function EmptyCalls() {
  return (
    <section
      aria-labelledby="no-calls-heading"
      className="mt-8 rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-16 text-center"
    >
      <svg aria-hidden="true" viewBox="0 0 48 48" className="mx-auto h-12 w-12 text-brand-500" fill="none" stroke="currentColor" strokeWidth="2.5">
        <rect x="2" y="2" width="44" height="44" rx="12" className="fill-brand-50 stroke-none" />
        <path d="M14 28v-8M19.5 33V15M25 30V18M30.5 27v-6M36 25v-2" strokeLinecap="round" />
      </svg>
      <h2 id="no-calls-heading" className="mt-4 text-lg font-medium">
        No calls yet
      </h2>
      <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">
        When you add a recording, Scryon stores it, finds who spoke when, transcribes it and pulls out the action items.
      </p>
      <Link
        href="/upload"
        className="mt-6 inline-flex rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700"
      >
        Upload a recording
      </Link>
    </section>
  );
}

/** Calls exist, but none matches the filters. */
export function NoMatchingCalls() {
  return (
    <section aria-labelledby="no-match-heading" className="rounded-2xl border border-slate-200 bg-white px-6 py-12 text-center">
      <h2 id="no-match-heading" className="text-base font-medium">
        No calls match
      </h2>
      <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">Try other words, or another status or direction.</p>
      <Link href="/calls" className="mt-4 inline-flex rounded-lg px-3 py-2 text-sm font-medium text-brand-700 hover:bg-brand-50">
        Clear filters
      </Link>
    </section>
  );
}
