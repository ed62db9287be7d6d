"use client";

import { useRouter } from "next/navigation";
import { useEffect, useOptimistic, useRef, useState, useTransition } from "react";
import { Announcement } from "@/components/ui/alerts";
import type { CallDirection, CallStatus } from "@/db/schema";
import {
  callsHref,
  DIRECTION_FILTER_OPTIONS,
  EMPTY_FILTERS,
  hasActiveFilters,
  MAX_QUERY_LENGTH,
  STATUS_FILTER_OPTIONS,
  type CallFilters as Filters,
} from "./filters";

const SEARCH_DELAY_MS = 300;

// A native select with its own chevron (so it matches the search box); the list stays the browser's.
const selectClass =
  "h-10 appearance-none rounded-lg border border-slate-300 select-chevron bg-white pl-3 pr-9 text-sm text-slate-900 shadow-sm hover:border-slate-400 focus:border-brand-500";

/**
 * Search, status and direction filters. They live in the URL (`/calls?q=&status=&direction=`), so a
 * filtered list survives a reload and can be shared; the page re-renders on the server for each change.
 * Without JavaScript it is a plain GET form (Enter in the search box submits it).
 */
export function CallFilters({ filters }: { filters: Filters }) {
  const router = useRouter();
  const [isPending, startTransition] = useTransition();
  // Selects show the new choice at once, while the list for it loads.
  const [shown, setShown] = useOptimistic(filters);
  const [query, setQuery] = useState(filters.q);
  // The q this component last navigated to: when the URL's q changes to anything else (a "Clear
  // filters" link, the nav), the box follows the URL; otherwise it keeps what the user is typing.
  const [navigatedQuery, setNavigatedQuery] = useState(filters.q);
  const [urlQuery, setUrlQuery] = useState(filters.q);
  if (filters.q !== urlQuery) {
    setUrlQuery(filters.q);
    if (filters.q !== navigatedQuery) {
      setQuery(filters.q);
      setNavigatedQuery(filters.q);
    }
  }
  const searchTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(searchTimer.current), []);

  function navigate(next: Filters) {
    clearTimeout(searchTimer.current);
    setNavigatedQuery(next.q);
    startTransition(() => {
      setShown(next);
      router.replace(callsHref(next), { scroll: false });
    });
  }

  function onQueryChange(value: string) {
    setQuery(value);
    clearTimeout(searchTimer.current);
    searchTimer.current = setTimeout(() => navigate({ ...shown, q: value.trim() }), SEARCH_DELAY_MS);
  }

  const active = hasActiveFilters({ ...shown, q: query.trim() });

  return (
    <form
      role="search"
      aria-label="Filter calls"
      action="/calls"
      method="get"
      className="flex flex-wrap items-end gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        navigate({ ...shown, q: query.trim() });
      }}
    >
      <div className="min-w-56 flex-1">
        <label htmlFor="call-search" className="mb-1 block text-sm font-medium text-slate-700">
          Search
        </label>
        <div className="relative">
          <svg
            aria-hidden="true"
            viewBox="0 0 20 20"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.8"
            className="pointer-events-none absolute left-3 top-1/2 h-4 w-4 -translate-y-1/2 text-slate-400"
          >
            <circle cx="9" cy="9" r="5.5" />
            <path d="m13 13 4 4" strokeLinecap="round" />
          </svg>
          <input
            id="call-search"
            type="search"
            name="q"
            value={query}
            maxLength={MAX_QUERY_LENGTH}
            onChange={(event) => onQueryChange(event.target.value)}
            placeholder="Title, contact or organization"
            autoComplete="off"
            className="h-10 w-full rounded-lg border border-slate-300 bg-white pl-9 pr-3 text-sm shadow-sm placeholder:text-slate-400 hover:border-slate-400 focus:border-brand-500"
          />
        </div>
      </div>
      <div>
        <label htmlFor="call-status-filter" className="mb-1 block text-sm font-medium text-slate-700">
          Status
        </label>
        <select
          id="call-status-filter"
          name="status"
          className={selectClass}
          // Several statuses can come from a shared URL; the select shows the first.
          value={shown.statuses[0] ?? ""}
          onChange={(event) =>
            navigate({ ...shown, q: query.trim(), statuses: event.target.value ? [event.target.value as CallStatus] : [] })
          }
        >
          <option value="">All statuses</option>
          {STATUS_FILTER_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
          {shown.statuses[0] === "UPLOADING" ? <option value="UPLOADING">Uploading</option> : null}
        </select>
      </div>
      <div>
        <label htmlFor="call-direction-filter" className="mb-1 block text-sm font-medium text-slate-700">
          Direction
        </label>
        <select
          id="call-direction-filter"
          name="direction"
          className={selectClass}
          value={shown.direction ?? ""}
          onChange={(event) =>
            navigate({ ...shown, q: query.trim(), direction: (event.target.value || null) as CallDirection | null })
          }
        >
          <option value="">All directions</option>
          {DIRECTION_FILTER_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
      {active ? (
        <button
          type="button"
          onClick={() => {
            setQuery("");
            navigate(EMPTY_FILTERS);
          }}
          className="h-10 rounded-lg px-3 text-sm font-medium text-brand-700 hover:bg-brand-50"
        >
          Clear filters
        </button>
      ) : null}
      <Announcement message={isPending ? "Updating the list…" : ""} />
    </form>
  );
}
