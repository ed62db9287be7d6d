import { describe, expect, it } from "vitest";
import { selfMarking, selfMarkingText, speakerEdits } from "@/components/action-items/speaker-model";

const speakers = [
  { id: "spk_0", role: "UNKNOWN" as const, displayName: null },
  { id: "spk_1", role: "SELF" as const, displayName: "Ann" },
];

describe("speakerEdits", () => {
  it("sends nothing when nothing changed (blank and whitespace are the same as no name)", () => {
    expect(speakerEdits(speakers, { spk_0: "  ", spk_1: "Ann" }, "spk_1")).toEqual([]);
  });
  it("renames, and clears a name emptied by the user", () => {
    expect(speakerEdits(speakers, { spk_0: " Dana ", spk_1: "" }, "spk_1")).toEqual([
      { speakerId: "spk_0", body: { displayName: "Dana" } },
      { speakerId: "spk_1", body: { displayName: null } },
    ]);
  });
  it("moves 'this is me' first, then the renames", () => {
    expect(speakerEdits(speakers, { spk_0: "Me Myself", spk_1: "Ann" }, "spk_0")).toEqual([
      { speakerId: "spk_0", body: { isMe: true } },
      { speakerId: "spk_0", body: { displayName: "Me Myself" } },
    ]);
  });
  it("unmarks the user when none of the speakers is them", () => {
    expect(speakerEdits(speakers, { spk_0: "", spk_1: "Ann" }, null)).toEqual([{ speakerId: "spk_1", body: { isMe: false } }]);
  });
});

describe("selfMarking", () => {
  it("tells a voiceprint match (with its score) from a mark by hand", () => {
    expect(selfMarking({ role: "SELF", confidence: 0.873 })).toEqual({ by: "voiceprint", score: 0.873 });
    expect(selfMarkingText({ by: "voiceprint", score: 0.873 })).toBe("Recognised by your voice profile (score 0.87)");
    expect(selfMarking({ role: "SELF", confidence: 1 })).toEqual({ by: "user" });
    expect(selfMarking({ role: "SELF", confidence: null })).toEqual({ by: "user" });
    expect(selfMarkingText({ by: "user" })).toBe("Marked as you");
    expect(selfMarking({ role: "COUNTERPARTY", confidence: null })).toBeNull();
    expect(selfMarking({ role: "UNKNOWN", confidence: 0.5 })).toBeNull();
  });
});
