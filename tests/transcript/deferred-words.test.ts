import { describe, expect, it } from "vitest";
import { deferWordTimings, estimatedWords, withWords } from "@/lib/transcript/deferred-words";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";

function transcript(segmentCount: number): NormalizedTranscript {
  return {
    version: 1,
    language: "en",
    durationSeconds: segmentCount * 4,
    quality: "draft",
    speakers: [{ id: "spk_0", label: "Speaker 1", role: "UNKNOWN", displayName: null, confidence: null }],
    segments: Array.from({ length: segmentCount }, (_, index) => ({
      id: `s${String(index + 1).padStart(4, "0")}`,
      speakerId: "spk_0",
      start: index * 4,
      end: index * 4 + 3,
      text: `word${index} and more`,
      words: [
        { text: `word${index}`, start: index * 4, end: index * 4 + 0.5, confidence: 0.9 },
        { text: "and", start: index * 4 + 1, end: index * 4 + 1.4, confidence: 0.8 },
        { text: "more", start: index * 4 + 2, end: index * 4 + 3, confidence: 0.7 },
      ],
    })),
  };
}

describe("deferred word timings", () => {
  it("sends a short transcript whole, and a long one with the words of its first segments only", () => {
    const short = transcript(40);
    expect(deferWordTimings(short)).toBe(short);
    const long = transcript(400);
    const deferred = deferWordTimings(long);
    expect(deferred.wordsDeferred).toBe(true);
    expect(deferred.segments.slice(0, 40).every((segment, index) => segment.words === long.segments[index]!.words)).toBe(true);
    expect(deferred.segments.slice(40).every((segment) => segment.words.length === 0 && segment.text !== "")).toBe(true);
    expect(JSON.stringify(deferred).length).toBeLessThan(JSON.stringify(long).length * 0.5);
    // The segments themselves (ids, times, text, speakers) are all there.
    expect(deferred.segments.map(({ id, start, end, text, speakerId }) => ({ id, start, end, text, speakerId }))).toEqual(
      long.segments.map(({ id, start, end, text, speakerId }) => ({ id, start, end, text, speakerId })),
    );
  });

  it("estimates a deferred segment's words from its text, evenly over its time, until the real ones arrive", () => {
    expect(estimatedWords({ text: " one  two three ", start: 10, end: 13 })).toEqual([
      { text: "one", start: 10, end: 11, confidence: 0 },
      { text: "two", start: 11, end: 12, confidence: 0 },
      { text: "three", start: 12, end: 13, confidence: 0 },
    ]);
    expect(estimatedWords({ text: "", start: 1, end: 2 })).toEqual([]);

    const long = transcript(50);
    const deferred = deferWordTimings(long);
    const estimated = withWords(deferred, null);
    expect(estimated.segments[45]!.words.map((word) => word.text)).toEqual(["word45", "and", "more"]);
    expect(estimated.segments[45]!.words[1]!.start).toBe(181);
    // With the fetched words every segment is as stored; a segment missing from the answer keeps its estimate.
    const loaded = new Map(long.segments.filter((segment) => segment.id !== "s0050").map((segment) => [segment.id, segment.words]));
    const merged = withWords(deferred, loaded);
    expect(merged.segments.slice(0, 49)).toEqual(long.segments.slice(0, 49));
    expect(merged.segments[49]!.words).toEqual(estimatedWords(long.segments[49]!));
    // A transcript sent whole is used as it is.
    const whole = transcript(3);
    expect(withWords(whole, loaded)).toBe(whole);
  });
});
