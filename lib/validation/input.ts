import { z } from "zod";

/**
 * The one validation layer at the edge (DESIGN.md, "Input at the edge"). Every schema that takes text or a
 * date from outside — route handlers, server actions, tus Upload-Metadata, query strings, cursors, pages —
 * builds on these helpers, so nothing PostgreSQL would refuse reaches SQL.
 *
 * Text rule: NUL (U+0000) and every other C0 control character except TAB, LF and CR, plus DEL (U+007F),
 * and unpaired UTF-16 surrogates (which the drivers would silently turn into U+FFFD) are REFUSED with a 400,
 * never silently stripped — what the user typed is either stored as typed or not at all. Pages, which must
 * not fail on a hand-edited URL, use `stripUnsafeText()` (the same character class, removed).
 *
 * Date rule: only years 1..9999 (what PostgreSQL's `date` and `timestamptz` take as ISO text and what
 * `Date.prototype.toISOString()` writes in four digits). Year 0, years beyond 9999 and JavaScript's extreme
 * ±8.64e15 ms are refused.
 *
 * Pure (no server-only): also used by client-side filter parsing.
 */

const UNSAFE_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const UNSAFE_CONTROL_GLOBAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATE_GLOBAL = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export const CONTROL_CHARACTER_MESSAGE = "must not contain control characters";
export const BROKEN_UNICODE_MESSAGE = "must be valid Unicode text";

/** Why a string may not reach the database, or null when it may. */
export function unsafeTextReason(value: string): string | null {
  if (UNSAFE_CONTROL.test(value)) return CONTROL_CHARACTER_MESSAGE;
  if (LONE_SURROGATE.test(value)) return BROKEN_UNICODE_MESSAGE;
  return null;
}

export function isSafeText(value: string): boolean {
  return unsafeTextReason(value) === null;
}

/** For lenient readers (page URLs): the same characters, removed instead of refused. */
export function stripUnsafeText(value: string): string {
  return value.replace(UNSAFE_CONTROL_GLOBAL, "").replace(LONE_SURROGATE_GLOBAL, "");
}

/** The refinement itself, for schemas that build their own string pipeline. */
export function refineSafeText(value: string, ctx: z.RefinementCtx): void {
  const reason = unsafeTextReason(value);
  if (reason) ctx.addIssue({ code: "custom", message: reason });
}

export interface SafeTextOptions {
  /** Longest accepted length (required: every text at the edge is bounded). */
  max: number;
  min?: number;
  /** Trim surrounding whitespace first (default true). */
  trim?: boolean;
}

/** A bounded string without control characters or broken Unicode. */
export function safeText({ max, min, trim = true }: SafeTextOptions) {
  let schema = z.string();
  if (trim) schema = schema.trim();
  if (min !== undefined) schema = schema.min(min, min === 1 ? "must not be empty" : `must be at least ${min} characters`);
  return schema.max(max, `must be at most ${max} characters`).superRefine(refineSafeText);
}

/** Optional text where blank means "none": "" / "   " / null → null. */
export function optionalSafeText(max: number) {
  return z.preprocess(
    (value) => (typeof value === "string" ? value.trim() || null : value),
    safeText({ max }).nullable().optional(),
  );
}

export const MIN_YEAR = 1;
export const MAX_YEAR = 9999;
export const DATE_RANGE_MESSAGE = `must be between the years ${MIN_YEAR} and ${MAX_YEAR}`;

/** True for a valid Date PostgreSQL can store (years 1..9999, UTC). */
export function isStorableDate(date: Date): boolean {
  const time = date.getTime();
  if (Number.isNaN(time)) return false;
  const year = date.getUTCFullYear();
  return year >= MIN_YEAR && year <= MAX_YEAR;
}

/** A date-time (ISO 8601 string, epoch ms or Date) → Date, only within years 1..9999. */
export function safeDateTime(message = "must be a date and time") {
  return z.coerce
    .date({ message })
    .refine((date) => !Number.isNaN(date.getTime()), message)
    .refine(isStorableDate, DATE_RANGE_MESSAGE);
}

/** An ISO 8601 date-time string with an offset, kept as a string, within years 1..9999. */
export function safeIsoDateTimeString(message = "must be a date and time (ISO 8601)") {
  return z.iso.datetime({ offset: true, message }).refine((value) => isStorableDate(new Date(value)), DATE_RANGE_MESSAGE);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "YYYY-MM-DD" that is a real calendar day in years 1..9999 (four digits: year 0 is refused). */
export function isSafeDateString(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  if (year < MIN_YEAR || year > MAX_YEAR) return false;
  const date = new Date(0);
  date.setUTCFullYear(year, Number(match[2]) - 1, Number(match[3]));
  date.setUTCHours(0, 0, 0, 0);
  return date.getUTCFullYear() === year && date.getUTCMonth() === Number(match[2]) - 1 && date.getUTCDate() === Number(match[3]);
}

export interface SafeDateOptions {
  /** Days of room kept inside the range, for dates the server moves (e.g. "today" ± a week). */
  marginDays?: number;
}

/** A calendar date "YYYY-MM-DD" within years 1..9999 (optionally with room for the server's arithmetic). */
export function safeDate({ marginDays = 0 }: SafeDateOptions = {}) {
  return z
    .string()
    .regex(ISO_DATE, "must be a date like 2026-12-04")
    .refine(isSafeDateString, "must be a real calendar date between the years 1 and 9999")
    .refine((value) => marginDays === 0 || withinMargin(value, marginDays), `must be at least ${marginDays} days inside the years 1..9999`);
}

function withinMargin(value: string, marginDays: number): boolean {
  const [year, month, day] = value.split("-").map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year!, month! - 1, day!);
  const before = new Date(date.getTime() - marginDays * 86_400_000);
  const after = new Date(date.getTime() + marginDays * 86_400_000);
  return isStorableDate(before) && isStorableDate(after);
}
