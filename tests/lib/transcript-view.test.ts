import { describe, expect, it } from "vitest";
import {
  chunkRanges,
  currentSegmentIndex,
  currentWordIndex,
  findMatches,
  flattenWords,
  formatTimestamp,
  lastWordStartingBy,
  normalizeForSearch,
  speakerColours,
  spokenTimestamp,
  stepMatch,
} from "@/components/calls/transcript-model";

const w = (text: string, start: number, end = start + 0.4) => ({ text, start, end });

describe("formatTimestamp", () => {
  it("uses m:ss under an hour and h:mm:ss from an hour", () => {
    expect(formatTimestamp(0)).toBe("0:00");
    expect(formatTimestamp(3.9)).toBe("0:03");
    expect(formatTimestamp(65)).toBe("1:05");
    expect(formatTimestamp(59 * 60 + 59.99)).toBe("59:59");
    expect(formatTimestamp(3600)).toBe("1:00:00");
    expect(formatTimestamp(2 * 3600 + 5 * 60 + 7)).toBe("2:05:07");
  });
  it("treats negative and non-finite values as zero", () => {
    expect(formatTimestamp(-4)).toBe("0:00");
    expect(formatTimestamp(Number.NaN)).toBe("0:00");
    expect(formatTimestamp(Number.POSITIVE_INFINITY)).toBe("0:00");
  });
  it("has a spoken form", () => {
    expect(spokenTimestamp(0)).toBe("0 seconds");
    expect(spokenTimestamp(61)).toBe("1 minute 1 second");
    expect(spokenTimestamp(3720)).toBe("1 hour 2 minutes");
  });
});

describe("current word lookup", () => {
  const words = [w("hello", 0.5, 0.9), w("sam", 1.0, 1.3), w("can", 3.0, 3.2), w("you", 3.25, 3.5)];

  it("finds the last word that has started", () => {
    expect(lastWordStartingBy(words, 0)).toBe(-1);
    expect(lastWordStartingBy(words, 0.5)).toBe(0);
    expect(lastWordStartingBy(words, 1.1)).toBe(1);
    expect(lastWordStartingBy(words, 3.25)).toBe(3);
    expect(lastWordStartingBy(words, 99)).toBe(3);
    expect(lastWordStartingBy([], 1)).toBe(-1);
  });

  it("highlights nothing before the first word or in a long silence", () => {
    expect(currentWordIndex(words, 0.2)).toBe(-1);
    expect(currentWordIndex(words, 0.7)).toBe(0);
    expect(currentWordIndex(words, 0.95)).toBe(0); // gap shorter than the tolerance keeps the word
    expect(currentWordIndex(words, 2.5)).toBe(-1); // 1.2 s after "sam" ended
    expect(currentWordIndex(words, 3.3)).toBe(3);
    expect(currentWordIndex(words, 4.5)).toBe(-1);
  });

  it("is a binary search that scales to a two-hour call", () => {
    const many = Array.from({ length: 20_000 }, (_, i) => w(`w${i}`, i * 0.36, i * 0.36 + 0.3));
    expect(currentWordIndex(many, 12_345 * 0.36 + 0.1)).toBe(12_345);
    expect(currentWordIndex(many, 7199)).toBe(Math.floor(7199 / 0.36));
  });

  it("finds the current segment the same way", () => {
    const segments = [
      { start: 0, end: 2 },
      { start: 5, end: 9 },
    ];
    expect(currentSegmentIndex(segments, 1)).toBe(0);
    expect(currentSegmentIndex(segments, 4)).toBe(-1);
    expect(currentSegmentIndex(segments, 8)).toBe(1);
  });

  it("flattens words with their segment index", () => {
    const flat = flattenWords([{ words: [w("a", 0)] }, { words: [] }, { words: [w("b", 1), w("c", 2)] }]);
    expect(flat.map((word) => [word.text, word.segment])).toEqual([
      ["a", 0],
      ["b", 2],
      ["c", 2],
    ]);
  });
});

describe("search matching", () => {
  const words = [w("Hello", 0), w("Sam.", 1), w("Can", 2), w("you", 3), w("send", 4), w("me", 5), w("the", 6), w("proposal,", 7), w("Sam?", 8)];

  it("normalizes case, accents and punctuation", () => {
    expect(normalizeForSearch("  Café, DON'T!  ")).toBe("cafe dont");
  });

  it("finds one-word queries inside words, ignoring case and punctuation", () => {
    expect(findMatches(words, "sam")).toEqual([
      { start: 1, length: 1 },
      { start: 8, length: 1 },
    ]);
    expect(findMatches(words, "PROP")).toEqual([{ start: 7, length: 1 }]);
    expect(findMatches(words, "zebra")).toEqual([]);
  });

  it("matches phrases across consecutive words", () => {
    expect(findMatches(words, "send me the prop")).toEqual([{ start: 4, length: 4 }]);
    expect(findMatches(words, "can you")).toEqual([{ start: 2, length: 2 }]);
    expect(findMatches(words, "you can")).toEqual([]);
  });

  it("returns nothing for an empty or punctuation-only query", () => {
    expect(findMatches(words, "")).toEqual([]);
    expect(findMatches(words, "  ?! ")).toEqual([]);
  });

  it("steps through matches, wrapping around", () => {
    expect(stepMatch(0, 3, 1)).toBe(1);
    expect(stepMatch(2, 3, 1)).toBe(0);
    expect(stepMatch(0, 3, -1)).toBe(2);
    expect(stepMatch(-1, 3, -1)).toBe(2);
    expect(stepMatch(0, 0, 1)).toBe(-1);
  });
});

describe("rendering helpers", () => {
  it("chunks segments", () => {
    expect(chunkRanges(0, 40)).toEqual([]);
    expect(chunkRanges(85, 40)).toEqual([
      { start: 0, end: 40 },
      { start: 40, end: 80 },
      { start: 80, end: 85 },
    ]);
  });

  it("gives each speaker a distinct colour", () => {
    const colours = speakerColours(["a", "b", "c"]);
    expect(new Set(colours.values()).size).toBe(3);
  });
});
