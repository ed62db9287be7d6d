import Link from "next/link";
import { redirect } from "next/navigation";
import { Logo } from "@/components/shell/Logo";
import { getCurrentUser } from "@/lib/auth/session";

const FEATURES = [
  ["Never loses a recording", "Uploads are checked byte for byte before anything else happens, and resume after a dropped connection."],
  ["Shows its work", "Every processing stage is on a timeline with its status, duration and, when something fails, why."],
  ["Speakers you can trust", "Who spoke when, which speaker is you (from a voice profile you consent to), and who owns each action item."],
  ["Yours to host", "One command runs it on your machine with an embedded database, storage and speech engine."],
] as const;

export default async function HomePage() {
  if (await getCurrentUser()) redirect("/calls");
  return (
    <main className="mx-auto flex min-h-screen max-w-4xl flex-col px-6 py-10">
      <header className="flex items-center justify-between">
        <Logo />
        <Link href="/sign-in" className="rounded-lg px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100">
          Sign in
        </Link>
      </header>
      <section className="mt-20">
        <h1 className="max-w-2xl text-4xl font-semibold leading-tight tracking-tight sm:text-5xl">
          Your calls, turned into transcripts, summaries and action items.
        </h1>
        <p className="mt-5 max-w-xl text-lg text-slate-600">
          Scryon is self-hosted call intelligence for people who live on the phone: upload or record a call, and get who said
          what, what was agreed, and who does what by when, with the exact words it came from.
        </p>
        <Link
          href="/sign-in"
          className="mt-8 inline-flex rounded-lg bg-brand-600 px-5 py-3 text-sm font-semibold text-white hover:bg-brand-700"
        >
          Sign in to get started
        </Link>
      </section>
      <section aria-label="What Scryon does" className="mt-20 grid gap-6 sm:grid-cols-2">
        {FEATURES.map(([title, text]) => (
          <div key={title} className="rounded-2xl border border-slate-200 bg-white p-6">
            <h2 className="font-semibold">{title}</h2>
            <p className="mt-2 text-sm text-slate-600">{text}</p>
          </div>
        ))}
      </section>
    </main>
  );
}
