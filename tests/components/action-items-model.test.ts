import { describe, expect, it } from "vitest";
import type { ActionItemJson } from "@/lib/action-items/types";
import {
  addDays,
  applyPatch,
  changedFields,
  daysBetween,
  describeDue,
  formatCalendarDate,
  groupItems,
  localDateString,
  ownerChoiceOf,
  ownerForChoice,
  ownerInputOf,
  ownerName,
  ownerOptions,
  type SpeakerOption,
} from "@/components/action-items/action-item-model";

const item = (overrides: Partial<ActionItemJson> = {}): ActionItemJson => ({
  id: "a1",
  callId: "c1",
  title: "Send the proposal",
  description: null,
  dueDate: null,
  priority: "medium",
  status: "OPEN",
  snoozedUntil: null,
  owner: { speakerId: "spk_0", label: "Speaker 1", displayName: null, role: "UNKNOWN" },
  sourceSegmentIds: ["s0001"],
  sourceText: "I will send the proposal",
  origin: "GENERATED",
  userModified: false,
  createdAt: "2026-12-01T10:00:00.000Z",
  updatedAt: "2026-12-01T10:00:00.000Z",
  completedAt: null,
  ...overrides,
});

const speakers: SpeakerOption[] = [
  { id: "spk_0", label: "Speaker 1", role: "UNKNOWN", displayName: null },
  { id: "spk_1", label: "Speaker 2", role: "UNKNOWN", displayName: "Dana" },
];

describe("calendar dates", () => {
  it("formats the local date as YYYY-MM-DD", () => {
    expect(localDateString(new Date(2026, 0, 5, 23, 59))).toBe("2026-01-05");
  });
  it("counts and moves whole days across months and years", () => {
    expect(daysBetween("2026-12-30", "2027-01-02")).toBe(3);
    expect(daysBetween("2026-03-02", "2026-02-27")).toBe(-3);
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(Number.isNaN(daysBetween("nope", "2026-01-01"))).toBe(true);
  });
  it("reads a due day as a calendar day, whatever the time zone", () => {
    expect(formatCalendarDate("2026-12-04", "2026-11-30")).toBe("Fri, Dec 4");
    expect(formatCalendarDate("2027-01-04", "2026-11-30")).toBe("Mon, Jan 4, 2027");
  });
});

describe("describeDue", () => {
  const today = "2026-12-02";
  it("uses relative words near today and the date otherwise", () => {
    expect(describeDue("2026-12-02", today)).toEqual({ text: "Due today", tone: "today", overdue: false });
    expect(describeDue("2026-12-03", today)).toEqual({ text: "Due tomorrow", tone: "soon", overdue: false });
    expect(describeDue("2026-12-04", today)).toEqual({ text: "Due Fri, Dec 4", tone: "soon", overdue: false });
    expect(describeDue("2026-12-20", today).tone).toBe("later");
    expect(describeDue(null, today)).toEqual({ text: "No due date", tone: "none", overdue: false });
  });
  it("marks past dates overdue unless the item is done", () => {
    expect(describeDue("2026-12-01", today)).toEqual({ text: "Due yesterday", tone: "overdue", overdue: true });
    expect(describeDue("2026-11-20", today).overdue).toBe(true);
    expect(describeDue("2026-11-20", today, "DONE")).toEqual({ text: "Due Fri, Nov 20", tone: "done", overdue: false });
  });
});

describe("owners", () => {
  it("names the owner by display name, then label, else Unassigned / You", () => {
    expect(ownerName({ speakerId: "spk_1", label: "Speaker 2", displayName: "Dana", role: "COUNTERPARTY" })).toBe("Dana");
    expect(ownerName({ speakerId: "spk_0", label: "Speaker 1", displayName: null, role: "UNKNOWN" })).toBe("Speaker 1");
    expect(ownerName({ speakerId: null, label: null, displayName: null, role: "UNKNOWN" })).toBe("Unassigned");
    expect(ownerName({ speakerId: null, label: null, displayName: "  ", role: "SELF" })).toBe("You");
  });
  it("maps owners to select choices and request bodies", () => {
    expect(ownerChoiceOf({ speakerId: "spk_0", label: "Speaker 1", displayName: "Ann", role: "SELF" })).toBe("me");
    expect(ownerChoiceOf({ speakerId: "spk_1", label: "Speaker 2", displayName: null, role: "OTHER" })).toBe("speaker:spk_1");
    expect(ownerChoiceOf({ speakerId: null, label: null, displayName: null, role: "UNKNOWN" })).toBe("none");
    expect(ownerInputOf("me")).toEqual({ me: true });
    expect(ownerInputOf("none")).toBeNull();
    expect(ownerInputOf("speaker:spk_1")).toEqual({ speakerId: "spk_1" });
  });
  it("predicts the stored owner: me is the SELF speaker when there is one, else the user by name", () => {
    expect(ownerForChoice("me", speakers, "Ann")).toEqual({ speakerId: null, label: null, displayName: "Ann", role: "SELF" });
    const withSelf: SpeakerOption[] = [{ ...speakers[0]!, role: "SELF" }, speakers[1]!];
    expect(ownerForChoice("me", withSelf, "Ann")).toEqual({ speakerId: "spk_0", label: "Speaker 1", displayName: "Ann", role: "SELF" });
    expect(ownerForChoice("speaker:spk_1", speakers, "Ann")).toEqual({ speakerId: "spk_1", label: "Speaker 2", displayName: "Dana", role: "UNKNOWN" });
    expect(ownerOptions(withSelf)).toEqual([{ value: "speaker:spk_1", label: "Dana" }]);
  });
});

describe("groupItems", () => {
  it("keeps open and snoozed items in order and collapses done ones, except those just finished", () => {
    const items = [item({ id: "1" }), item({ id: "2", status: "DONE" }), item({ id: "3", status: "SNOOZED" }), item({ id: "4", status: "DONE" })];
    expect(groupItems(items).active.map((i) => i.id)).toEqual(["1", "3"]);
    expect(groupItems(items).done.map((i) => i.id)).toEqual(["2", "4"]);
    const kept = groupItems(items, new Set(["4"]));
    expect(kept.active.map((i) => i.id)).toEqual(["1", "3", "4"]);
    expect(kept.done.map((i) => i.id)).toEqual(["2"]);
  });
});

describe("applyPatch", () => {
  const context = { now: new Date("2026-12-02T15:00:00Z"), speakers, userName: "Ann" };
  it("marks done, reopens and snoozes", () => {
    const done = applyPatch(item(), { status: "DONE" }, context);
    expect(done).toMatchObject({ status: "DONE", completedAt: "2026-12-02T15:00:00.000Z", userModified: true });
    expect(applyPatch(done, { status: "OPEN" }, context)).toMatchObject({ status: "OPEN", completedAt: null });
    expect(applyPatch(item(), { status: "SNOOZED", snoozedUntil: "2026-12-03T09:00:00-05:00" }, context)).toMatchObject({
      status: "SNOOZED",
      snoozedUntil: "2026-12-03T09:00:00-05:00",
    });
  });
  it("edits fields and the owner", () => {
    const edited = applyPatch(item(), { title: " New title ", dueDate: "2026-12-09", priority: "high", owner: { me: true }, description: "" }, context);
    expect(edited).toMatchObject({ title: "New title", dueDate: "2026-12-09", priority: "high", description: null });
    expect(edited.owner).toEqual({ speakerId: null, label: null, displayName: "Ann", role: "SELF" });
  });
  it("sends only the fields a form changed", () => {
    const base = item({ dueDate: "2026-12-04" });
    expect(changedFields(base, { title: "Send the proposal", description: "", dueDate: "2026-12-04", priority: "medium", owner: "speaker:spk_0" })).toEqual({});
    expect(changedFields(base, { title: "Send it", description: "ctx", dueDate: "", priority: "low", owner: "me" })).toEqual({
      title: "Send it",
      description: "ctx",
      dueDate: null,
      priority: "low",
      owner: { me: true },
    });
  });
});
