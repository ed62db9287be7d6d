/**
 * Pure helpers for the transcript view: time formatting, the word being spoken at a given time
 * (binary search over a flat word list), search matching and chunking for windowed rendering.
 */

export interface FlatWord {
  text: string;
  start: number;
  end: number;
  /** Index of the segment the word belongs to. */
  segment: number;
}

/** "m:ss" under an hour, "h:mm:ss" from an hour on. Negative / non-finite values read as 0:00. */
export function formatTimestamp(seconds: number): string {
  const total = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Spoken form for screen readers: "1 hour 2 minutes 5 seconds". */
export function spokenTimestamp(seconds: number): string {
  const total = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts: string[] = [];
  if (h) parts.push(`${h} hour${h === 1 ? "" : "s"}`);
  if (m) parts.push(`${m} minute${m === 1 ? "" : "s"}`);
  if (s || parts.length === 0) parts.push(`${s} second${s === 1 ? "" : "s"}`);
  return parts.join(" ");
}

/** Flattens segments' words, in order, remembering each word's segment. */
export function flattenWords(segments: readonly { words: readonly { text: string; start: number; end: number }[] }[]): FlatWord[] {
  const words: FlatWord[] = [];
  segments.forEach((segment, index) => {
    for (const word of segment.words) words.push({ text: word.text, start: word.start, end: word.end, segment: index });
  });
  return words;
}

/** Index of the last word whose start is at or before `time` (words sorted by start), or -1. O(log n). */
export function lastWordStartingBy(words: readonly { start: number }[], time: number): number {
  let lo = 0;
  let hi = words.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (words[mid]!.start <= time) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * The word being spoken at `time`: the last word that has started, as long as we are not past its end
 * by more than `tolerance` seconds (so a long silence highlights nothing). -1 when none.
 */
export function currentWordIndex(words: readonly { start: number; end: number }[], time: number, tolerance = 0.5): number {
  const index = lastWordStartingBy(words, time);
  if (index < 0) return -1;
  return time <= words[index]!.end + tolerance ? index : -1;
}

/** Segment playing at `time`: the last segment that has started, if `time` is before its end (+ tolerance). */
export function currentSegmentIndex(segments: readonly { start: number; end: number }[], time: number, tolerance = 0.5): number {
  return currentWordIndex(segments, time, tolerance);
}

/** Lower-cased, accents and punctuation dropped, for matching. */
export function normalizeForSearch(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s']/gu, " ")
    .replace(/'/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

export interface SearchMatch {
  /** First matched word (index into the flat word list). */
  start: number;
  /** Number of words in the match. */
  length: number;
}

/**
 * Where `query` occurs in the words. One-word queries match inside words ("pro" finds "proposal");
 * several words must be consecutive: the first ends with, the middle ones equal, the last starts with
 * the query's words. Case, accents and punctuation are ignored.
 */
export function findMatches(words: readonly { text: string }[], query: string): SearchMatch[] {
  const tokens = normalizeForSearch(query).split(" ").filter(Boolean);
  if (tokens.length === 0) return [];
  const normalized = words.map((word) => normalizeForSearch(word.text).replace(/ /g, ""));
  const matches: SearchMatch[] = [];
  const n = tokens.length;
  for (let i = 0; i + n <= normalized.length; i++) {
    const first = normalized[i]!;
    if (n === 1) {
      if (first.includes(tokens[0]!)) matches.push({ start: i, length: 1 });
      continue;
    }
    if (first === "" || !first.endsWith(tokens[0]!)) continue;
    let ok = true;
    for (let k = 1; k < n - 1 && ok; k++) ok = normalized[i + k] === tokens[k];
    if (ok && normalized[i + n - 1]!.startsWith(tokens[n - 1]!)) matches.push({ start: i, length: n });
  }
  return matches;
}

/** Next / previous match index, wrapping around. */
export function stepMatch(current: number, total: number, direction: 1 | -1): number {
  if (total <= 0) return -1;
  if (current < 0) return direction === 1 ? 0 : total - 1;
  return (current + direction + total) % total;
}

/** Splits `count` items into consecutive [start, end) ranges of at most `size`. */
export function chunkRanges(count: number, size: number): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  for (let start = 0; start < count; start += size) ranges.push({ start, end: Math.min(count, start + size) });
  return ranges;
}

/** Rough pixel height of a chunk of segments before it has been measured (header line + wrapped text). */
export function estimateChunkHeight(segments: readonly { text: string }[], charsPerLine = 80, lineHeight = 24, gap = 28): number {
  let height = 0;
  for (const segment of segments) height += gap + lineHeight * (1 + Math.max(1, Math.ceil(segment.text.length / charsPerLine)));
  return height;
}

const SPEAKER_COLOURS = ["sky", "amber", "emerald", "fuchsia", "rose", "indigo", "lime", "orange"] as const;
export type SpeakerColour = (typeof SPEAKER_COLOURS)[number];

/** A distinct colour per speaker, in the order the speakers are listed. */
export function speakerColours(speakerIds: readonly string[]): Map<string, SpeakerColour> {
  return new Map(speakerIds.map((id, index) => [id, SPEAKER_COLOURS[index % SPEAKER_COLOURS.length]!]));
}
