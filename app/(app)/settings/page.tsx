import type { Metadata } from "next";
import Link from "next/link";
import { signOutEverywhereAction } from "@/app/sign-in/actions";
import { SETTINGS_SECTIONS } from "@/components/settings/SettingsNav";
import { requirePageUser } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  await requirePageUser("/settings");
  return (
    <div className="space-y-8">
      <ul className="grid gap-3 sm:grid-cols-3">
        {SETTINGS_SECTIONS.map((section) => (
          <li key={section.href}>
            <Link
              href={section.href}
              className="block h-full rounded-xl border border-slate-200 bg-white p-4 hover:border-slate-400 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900"
            >
              <span className="font-medium text-slate-900">{section.label}</span>
              <span className="mt-1 block text-sm text-slate-600">{section.description}</span>
            </Link>
          </li>
        ))}
      </ul>
      <section aria-labelledby="sessions-heading" className="rounded-xl border border-slate-200 bg-white p-4">
        <h2 id="sessions-heading" className="font-medium text-slate-900">
          Sessions
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Signed in on a computer or phone you no longer use? End every session, in every browser and device, this one included. API tokens keep working until you revoke them.
        </p>
        <form action={signOutEverywhereAction} className="mt-3">
          <button type="submit" className="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50">
            End all sessions
          </button>
        </form>
      </section>
    </div>
  );
}
