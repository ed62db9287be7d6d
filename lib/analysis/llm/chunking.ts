import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import { formatSegmentLine, speakerMap } from "./prompt";

/**
 * Long transcripts are cut into chunks at segment boundaries so each request stays well inside a model's
 * context window (and a small local model's): a chunk holds consecutive segment lines whose total length
 * (line + newline) is at most `maxChars`. A single line longer than that (segments are at most ~40 words,
 * so only with an absurdly small limit) becomes a chunk of its own rather than being cut mid-sentence.
 */

/** ~6k tokens of transcript per request: fits 8k-context local models with room for the answer. */
export const DEFAULT_MAX_CHUNK_CHARS = 24_000;

export interface TranscriptChunk {
  /** Segment ids in order. */
  segmentIds: string[];
  /** The formatted lines (`[s0001] Name (ROLE): text`). */
  lines: string[];
  /** Total characters of `lines`, newlines included. */
  chars: number;
}

/** Segments with words in them: empty ones give the model nothing and are left out of the prompt. */
export function spokenSegments(transcript: NormalizedTranscript): NormalizedTranscript["segments"] {
  return transcript.segments.filter((segment) => segment.text.trim() !== "");
}

export function chunkTranscript(transcript: NormalizedTranscript, maxChars: number = DEFAULT_MAX_CHUNK_CHARS): TranscriptChunk[] {
  const limit = Math.max(1, Math.floor(maxChars));
  const speakers = speakerMap(transcript);
  const chunks: TranscriptChunk[] = [];
  let current: TranscriptChunk | null = null;
  for (const segment of spokenSegments(transcript)) {
    const line = formatSegmentLine(segment, speakers);
    const size = line.length + 1;
    if (!current || (current.lines.length > 0 && current.chars + size > limit)) {
      current = { segmentIds: [], lines: [], chars: 0 };
      chunks.push(current);
    }
    current.segmentIds.push(segment.id);
    current.lines.push(line);
    current.chars += size;
  }
  return chunks;
}
