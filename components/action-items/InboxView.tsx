"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useId, useMemo, useOptimistic, useRef, useState, useTransition } from "react";
import { useResettableState } from "@/components/hooks/use-resettable-state";
import { ActionAlert, Announcement } from "@/components/ui/alerts";
import type { ActionItemJson } from "@/lib/action-items/types";
import type { ActionItemPatchBody, SpeakerOption } from "./action-item-model";
import { ActionItemRow } from "./ActionItemRow";
import { errorMessage, fetchCallSpeakers, fetchInbox } from "./api";
import {
  DEFAULT_INBOX_FILTERS,
  DUE_OPTIONS,
  emptyInboxMessage,
  hasNonDefaultFilters,
  inboxApiUrl,
  inboxHref,
  OWNER_OPTIONS,
  STATUS_OPTIONS,
  type InboxFilters,
} from "./inbox-model";
import { useActionItems } from "./use-action-items";
import { useViewerClock } from "./use-clock";

const selectClass =
  "h-10 w-full appearance-none rounded-lg border border-slate-300 select-chevron bg-white pl-3 pr-9 text-sm text-slate-900 shadow-sm hover:border-slate-400 focus:border-brand-500";
const linkButtonClass =
  "inline-flex items-center gap-1.5 rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50";

export interface InboxViewProps {
  filters: InboxFilters;
  serverToday: string;
  /** The first page of the list, and where the next one starts (null: there is no more). */
  initialItems: ActionItemJson[];
  initialNextCursor: string | null;
  /** Whether the user has any action item at all (the empty state differs). */
  hasAnyItem: boolean;
  calls: { id: string; title: string }[];
  userName: string | null;
}

/**
 * All action items across calls, the user's own first. Filters live in the URL; the list follows the
 * browser's date for the due filters (fetched again when it differs from the server's). Rows are the call
 * page's rows; j / k move between them.
 */
export function InboxView({ filters, serverToday, initialItems, initialNextCursor, hasAnyItem, calls, userName }: InboxViewProps) {
  const router = useRouter();
  const clock = useViewerClock(serverToday);
  const [isPending, startTransition] = useTransition();
  const [shown, setShown] = useOptimistic(filters);

  // The server's list, or the one fetched again with the browser's date.
  const [serverItems, setServerItems] = useResettableState(initialItems);
  const [nextCursor, setNextCursor] = useResettableState(initialNextCursor);
  const [loadingMore, setLoadingMore] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [reloadToken, setReloadToken] = useState(0);
  const needsLocalDate = clock.local && clock.today !== serverToday && filters.due !== "any";
  useEffect(() => {
    if (!needsLocalDate && reloadToken === 0) return;
    let stopped = false;
    fetchInbox(inboxApiUrl(filters, clock.today))
      .then((answer) => {
        if (stopped) return;
        setServerItems(answer.items);
        setNextCursor(answer.nextCursor);
        setLoadError(null);
      })
      .catch((error: unknown) => {
        if (!stopped) setLoadError(`The action items could not be loaded. ${errorMessage(error, "Try again.")}`);
      });
    return () => {
      stopped = true;
    };
  }, [needsLocalDate, filters, clock.today, reloadToken, setServerItems, setNextCursor]);

  // Owner choices for an item's edit form: its call's speakers, loaded once per call.
  const speakerCache = useRef(new Map<string, readonly SpeakerOption[]>());
  const loadSpeakers = useMemo(
    () => async (callId: string) => {
      const cached = speakerCache.current.get(callId);
      if (cached) return cached;
      const speakers = await fetchCallSpeakers(callId).catch(() => [] as SpeakerOption[]);
      speakerCache.current.set(callId, speakers);
      return speakers;
    },
    [],
  );

  const list = useActionItems(serverItems, (item) => ({ now: new Date(), speakers: speakerCache.current.get(item.callId) ?? [], userName }));
  // "Yours" and "everyone else", by the owners the list was loaded with (an edited owner does not make a row jump).
  const mineIds = useMemo(() => new Set(serverItems.filter((item) => item.owner.role === "SELF").map((item) => item.id)), [serverItems]);
  const mine = list.items.filter((item) => mineIds.has(item.id));
  const others = list.items.filter((item) => !mineIds.has(item.id));

  // The next page joins the list as it is now (with this visit's edits), not as it was loaded.
  async function loadMore() {
    if (!nextCursor || loadingMore) return;
    setLoadingMore(true);
    try {
      const answer = await fetchInbox(`${inboxApiUrl(filters, clock.today)}&cursor=${encodeURIComponent(nextCursor)}`);
      const known = new Set(list.items.map((item) => item.id));
      setServerItems([...list.items, ...answer.items.filter((item) => !known.has(item.id))]);
      setNextCursor(answer.nextCursor);
      setLoadError(null);
    } catch (error) {
      setLoadError(`More action items could not be loaded. ${errorMessage(error, "Try again.")}`);
    } finally {
      setLoadingMore(false);
    }
  }

  function navigate(next: InboxFilters) {
    startTransition(() => {
      setShown(next);
      router.replace(inboxHref(next), { scroll: false });
    });
  }

  // j / k (and ↓ / ↑ on a row's checkbox) move between rows.
  const listRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
      const target = event.target as HTMLElement;
      const onCheckbox = target instanceof HTMLInputElement && target.type === "checkbox";
      const typing = !onCheckbox && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
      if (typing || document.querySelector("dialog[open]")) return;
      const forward = event.key === "j" || (onCheckbox && event.key === "ArrowDown");
      const backward = event.key === "k" || (onCheckbox && event.key === "ArrowUp");
      if (!forward && !backward) return;
      const rows = [...(listRef.current?.querySelectorAll<HTMLElement>('[data-testid="action-item"]') ?? [])];
      if (rows.length === 0) return;
      const current = rows.findIndex((row) => row.contains(document.activeElement));
      const next = current < 0 ? (forward ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, current + (forward ? 1 : -1)));
      const focusable = rows[next]?.querySelector<HTMLElement>('input[type="checkbox"], button');
      if (focusable) {
        event.preventDefault();
        focusable.focus();
        focusable.scrollIntoView({ block: "nearest" });
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const rowProps = {
    clock,
    speakers: [] as SpeakerOption[],
    loadSpeakers,
    showCall: true,
    onPatch: (item: ActionItemJson, patch: ActionItemPatchBody) => void list.update(item, patch),
    onDelete: (item: ActionItemJson) => list.remove(item),
  };

  const csvHref = inboxApiUrl(shown, clock.today, "csv");
  const icsHref = inboxApiUrl(shown, clock.today, "ics");
  const overdueCount = list.items.filter((item) => item.status !== "DONE" && item.dueDate !== null && item.dueDate < clock.today).length;

  return (
    <div>
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Action items</h1>
          <p className="mt-1 text-sm text-slate-600" data-testid="inbox-summary">
            {list.items.length === 1 ? "1 item" : `${list.items.length} items`}
            {nextCursor ? " shown, more below" : ""}
            {overdueCount > 0 ? (
              <>
                {" · "}
                <span className="font-medium text-red-700">{overdueCount} overdue</span>
              </>
            ) : null}
          </p>
        </div>
        <div className={`flex flex-wrap gap-2 ${list.items.length === 0 ? "hidden" : ""}`}>
          <a href={csvHref} download className={linkButtonClass} data-testid="inbox-export-csv">
            <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.8" className="h-4 w-4">
              <path d="M10 3v10m0 0-4-4m4 4 4-4M4 15v2h12v-2" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
            Download CSV
          </a>
          <a href={icsHref} download className={linkButtonClass} data-testid="inbox-export-ics">
            <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.8" className="h-4 w-4">
              <rect x="3.5" y="4.5" width="13" height="12" rx="2" />
              <path d="M3.5 8.5h13M7 3v3M13 3v3" strokeLinecap="round" />
            </svg>
            Add to calendar (.ics)
          </a>
        </div>
      </div>

      <InboxFilterBar filters={shown} calls={calls} pending={isPending} onChange={navigate} />

      <Announcement message={list.announcement} testId="inbox-announcement" />
      <ActionAlert message={list.error} actionLabel="Dismiss" onAction={list.dismissError} className="mt-4" testId="inbox-error" />
      <ActionAlert message={loadError} actionLabel="Try again" onAction={() => setReloadToken((token) => token + 1)} className="mt-4" />

      <section aria-label="Action items" className={`mt-6 ${isPending ? "opacity-60 transition-opacity" : ""}`} aria-busy={isPending} data-testid="inbox-list">
        <div ref={listRef}>
          {list.items.length === 0 ? (
            hasAnyItem ? (
              <div className="rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center" data-testid="inbox-empty">
                <p className="font-medium text-slate-900">{emptyInboxMessage(filters)}</p>
                {hasNonDefaultFilters(filters) ? (
                  <button type="button" onClick={() => navigate(DEFAULT_INBOX_FILTERS)} className="mt-3 text-sm font-medium text-brand-700 hover:underline">
                    Show all open items
                  </button>
                ) : (
                  <p className="mt-1 text-sm text-slate-600">Nothing is waiting on anyone. Nice.</p>
                )}
              </div>
            ) : (
              <div className="rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center" data-testid="inbox-empty">
                <p className="font-medium text-slate-900">No action items yet.</p>
                <p className="mt-1 text-sm text-slate-600">They appear here when a call has been analysed, or when you add one on a call&apos;s page.</p>
                <Link href="/upload" className="mt-4 inline-flex rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700">
                  Upload a recording
                </Link>
              </div>
            )
          ) : (
            <div className="space-y-6">
              {mine.length > 0 ? (
                <InboxGroup title="Yours" count={mine.length}>
                  {mine.map((item) => (
                    <ActionItemRow key={item.id} item={item} {...rowProps} />
                  ))}
                </InboxGroup>
              ) : null}
              {others.length > 0 ? (
                <InboxGroup title={mine.length > 0 ? "Everyone else" : "All owners"} count={others.length}>
                  {others.map((item) => (
                    <ActionItemRow key={item.id} item={item} {...rowProps} />
                  ))}
                </InboxGroup>
              ) : null}
              {nextCursor ? (
                <div className="flex justify-center">
                  <button
                    type="button"
                    onClick={() => void loadMore()}
                    disabled={loadingMore}
                    aria-busy={loadingMore}
                    className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50 disabled:opacity-60"
                    data-testid="inbox-load-more"
                  >
                    {loadingMore ? "Loading…" : "Load more"}
                  </button>
                </div>
              ) : null}
            </div>
          )}
        </div>
      </section>
      {list.items.length > 0 ? (
        <p className="mt-6 hidden text-xs text-slate-500 sm:block">
          Tip: press <kbd className="rounded border border-slate-300 bg-white px-1 font-mono">j</kbd> /{" "}
          <kbd className="rounded border border-slate-300 bg-white px-1 font-mono">k</kbd> to move between items, Space to tick one off.
        </p>
      ) : null}
    </div>
  );
}

function InboxGroup({ title, count, children }: { title: string; count: number; children: React.ReactNode }) {
  const id = useId();
  return (
    <div>
      <h2 id={id} className="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500">
        {title} <span className="font-normal">({count})</span>
      </h2>
      <ul aria-labelledby={id} className="space-y-2">
        {children}
      </ul>
    </div>
  );
}

function InboxFilterBar({
  filters,
  calls,
  pending,
  onChange,
}: {
  filters: InboxFilters;
  calls: { id: string; title: string }[];
  pending: boolean;
  onChange: (filters: InboxFilters) => void;
}) {
  const id = useId();
  return (
    <form
      role="search"
      aria-label="Filter action items"
      action="/action-items"
      method="get"
      onSubmit={(event) => event.preventDefault()}
      className="mt-6 grid grid-cols-2 gap-3 sm:flex sm:flex-wrap sm:items-end"
    >
      <div className="sm:w-36">
        <label htmlFor={`${id}-status`} className="mb-1 block text-sm font-medium text-slate-700">
          Status
        </label>
        <select
          id={`${id}-status`}
          name="status"
          value={filters.status}
          onChange={(event) => onChange({ ...filters, status: event.target.value as InboxFilters["status"] })}
          className={selectClass}
        >
          {STATUS_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
      <div className="sm:w-36">
        <label htmlFor={`${id}-owner`} className="mb-1 block text-sm font-medium text-slate-700">
          Owner
        </label>
        <select
          id={`${id}-owner`}
          name="owner"
          value={filters.owner}
          onChange={(event) => onChange({ ...filters, owner: event.target.value as InboxFilters["owner"] })}
          className={selectClass}
        >
          {OWNER_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
      <div className="sm:w-40">
        <label htmlFor={`${id}-due`} className="mb-1 block text-sm font-medium text-slate-700">
          Due
        </label>
        <select
          id={`${id}-due`}
          name="due"
          value={filters.due}
          onChange={(event) => onChange({ ...filters, due: event.target.value as InboxFilters["due"] })}
          className={selectClass}
        >
          {DUE_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
      <div className="min-w-0 sm:w-64">
        <label htmlFor={`${id}-call`} className="mb-1 block text-sm font-medium text-slate-700">
          Call
        </label>
        <select
          id={`${id}-call`}
          name="call"
          value={filters.callId ?? ""}
          onChange={(event) => onChange({ ...filters, callId: event.target.value || null })}
          className={`${selectClass} truncate`}
        >
          <option value="">All calls</option>
          {calls.map((call) => (
            <option key={call.id} value={call.id}>
              {call.title}
            </option>
          ))}
        </select>
      </div>
      {hasNonDefaultFilters(filters) ? (
        <button
          type="button"
          onClick={() => onChange(DEFAULT_INBOX_FILTERS)}
          className="col-span-2 h-10 rounded-lg px-3 text-sm font-medium text-brand-700 hover:bg-brand-50 sm:col-span-1"
        >
          Reset filters
        </button>
      ) : null}
      <span className="sr-only" aria-live="polite">
        {pending ? "Loading action items…" : ""}
      </span>
    </form>
  );
}
