/**
 * Snooze times, worked out in the browser's own time zone: "Tomorrow 9:00", "Next Monday 9:00", "Next week"
 * (the same weekday a week on, 9:00) or a picked date at 9:00. They are sent as ISO 8601 with the viewer's
 * UTC offset, so the server stores the instant the viewer meant.
 */

export const SNOOZE_HOUR = 9;

export interface SnoozePreset {
  id: "tomorrow" | "next-monday" | "next-week";
  label: string;
  /** "Sat, Dec 5, 9:00 AM". */
  detail: string;
  at: Date;
}

function atHour(base: Date, addDays: number, hour = SNOOZE_HOUR): Date {
  // Local calendar arithmetic (the Date constructor handles month ends and DST).
  return new Date(base.getFullYear(), base.getMonth(), base.getDate() + addDays, hour, 0, 0, 0);
}

/** Local 9:00 on a `YYYY-MM-DD` date; null for a malformed date. */
export function snoozeAtDate(date: string, hour = SNOOZE_HOUR): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  const result = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), hour, 0, 0, 0);
  return Number.isNaN(result.getTime()) || result.getMonth() !== Number(match[2]) - 1 || result.getDate() !== Number(match[3]) ? null : result;
}

/** "Sat, Dec 5, 9:00 AM" in the viewer's zone (or `timeZone`). */
export function formatSnoozeTime(date: Date, options: { timeZone?: string; withYear?: boolean } = {}): string {
  return new Intl.DateTimeFormat("en-US", {
    weekday: "short",
    month: "short",
    day: "numeric",
    ...(options.withYear ? { year: "numeric" } : {}),
    hour: "numeric",
    minute: "2-digit",
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  }).format(date);
}

export function snoozePresets(now: Date): SnoozePreset[] {
  const tomorrow = atHour(now, 1);
  // The next Monday after today (a week on when today is Monday).
  const untilMonday = ((8 - now.getDay()) % 7) || 7;
  const monday = atHour(now, untilMonday);
  const nextWeek = atHour(now, 7);
  return [
    { id: "tomorrow", label: "Tomorrow", detail: formatSnoozeTime(tomorrow), at: tomorrow },
    { id: "next-monday", label: "Next Monday", detail: formatSnoozeTime(monday), at: monday },
    { id: "next-week", label: "Next week", detail: formatSnoozeTime(nextWeek), at: nextWeek },
  ];
}

/** `2026-12-05T09:00:00-05:00`: the local wall time with the local UTC offset at that instant. */
export function toIsoWithOffset(date: Date): string {
  const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}

/** Why a picked date cannot be used, or null when it can. */
export function snoozeDateError(date: string, now: Date): string | null {
  if (!date) return "Pick a date.";
  const at = snoozeAtDate(date);
  if (!at) return "That is not a date.";
  if (at.getTime() <= now.getTime()) return "Pick a date in the future.";
  return null;
}

/**
 * "Snoozed until tomorrow, 9:00 AM" / "Snoozed until Mon, Dec 7, 9:00 AM" in the viewer's zone.
 */
export function describeSnoozedUntil(iso: string, now: Date, timeZone?: string): string {
  const until = new Date(iso);
  if (Number.isNaN(until.getTime())) return "Snoozed";
  const time = new Intl.DateTimeFormat("en-US", { hour: "numeric", minute: "2-digit", ...(timeZone ? { timeZone } : {}) }).format(until);
  const dayOf = (date: Date) => new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", ...(timeZone ? { timeZone } : {}) }).format(date);
  const today = dayOf(now);
  const tomorrow = dayOf(new Date(now.getTime() + 24 * 60 * 60 * 1000));
  const day = dayOf(until);
  if (day === today) return `Snoozed until today, ${time}`;
  if (day === tomorrow) return `Snoozed until tomorrow, ${time}`;
  return `Snoozed until ${formatSnoozeTime(until, { ...(timeZone ? { timeZone } : {}), withYear: day.slice(0, 4) !== today.slice(0, 4) })}`;
}
