/**
 * The action-item inbox's filters. They live in the page URL (`/action-items?status=&owner=&due=&call=`), and
 * map onto `GET /api/action-items` (with the viewer's local date as `today=`). Pure: server and client import it.
 */

export type InboxStatus = "OPEN" | "SNOOZED" | "DONE" | "all";
export type InboxOwner = "me" | "all";
export type InboxDue = "any" | "overdue" | "today" | "week" | "none";

export interface InboxFilters {
  status: InboxStatus;
  owner: InboxOwner;
  due: InboxDue;
  callId: string | null;
}

export const DEFAULT_INBOX_FILTERS: InboxFilters = { status: "OPEN", owner: "all", due: "any", callId: null };

export const STATUS_OPTIONS: { value: InboxStatus; label: string }[] = [
  { value: "OPEN", label: "Open" },
  { value: "SNOOZED", label: "Snoozed" },
  { value: "DONE", label: "Done" },
  { value: "all", label: "All" },
];

export const OWNER_OPTIONS: { value: InboxOwner; label: string }[] = [
  { value: "me", label: "Mine" },
  { value: "all", label: "Everyone" },
];

export const DUE_OPTIONS: { value: InboxDue; label: string }[] = [
  { value: "any", label: "Any time" },
  { value: "overdue", label: "Overdue" },
  { value: "today", label: "Due today" },
  { value: "week", label: "This week" },
  { value: "none", label: "No due date" },
];

type SearchParamValue = string | string[] | undefined;
const first = (value: SearchParamValue) => (Array.isArray(value) ? value[0] : value)?.trim() ?? "";

/** Page URL → filters, leniently: an unknown value falls back to the default. */
export function inboxFiltersFromSearchParams(params: Record<string, SearchParamValue>): InboxFilters {
  const status = first(params.status).toUpperCase();
  const owner = first(params.owner).toLowerCase();
  const due = first(params.due).toLowerCase();
  const callId = first(params.call);
  return {
    status: status === "ALL" ? "all" : (["OPEN", "SNOOZED", "DONE"] as const).find((value) => value === status) ?? DEFAULT_INBOX_FILTERS.status,
    owner: owner === "me" || owner === "mine" ? "me" : "all",
    due: DUE_OPTIONS.find((option) => option.value === due)?.value ?? "any",
    callId: callId && callId.length <= 100 ? callId : null,
  };
}

/** Filters → page query (defaults left out, so the plain URL is the default view). */
export function inboxSearchParams(filters: InboxFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.status !== DEFAULT_INBOX_FILTERS.status) params.set("status", filters.status.toLowerCase());
  if (filters.owner !== DEFAULT_INBOX_FILTERS.owner) params.set("owner", filters.owner);
  if (filters.due !== DEFAULT_INBOX_FILTERS.due) params.set("due", filters.due);
  if (filters.callId) params.set("call", filters.callId);
  return params;
}

export function inboxHref(filters: InboxFilters): string {
  const query = inboxSearchParams(filters).toString();
  return query ? `/action-items?${query}` : "/action-items";
}

export function hasNonDefaultFilters(filters: InboxFilters): boolean {
  return inboxSearchParams(filters).toString() !== "";
}

/** `GET /api/action-items?…` for these filters; `today` is the viewer's local date. */
export function inboxApiUrl(filters: InboxFilters, today: string, format: "json" | "csv" | "ics" = "json"): string {
  const params = new URLSearchParams({ status: filters.status, owner: filters.owner, due: filters.due, today });
  if (filters.callId) params.set("callId", filters.callId);
  if (format !== "json") params.set("format", format);
  return `/api/action-items?${params.toString()}`;
}

/** "No open action items", "No overdue action items assigned to you", … for the empty state. */
export function emptyInboxMessage(filters: InboxFilters): string {
  const status = { OPEN: "open ", SNOOZED: "snoozed ", DONE: "done ", all: "" }[filters.status];
  const due = { any: "", overdue: " that are overdue", today: " due today or earlier", week: " due this week", none: " without a due date" }[filters.due];
  const owner = filters.owner === "me" ? " assigned to you" : "";
  const call = filters.callId ? " from this call" : "";
  return `No ${status}action items${owner}${due}${call}.`;
}
