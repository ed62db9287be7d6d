import { describe, expect, it } from "vitest";
import { applySpeakerEdit } from "@/lib/speakers/edit";
import { resolveSpeakers } from "@/lib/speakers/resolve";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";

function transcript(speakerIds: string[], speaking = speakerIds): NormalizedTranscript {
  return {
    version: 1,
    language: "en",
    durationSeconds: 10,
    quality: "draft",
    speakers: speakerIds.map((id, index) => ({ id, label: id === "unknown" ? "Unknown speaker" : `Speaker ${index + 1}`, role: "UNKNOWN", displayName: null, confidence: null })),
    segments: speaking.map((speakerId, index) => ({ id: `s000${index + 1}`, speakerId, start: index, end: index + 1, text: "words", words: [] })),
  };
}

const user = { id: "u1", displayName: "Dana Reyes" };
const call = { contactName: "Priya Patel" };
const roles = (t: NormalizedTranscript) => t.speakers.map((speaker) => [speaker.id, speaker.role, speaker.displayName]);

describe("resolveSpeakers", () => {
  it("marks the matched speaker as the user and the other party of a two-party call as the contact", () => {
    const resolved = resolveSpeakers(transcript(["S1", "S2"]), {
      user,
      call,
      matches: [
        { speaker: "S1", userId: null, score: 0.2 },
        { speaker: "S2", userId: "u1", score: 0.81234 },
      ],
    });
    expect(roles(resolved)).toEqual([
      ["S1", "COUNTERPARTY", "Priya Patel"],
      ["S2", "SELF", "Dana Reyes"],
    ]);
    expect(resolved.speakers[1]!.confidence).toBe(0.812);
  });

  it("leaves everyone unknown without a match, without a profile, or when the match is another user", () => {
    for (const matches of [null, [], [{ speaker: "S1", userId: null, score: 0.4 }], [{ speaker: "S1", userId: "someone-else", score: 0.9 }]]) {
      expect(roles(resolveSpeakers(transcript(["S1", "S2"]), { user, call, matches }))).toEqual([
        ["S1", "UNKNOWN", null],
        ["S2", "UNKNOWN", null],
      ]);
    }
  });

  it("gives the user to at most one speaker: the best score", () => {
    const resolved = resolveSpeakers(transcript(["S1", "S2"]), {
      user,
      call,
      matches: [
        { speaker: "S1", userId: "u1", score: 0.7 },
        { speaker: "S2", userId: "u1", score: 0.9 },
      ],
    });
    expect(resolved.speakers.filter((speaker) => speaker.role === "SELF").map((speaker) => speaker.id)).toEqual(["S2"]);
  });

  it("calls the others OTHER when more than two people speak, and never the unknown bucket", () => {
    const resolved = resolveSpeakers(transcript(["S1", "S2", "S3", "unknown"]), { user, call, matches: [{ speaker: "S3", userId: "u1", score: 0.9 }] });
    expect(roles(resolved)).toEqual([
      ["S1", "OTHER", null],
      ["S2", "OTHER", null],
      ["S3", "SELF", "Dana Reyes"],
      ["unknown", "UNKNOWN", null],
    ]);
  });

  it("counts only speakers with words: a silent diarized speaker does not make it a three-party call", () => {
    const resolved = resolveSpeakers(transcript(["S1", "S2", "S3"], ["S1", "S2"]), { user, call, matches: [{ speaker: "S1", userId: "u1", score: 0.9 }] });
    expect(roles(resolved)).toEqual([
      ["S1", "SELF", "Dana Reyes"],
      ["S2", "COUNTERPARTY", "Priya Patel"],
      ["S3", "OTHER", null],
    ]);
  });

  it("a match on a speaker without words is ignored; a missing contact name leaves the counterparty unnamed", () => {
    expect(roles(resolveSpeakers(transcript(["S1", "S2", "S3"], ["S1", "S2"]), { user, call, matches: [{ speaker: "S3", userId: "u1", score: 0.9 }] })).every(([, role]) => role === "UNKNOWN")).toBe(true);
    const unnamed = resolveSpeakers(transcript(["S1", "S2"]), { user: { id: "u1", displayName: null }, call: { contactName: "  " }, matches: [{ speaker: "S1", userId: "u1", score: 0.9 }] });
    expect(roles(unnamed)).toEqual([
      ["S1", "SELF", "You"],
      ["S2", "COUNTERPARTY", null],
    ]);
  });
});

describe("applySpeakerEdit", () => {
  const context = { userDisplayName: "Dana Reyes", contactName: "Priya Patel" };

  it("renames a speaker (trimmed, capped) and clears a name with blank or null", () => {
    const renamed = applySpeakerEdit(transcript(["S1", "S2"]), "S2", { displayName: "  Sam  " }, context)!;
    expect(renamed.speakers[1]!.displayName).toBe("Sam");
    expect(applySpeakerEdit(renamed, "S2", { displayName: "   " }, context)!.speakers[1]!.displayName).toBeNull();
    expect(applySpeakerEdit(renamed, "S2", { displayName: null }, context)!.speakers[1]!.displayName).toBeNull();
    expect(applySpeakerEdit(renamed, "S2", { displayName: "x".repeat(200) }, context)!.speakers[1]!.displayName).toHaveLength(80);
  });

  it("marks the user, moves the mark, and takes it away", () => {
    const me = applySpeakerEdit(transcript(["S1", "S2"]), "S1", { isMe: true }, context)!;
    expect(roles(me)).toEqual([
      ["S1", "SELF", "Dana Reyes"],
      ["S2", "COUNTERPARTY", "Priya Patel"],
    ]);
    const moved = applySpeakerEdit(me, "S2", { isMe: true }, context)!;
    expect(roles(moved)).toEqual([
      ["S1", "COUNTERPARTY", "Priya Patel"],
      ["S2", "SELF", "Dana Reyes"],
    ]);
    const none = applySpeakerEdit(me, "S1", { isMe: false }, context)!;
    expect(roles(none)).toEqual([
      ["S1", "UNKNOWN", null],
      ["S2", "UNKNOWN", "Priya Patel"],
    ]);
  });

  it("keeps a name the user gave when roles change, and answers null for an unknown speaker", () => {
    const named = applySpeakerEdit(transcript(["S1", "S2", "S3"]), "S3", { displayName: "Lee" }, context)!;
    expect(roles(applySpeakerEdit(named, "S1", { isMe: true }, context)!)).toEqual([
      ["S1", "SELF", "Dana Reyes"],
      ["S2", "OTHER", null],
      ["S3", "OTHER", "Lee"],
    ]);
    expect(applySpeakerEdit(named, "S9", { displayName: "x" }, context)).toBeNull();
  });
});
