import { MAX_CLIPPED_SHARE, MIN_SPEECH_SECONDS } from "./limits";

/**
 * Level checks on a voice sample, in the browser: while recording (frames from a Web Audio AnalyserNode),
 * and on a file the user picked (its decoded samples). Float samples in [-1, 1]. Pure, tested on
 * generated buffers (tests/components/voice-profile-sample-checks.test.ts). The server checks again.
 */

/** A frame whose RMS is above this (−40 dBFS) counts as speech. */
export const SPEECH_RMS = 0.01;
/** A recording whose loudest sample stays below this (−34 dBFS) is silence (a muted or dead microphone). */
export const SILENT_PEAK = 0.02;
/** Samples at or above this magnitude are clipped. */
export const CLIP_LEVEL = 0.99;
/** More than this share of clipped samples: too loud (the server refuses such a sample as CLIPPED). */
export const CLIPPED_RATIO = MAX_CLIPPED_SHARE;
/** Frame length for file analysis (seconds). */
const FRAME_SECONDS = 0.03;

export interface FrameLevels {
  peak: number;
  rms: number;
  clipped: number;
}

/** Peak, RMS and the number of clipped samples of one frame. */
export function frameLevels(samples: ArrayLike<number>, start = 0, end = samples.length): FrameLevels {
  let peak = 0;
  let sum = 0;
  let clipped = 0;
  for (let i = start; i < end; i++) {
    const value = Math.abs(samples[i]!);
    if (value > peak) peak = value;
    if (value >= CLIP_LEVEL) clipped++;
    sum += value * value;
  }
  const count = end - start;
  return { peak, rms: count > 0 ? Math.sqrt(sum / count) : 0, clipped };
}

export interface LevelStats {
  /** Seconds listened to. */
  seconds: number;
  /** Seconds of frames loud enough to be speech. */
  speechSeconds: number;
  /** Loudest sample. */
  peak: number;
  /** Share of the examined samples that were clipped. */
  clippedRatio: number;
}

/**
 * Adds frames up as they come. `add(frame, seconds)`: the frame's samples and the time it stands for (a live
 * analyser is read every few tens of milliseconds; each reading stands for the time since the last one).
 */
export class LevelTracker {
  private seconds = 0;
  private speechSeconds = 0;
  private peak = 0;
  private examined = 0;
  private clipped = 0;

  add(samples: ArrayLike<number>, seconds: number): FrameLevels {
    const levels = frameLevels(samples);
    this.seconds += seconds;
    if (levels.rms >= SPEECH_RMS) this.speechSeconds += seconds;
    this.peak = Math.max(this.peak, levels.peak);
    this.examined += samples.length;
    this.clipped += levels.clipped;
    return levels;
  }

  stats(): LevelStats {
    return { seconds: this.seconds, speechSeconds: this.speechSeconds, peak: this.peak, clippedRatio: this.examined > 0 ? this.clipped / this.examined : 0 };
  }
}

/** The level statistics of a whole buffer (a decoded file), in 30 ms frames. */
export function analyzeSamples(samples: Float32Array, sampleRate: number): LevelStats {
  const tracker = new LevelTracker();
  const frame = Math.max(1, Math.round(sampleRate * FRAME_SECONDS));
  for (let start = 0; start < samples.length; start += frame) {
    const end = Math.min(samples.length, start + frame);
    tracker.add(samples.subarray(start, end), (end - start) / sampleRate);
  }
  return tracker.stats();
}

export type SampleIssue =
  | { kind: "silent" }
  | { kind: "too-short"; speechSeconds: number; minSeconds: number }
  | { kind: "clipping"; clippedRatio: number };

/**
 * What is wrong with a sample, worst first: silence, too little speech, clipping. Each blocks sending: the
 * server refuses such a sample with the same limits (lib/voice-profile/limits.ts).
 */
export function sampleIssues(stats: LevelStats, minSpeechSeconds = MIN_SPEECH_SECONDS): SampleIssue[] {
  if (stats.peak < SILENT_PEAK || stats.speechSeconds < 0.5) return [{ kind: "silent" }];
  const issues: SampleIssue[] = [];
  if (stats.speechSeconds < minSpeechSeconds) issues.push({ kind: "too-short", speechSeconds: stats.speechSeconds, minSeconds: minSpeechSeconds });
  if (stats.clippedRatio > CLIPPED_RATIO) issues.push({ kind: "clipping", clippedRatio: stats.clippedRatio });
  return issues;
}

export function blocksSending(issue: SampleIssue): boolean {
  return issue.kind === "silent" || issue.kind === "too-short" || issue.kind === "clipping";
}

/** 0–1 for a level meter: RMS on a dB scale from −60 dBFS (empty) to 0 dBFS (full). */
export function meterFraction(rms: number): number {
  if (!(rms > 0)) return 0;
  const db = 20 * Math.log10(rms);
  return Math.min(1, Math.max(0, (db + 60) / 60));
}
