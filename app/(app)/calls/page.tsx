import type { Metadata } from "next";
import Link from "next/link";
import { CallFilters } from "@/components/calls/CallFilters";
import { CallList } from "@/components/calls/CallList";
import { EmptyCalls, NoMatchingCalls } from "@/components/calls/EmptyStates";
import {
  callsHref,
  DEFAULT_LISTED_STATUSES,
  filtersFromSearchParams,
  filtersToSearchParams,
  hasActiveFilters,
} from "@/components/calls/filters";
import { NowProvider } from "@/components/calls/RelativeTime";
import { getDb } from "@/db";
import { countCallsByStatus, listCalls } from "@/db/queries/calls";
import { requirePageUser } from "@/lib/auth/session";
import { processingIds, toCallListJson } from "@/lib/calls/serialize";
import { latestStages } from "@/db/queries/events";

export const metadata: Metadata = { title: "Calls" };

const PAGE_SIZE = 25;

/** The server's clock for this render (relative times are rendered against it, then follow the browser's). */
function renderedAt(): number {
  return Date.now();
}

export default async function CallsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const filters = filtersFromSearchParams(await searchParams);
  const user = await requirePageUser(callsHref(filters));
  const db = await getDb();
  const page = await listCalls(db, {
    userId: user.id,
    limit: PAGE_SIZE,
    query: filters.q || null,
    statuses: filters.statuses.length > 0 ? filters.statuses : DEFAULT_LISTED_STATUSES,
    direction: filters.direction,
  });

  const stages = await latestStages(db, processingIds(page.items));
  const filtered = hasActiveFilters(filters);
  let hasAnyCall = page.items.length > 0;
  if (!hasAnyCall && filtered) {
    const counts = await countCallsByStatus(db, user.id);
    hasAnyCall = DEFAULT_LISTED_STATUSES.some((status) => counts[status] > 0);
  }

  return (
    <div>
      <div className="flex flex-wrap items-center justify-between gap-4">
        <h1 className="text-2xl font-semibold tracking-tight">Calls</h1>
        {hasAnyCall ? (
          <Link
            href="/upload"
            className="inline-flex items-center gap-2 rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700"
          >
            <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="2" className="h-4 w-4">
              <path d="M10 4v12M4 10h12" strokeLinecap="round" />
            </svg>
            Upload a recording
          </Link>
        ) : null}
      </div>

      {!hasAnyCall ? (
        <EmptyCalls />
      ) : (
        <>
          <div className="mt-6">
            <CallFilters filters={filters} />
          </div>
          <div className="mt-6">
            {page.items.length === 0 ? (
              <NoMatchingCalls />
            ) : (
              <NowProvider serverNow={renderedAt()}>
                <CallList
                  // A new filter starts a new list (and a new cursor).
                  key={filtersToSearchParams(filters).toString()}
                  initialItems={toCallListJson(page.items, stages)}
                  initialCursor={page.nextCursor}
                  filters={filters}
                />
              </NowProvider>
            )}
          </div>
        </>
      )}
    </div>
  );
}
