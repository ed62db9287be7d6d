import { describe, expect, it } from "vitest";
import { priorityFromText } from "@/lib/analysis/local";

describe("priorityFromText", () => {
  it.each([
    "This is urgent, can you send it?",
    "send it asap",
    "Please fix it as soon as possible.",
    "I'll call them right away.",
    "Escalate it immediately.",
    "It's critical that we patch this.",
    "Make this top priority.",
    "I'll send it today.",
    "I'll email you tonight.",
    "by end of day",
    "by EOD",
  ])("%s → high", (text) => {
    expect(priorityFromText(text)).toBe("high");
  });

  it.each([
    "Send it over when you get a chance.",
    "no rush on the report",
    "whenever works for you",
    "We should eventually migrate.",
    "At some point we should clean this up.",
    "It's low priority.",
    "It's not urgent.",
  ])("%s → low", (text) => {
    expect(priorityFromText(text)).toBe("low");
  });

  it("defaults to medium", () => {
    expect(priorityFromText("I'll send the proposal.")).toBe("medium");
    expect(priorityFromText("I'll send the proposal.", "2026-03-06", "2026-03-04")).toBe("medium");
  });

  it("is high when the due date is at most a day after the call", () => {
    expect(priorityFromText("I'll send it tomorrow.", "2026-03-05", "2026-03-04")).toBe("high");
    expect(priorityFromText("I'll send it.", "2026-03-04", "2026-03-04")).toBe("high");
  });

  it("lets a spoken low cue win over a near date", () => {
    expect(priorityFromText("No rush, tomorrow is fine.", "2026-03-05", "2026-03-04")).toBe("low");
  });
});
