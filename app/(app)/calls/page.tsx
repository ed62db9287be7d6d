import type { Metadata } from "next";
import { getDb } from "@/db";
import { listCalls } from "@/db/queries/calls";
import { requirePageUser } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Calls" };

export default async function CallsPage() {
  const user = await requirePageUser("/calls");
  const { items } = await listCalls(await getDb(), { userId: user.id, limit: 25 });

  return (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight">Calls</h1>
      {items.length === 0 ? (
        <section className="mt-8 rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-16 text-center">
          <h2 className="text-lg font-medium">No calls yet</h2>
          <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">
            When you add a recording, Scryon stores it, finds who spoke when, transcribes it and pulls out the action items.
          </p>
        </section>
      ) : (
        <ul className="mt-6 divide-y divide-slate-200 rounded-2xl border border-slate-200 bg-white">
          {items.map((call) => (
            <li key={call.id} className="flex items-center justify-between px-4 py-3">
              <span className="font-medium">{call.title}</span>
              <span className="text-xs text-slate-500">{call.status}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
