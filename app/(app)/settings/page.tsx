import type { Metadata } from "next";
import Link from "next/link";
import { SETTINGS_SECTIONS } from "@/components/settings/SettingsNav";
import { requirePageUser } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  await requirePageUser("/settings");
  return (
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
  );
}
