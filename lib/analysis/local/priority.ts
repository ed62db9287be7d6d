import type { ActionItemPriority } from "@/db/schema";
import { daysBetween } from "./dates";

/** Negated urgency reads as "low" and is removed before the urgency cues are looked for. */
const NOT_URGENT = /\b(?:not|isn't|is not|nothing|no) (?:urgent|critical|a priority|high priority|top priority|time sensitive)\b|\bno urgency\b/g;

const URGENT =
  /\b(?:urgent|urgently|asap|a s a p|as soon as (?:possible|you can|we can|i can)|right away|right now|immediately|critical|top priority|high priority|highest priority|time sensitive|time-sensitive|today(?!'s)|tonight|(?:the )?end of (?:the )?(?:business )?day|eod|e o d|close of business|cob|this (?:morning|afternoon|evening))\b/;

const LOW =
  /\b(?:when(?:ever)? you (?:get|have|find) (?:a |the )?(?:chance|minute|moment|second|time)|when you can|if you (?:get|have) (?:a |the )?(?:chance|time|minute)|no rush|no hurry|no pressure|whenever|eventually|at some point|some ?day|sometime|some time|low priority|lower priority|not a priority|down the road|nice to have)\b/;

/**
 * Priority from what was said and the due date:
 * 1. an urgency cue ("urgent", "asap", "right away", "today", "end of day", …) → high;
 * 2. a low cue ("when you get a chance", "no rush", "whenever", "eventually", "not urgent", …) → low;
 * 3. a due date at most one day after the recorded date → high;
 * 4. otherwise medium.
 * Spoken cues win over the date: "no rush, tomorrow is fine" is low.
 */
export function priorityFromText(text: string, dueDate: string | null = null, recordedOn: string | null = null): ActionItemPriority {
  const lower = text.replace(/[\u2018\u2019]/g, "'").toLowerCase();
  const rest = lower.replace(NOT_URGENT, " ");
  const negated = rest !== lower;
  if (URGENT.test(rest)) return "high";
  if (negated || LOW.test(rest)) return "low";
  if (dueDate && recordedOn) {
    const days = daysBetween(recordedOn, dueDate);
    if (days >= 0 && days <= 1) return "high";
  }
  return "medium";
}
