import type { NormalizedTranscript } from "./normalize";

/**
 * A long call's page carries its transcript in the server-rendered payload; the word timings are most of it
 * (≈75 bytes a word against ≈6 of text: a two-hour call's 2.1 MB transcript is 0.2 MB without them). The page
 * sends every segment's text but the words of the first segments only — what the windowed view shows first —
 * and the browser fetches the full transcript once the page is interactive. Until it arrives, a deferred
 * segment's words are estimated from its text, spread evenly over the segment, so reading, searching and
 * seeking to a segment work at once.
 */
export type ViewTranscript = NormalizedTranscript & { wordsDeferred?: boolean };

type Word = NormalizedTranscript["segments"][number]["words"][number];

/** The first chunk of the windowed transcript view (components/calls/TranscriptView.tsx CHUNK_SIZE). */
export const EAGER_WORD_SEGMENTS = 40;

export function deferWordTimings(transcript: NormalizedTranscript, eagerSegments = EAGER_WORD_SEGMENTS): ViewTranscript {
  if (transcript.segments.length <= eagerSegments) return transcript;
  return {
    ...transcript,
    wordsDeferred: true,
    segments: transcript.segments.map((segment, index) => (index < eagerSegments ? segment : { ...segment, words: [] })),
  };
}

/** A deferred segment's words from its text, evenly over its time (confidence unknown: 0). */
export function estimatedWords(segment: { text: string; start: number; end: number }): Word[] {
  const texts = segment.text.split(/\s+/).filter(Boolean);
  const step = texts.length > 0 ? (segment.end - segment.start) / texts.length : 0;
  return texts.map((text, index) => ({ text, start: segment.start + index * step, end: segment.start + (index + 1) * step, confidence: 0 }));
}

/** The transcript with every segment's words: the fetched ones where known, estimates for the rest. */
export function withWords(transcript: ViewTranscript, loaded: ReadonlyMap<string, Word[]> | null): NormalizedTranscript {
  if (!transcript.wordsDeferred) return transcript;
  return {
    ...transcript,
    segments: transcript.segments.map((segment) => {
      if (segment.words.length > 0) return segment;
      const words = loaded?.get(segment.id);
      return { ...segment, words: words && words.length > 0 ? words : estimatedWords(segment) };
    }),
  };
}
