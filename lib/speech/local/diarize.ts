import type { DiarizationOptions, DiarizationProvider, DiarizationResult, DiarizationSegment, PreparedAudio } from "../types";
import { WavReader } from "../wav";
import { clusterVectors, nearest } from "./cluster";
import { resolveLocalConfig, type LocalEngineOptions, type ResolvedLocalConfig } from "./config";
import { extractRegionFrames, HOP_SECONDS, N_MFCC, summaryVector, type RegionFrames } from "./features";
import { speechRegions, type SpeechRegion } from "./vad";

/**
 * Local diarization.
 *
 * Per-side stereo (`stereo-split`): one speaker per channel, segments from each channel's energy VAD — exact
 * and nearly free. Both parties may talk at once, so segments of the two speakers can overlap.
 *
 * Mono (and duplicated stereo):
 * 1. speech regions from silero VAD (child process), split at quiet stretches (`vad.ts`);
 * 2. each region is cut into windows of ~`windowSeconds`; each window gets a summary vector (MFCC means and
 *    spreads, pitch median/spread, voiced share — `features.ts`);
 * 3. vectors are centred on the recording's mean, scaled by the typical within-speaker spread and weighted
 *    (pitch counts most: it separates voices well and does not depend on the words) — `standardise`;
 * 4. Ward clustering; the number of speakers is estimated by merging groups whose centroids are closer than
 *    `mergeDistance` (`cluster.ts`);
 * 5. windows too short to cluster are given the nearest speaker centroid (or their neighbour's speaker when
 *    they have too few frames for a vector); runs of windows are merged into segments, and a segment shorter
 *    than `minTurnSeconds` squeezed between two segments of the same other speaker is merged into them.
 *
 * Speaker labels: "Speaker 1", … in order of first appearance; for per-side stereo "Left channel" /
 * "Right channel".
 */

export const DIARIZATION_SETTINGS = {
  windowSeconds: 1.2,
  /** Windows shorter than this are not clustered (too noisy), only assigned. */
  minClusterSeconds: 0.5,
  minTurnSeconds: 0.4,
  /** Centroids closer than this (in within-speaker spread units, see `standardise`) are one speaker. */
  mergeDistance: 1.7,
  /** A speaker needs at least this share of the speech time and this many windows. */
  minShare: 0.05,
  minWindows: 2,
  /** Feature weights: MFCC means, MFCC spreads, pitch median, pitch spread, voiced share. */
  weights: { mfccMean: 1, mfccStd: 0.25, pitch: 3, pitchSpread: 0, voiced: 0 },
};

/**
 * Typical spread of each summary-vector dimension within one speaker (pooled over the speakers of the
 * generated fixtures, `docs/speech.md`): the unit of distance for clustering and the voiceprint.
 */
export const WITHIN_SPEAKER_SD = [
  9.2, 5.8, 6.5, 3.8, 2.6, 3.6, 2.7, 2.9, 2.0, 1.5, 1.4, 1.4, // MFCC 1-12 means
  7.7, 3.7, 4.5, 2.6, 2.0, 2.3, 1.3, 1.6, 1.1, 0.8, 0.9, 0.9, // MFCC 1-12 spreads
  0.096, 0.127, 0.083, // pitch median (log2), pitch IQR, voiced share
];

export interface Window {
  start: number;
  end: number;
  region: number;
  vector: number[] | null;
}

export class LocalDiarizationProvider implements DiarizationProvider {
  readonly name = "local";
  private readonly config: ResolvedLocalConfig;

  constructor(options: LocalEngineOptions = {}) {
    this.config = resolveLocalConfig(options);
  }

  async diarize(audio: PreparedAudio, options: DiarizationOptions = {}): Promise<DiarizationResult> {
    const regions = await speechRegions(audio, this.config, { signal: options.signal });
    if (audio.distinctChannels && regions.channels) {
      const segments: DiarizationSegment[] = [];
      regions.channels.forEach((list, channel) => {
        for (const r of list) segments.push({ speaker: `S${channel + 1}`, start: round(r.start), end: round(r.end) });
      });
      segments.sort((a, b) => a.start - b.start || a.speaker.localeCompare(b.speaker));
      const speakers = [0, 1]
        .filter((c) => regions.channels![c]!.length > 0)
        .map((c) => ({ id: `S${c + 1}`, label: c === 0 ? "Left channel" : "Right channel" }));
      return { speakers, segments };
    }
    const windows = await analyseWindows(audio.wavPath, regions.mono);
    options.signal?.throwIfAborted();
    const labels = labelWindows(windows, {
      ...(options.numSpeakers !== undefined ? { k: options.numSpeakers } : {}),
      maxK: options.maxSpeakers ?? 4,
    });
    return toResult(windows, labels);
  }
}

/** Speech regions → windows with summary vectors. */
export async function analyseWindows(wavPath: string, regions: SpeechRegion[]): Promise<Window[]> {
  const reader = await WavReader.open(wavPath);
  let frames: RegionFrames[];
  try {
    frames = await extractRegionFrames(reader, regions);
  } finally {
    await reader.close();
  }
  const perWindow = Math.round(DIARIZATION_SETTINGS.windowSeconds / HOP_SECONDS);
  const windows: Window[] = [];
  frames.forEach((fr, regionIndex) => {
    const { region } = fr;
    const pieces = Math.max(1, Math.round(fr.count / perWindow));
    const duration = region.end - region.start;
    for (let p = 0; p < pieces; p++) {
      const from = Math.floor((p * fr.count) / pieces);
      const to = Math.floor(((p + 1) * fr.count) / pieces);
      windows.push({
        start: region.start + (p * duration) / pieces,
        end: region.start + ((p + 1) * duration) / pieces,
        region: regionIndex,
        vector: summaryVector([{ frames: fr, from, to }]),
      });
    }
  });
  return windows;
}

/** Scale, cluster; returns a label per window (0-based). */
export function labelWindows(windows: Window[], options: { k?: number; maxK: number }): number[] {
  const s = DIARIZATION_SETTINGS;
  const usable = windows.map((w, i) => ({ w, i })).filter(({ w }) => w.vector !== null);
  if (usable.length === 0) return windows.map(() => 0);
  const scaled = standardise(usable.map(({ w }) => w.vector!));
  const indexed = usable.map((u, j) => ({ ...u, j }));
  const long = indexed.filter(({ w }) => w.end - w.start >= s.minClusterSeconds);
  const clusterSet = long.length >= 2 ? long : indexed;
  const result = clusterVectors(
    clusterSet.map(({ j }) => scaled[j]!),
    clusterSet.map(({ w }) => w.end - w.start),
    {
      ...(options.k !== undefined ? { k: options.k } : {}),
      maxK: options.maxK,
      mergeDistance: s.mergeDistance,
      minShare: s.minShare,
      minWindows: s.minWindows,
    },
  );
  const labels = new Array<number>(windows.length).fill(-1);
  clusterSet.forEach(({ i }, n) => (labels[i] = result.labels[n]!));
  // Short windows: the nearest speaker centroid.
  for (const { i, j } of indexed) if (labels[i] === -1) labels[i] = nearest(scaled[j]!, result.centroids);
  // Windows without a vector (a few frames): the speaker of the nearest window in time.
  for (let i = 0; i < windows.length; i++) {
    if (labels[i] !== -1) continue;
    let best = 0;
    let bestGap = Infinity;
    for (let j = 0; j < windows.length; j++) {
      if (windows[j]!.vector === null) continue;
      const gap = Math.max(windows[j]!.start - windows[i]!.end, windows[i]!.start - windows[j]!.end, 0);
      if (gap < bestGap) {
        bestGap = gap;
        best = labels[j]!;
      }
    }
    labels[i] = best;
  }
  return labels;
}

/**
 * Centre each dimension on the recording's mean (removes the channel: codec, microphone, phone band),
 * divide by the typical within-speaker spread, weight, and divide by √dim so a distance of ~1 is "one
 * within-speaker spread". Missing pitch becomes the recording mean.
 */
export function standardise(vectors: number[][]): number[][] {
  const dim = vectors[0]?.length ?? 0;
  const means: number[] = [];
  for (let d = 0; d < dim; d++) {
    const values = vectors.map((v) => v[d]!).filter((x) => !Number.isNaN(x));
    means.push(values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
  }
  return vectors.map((v) => scaleVector(v, means));
}

export type FeatureWeights = (typeof DIARIZATION_SETTINGS)["weights"];

export function featureWeight(d: number, w: FeatureWeights = DIARIZATION_SETTINGS.weights): number {
  if (d < N_MFCC) return w.mfccMean;
  if (d < 2 * N_MFCC) return w.mfccStd;
  if (d === 2 * N_MFCC) return w.pitch;
  return d === 2 * N_MFCC + 1 ? w.pitchSpread : w.voiced;
}

/** (v - center) / within-speaker SD × weight / √dim. NaN → 0 (the center). */
export function scaleVector(v: number[], center: number[], weights?: FeatureWeights): number[] {
  const root = Math.sqrt(v.length);
  return v.map((x, d) => (Number.isNaN(x) ? 0 : ((x - center[d]!) / WITHIN_SPEAKER_SD[d]!) * featureWeight(d, weights)) / root);
}

function toResult(windows: Window[], labels: number[]): DiarizationResult {
  // Merge consecutive windows of the same region and label.
  const segments: { label: number; start: number; end: number; region: number }[] = [];
  windows.forEach((w, i) => {
    const label = labels[i]!;
    const last = segments.at(-1);
    if (last && last.region === w.region && last.label === label) last.end = w.end;
    else segments.push({ label, start: w.start, end: w.end, region: w.region });
  });
  // Short-turn handling: a short segment between two segments of the same other speaker (close in time)
  // is most likely a misfit window of that speaker.
  const min = DIARIZATION_SETTINGS.minTurnSeconds;
  for (let i = 1; i < segments.length - 1; i++) {
    const prev = segments[i - 1]!, cur = segments[i]!, next = segments[i + 1]!;
    if (cur.end - cur.start >= min || prev.label !== next.label || prev.label === cur.label) continue;
    if (cur.start - prev.end > 0.5 || next.start - cur.end > 0.5) continue;
    cur.label = prev.label;
  }
  const merged: typeof segments = [];
  for (const s of segments) {
    const last = merged.at(-1);
    if (last && last.label === s.label && s.start - last.end < 0.05) last.end = s.end;
    else merged.push({ ...s });
  }
  // Speaker ids in order of first appearance.
  const order = new Map<number, string>();
  for (const s of merged) if (!order.has(s.label)) order.set(s.label, `S${order.size + 1}`);
  return {
    speakers: [...order.values()].map((id, i) => ({ id, label: `Speaker ${i + 1}` })),
    segments: merged.map((s) => ({ speaker: order.get(s.label)!, start: round(s.start), end: round(s.end) })),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
