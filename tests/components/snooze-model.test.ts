import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeSnoozedUntil, snoozeAtDate, snoozeDateError, snoozePresets, toIsoWithOffset } from "@/components/action-items/snooze-model";

// The presets are local wall times: pin a zone with DST to test them.
const savedTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = "America/New_York";
});
afterAll(() => {
  process.env.TZ = savedTz;
});

describe("snoozePresets", () => {
  it("offers tomorrow, next Monday and a week on, at 9:00 local", () => {
    // Wednesday, Dec 2 2026, 15:30 local.
    const now = new Date(2026, 11, 2, 15, 30);
    const presets = snoozePresets(now);
    expect(presets.map((preset) => preset.id)).toEqual(["tomorrow", "next-monday", "next-week"]);
    expect(presets.map((preset) => toIsoWithOffset(preset.at))).toEqual([
      "2026-12-03T09:00:00-05:00",
      "2026-12-07T09:00:00-05:00",
      "2026-12-09T09:00:00-05:00",
    ]);
    expect(presets[0]!.detail).toBe("Thu, Dec 3, 9:00 AM");
  });
  it("goes to the Monday after next when today is Monday, and crosses months", () => {
    const monday = new Date(2026, 10, 30, 8, 0);
    expect(toIsoWithOffset(snoozePresets(monday)[1]!.at)).toBe("2026-12-07T09:00:00-05:00");
    const sunday = new Date(2026, 11, 6, 22, 0);
    expect(toIsoWithOffset(snoozePresets(sunday)[1]!.at)).toBe("2026-12-07T09:00:00-05:00");
  });
  it("keeps 9:00 across a DST change", () => {
    // Saturday, Mar 7 2026; DST starts Sunday Mar 8.
    const presets = snoozePresets(new Date(2026, 2, 7, 12, 0));
    expect(toIsoWithOffset(presets[0]!.at)).toBe("2026-03-08T09:00:00-04:00");
    expect(toIsoWithOffset(presets[1]!.at)).toBe("2026-03-09T09:00:00-04:00");
  });
});

describe("picked dates", () => {
  const now = new Date(2026, 11, 2, 15, 30);
  it("snoozes to 9:00 on the picked day", () => {
    expect(toIsoWithOffset(snoozeAtDate("2026-12-10")!)).toBe("2026-12-10T09:00:00-05:00");
    expect(snoozeAtDate("2026-02-30")).toBeNull();
    expect(snoozeAtDate("soon")).toBeNull();
  });
  it("refuses empty, invalid and past dates", () => {
    expect(snoozeDateError("", now)).toBe("Pick a date.");
    expect(snoozeDateError("2026-13-01", now)).toBe("That is not a date.");
    expect(snoozeDateError("2026-12-02", now)).toBe("Pick a date in the future.");
    expect(snoozeDateError("2026-12-03", now)).toBeNull();
  });
  it("describes the snooze end in the viewer's words", () => {
    expect(describeSnoozedUntil("2026-12-03T09:00:00-05:00", now)).toBe("Snoozed until tomorrow, 9:00 AM");
    expect(describeSnoozedUntil("2026-12-02T18:00:00-05:00", now)).toBe("Snoozed until today, 6:00 PM");
    expect(describeSnoozedUntil("2026-12-10T09:00:00-05:00", now)).toBe("Snoozed until Thu, Dec 10, 9:00 AM");
    expect(describeSnoozedUntil("2027-01-04T14:00:00Z", now)).toBe("Snoozed until Mon, Jan 4, 2027, 9:00 AM");
  });
});
