import type { AnalysisInput } from "@/lib/analysis/types";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import type { StubRequest } from "@/tests/speech/cloud/stub-server";

/**
 * Shared fixtures for the LLM analysis tests: a small two-speaker call, a transcript builder, and helpers to
 * read what the SDK sent to a stub (the prompt, the segment ids in it).
 */

export const SPEAKERS: NormalizedTranscript["speakers"] = [
  { id: "S1", label: "Speaker 1", role: "SELF", displayName: "Dana Reyes", confidence: 0.9 },
  { id: "S2", label: "Speaker 2", role: "COUNTERPARTY", displayName: "Sam Lee", confidence: 0.8 },
];

export const LINES: [speakerId: string, text: string][] = [
  ["S1", "Hi Sam, thanks for making the time today."],
  ["S2", "Sure. Did you get a chance to look at the renewal numbers?"],
  ["S1", "I did. I'll send you the revised proposal by Friday."],
  ["S2", "Great. And can you loop in your finance team before the meeting next week?"],
  ["S1", "Will do, I'll email Priya tomorrow."],
  ["S2", "Perfect, talk soon."],
];

export function makeTranscript(lines: [string, string][] = LINES, speakers = SPEAKERS): NormalizedTranscript {
  return {
    version: 1,
    language: "en",
    durationSeconds: lines.length * 5,
    quality: "standard",
    speakers,
    segments: lines.map(([speakerId, text], i) => ({
      id: `s${String(i + 1).padStart(4, "0")}`,
      speakerId,
      start: i * 5,
      end: i * 5 + 4,
      text,
      words: text.split(" ").map((word, w) => ({ text: word, start: i * 5 + w * 0.3, end: i * 5 + w * 0.3 + 0.25, confidence: 0.9 })),
    })),
  };
}

/** Recorded Friday 2025-03-14 02:30 UTC = Thursday 2025-03-13 19:30 in Los Angeles. */
export const RECORDED_AT = new Date("2025-03-14T02:30:00Z");
export const TIME_ZONE = "America/Los_Angeles";
export const LOCAL_DATE = "2025-03-13";

export function makeInput(transcript: NormalizedTranscript = makeTranscript()): AnalysisInput {
  return {
    transcript,
    call: {
      title: "Renewal call with Acme",
      recordedAt: RECORDED_AT,
      timeZone: TIME_ZONE,
      contactName: "Sam Lee",
      organization: "Acme Corp",
      direction: "OUTGOING",
    },
  };
}

/** A long call: `count` segments alternating between the two speakers, each saying a numbered task. */
export function longTranscript(count: number): NormalizedTranscript {
  const lines: [string, string][] = [];
  for (let i = 1; i <= count; i++) lines.push([i % 2 ? "S1" : "S2", `Line ${i}: we should handle task number ${i} before the end of the quarter.`]);
  return makeTranscript(lines);
}

/** The model's answer for the default fixture: two real items. */
export const GOOD_ANSWER = {
  summary: "Dana and Sam discussed the renewal. Dana will send the revised proposal and loop in finance.",
  actionItems: [
    {
      sourceSegmentIds: ["s0003"],
      sourceText: "I'll send you the revised proposal by Friday.",
      title: "Send Sam the revised proposal",
      description: null,
      ownerSpeakerId: "S1",
      dueDate: "2025-03-14",
      priority: "high",
    },
    {
      sourceSegmentIds: ["s0004", "s0005"],
      sourceText: "I'll email Priya tomorrow.",
      title: "Email Priya to loop in the finance team",
      description: "Before the meeting next week.",
      ownerSpeakerId: "S1",
      dueDate: "2025-03-14",
      priority: "medium",
    },
  ],
};

export const GOOD_RESULT = {
  summary: GOOD_ANSWER.summary,
  actionItems: GOOD_ANSWER.actionItems.map((item) => ({ ...item })),
};

export function jsonBody(req: StubRequest): Record<string, unknown> {
  return JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
}

/** Segment ids (`[s0001]`) that appear in a prompt. */
export function segmentIdsIn(text: string): string[] {
  return [...text.matchAll(/\[(s\d{4})\]/g)].map((m) => m[1]!);
}

/** Chunk answers for `longTranscript`: one item per cited id, plus one duplicate title shared by all chunks. */
export function chunkAnswer(ids: string[]) {
  return {
    summary: `Part covering ${ids[0]} to ${ids[ids.length - 1]}.`,
    actionItems: [
      ...ids.map((id) => ({
        sourceSegmentIds: [id],
        sourceText: "",
        title: `Handle task number ${Number(id.slice(1))}`,
        description: null,
        ownerSpeakerId: "S1",
        dueDate: null,
        priority: "medium",
      })),
      {
        sourceSegmentIds: [ids[0]!],
        sourceText: "",
        title: "Review the quarter plan",
        description: null,
        ownerSpeakerId: null,
        dueDate: null,
        priority: "low",
      },
    ],
  };
}
