import { describe, expect, it } from "vitest";
import { mergeTranscript, speakerForWord, type MergeInput } from "@/lib/transcript/normalize";

const w = (text: string, start: number, end: number) => ({ text, start, end, confidence: 0.9 });
const input = (words: MergeInput["transcription"]["words"], turns: MergeInput["diarization"]["segments"], speakers = ["A", "B"]): MergeInput => ({
  diarization: { speakers: speakers.map((id, index) => ({ id, label: `Speaker ${index + 1}` })), segments: turns },
  transcription: { language: "en", quality: "draft", words },
  durationSeconds: 20,
});

describe("mergeTranscript", () => {
  it("groups words into segments by speaker, with stable ids and text", () => {
    const result = mergeTranscript(
      input(
        [w("hello", 0.1, 0.5), w("there", 0.6, 1.0), w("hi", 2.1, 2.4), w("sam", 2.5, 2.9), w("so", 4.0, 4.2)],
        [
          { speaker: "A", start: 0, end: 1.5 },
          { speaker: "B", start: 2, end: 3.5 },
          { speaker: "A", start: 3.8, end: 5 },
        ],
      ),
    );
    expect(result.segments.map((segment) => [segment.id, segment.speakerId, segment.text, segment.start, segment.end])).toEqual([
      ["s0001", "A", "hello there", 0.1, 1.0],
      ["s0002", "B", "hi sam", 2.1, 2.9],
      ["s0003", "A", "so", 4.0, 4.2],
    ]);
    expect(mergeTranscript(input([w("hello", 0.1, 0.5)], [{ speaker: "A", start: 0, end: 1 }])).segments[0]?.id).toBe("s0001");
  });

  it("gives a word that straddles a turn change to the speaker covering most of it", () => {
    const turns = [
      { speaker: "A", start: 0, end: 1.0 },
      { speaker: "B", start: 1.0, end: 2.0 },
    ];
    expect(speakerForWord({ start: 0.9, end: 1.4 }, turns)).toBe("B");
    expect(speakerForWord({ start: 0.6, end: 1.1 }, turns)).toBe("A");
  });

  it("gives a word between turns to the nearest turn, and handles overlapping turns", () => {
    const turns = [
      { speaker: "A", start: 0, end: 1.0 },
      { speaker: "B", start: 3.0, end: 4.0 },
    ];
    expect(speakerForWord({ start: 1.2, end: 1.4 }, turns)).toBe("A");
    expect(speakerForWord({ start: 2.5, end: 2.8 }, turns)).toBe("B");
    // Overlap (crosstalk): the longer coverage wins.
    expect(speakerForWord({ start: 1.0, end: 2.0 }, [{ speaker: "A", start: 0, end: 1.3 }, { speaker: "B", start: 1.2, end: 3 }])).toBe("B");
  });

  it("keeps speakers with no words, and marks words with no turns as unknown", () => {
    const silentB = mergeTranscript(input([w("hi", 0, 0.3)], [{ speaker: "A", start: 0, end: 1 }, { speaker: "B", start: 2, end: 3 }]));
    expect(silentB.speakers.map((speaker) => speaker.id)).toEqual(["A", "B"]);
    const noTurns = mergeTranscript(input([w("hi", 0, 0.3)], [], []));
    expect(noTurns.segments[0]?.speakerId).toBe("unknown");
    expect(noTurns.speakers.map((speaker) => speaker.id)).toEqual(["unknown"]);
  });

  it("splits one speaker's long monologue at pauses and at sentence size", () => {
    const words = Array.from({ length: 90 }, (_, i) => w(`w${i}`, i * 0.3, i * 0.3 + 0.2));
    words.push(w("later", 40, 40.3));
    const result = mergeTranscript(input(words, [{ speaker: "A", start: 0, end: 50 }]));
    expect(result.segments.map((segment) => segment.words.length)).toEqual([40, 40, 10, 1]);
  });

  it("orders unsorted input and ignores empty words", () => {
    const result = mergeTranscript(input([w("b", 1, 1.2), w(" ", 0.5, 0.6), w("a", 0, 0.2)], [{ speaker: "A", start: 0, end: 2 }]));
    expect(result.segments[0]?.text).toBe("a b");
  });
});
