import { z } from "zod";
import type { ActionItemStatus } from "@/db/schema";
import { safeDate, safeIsoDateTimeString, safeText } from "@/lib/validation/input";

/** Validation shared by the API and the forms: what a user may set on an action item. */

export const MAX_TITLE_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 4000;

export const dueDateSchema = safeDate().nullable();

const titleSchema = safeText({ min: 1, max: MAX_TITLE_LENGTH });

const descriptionSchema = z.preprocess(
  (value) => (typeof value === "string" ? value.trim() || null : value),
  safeText({ max: MAX_DESCRIPTION_LENGTH }).nullable(),
);

export const ownerSchema = z.union([
  z.object({ speakerId: safeText({ min: 1, max: 100 }) }).strict(),
  z.object({ me: z.literal(true) }).strict(),
  z.null(),
]);

const prioritySchema = z.enum(["low", "medium", "high"]);

export const createActionItemSchema = z
  .object({
    title: titleSchema,
    description: descriptionSchema.optional(),
    dueDate: dueDateSchema.optional(),
    priority: prioritySchema.optional(),
    owner: ownerSchema.optional(),
  })
  .strict();

/**
 * PATCH: any field; `status: "SNOOZED"` needs `snoozedUntil` (an ISO instant in the future). Unknown fields
 * are refused rather than silently dropped.
 */
export const patchActionItemSchema = z
  .object({
    title: titleSchema.optional(),
    description: descriptionSchema.optional(),
    dueDate: dueDateSchema.optional(),
    priority: prioritySchema.optional(),
    owner: ownerSchema.optional(),
    status: z.enum(["OPEN", "DONE", "SNOOZED"]).optional(),
    snoozedUntil: safeIsoDateTimeString().optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.status === "SNOOZED" && !value.snoozedUntil) {
      ctx.addIssue({ code: "custom", path: ["snoozedUntil"], message: "is required to snooze an item" });
    }
    if (value.snoozedUntil && value.status !== "SNOOZED") {
      ctx.addIssue({ code: "custom", path: ["status"], message: 'must be "SNOOZED" when snoozedUntil is given' });
    }
  });

export type CreateActionItemInput = z.infer<typeof createActionItemSchema>;
export type PatchActionItemInput = z.infer<typeof patchActionItemSchema>;

export interface StatusColumns {
  status: ActionItemStatus;
  completedAt: Date | null;
  snoozedUntil: Date | null;
}

export class SnoozeInPastError extends Error {
  constructor() {
    super("snoozedUntil must be in the future.");
    this.name = "SnoozeInPastError";
  }
}

/** Done sets `completed_at`; reopening clears it; snoozing needs a time in the future. */
export function statusColumns(status: ActionItemStatus, snoozedUntil: string | undefined, now: Date): StatusColumns {
  switch (status) {
    case "DONE":
      return { status, completedAt: now, snoozedUntil: null };
    case "SNOOZED": {
      const until = new Date(snoozedUntil ?? "");
      if (Number.isNaN(until.getTime()) || until.getTime() <= now.getTime()) throw new SnoozeInPastError();
      return { status, completedAt: null, snoozedUntil: until };
    }
    default:
      return { status: "OPEN", completedAt: null, snoozedUntil: null };
  }
}

/** The inbox's filters, from a query string. */
export const listActionItemsQuerySchema = z.object({
  status: z.enum(["OPEN", "DONE", "SNOOZED", "all"]).default("all"),
  owner: z.enum(["me", "all"]).default("all"),
  callId: safeText({ max: 100 }).optional(),
  due: z.enum(["overdue", "today", "week", "none", "any"]).default("any"),
  /** The viewer's local date (YYYY-MM-DD) for "overdue/today/week"; the server's date in its zone when absent. */
  // Room for the week the "week" filter adds (and the day "overdue" takes away).
  today: safeDate({ marginDays: 8 }).optional(),
  format: z.enum(["json", "csv", "ics"]).default("json"),
  /** JSON pages: how many items (1–200, default 50) and where the previous page ended. Exports are not paged. */
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: safeText({ max: 500 }).optional(),
});
