import type { CallDirection, CallStatus } from "@/db/schema";
import { stripUnsafeText } from "@/lib/validation/input";

/**
 * The call list's filters, shared by the /calls page (URL search params), its client components and
 * `GET /api/calls`. Pure: safe to import from server and client code.
 */

export const CALL_STATUSES = ["UPLOADING", "QUEUED", "PROCESSING", "COMPLETED", "FAILED"] as const satisfies readonly CallStatus[];
export const CALL_DIRECTIONS = ["INCOMING", "OUTGOING", "UNKNOWN"] as const satisfies readonly CallDirection[];

/** Listed by default: an upload in progress is not a call yet; `status=UPLOADING` asks for them explicitly. */
export const DEFAULT_LISTED_STATUSES: CallStatus[] = ["QUEUED", "PROCESSING", "COMPLETED", "FAILED"];

/** Statuses whose calls are still moving; the list and the call page poll while one is shown. */
export const IN_PROGRESS_STATUSES: readonly CallStatus[] = ["QUEUED", "PROCESSING"];
export const isInProgress = (status: CallStatus) => IN_PROGRESS_STATUSES.includes(status);

export const STATUS_FILTER_OPTIONS: { value: CallStatus; label: string }[] = [
  { value: "QUEUED", label: "Queued" },
  { value: "PROCESSING", label: "Processing" },
  { value: "COMPLETED", label: "Completed" },
  { value: "FAILED", label: "Failed" },
];

export const DIRECTION_FILTER_OPTIONS: { value: CallDirection; label: string }[] = [
  { value: "INCOMING", label: "Incoming" },
  { value: "OUTGOING", label: "Outgoing" },
  { value: "UNKNOWN", label: "Unknown direction" },
];

export const MAX_QUERY_LENGTH = 200;

export interface CallFilters {
  q: string;
  /** Empty = the default (every status but UPLOADING). */
  statuses: CallStatus[];
  direction: CallDirection | null;
}

export const EMPTY_FILTERS: CallFilters = { q: "", statuses: [], direction: null };

export function hasActiveFilters(filters: CallFilters): boolean {
  return filters.q !== "" || filters.statuses.length > 0 || filters.direction !== null;
}

const isStatus = (value: string): value is CallStatus => (CALL_STATUSES as readonly string[]).includes(value);
const isDirection = (value: string): value is CallDirection => (CALL_DIRECTIONS as readonly string[]).includes(value);

type SearchParamValue = string | string[] | undefined;

function values(value: SearchParamValue): string[] {
  return (Array.isArray(value) ? value : value === undefined ? [] : [value])
    .flatMap((item) => item.split(","))
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * Page URL → filters, leniently: a hand-edited URL with an unknown status or direction just drops
 * that value (the API, by contrast, answers 400).
 */
export function filtersFromSearchParams(params: Record<string, SearchParamValue>): CallFilters {
  const rawQuery = Array.isArray(params.q) ? params.q[0] : params.q;
  const q = stripUnsafeText(rawQuery ?? "").trim().slice(0, MAX_QUERY_LENGTH);
  const statuses = [...new Set(values(params.status).map((s) => s.toUpperCase()).filter(isStatus))];
  const direction = values(params.direction).map((d) => d.toUpperCase()).find(isDirection) ?? null;
  return { q, statuses, direction };
}

/** Filters → URL search params (page URL and API query); defaults are left out so URLs stay short. */
export function filtersToSearchParams(filters: CallFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q) params.set("q", filters.q);
  if (filters.statuses.length > 0) params.set("status", filters.statuses.join(","));
  if (filters.direction) params.set("direction", filters.direction);
  return params;
}

/** `/calls?…` for these filters. */
export function callsHref(filters: CallFilters): string {
  const query = filtersToSearchParams(filters).toString();
  return query ? `/calls?${query}` : "/calls";
}
