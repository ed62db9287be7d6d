import { describe, expect, it } from "vitest";
import { speakerEdits } from "@/components/action-items/speaker-model";

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
