import Link from "next/link";

export default function CallNotFound() {
  return (
    <section aria-labelledby="call-not-found-heading" className="rounded-2xl border border-slate-200 bg-white px-6 py-16 text-center">
      <h1 id="call-not-found-heading" className="text-xl font-semibold tracking-tight">
        This call does not exist or is not yours
      </h1>
      <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">
        It may have been deleted, or the link may be wrong.
      </p>
      <Link
        href="/calls"
        className="mt-6 inline-flex rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700"
      >
        Back to your calls
      </Link>
    </section>
  );
}
