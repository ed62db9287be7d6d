import { describe, expect, it } from "vitest";
import { SnoozeInPastError, patchActionItemSchema, statusColumns } from "@/lib/action-items/input";
import { NO_OWNER, ownerFromInput, ownerFromSpeaker } from "@/lib/action-items/owner";
import { addDays, dueFilter, todayIn } from "@/lib/action-items/service";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";

const speakers: NormalizedTranscript["speakers"] = [
  { id: "S1", label: "Speaker 1", role: "SELF", displayName: "Dana", confidence: 0.9 },
  { id: "S2", label: "Speaker 2", role: "COUNTERPARTY", displayName: "Priya", confidence: null },
  { id: "S3", label: "Speaker 3", role: "OTHER", displayName: null, confidence: null },
];

describe("ActionItemOwnerMapper", () => {
  it("fills id, label, display name and role from the transcript's speaker", () => {
    expect(ownerFromSpeaker("S2", speakers)).toEqual({ ownerSpeakerId: "S2", ownerSpeakerLabel: "Speaker 2", ownerDisplayName: "Priya", ownerRole: "COUNTERPARTY" });
    expect(ownerFromSpeaker("S3", speakers)).toEqual({ ownerSpeakerId: "S3", ownerSpeakerLabel: "Speaker 3", ownerDisplayName: null, ownerRole: "OTHER" });
  });

  it("owns nothing for no speaker or a speaker the transcript lacks", () => {
    expect(ownerFromSpeaker(null, speakers)).toEqual(NO_OWNER);
    expect(ownerFromSpeaker("S9", speakers)).toEqual(NO_OWNER);
  });

  it("maps a user's pick: 'me' is the SELF speaker when there is one, else the user by name", () => {
    expect(ownerFromInput({ me: true }, speakers, { displayName: "Dana Reyes" })).toMatchObject({ ownerSpeakerId: "S1", ownerRole: "SELF", ownerDisplayName: "Dana" });
    const noSelf = speakers.filter((speaker) => speaker.role !== "SELF");
    expect(ownerFromInput({ me: true }, noSelf, { displayName: "Dana Reyes" })).toEqual({ ownerSpeakerId: null, ownerSpeakerLabel: null, ownerDisplayName: "Dana Reyes", ownerRole: "SELF" });
    expect(ownerFromInput({ me: true }, [], { displayName: null })?.ownerDisplayName).toBe("Me");
    expect(ownerFromInput({ speakerId: "S3" }, speakers, { displayName: null })?.ownerSpeakerId).toBe("S3");
    expect(ownerFromInput({ speakerId: "S9" }, speakers, { displayName: null })).toBeNull();
    expect(ownerFromInput(null, speakers, { displayName: null })).toEqual(NO_OWNER);
  });
});

describe("status changes", () => {
  const now = new Date("2026-03-04T15:00:00Z");

  it("done sets completed_at, reopen clears it, snooze needs a future time", () => {
    expect(statusColumns("DONE", undefined, now)).toEqual({ status: "DONE", completedAt: now, snoozedUntil: null });
    expect(statusColumns("OPEN", undefined, now)).toEqual({ status: "OPEN", completedAt: null, snoozedUntil: null });
    expect(statusColumns("SNOOZED", "2026-03-05T09:00:00+01:00", now)).toEqual({ status: "SNOOZED", completedAt: null, snoozedUntil: new Date("2026-03-05T08:00:00Z") });
    expect(() => statusColumns("SNOOZED", "2026-03-04T15:00:00Z", now)).toThrow(SnoozeInPastError);
    expect(() => statusColumns("SNOOZED", undefined, now)).toThrow(SnoozeInPastError);
  });

  it("the PATCH schema refuses unknown fields, a snooze without a time and a time without a snooze", () => {
    expect(patchActionItemSchema.safeParse({ status: "SNOOZED" }).success).toBe(false);
    expect(patchActionItemSchema.safeParse({ snoozedUntil: "2026-03-05T09:00:00Z" }).success).toBe(false);
    expect(patchActionItemSchema.safeParse({ status: "SNOOZED", snoozedUntil: "tomorrow" }).success).toBe(false);
    expect(patchActionItemSchema.safeParse({ completedAt: "2026-03-05T09:00:00Z" }).success).toBe(false);
    expect(patchActionItemSchema.parse({ title: "  Call back  ", description: "  " })).toEqual({ title: "Call back", description: null });
  });
});

describe("due filters", () => {
  it("computes the local date and the bounds of overdue / today / this week", () => {
    expect(todayIn("UTC", new Date("2026-03-04T23:30:00Z"))).toBe("2026-03-04");
    expect(todayIn("Asia/Tokyo", new Date("2026-03-04T23:30:00Z"))).toBe("2026-03-05");
    expect(todayIn("America/Los_Angeles", new Date("2026-03-04T03:00:00Z"))).toBe("2026-03-03");
    expect(addDays("2026-02-27", 2)).toBe("2026-03-01");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(dueFilter("overdue", "2026-03-01")).toEqual({ dueOnOrBefore: "2026-02-28" });
    expect(dueFilter("today", "2026-03-01")).toEqual({ dueOnOrBefore: "2026-03-01" });
    expect(dueFilter("week", "2026-03-01")).toEqual({ dueOnOrBefore: "2026-03-08" });
    expect(dueFilter("none", "2026-03-01")).toEqual({ noDueDate: true });
    expect(dueFilter("any", "2026-03-01")).toEqual({});
  });
});
