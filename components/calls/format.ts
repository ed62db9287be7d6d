import type { CallDirection, CallStatus } from "@/db/schema";

/** 75.4 → "1:15"; 3725 → "1:02:05"; null → null. */
export function formatDuration(seconds: number | null | undefined): string | null {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return null;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** "1 minute 15 seconds", for screen readers beside the m:ss form. */
export function spokenDuration(seconds: number | null | undefined): string | null {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return null;
  const total = Math.round(seconds);
  const parts: string[] = [];
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (h) parts.push(unit(h, "hour"));
  if (m) parts.push(unit(m, "minute"));
  if (s || parts.length === 0) parts.push(unit(s, "second"));
  return parts.join(" ");
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "5 minutes ago", "yesterday", "in 2 hours", "just now". */
export function formatRelative(date: Date, now: number, locale?: string): string {
  const deltaSeconds = (date.getTime() - now) / 1000;
  const abs = Math.abs(deltaSeconds);
  if (abs < 45) return "just now";
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (abs >= size) return format.format(Math.round(deltaSeconds / size), unit);
  }
  return format.format(Math.round(deltaSeconds / 60) || Math.sign(deltaSeconds), "minute");
}

/** The viewer's local date and time ("Nov 3, 2026, 2:05 PM"). */
export function formatAbsoluteLocal(date: Date, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** The same in UTC, for server rendering (the server does not know the viewer's time zone). */
export function formatAbsoluteUtc(date: Date): string {
  return `${new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(date)} UTC`;
}

/** ISO → the value of an `<input type="datetime-local">` in the viewer's time zone ("2026-11-03T14:05"). */
export function toDateTimeLocalValue(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export const STATUS_LABEL: Record<CallStatus, string> = {
  UPLOADING: "Uploading",
  QUEUED: "Queued",
  PROCESSING: "Processing",
  COMPLETED: "Completed",
  FAILED: "Failed",
};

export const DIRECTION_LABEL: Record<CallDirection, string> = {
  INCOMING: "Incoming",
  OUTGOING: "Outgoing",
  UNKNOWN: "Unknown",
};
