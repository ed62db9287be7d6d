import { describe, expect, it } from "vitest";
import { summarize } from "@/lib/analysis/local";
import { speaker, transcript } from "./helpers";

const CALL: [string, string][] = [
  ["A", "Hi Sam, thanks for joining."],
  ["B", "Hey Alice, good to be here."],
  ["A", "So the main thing today is the renewal pricing for the enterprise plan."],
  ["B", "Right. Our finance team thinks the renewal pricing is too high compared to last year."],
  ["A", "Okay."],
  ["A", "We could offer a multi-year renewal with a lower enterprise price per seat."],
  ["B", "That could work if the seat count stays flexible."],
  ["A", "How's the weather over there?"],
  ["B", "Cold, but sunny."],
  ["A", "The other open item is the security questionnaire for the enterprise plan renewal."],
  ["B", "Yes, I'll send the questionnaire back by Friday."],
  ["A", "Great, talk soon."],
];

const sentencesOf = (summary: string) => summary.match(/[^.!?]+[.!?]/g)?.map((sentence) => sentence.trim()) ?? [];

describe("summarize", () => {
  const t = transcript(CALL, [speaker("A", "Alice"), speaker("B", "Sam")]);

  it("picks 2–4 informative sentences, in transcript order", () => {
    const summary = summarize(t);
    const sentences = sentencesOf(summary);
    expect(sentences.length).toBeGreaterThanOrEqual(2);
    expect(sentences.length).toBeLessThanOrEqual(4);
    const positions = sentences.map((sentence) => CALL.findIndex(([, text]) => text.toLowerCase().includes(sentence.toLowerCase())));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // The call keeps coming back to renewal pricing and the enterprise plan.
    expect(summary).toContain("renewal pricing");
  });

  it("skips greetings, small talk and short sentences", () => {
    const summary = summarize(t);
    for (const text of ["Hi Sam", "good to be here", "weather", "Cold, but sunny", "talk soon", "Okay."]) expect(summary).not.toContain(text);
  });

  it("is deterministic", () => {
    expect(summarize(t)).toBe(summarize(transcript(CALL, [speaker("A", "Alice"), speaker("B", "Sam")])));
  });

  it("returns an empty string for an empty transcript", () => {
    expect(summarize(transcript([]))).toBe("");
    expect(summarize(transcript([["A", "   "]]))).toBe("");
  });

  it("capitalises unpunctuated engine output and ends each sentence with a period", () => {
    const lower = transcript(CALL.map(([id, text]) => [id, text.toLowerCase().replace(/[.,?!]/g, "")]));
    const summary = summarize(lower);
    const sentences = sentencesOf(summary);
    expect(sentences.length).toBeGreaterThanOrEqual(2);
    for (const sentence of sentences) {
      expect(sentence).toMatch(/^[A-Z]/);
      expect(sentence.endsWith(".")).toBe(true);
    }
    expect(summary).not.toMatch(/\bi\b/);
  });

  it("honours maxSentences and never repeats near-identical sentences", () => {
    const repeated = transcript([
      ["A", "The renewal pricing for the enterprise plan is the blocker."],
      ["B", "The renewal pricing for the enterprise plan is the blocker."],
      ["A", "Legal still needs to review the data processing agreement."],
    ]);
    const summary = summarize(repeated, { maxSentences: 3 });
    expect(sentencesOf(summary)).toEqual(["The renewal pricing for the enterprise plan is the blocker.", "Legal still needs to review the data processing agreement."]);
    expect(sentencesOf(summarize(t, { maxSentences: 1 }))).toHaveLength(1);
  });
});
