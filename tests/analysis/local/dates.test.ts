import { describe, expect, it } from "vitest";
import { daysBetween, localDateTime, recordedDate, resolveDueDate } from "@/lib/analysis/local";
import { RECORDED_AT } from "./helpers";

/** Wednesday 2026-03-04, 15:00 UTC. */
const due = (text: string, at: Date = RECORDED_AT, timeZone = "UTC") => resolveDueDate(text, at, timeZone);

describe("resolveDueDate (said on Wednesday 2026-03-04, UTC)", () => {
  it.each([
    ["I'll send it by Friday.", "2026-03-06"],
    ["by friday", "2026-03-06"],
    ["on Friday", "2026-03-06"],
    ["this Friday", "2026-03-06"],
    ["next Friday", "2026-03-13"],
    ["next Tuesday", "2026-03-10"],
    ["Monday", "2026-03-09"],
    ["Wednesday", "2026-03-11"],
    ["friday of next week", "2026-03-13"],
    ["tomorrow morning", "2026-03-05"],
    ["first thing tomorrow", "2026-03-05"],
    ["the day after tomorrow", "2026-03-06"],
    ["on March 3rd", "2027-03-03"],
    ["on March 10th", "2026-03-10"],
    ["march tenth", "2026-03-10"],
    ["the 3rd of April", "2026-04-03"],
    ["3/10", "2026-03-10"],
    ["in two weeks", "2026-03-18"],
    ["in 2 weeks", "2026-03-18"],
    ["in a couple of days", "2026-03-06"],
    ["within a week", "2026-03-11"],
    ["in an hour", "2026-03-04"],
    ["end of day", "2026-03-04"],
    ["by EOD", "2026-03-04"],
    ["by close of business", "2026-03-04"],
    ["today", "2026-03-04"],
    ["tonight", "2026-03-04"],
    ["this afternoon", "2026-03-04"],
    ["end of day tomorrow", "2026-03-05"],
    ["by the end of the week", "2026-03-06"],
    ["EOW", "2026-03-06"],
    ["later this week", "2026-03-06"],
    ["end of next week", "2026-03-13"],
    ["by the end of next week", "2026-03-13"],
    ["next week", "2026-03-09"],
    ["early next week", "2026-03-09"],
    ["this weekend", "2026-03-07"],
    ["end of the month", "2026-03-31"],
    ["end of next month", "2026-04-30"],
    ["next month", "2026-04-01"],
    ["in a month", "2026-04-04"],
    ["end of the quarter", "2026-03-31"],
    ["by the 15th", "2026-03-15"],
    ["by the fifteenth", "2026-03-15"],
    ["on the 2nd", "2026-04-02"],
    ["the 3pm slot on Friday", "2026-03-06"],
    ["at 5pm", "2026-03-04"],
    ["at 2pm", "2026-03-05"],
    ["in the morning", "2026-03-05"],
  ])("%s → %s", (text, expected) => {
    expect(due(text)).toBe(expected);
  });

  it.each([
    "I'll send it over.",
    "give me a second",
    "we sat down with them",
    "we will march on",
    "sometime in April",
    "right now",
    "I sent it yesterday",
    "we talked last Friday",
    "the third option is better",
    "",
  ])("%s → null", (text) => {
    expect(due(text)).toBeNull();
  });

  it("takes the first date said, skipping past ones", () => {
    expect(due("tomorrow, or Friday at the latest")).toBe("2026-03-05");
    expect(due("what I sent yesterday, again by Friday")).toBe("2026-03-06");
  });
});

describe("weekday rules", () => {
  const friday = new Date("2026-03-06T15:00:00Z");
  const saturday = new Date("2026-03-07T15:00:00Z");

  it("a bare weekday said on that weekday is next week's (forward-looking)", () => {
    expect(due("by Friday", friday)).toBe("2026-03-13");
    expect(due("this Friday", friday)).toBe("2026-03-06");
    expect(due("end of the week", friday)).toBe("2026-03-06");
  });

  it("end of the week said on a weekend is the coming Friday", () => {
    expect(due("end of the week", saturday)).toBe("2026-03-13");
    expect(due("next week", saturday)).toBe("2026-03-09");
  });
});

describe("time zones", () => {
  // 05:30 UTC on Thursday is still Wednesday 21:30 in Los Angeles.
  const lateEvening = new Date("2026-03-05T05:30:00Z");

  it("resolves relative to the call's local date, not the UTC date", () => {
    expect(recordedDate(lateEvening, "America/Los_Angeles")).toBe("2026-03-04");
    expect(recordedDate(lateEvening, "UTC")).toBe("2026-03-05");
    expect(due("tomorrow", lateEvening, "America/Los_Angeles")).toBe("2026-03-05");
    expect(due("tomorrow", lateEvening, "UTC")).toBe("2026-03-06");
    expect(due("end of day", lateEvening, "America/Los_Angeles")).toBe("2026-03-04");
    expect(due("by Friday", lateEvening, "America/Los_Angeles")).toBe("2026-03-06");
    expect(due("next Thursday", lateEvening, "America/Los_Angeles")).toBe("2026-03-12");
    expect(due("Thursday", lateEvening, "UTC")).toBe("2026-03-12");
    expect(due("Thursday", lateEvening, "America/Los_Angeles")).toBe("2026-03-05");
  });

  it("works ahead of UTC too", () => {
    // 20:00 UTC Wednesday is 05:00 Thursday in Tokyo.
    const at = new Date("2026-03-04T20:00:00Z");
    expect(localDateTime(at, "Asia/Tokyo")).toMatchObject({ year: 2026, month: 3, day: 5, hour: 5 });
    expect(due("tomorrow", at, "Asia/Tokyo")).toBe("2026-03-06");
    expect(due("end of the month", at, "Asia/Tokyo")).toBe("2026-03-31");
  });

  it("falls back to UTC for an unknown zone", () => {
    expect(due("tomorrow", RECORDED_AT, "Mars/Olympus_Mons")).toBe("2026-03-05");
    expect(due("tomorrow", RECORDED_AT, "")).toBe("2026-03-05");
  });

  it("does not depend on the server's own zone", () => {
    // Components come from the call's zone via Intl; chrono gets a UTC reference.
    expect(due("in two weeks", lateEvening, "America/Los_Angeles")).toBe("2026-03-18");
  });
});

describe("daysBetween", () => {
  it("counts calendar days", () => {
    expect(daysBetween("2026-03-04", "2026-03-05")).toBe(1);
    expect(daysBetween("2026-03-04", "2026-03-04")).toBe(0);
    expect(daysBetween("2026-02-28", "2026-03-02")).toBe(2);
  });
});
