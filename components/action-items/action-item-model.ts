import type { ActionItemPriority, ActionItemStatus, SpeakerRole } from "@/db/schema";
import type { ActionItemJson, OwnerInput } from "@/lib/action-items/types";

/**
 * Pure helpers for action items in the browser: calendar dates (due dates are plain `YYYY-MM-DD` days, not
 * instants), owner names, grouping, and the optimistic version of a change before the server answers.
 */

export type OwnerJson = ActionItemJson["owner"];
export interface SpeakerOption {
  id: string;
  label: string;
  role: SpeakerRole;
  displayName: string | null;
}

// --- Calendar dates -----------------------------------------------------------------------------

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The viewer's local calendar date, `YYYY-MM-DD`. */
export function localDateString(date: Date): string {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, "0");
  const d = String(date.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

function utcDay(iso: string): number | null {
  const match = DATE_RE.exec(iso);
  if (!match) return null;
  const time = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(time) ? null : time;
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`); NaN for a malformed date. */
export function daysBetween(from: string, to: string): number {
  const a = utcDay(from);
  const b = utcDay(to);
  if (a === null || b === null) return Number.NaN;
  return Math.round((b - a) / DAY_MS);
}

/** `YYYY-MM-DD` moved by whole days. */
export function addDays(iso: string, days: number): string {
  const day = utcDay(iso);
  if (day === null) return iso;
  return new Date(day + days * DAY_MS).toISOString().slice(0, 10);
}

/** "Fri, Dec 4", with the year when it is not `today`'s year ("Fri, Dec 4, 2027"). */
export function formatCalendarDate(iso: string, today?: string): string {
  const day = utcDay(iso);
  if (day === null) return iso;
  const withYear = today === undefined || iso.slice(0, 4) !== today.slice(0, 4);
  return new Intl.DateTimeFormat("en-US", {
    weekday: "short",
    month: "short",
    day: "numeric",
    ...(withYear ? { year: "numeric" } : {}),
    timeZone: "UTC",
  }).format(new Date(day));
}

export type DueTone = "none" | "overdue" | "today" | "soon" | "later" | "done";

export interface DueDescription {
  /** "Due today", "Due tomorrow", "Due Fri, Dec 4", "No due date". */
  text: string;
  tone: DueTone;
  overdue: boolean;
}

/**
 * How a due date reads relative to the viewer's `today`: "Due today", "Due tomorrow", "Due yesterday",
 * otherwise "Due Fri, Dec 4". Past dates are overdue unless the item is done.
 */
export function describeDue(dueDate: string | null, today: string, status: ActionItemStatus = "OPEN"): DueDescription {
  if (!dueDate) return { text: "No due date", tone: "none", overdue: false };
  const days = daysBetween(today, dueDate);
  let text: string;
  if (days === 0) text = "Due today";
  else if (days === 1) text = "Due tomorrow";
  else if (days === -1) text = "Due yesterday";
  else text = `Due ${formatCalendarDate(dueDate, today)}`;
  if (status === "DONE") return { text, tone: "done", overdue: false };
  if (days < 0) return { text, tone: "overdue", overdue: true };
  if (days === 0) return { text, tone: "today", overdue: false };
  if (days > 0 && days <= 7) return { text, tone: "soon", overdue: false };
  return { text, tone: "later", overdue: false };
}

// --- Owners -------------------------------------------------------------------------------------

/** displayName, else the speaker label, else "Unassigned" (or "You" for the user without a name). */
export function ownerName(owner: OwnerJson): string {
  const name = owner.displayName?.trim() || owner.label?.trim();
  if (name) return name;
  return owner.role === "SELF" ? "You" : "Unassigned";
}

export const isMine = (owner: OwnerJson) => owner.role === "SELF";
export const isUnassigned = (owner: OwnerJson) => owner.role !== "SELF" && owner.speakerId === null && !owner.displayName;

/** The owner `<select>`'s value: "me", "speaker:<id>" or "none". */
export type OwnerChoice = "me" | "none" | `speaker:${string}`;

export function ownerChoiceOf(owner: OwnerJson): OwnerChoice {
  if (owner.role === "SELF") return "me";
  if (owner.speakerId) return `speaker:${owner.speakerId}`;
  return "none";
}

export function ownerInputOf(choice: OwnerChoice): OwnerInput {
  if (choice === "me") return { me: true };
  if (choice === "none") return null;
  return { speakerId: choice.slice("speaker:".length) };
}

/** What the server will store for an owner choice, as well as the browser can tell (for optimistic display). */
export function ownerForChoice(choice: OwnerChoice, speakers: readonly SpeakerOption[], userName: string | null): OwnerJson {
  if (choice === "none") return { speakerId: null, label: null, displayName: null, role: "UNKNOWN" };
  if (choice === "me") {
    const self = speakers.find((speaker) => speaker.role === "SELF");
    if (self) return { speakerId: self.id, label: self.label, displayName: self.displayName ?? userName ?? "Me", role: "SELF" };
    return { speakerId: null, label: null, displayName: userName ?? "Me", role: "SELF" };
  }
  const id = choice.slice("speaker:".length);
  const speaker = speakers.find((candidate) => candidate.id === id);
  return { speakerId: id, label: speaker?.label ?? null, displayName: speaker?.displayName ?? null, role: speaker?.role ?? "UNKNOWN" };
}

/** Speakers offered as owners: everyone but the user (who is "Me"), by their current name. */
export function ownerOptions(speakers: readonly SpeakerOption[]): { value: OwnerChoice; label: string }[] {
  return speakers
    .filter((speaker) => speaker.role !== "SELF")
    .map((speaker) => ({ value: `speaker:${speaker.id}` as const, label: speaker.displayName?.trim() || speaker.label }));
}

// --- Priority, status, grouping -----------------------------------------------------------------

export const PRIORITY_LABEL: Record<ActionItemPriority, string> = { high: "High", medium: "Medium", low: "Low" };
export const PRIORITIES: ActionItemPriority[] = ["high", "medium", "low"];

/**
 * The panel's groups: open and snoozed items in their order, then the done ones (collapsed). Items finished
 * during this visit (`keepInPlace`) stay where they were, ticked, so the checkbox can be undone at once.
 */
export function groupItems<T extends Pick<ActionItemJson, "id" | "status">>(
  items: readonly T[],
  keepInPlace: ReadonlySet<string> = new Set(),
): { active: T[]; done: T[] } {
  const active: T[] = [];
  const done: T[] = [];
  for (const item of items) {
    if (item.status === "DONE" && !keepInPlace.has(item.id)) done.push(item);
    else active.push(item);
  }
  return { active, done };
}

// --- Optimistic changes -------------------------------------------------------------------------

/** The body of `PATCH /api/action-items/:id` (see lib/action-items/input.ts). */
export interface ActionItemPatchBody {
  title?: string;
  description?: string | null;
  dueDate?: string | null;
  priority?: ActionItemPriority;
  owner?: OwnerInput;
  status?: "OPEN" | "DONE" | "SNOOZED";
  snoozedUntil?: string;
}

export interface PatchContext {
  now: Date;
  speakers: readonly SpeakerOption[];
  userName: string | null;
}

/** The item as it should look once the server has applied `patch` (the server's answer replaces it). */
export function applyPatch(item: ActionItemJson, patch: ActionItemPatchBody, context: PatchContext): ActionItemJson {
  const next: ActionItemJson = { ...item, userModified: true, updatedAt: context.now.toISOString() };
  if (patch.title !== undefined) next.title = patch.title.trim();
  if (patch.description !== undefined) next.description = patch.description?.trim() || null;
  if (patch.dueDate !== undefined) next.dueDate = patch.dueDate;
  if (patch.priority !== undefined) next.priority = patch.priority;
  if (patch.owner !== undefined) {
    const choice: OwnerChoice = patch.owner === null ? "none" : "me" in patch.owner ? "me" : `speaker:${patch.owner.speakerId}`;
    next.owner = ownerForChoice(choice, context.speakers, context.userName);
  }
  if (patch.status === "DONE") Object.assign(next, { status: "DONE", completedAt: context.now.toISOString(), snoozedUntil: null });
  else if (patch.status === "OPEN") Object.assign(next, { status: "OPEN", completedAt: null, snoozedUntil: null });
  else if (patch.status === "SNOOZED") Object.assign(next, { status: "SNOOZED", completedAt: null, snoozedUntil: patch.snoozedUntil ?? null });
  return next;
}

/** Only the fields that differ from the item (so an unchanged form sends nothing). */
export function changedFields(item: ActionItemJson, draft: Required<Pick<ActionItemPatchBody, "title" | "description" | "dueDate" | "priority">> & { owner: OwnerChoice }): ActionItemPatchBody {
  const patch: ActionItemPatchBody = {};
  if (draft.title.trim() !== item.title) patch.title = draft.title.trim();
  const description = draft.description?.trim() || null;
  if (description !== (item.description ?? null)) patch.description = description;
  if ((draft.dueDate || null) !== item.dueDate) patch.dueDate = draft.dueDate || null;
  if (draft.priority !== item.priority) patch.priority = draft.priority;
  if (draft.owner !== ownerChoiceOf(item.owner)) patch.owner = ownerInputOf(draft.owner);
  return patch;
}

/** A short past-tense phrase for the live region: "Marked done", "Reopened", "Snoozed", "Saved". */
export function describeChange(patch: ActionItemPatchBody): string {
  if (patch.status === "DONE") return "Marked done";
  if (patch.status === "OPEN") return "Reopened";
  if (patch.status === "SNOOZED") return "Snoozed";
  return "Saved";
}
