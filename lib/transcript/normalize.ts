import type { SpeakerRole } from "@/db/schema";

/** The normalized transcript: the contract between the pipeline stages and the UI (DESIGN.md). */
export interface NormalizedTranscript {
  version: 1;
  language: string;
  durationSeconds: number;
  quality: "draft" | "standard";
  speakers: { id: string; label: string; role: SpeakerRole; displayName: string | null; confidence: number | null }[];
  segments: {
    id: string;
    speakerId: string;
    start: number;
    end: number;
    text: string;
    words: { text: string; start: number; end: number; confidence: number }[];
  }[];
  /**
   * When the user last renamed a speaker or said who they are (absent if never): a later automatic
   * re-resolution ("find me in my earlier calls") leaves such a call as the user made it.
   */
  speakersEditedAt?: string;
}

export interface MergeInput {
  diarization: { speakers: { id: string; label?: string }[]; segments: { speaker: string; start: number; end: number }[] };
  transcription: { language: string; quality: "draft" | "standard"; words: { text: string; start: number; end: number; confidence: number }[] };
  durationSeconds: number;
}

/** A pause this long (seconds) between two words of one speaker starts a new segment. */
const SEGMENT_PAUSE = 1.2;
/** Segments stay sentence-sized: at most this many words. */
const MAX_SEGMENT_WORDS = 40;
const UNKNOWN_SPEAKER = "unknown";

function overlap(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  return Math.max(0, Math.min(aEnd, bEnd) - Math.max(aStart, bStart));
}

/** The speaker whose turn covers most of the word; between turns, the nearest turn's speaker. */
export function speakerForWord(word: { start: number; end: number }, turns: MergeInput["diarization"]["segments"]): string | null {
  let best: { speaker: string; score: number } | null = null;
  for (const turn of turns) {
    const covered = overlap(word.start, word.end, turn.start, turn.end);
    const distance = covered > 0 ? 0 : Math.min(Math.abs(turn.start - word.end), Math.abs(word.start - turn.end));
    // Coverage wins; with no coverage anywhere, the closest turn wins.
    const score = covered > 0 ? covered : -distance;
    if (!best || score > best.score) best = { speaker: turn.speaker, score };
  }
  return best?.speaker ?? null;
}

/**
 * Merges transcription words with diarization turns into speaker segments. Segment ids are derived from
 * order (`s0001`, …) so they are stable for the same inputs; action items point at them.
 */
export function mergeTranscript(input: MergeInput): NormalizedTranscript {
  const turns = [...input.diarization.segments].sort((a, b) => a.start - b.start);
  const words = [...input.transcription.words].filter((word) => word.text.trim() !== "").sort((a, b) => a.start - b.start);

  const segments: NormalizedTranscript["segments"] = [];
  let current: NormalizedTranscript["segments"][number] | null = null;
  for (const word of words) {
    const speakerId = speakerForWord(word, turns) ?? UNKNOWN_SPEAKER;
    const last: { end: number } | undefined = current?.words.at(-1);
    const startsNew =
      !current || current.speakerId !== speakerId || (last !== undefined && word.start - last.end > SEGMENT_PAUSE) || current.words.length >= MAX_SEGMENT_WORDS;
    if (startsNew) {
      current = { id: "", speakerId, start: word.start, end: word.end, text: "", words: [] };
      segments.push(current);
    }
    current!.words.push({ text: word.text, start: word.start, end: word.end, confidence: word.confidence });
    current!.end = Math.max(current!.end, word.end);
  }
  segments.forEach((segment, index) => {
    segment.id = `s${String(index + 1).padStart(4, "0")}`;
    segment.text = segment.words.map((word) => word.text).join(" ");
  });

  const speakerIds = new Set(input.diarization.speakers.map((speaker) => speaker.id));
  const speakers: NormalizedTranscript["speakers"] = input.diarization.speakers.map((speaker, index) => ({
    id: speaker.id,
    label: speaker.label ?? `Speaker ${index + 1}`,
    role: "UNKNOWN",
    displayName: null,
    confidence: null,
  }));
  if (segments.some((segment) => !speakerIds.has(segment.speakerId))) {
    speakers.push({ id: UNKNOWN_SPEAKER, label: "Unknown speaker", role: "UNKNOWN", displayName: null, confidence: null });
  }
  return {
    version: 1,
    language: input.transcription.language,
    durationSeconds: input.durationSeconds,
    quality: input.transcription.quality,
    speakers,
    segments,
  };
}
