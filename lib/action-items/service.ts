import "server-only";
import type { Database } from "@/db";
import {
  createManualActionItem,
  getActionItem,
  updateActionItem,
  type ActionItemFilter,
  type ActionItemPatch,
} from "@/db/queries/action-items";
import { getCall } from "@/db/queries/calls";
import { getUserById } from "@/db/queries/users";
import type { ActionItem } from "@/db/schema";
import { AppError, notFound } from "@/lib/http/errors";
import { loadJsonArtifact } from "@/lib/pipeline/artifacts";
import type { ObjectStorage } from "@/lib/storage";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import type { WebhookEmitter } from "@/lib/webhooks/emit";
import { notifyActionItemChanged, notifyActionItemCreated } from "@/lib/webhooks/notify";
import { SnoozeInPastError, statusColumns, type CreateActionItemInput, type PatchActionItemInput } from "./input";
import { NO_OWNER, ownerFromInput, type OwnerColumns } from "./owner";
import type { OwnerInput } from "./types";

/** What a request handler needs to change action items. */
export interface ActionItemDeps {
  db: Database;
  storage: ObjectStorage;
  /** Where action_item.* webhook events are queued (default: the Inngest client of the app). */
  webhooks?: WebhookEmitter;
}

async function speakersOf(deps: ActionItemDeps, ref: { userId: string; callId: string }): Promise<NormalizedTranscript["speakers"]> {
  const transcript = await loadJsonArtifact<NormalizedTranscript>(deps, { ...ref, type: "NORMALIZED_TRANSCRIPT_JSON" });
  return transcript?.speakers ?? [];
}

async function resolveOwner(deps: ActionItemDeps, ref: { userId: string; callId: string }, owner: OwnerInput): Promise<OwnerColumns> {
  if (owner === null) return NO_OWNER;
  const [speakers, user] = await Promise.all([speakersOf(deps, ref), getUserById(deps.db, ref.userId)]);
  const columns = ownerFromInput(owner, speakers, { displayName: user?.displayName ?? null });
  if (!columns) {
    throw new AppError("VALIDATION_FAILED", "That speaker is not in this call.", [{ path: "owner.speakerId", message: "Not a speaker of this call." }]);
  }
  return columns;
}

/** A user's own item on one of their calls. */
export async function addActionItem(deps: ActionItemDeps, { userId, callId, input }: { userId: string; callId: string; input: CreateActionItemInput }): Promise<ActionItem> {
  const call = await getCall(deps.db, { userId, callId });
  if (!call) throw notFound();
  const owner = input.owner === undefined ? NO_OWNER : await resolveOwner(deps, { userId, callId }, input.owner);
  const item = await createManualActionItem(deps.db, {
    userId,
    callId,
    values: {
      title: input.title,
      description: input.description ?? null,
      dueDate: input.dueDate ?? null,
      priority: input.priority ?? "medium",
      sourceSegmentIdsJson: [],
      sourceText: null,
      ...owner,
    },
  });
  if (!item) throw notFound();
  await notifyActionItemCreated(deps, userId, item);
  return item;
}

/** Edits, done, snooze and reopen — one PATCH. Another user's item is "not found". */
export async function changeActionItem(
  deps: ActionItemDeps,
  { userId, itemId, input, now = new Date() }: { userId: string; itemId: string; input: PatchActionItemInput; now?: Date },
): Promise<ActionItem> {
  const existing = await getActionItem(deps.db, { userId, itemId });
  if (!existing) throw notFound("Action item");
  const patch: ActionItemPatch = {};
  if (input.title !== undefined) patch.title = input.title;
  if (input.description !== undefined) patch.description = input.description;
  if (input.dueDate !== undefined) patch.dueDate = input.dueDate;
  if (input.priority !== undefined) patch.priority = input.priority;
  if (input.owner !== undefined) Object.assign(patch, await resolveOwner(deps, { userId, callId: existing.callRecordId }, input.owner));
  if (input.status !== undefined) {
    try {
      Object.assign(patch, statusColumns(input.status, input.snoozedUntil, now));
    } catch (error) {
      if (error instanceof SnoozeInPastError) {
        throw new AppError("VALIDATION_FAILED", error.message, [{ path: "snoozedUntil", message: "Must be in the future." }]);
      }
      throw error;
    }
    // Marking done twice keeps the first completion time.
    if (input.status === "DONE" && existing.status === "DONE") patch.completedAt = existing.completedAt;
  }
  const updated = await updateActionItem(deps.db, { userId, itemId, patch });
  if (!updated) throw notFound("Action item");
  await notifyActionItemChanged(deps, userId, existing, updated);
  return updated;
}

/** The date `days` after `date` (both `YYYY-MM-DD`). */
export function addDays(date: string, days: number): string {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + days);
  return next.toISOString().slice(0, 10);
}

/** Today's date in a time zone, as `YYYY-MM-DD`. */
export function todayIn(timeZone: string, now = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

/** The inbox's filters (from the URL or the API's query) as the query's filter. */
export function inboxFilter(
  query: { status: "OPEN" | "DONE" | "SNOOZED" | "all"; owner: "me" | "all"; callId?: string | null | undefined; due: Parameters<typeof dueFilter>[0] },
  today: string,
): ActionItemFilter {
  return {
    status: query.status === "all" ? undefined : query.status,
    mine: query.owner === "me",
    callId: query.callId ?? undefined,
    ...dueFilter(query.due, today),
  };
}

/** The inbox's due filter as query bounds ("overdue" = before today, "week" = within 7 days). */
export function dueFilter(due: "overdue" | "today" | "week" | "none" | "any", today: string): Pick<ActionItemFilter, "dueOnOrBefore" | "noDueDate"> {
  switch (due) {
    case "overdue":
      return { dueOnOrBefore: addDays(today, -1) };
    case "today":
      return { dueOnOrBefore: today };
    case "week":
      return { dueOnOrBefore: addDays(today, 7) };
    case "none":
      return { noDueDate: true };
    default:
      return {};
  }
}

