import { stringify } from "csv-stringify/sync";
import { createEvents, type EventAttributes } from "ics";
import type { ActionItemJson } from "./types";

/**
 * Action-item exports: pure functions from `ActionItemJson[]` to the text of a download (CSV for
 * spreadsheets, iCalendar for calendars). No I/O here; a route picks one and adds the HTTP headers.
 */

export const ACTION_ITEM_EXPORT_FORMATS = ["csv", "ics"] as const;
export type ActionItemExportFormat = (typeof ACTION_ITEM_EXPORT_FORMATS)[number];

export const ACTION_ITEM_CONTENT_TYPES: Record<ActionItemExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  ics: "text/calendar; charset=utf-8",
};

export const ICS_PRODUCT_ID = "-//Scryon//Action items//EN";
export const ICS_CALENDAR_NAME = "Scryon action items";

/** Column headers of the CSV export, in order. */
export const CSV_COLUMNS = [
  "Title",
  "Description",
  "Status",
  "Priority",
  "Due date",
  "Owner",
  "Owner role",
  "Call",
  "Call date",
  "Source",
  "Completed at",
  "Snoozed until",
  "Item id",
  "Call id",
] as const;

const pad = (value: number, width = 2) => String(value).padStart(width, "0");

/** `YYYY-MM-DD` (UTC) of an ISO instant; "" when missing or unparseable. */
function isoDay(value: string | null | undefined): string {
  if (!value) return "";
  const time = Date.parse(value);
  return Number.isFinite(time) ? new Date(time).toISOString().slice(0, 10) : "";
}

/** `[year, month, day]` of a `YYYY-MM-DD` string that names a real calendar day; null otherwise. */
function parseDay(value: string | null): [number, number, number] | null {
  const match = value ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return [year, month, day];
}

/** The day after `[y, m, d]` (month and year roll over). */
function nextDay([year, month, day]: [number, number, number]): [number, number, number] {
  const date = new Date(Date.UTC(year, month - 1, day + 1));
  return [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
}

function ownerName(item: ActionItemJson): string {
  return item.owner.displayName ?? item.owner.label ?? "";
}

/**
 * CSV (RFC 4180: CRLF records, fields with commas, quotes or line breaks quoted, quotes doubled), with a
 * UTF-8 BOM so Excel reads accents right. Cells starting with `=`, `+`, `-`, `@`, tab or CR (and their
 * full-width forms) get a leading `'` so a spreadsheet does not run them as formulas. Dates of calls are
 * UTC days; `Completed at` and `Snoozed until` are the ISO instants as stored.
 */
export function actionItemsToCsv(items: ActionItemJson[]): string {
  const rows = items.map((item) => [
    item.title,
    item.description ?? "",
    item.status,
    item.priority,
    item.dueDate ?? "",
    ownerName(item),
    item.owner.role,
    item.call?.title ?? "",
    isoDay(item.call?.recordedAt),
    item.sourceText ?? "",
    item.completedAt ?? "",
    item.snoozedUntil ?? "",
    item.id,
    item.callId,
  ]);
  return stringify(rows, {
    bom: true,
    header: true,
    columns: [...CSV_COLUMNS],
    record_delimiter: "windows",
    escape_formulas: true,
  });
}

export interface IcsOptions {
  /** Origin of the app (e.g. `https://app.scryon.io`); adds a link to the call to each event. */
  appBaseUrl?: string;
  /** DTSTAMP of every event; defaults to the current time. */
  now?: Date;
}

/**
 * TEXT values may not hold control characters other than tab; line breaks become `\n` (ics escapes those,
 * and backslashes, commas and semicolons). A lone CR would otherwise reach the file raw.
 */
function icsText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, " ")
    .trim();
}

function callUrl(appBaseUrl: string | undefined, callId: string): string | undefined {
  const base = appBaseUrl?.trim().replace(/\/+$/, "");
  return base ? `${base}/calls/${encodeURIComponent(callId)}` : undefined;
}

function eventDescription(item: ActionItemJson, url: string | undefined): string {
  const details: string[] = [];
  const owner = icsText(ownerName(item));
  if (owner) details.push(`Owner: ${owner}`);
  if (item.call) {
    const day = isoDay(item.call.recordedAt);
    details.push(`Call: ${icsText(item.call.title)}${day ? ` (${day})` : ""}`);
  }
  details.push(`Priority: ${item.priority}`);
  const source = icsText(item.sourceText ?? "");
  if (source) details.push(`Source: “${source}”`);
  // Google Calendar ignores URL, so the link goes in the text too.
  if (url) details.push(url);
  const description = icsText(item.description ?? "");
  return [description, details.join("\n")].filter(Boolean).join("\n\n");
}

const MAX_LINE_OCTETS = 75;

/** Octets of one UTF-8 encoded code point. */
function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/**
 * Folds a content line so that no physical line exceeds 75 octets (RFC 5545 §3.1): continuation lines
 * start with one space; a multi-octet character is never split.
 */
export function foldIcsLine(line: string): string {
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  for (const char of line) {
    const size = utf8Length(char.codePointAt(0)!);
    if (octets + size > MAX_LINE_OCTETS) {
      parts.push(current);
      current = " ";
      octets = 1;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join("\r\n");
}

/** ics folds at 75 characters, not octets: unfold its output and fold it again by octets. */
function refold(calendar: string): string {
  const lines = calendar.replace(/\r\n[ \t]/g, "").split("\r\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.map(foldIcsLine).join("\r\n") + "\r\n";
}

// `timestamp` (DTSTAMP) is supported by ics but missing from its typings.
type IcsEvent = EventAttributes & { timestamp?: number };

/**
 * iCalendar (RFC 5545): one all-day VEVENT per item with a due date (DTSTART;VALUE=DATE on the due day,
 * DTEND the day after); items without a (valid) due date are left out. UID `<itemId>@scryon` is stable, so
 * importing a newer export updates the events instead of duplicating them.
 *
 * Done items stay in (a calendar that drops them would leave the old, open event behind on re-import):
 * SUMMARY gets a " (done)" suffix and STATUS stays CONFIRMED — VEVENT has no "completed" status, and
 * CANCELLED would read as "this was called off". Events are TRANSPARENT/FREE: a deadline does not make
 * the day busy. No items (or none with a due date) give a VCALENDAR without events.
 */
export function actionItemsToIcs(items: ActionItemJson[], options: IcsOptions = {}): string {
  const timestamp = (options.now ?? new Date()).getTime();
  if (!Number.isFinite(timestamp)) throw new Error("Could not build the action-items calendar: `now` is not a valid date");
  const events: IcsEvent[] = [];
  for (const item of items) {
    const due = parseDay(item.dueDate);
    if (!due) continue;
    const url = callUrl(options.appBaseUrl, item.callId);
    const title = icsText(item.title) || "Action item";
    const updated = Date.parse(item.updatedAt);
    events.push({
      uid: `${item.id}@scryon`,
      title: item.status === "DONE" ? `${title} (done)` : title,
      description: eventDescription(item, url),
      start: due,
      end: nextDay(due),
      timestamp,
      ...(Number.isFinite(updated) && updated >= 0 ? { lastModified: updated } : {}),
      status: "CONFIRMED",
      transp: "TRANSPARENT",
      busyStatus: "FREE",
      ...(url ? { url } : {}),
    });
  }
  const { error, value } = createEvents(events, { productId: ICS_PRODUCT_ID, calName: ICS_CALENDAR_NAME });
  if (error || !value) {
    throw new Error(`Could not build the action-items calendar: ${error?.message ?? "ics returned no output"}`, {
      cause: error ?? undefined,
    });
  }
  return refold(value);
}

/** `scryon-action-items-YYYY-MM-DD.<kind>` for the (UTC) day of `date`. */
export function exportFileName(kind: ActionItemExportFormat, date: Date): string {
  if (!Number.isFinite(date.getTime())) throw new Error("exportFileName: invalid date");
  return `scryon-action-items-${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}.${kind}`;
}
