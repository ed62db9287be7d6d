import { open } from "node:fs/promises";
import type { DiarizationResult } from "@/lib/speech/types";
import { enrollmentErrors } from "./errors";
import { MAX_CLIPPED_SHARE, MAX_RECORDING_SECONDS, MAX_SECOND_VOICE_SHARE, MIN_SAMPLE_RMS, MIN_SPEECH_SECONDS } from "./limits";

/**
 * The checks a voice sample must pass before it is enrolled, as plain functions: the signal (silence,
 * clipping) measured on the decoded 16-bit WAV, and the speech (how much, how many voices) from the
 * diarization provider's view of the sample.
 */

/** |sample| at or above this (of 32768) counts as full scale. */
const FULL_SCALE = 32_700;
/** `prepareAudio` writes an exact 44-byte header before the PCM data. */
const WAV_HEADER_BYTES = 44;
/** A little slack over the recorder's maximum for container rounding and the recorder's stop latency. */
const DURATION_SLACK_SECONDS = 3;

export interface SignalStats {
  /** Root mean square, full scale = 1. */
  rms: number;
  /** Share of samples at full scale. */
  clippedShare: number;
}

/** RMS and clipping of a 16 kHz mono signed 16-bit WAV (as `prepareAudio` writes it), read in chunks. */
export async function measureSignal(wavPath: string): Promise<SignalStats> {
  const handle = await open(wavPath, "r");
  try {
    const chunk = Buffer.alloc(64 * 1024);
    let position = WAV_HEADER_BYTES;
    let count = 0;
    let sumSquares = 0;
    let clipped = 0;
    let carry: number | null = null;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      let offset = 0;
      if (carry !== null) {
        const value = (((chunk[0]! << 8) | carry) << 16) >> 16;
        sumSquares += (value / 32768) ** 2;
        if (Math.abs(value) >= FULL_SCALE) clipped++;
        count++;
        offset = 1;
        carry = null;
      }
      for (; offset + 1 < bytesRead; offset += 2) {
        const value = chunk.readInt16LE(offset);
        sumSquares += (value / 32768) ** 2;
        if (Math.abs(value) >= FULL_SCALE) clipped++;
        count++;
      }
      if (offset < bytesRead) carry = chunk[offset]!;
    }
    return count === 0 ? { rms: 0, clippedShare: 0 } : { rms: Math.sqrt(sumSquares / count), clippedShare: clipped / count };
  } finally {
    await handle.close();
  }
}

/** Refuses a recording that is too long, silent or clipped (before any speech model is run on it). */
export function checkSignal(durationSeconds: number, stats: SignalStats): void {
  if (durationSeconds > MAX_RECORDING_SECONDS + DURATION_SLACK_SECONDS) throw enrollmentErrors.tooLong(durationSeconds);
  if (stats.rms < MIN_SAMPLE_RMS) throw enrollmentErrors.silent();
  if (stats.clippedShare > MAX_CLIPPED_SHARE) throw enrollmentErrors.clipped();
}

export interface SpeechStats {
  /** Seconds with anyone speaking (overlaps counted once). */
  speechSeconds: number;
  /** Each diarized speaker's seconds of speech, largest first. */
  perSpeaker: { speaker: string; seconds: number }[];
}

/** How much speech the diarizer found in the sample, and whose. */
export function measureSpeech(diarization: DiarizationResult): SpeechStats {
  const perSpeaker = new Map<string, number>();
  for (const segment of diarization.segments) {
    perSpeaker.set(segment.speaker, (perSpeaker.get(segment.speaker) ?? 0) + Math.max(0, segment.end - segment.start));
  }
  const sorted = [...diarization.segments].sort((a, b) => a.start - b.start);
  let speechSeconds = 0;
  let coveredUntil = -Infinity;
  for (const segment of sorted) {
    const start = Math.max(segment.start, coveredUntil);
    if (segment.end > start) speechSeconds += segment.end - start;
    coveredUntil = Math.max(coveredUntil, segment.end);
  }
  return {
    speechSeconds,
    perSpeaker: [...perSpeaker].map(([speaker, seconds]) => ({ speaker, seconds })).sort((a, b) => b.seconds - a.seconds),
  };
}

/** Refuses a sample with no speech, too little of it, or a second voice with a real share of it. */
export function checkSpeech(stats: SpeechStats): void {
  if (stats.speechSeconds <= 0) throw enrollmentErrors.silent();
  if (stats.speechSeconds < MIN_SPEECH_SECONDS) throw enrollmentErrors.tooShort(stats.speechSeconds);
  const total = stats.perSpeaker.reduce((sum, speaker) => sum + speaker.seconds, 0);
  const second = stats.perSpeaker[1];
  if (second && total > 0 && second.seconds / total >= MAX_SECOND_VOICE_SHARE) throw enrollmentErrors.multipleVoices();
}
