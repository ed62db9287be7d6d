"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { usePolling } from "@/components/hooks/use-polling";
import { Announcement } from "@/components/ui/alerts";
import type { CallJson } from "@/lib/calls/serialize";
import { ApiError, fetchCall, fetchCallPage } from "./api";
import { DirectionLabel } from "./DirectionLabel";
import { filtersToSearchParams, isInProgress, type CallFilters } from "./filters";
import { formatDuration, spokenDuration, STATUS_LABEL } from "./format";
import { RelativeTime } from "./RelativeTime";
import { StatusChip } from "./StatusChip";

const PAGE_SIZE = 25;
const POLL_MS = 3000;
/** Calls outside the polled first page that are refreshed one by one, at most, per poll. */
const MAX_SINGLE_REFRESHES = 10;

/** Merges a fresh first page into the list: known calls are updated in place, newer ones are added on top. */
function mergeFresh(current: CallJson[], fresh: CallJson[]): CallJson[] {
  const freshById = new Map(fresh.map((call) => [call.id, call]));
  const known = new Set(current.map((call) => call.id));
  const newest = current[0]?.createdAt;
  const added = fresh.filter((call) => !known.has(call.id) && (!newest || call.createdAt > newest));
  return [...added, ...current.map((call) => freshById.get(call.id) ?? call)];
}

/**
 * The call table. Starts from the server-rendered first page; "Load more" follows the keyset cursor
 * through `GET /api/calls`. While any shown call is queued or processing, the list polls the API every
 * ~3 s (not while the tab is hidden) and updates those rows in place; polling stops when none is left.
 */
export function CallList({
  initialItems,
  initialCursor,
  filters,
}: {
  initialItems: CallJson[];
  initialCursor: string | null;
  filters: CallFilters;
}) {
  const [items, setItems] = useState(initialItems);
  const [cursor, setCursor] = useState(initialCursor);
  const [loadingMore, setLoadingMore] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const itemsRef = useRef(items);
  const focusAfterLoad = useRef<string | null>(null);
  const listRef = useRef<HTMLTableSectionElement>(null);

  const inProgress = items.some((call) => isInProgress(call.status));

  // Announce status changes (polling) to screen readers, and keep a ref for the poller.
  useEffect(() => {
    const before = new Map(itemsRef.current.map((call) => [call.id, call.status]));
    const changed = items.filter((call) => before.has(call.id) && before.get(call.id) !== call.status);
    itemsRef.current = items;
    if (changed.length > 0) {
      setAnnouncement(changed.map((call) => `${call.title}: ${STATUS_LABEL[call.status]}`).join(". "));
    }
  }, [items]);

  // After "Load more", move focus to the first newly shown call so reading continues there.
  useEffect(() => {
    const id = focusAfterLoad.current;
    if (!id) return;
    focusAfterLoad.current = null;
    listRef.current?.querySelector<HTMLAnchorElement>(`a[data-call-id="${id}"]`)?.focus();
  }, [items]);

  async function poll(signal: AbortSignal) {
    const current = itemsRef.current;
    const params = filtersToSearchParams(filters);
    params.set("limit", String(Math.min(Math.max(current.length, PAGE_SIZE), 100)));
    const fresh = await fetchCallPage(params);
    if (signal.aborted) return;
    // Calls still in progress that the first page did not bring back (further down, deleted, or no
    // longer matching the filter): ask for each one.
    const freshIds = new Set(fresh.items.map((call) => call.id));
    const missing = current
      .filter((call) => isInProgress(call.status) && !freshIds.has(call.id))
      .slice(0, MAX_SINGLE_REFRESHES);
    const singles = await Promise.all(
      missing.map((call) =>
        fetchCall(call.id).then(
          (updated) => ({ id: call.id, updated }),
          (error: unknown) => ({ id: call.id, updated: error instanceof ApiError && error.status === 404 ? null : undefined }),
        ),
      ),
    );
    if (signal.aborted) return;
    setItems((latest) => {
      let next = mergeFresh(latest, fresh.items);
      for (const { id, updated } of singles) {
        if (updated === null) next = next.filter((call) => call.id !== id);
        else if (updated) next = next.map((call) => (call.id === id ? updated : call));
      }
      return next;
    });
  }

  usePolling(
    async (signal) => {
      try {
        await poll(signal);
      } catch (error) {
        // Signed out: stop. Anything else (network blip): try again next time.
        if (error instanceof ApiError && error.status === 401) return "stop";
      }
    },
    { enabled: inProgress, intervalMs: POLL_MS },
  );

  async function loadMore() {
    if (!cursor || loadingMore) return;
    setLoadingMore(true);
    setLoadError(null);
    try {
      const params = filtersToSearchParams(filters);
      params.set("cursor", cursor);
      params.set("limit", String(PAGE_SIZE));
      const page = await fetchCallPage(params);
      const shown = new Set(itemsRef.current.map((call) => call.id));
      focusAfterLoad.current = page.items.find((call) => !shown.has(call.id))?.id ?? null;
      setItems((latest) => {
        const known = new Set(latest.map((call) => call.id));
        return [...latest, ...page.items.filter((call) => !known.has(call.id))];
      });
      setCursor(page.nextCursor);
    } catch (error) {
      setLoadError(error instanceof ApiError ? error.message : "Could not load more calls.");
    } finally {
      setLoadingMore(false);
    }
  }

  return (
    <div>
      <div className="overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Your calls, newest first</caption>
          <thead className="border-b border-slate-200 bg-slate-50 text-xs font-medium uppercase tracking-wide text-slate-500">
            <tr>
              {/* The call column takes the free width; the others shrink to their content. */}
              <th scope="col" className="w-full px-4 py-2.5 font-medium">
                Call
              </th>
              <th scope="col" className="hidden whitespace-nowrap px-4 py-2.5 font-medium sm:table-cell">
                Recorded
              </th>
              <th scope="col" className="hidden whitespace-nowrap px-4 py-2.5 text-right font-medium md:table-cell">
                Duration
              </th>
              <th scope="col" className="hidden whitespace-nowrap px-4 py-2.5 font-medium md:table-cell">
                Direction
              </th>
              <th scope="col" className="whitespace-nowrap px-4 py-2.5 font-medium">
                Status
              </th>
            </tr>
          </thead>
          <tbody ref={listRef} className="divide-y divide-slate-100">
            {items.map((call) => (
              <CallRow key={call.id} call={call} />
            ))}
          </tbody>
        </table>
      </div>

      <div className="mt-4 flex flex-col items-center gap-2">
        {cursor ? (
          <button
            type="button"
            onClick={loadMore}
            disabled={loadingMore}
            aria-busy={loadingMore}
            className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50 disabled:cursor-wait disabled:opacity-70"
          >
            {loadingMore ? "Loading…" : "Load more"}
          </button>
        ) : items.length > PAGE_SIZE ? (
          <p className="text-sm text-slate-500">That’s all of them.</p>
        ) : null}
        {loadError ? (
          <p role="alert" className="text-sm text-red-700">
            {loadError}
          </p>
        ) : null}
      </div>
      <Announcement message={announcement} />
    </div>
  );
}

function CallRow({ call }: { call: CallJson }) {
  const who = [call.contactName, call.organization].filter(Boolean).join(" · ");
  const duration = formatDuration(call.durationSeconds);
  return (
    <tr data-testid="call-row" data-call-id={call.id} className="group relative hover:bg-slate-50">
      <td className="w-full max-w-0 px-4 py-3">
        <Link
          href={`/calls/${call.id}`}
          data-call-id={call.id}
          // The stretched ::after makes the whole row clickable; the link keeps the focus ring.
          className="block truncate font-medium text-slate-900 after:absolute after:inset-0 after:content-[''] hover:text-brand-700"
        >
          {call.title}
        </Link>
        <p className="truncate text-slate-500">{who || <span className="text-slate-400">No contact</span>}</p>
        {/* Small screens: the hidden columns, inline. */}
        <p className="mt-0.5 text-xs text-slate-500 sm:hidden">
          <RelativeTime iso={call.recordedAt} />
          {duration ? ` · ${duration}` : null}
        </p>
      </td>
      <td className="hidden whitespace-nowrap px-4 py-3 pr-8 text-slate-600 sm:table-cell">
        <RelativeTime iso={call.recordedAt} />
      </td>
      <td className="hidden whitespace-nowrap px-4 py-3 text-right tabular-nums text-slate-600 md:table-cell">
        {duration ? (
          <>
            <span aria-hidden="true">{duration}</span>
            <span className="sr-only">{spokenDuration(call.durationSeconds)}</span>
          </>
        ) : (
          <span className="text-slate-400">
            <span aria-hidden="true">—</span>
            <span className="sr-only">Not known yet</span>
          </span>
        )}
      </td>
      <td className="hidden whitespace-nowrap px-4 py-3 pl-8 md:table-cell">
        <DirectionLabel direction={call.direction} />
      </td>
      <td className="whitespace-nowrap px-4 py-3">
        <StatusChip status={call.status} stage={call.currentStage} />
      </td>
    </tr>
  );
}
