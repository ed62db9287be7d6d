import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import { GREETING } from "./cues";
import { transcriptUnits } from "./extract";
import { STOPWORDS, capitalizeSentence, dropDisfluencies, hasSentencePunctuation, tokenize } from "./text";

/** Sentences shorter than this (in words) never make the summary. */
const MIN_SUMMARY_WORDS = 6;
/** …nor do those with fewer content words than this. */
const MIN_CONTENT_WORDS = 3;
/** A candidate sharing more than this share of its content words with a chosen sentence is a repeat. */
const MAX_OVERLAP = 0.5;
/** Filler that opens spoken sentences ("okay so…"), dropped from the summary's sentences. */
const LEADING_FILLERS = new Set(["okay", "ok", "so", "yeah", "yes", "well", "um", "uh", "uhm", "alright", "right", "and", "but", "now", "anyway", "like", "oh", "hmm"]);

export interface SummaryOptions {
  /** At most this many sentences (default: 2 for a short call, 3 for a medium one, 4 for a long one). */
  maxSentences?: number;
}

function isContentWord(word: string): boolean {
  return word.length >= 3 && /[a-z]/.test(word) && !STOPWORDS.has(word);
}

/**
 * An extractive summary: the 2–4 most informative sentences, in transcript order, joined into one string.
 * A sentence's score is the call-wide frequency of its distinct content words over the square root of how
 * many there are, so sentences about what the call keeps coming back to win without favouring sheer length.
 * Greetings, filler and short sentences are skipped; near-repeats of a chosen sentence too. Lowercase,
 * unpunctuated engine output is capitalised and gets a final period. Empty transcript → "".
 */
export function summarize(transcript: NormalizedTranscript, options: SummaryOptions = {}): string {
  const units = transcriptUnits(transcript).filter((unit) => unit.text.trim() !== "");
  if (units.length === 0) return "";
  const punctuated = transcript.segments.some((segment) => hasSentencePunctuation(segment.text));

  const candidates = units.map((unit, index) => {
    const all = tokenize(unit.text);
    // Without its opening filler words ("okay so…"), as said otherwise.
    let first = 0;
    while (first < all.length - 1 && LEADING_FILLERS.has(all[first]!.norm)) first++;
    const tokens = first === 0 ? all : all.slice(first);
    const text = first === 0 ? unit.text.trim() : unit.text.slice(all[first]!.start).trim();
    const content = tokens.map((token) => token.norm).filter(isContentWord);
    return { index, text, words: tokens.length, content, unique: [...new Set(content)] };
  });
  const frequency = new Map<string, number>();
  for (const candidate of candidates) for (const word of candidate.content) frequency.set(word, (frequency.get(word) ?? 0) + 1);

  let eligible = candidates.filter((c) => c.words >= MIN_SUMMARY_WORDS && c.unique.length >= MIN_CONTENT_WORDS && !GREETING.test(c.text));
  if (eligible.length === 0) eligible = candidates.filter((c) => c.words >= 3 && c.unique.length >= 1 && !GREETING.test(c.text));
  if (eligible.length === 0) return "";

  const limit = options.maxSentences ?? (eligible.length < 8 ? 2 : eligible.length < 25 ? 3 : 4);
  const scored = eligible
    .map((candidate) => {
      let total = 0;
      for (const word of candidate.unique) total += frequency.get(word) ?? 0;
      return { candidate, score: total / Math.sqrt(candidate.unique.length) };
    })
    .sort((a, b) => b.score - a.score || a.candidate.index - b.candidate.index);

  const chosen: typeof candidates = [];
  for (const { candidate } of scored) {
    if (chosen.length >= limit) break;
    const words = new Set(candidate.unique);
    const repeat = chosen.some((other) => {
      const shared = other.unique.filter((word) => words.has(word)).length;
      return shared / Math.min(other.unique.length, words.size) > MAX_OVERLAP;
    });
    if (!repeat) chosen.push(candidate);
  }
  chosen.sort((a, b) => a.index - b.index);

  return chosen
    .map((candidate) => {
      let text = dropDisfluencies(candidate.text.replace(/\s+/g, " "));
      if (!punctuated) text = capitalizeSentence(text);
      else text = text.charAt(0).toUpperCase() + text.slice(1);
      if (!/[.!?]["')\]]*$/.test(text)) text = `${text.replace(/[,;:\-–—]+$/, "")}.`;
      return text;
    })
    .join(" ");
}
