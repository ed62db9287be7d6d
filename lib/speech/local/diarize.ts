import type { DiarizationOptions, DiarizationProvider, DiarizationResult, DiarizationSegment, PreparedAudio } from "../types";
import { WavReader } from "../wav";
import { clusterEmbeddings, nearest } from "./cluster";
import { resolveLocalConfig, type LocalEngineOptions, type ResolvedLocalConfig } from "./config";
import { extractRegionFrames, HOP_SECONDS, speakerStats, type RegionFrames } from "./features";
import { isNarrowband, NARROWBAND_SPEAKER_MODEL, normalise, projectSpeaker, SPEAKER_MODEL, type SpeakerModel } from "./speaker-model";
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
 * 3. each window's statistics are projected by the speaker model (`speaker-model.ts`) and length-normalised;
 *    when the windows are spread out (more than one voice likely), half of the call's mean direction is
 *    taken off first (`offsetGuard`, `offsetShrink`);
 * 4. average-linkage clustering on cosine distance, the tree cut at a threshold chosen on the tuning readers
 *    (`cluster.ts`) — the speaker count;
 * 5. windows too short to cluster are given the nearest speaker centroid (or their neighbour's speaker when
 *    they have too few frames for a vector); runs of windows are merged into segments, and a segment shorter
 *    than `minTurnSeconds` squeezed between two segments of the same other speaker is merged into them.
 *
 * Speaker labels: "Speaker 1", … in order of first appearance; for per-side stereo "Left channel" /
 * "Right channel".
 */

export const DIARIZATION_SETTINGS = {
  /** Analysis windows: this long, this far apart (they overlap), inside speech regions. */
  windowSeconds: 1.5,
  hopSeconds: 0.75,
  /** Windows shorter than this are not clustered (too noisy), only assigned. */
  minClusterSeconds: 0.7,
  minTurnSeconds: 0.4,
  /** Average distance in the speaker model's space under which groups are one speaker (docs/speech.md). */
  clusterThreshold: 0.65,
  /** The same for phone-band calls (8 kHz sources), in the narrowband model's space. */
  narrowbandThreshold: 0.7,
  /**
   * Recording offset: a call's windows share the room, the microphone and the channel, which pulls every
   * voice the same way. When the windows are spread out (their mean direction's length — the mean resultant
   * length — is under `offsetGuard`: more than one voice is likely), `offsetShrink` × their mean is taken off
   * each embedding before clustering, and the tree is cut at `offsetThreshold` in that space; above the guard
   * the call is clustered as before (cut `clusterThreshold`). The guard and the cut were chosen by
   * cross-validation on the tuning readers (`scripts/speech-corpus/cv-diarization.ts`: each fold's calls
   * projected by a model that never heard them, as a new user's call is); docs/speech.md.
   */
  offsetGuard: 0.84,
  offsetShrink: 0.5,
  offsetThreshold: 0.85,
  /** `mergeInterleaved`: groups alternating inside speech regions this often are one voice (0: off). */
  interleaveMerge: 0.25,
  /**
   * Phone-band calls keep the earlier settings (guard 0.78, cut 0.95, no interleave merge): the cross-validation
   * above covered 16 kHz calls only.
   */
  narrowbandOffsetGuard: 0.78,
  narrowbandOffsetThreshold: 0.95,
  narrowbandInterleaveMerge: 0,
  /** A speaker needs at least this share of the speech time and this many windows. */
  minShare: 0.04,
  minWindows: 3,
};

export interface Window {
  /** The time this window labels. */
  start: number;
  end: number;
  /** Seconds of audio its embedding was computed from (more than end − start: windows overlap). */
  analysedSeconds: number;
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
    const narrow = isNarrowband(audio.sourceSampleRate);
    const windows = await analyseWindows(audio.wavPath, regions.mono, narrow ? NARROWBAND_SPEAKER_MODEL : SPEAKER_MODEL);
    options.signal?.throwIfAborted();
    const s = DIARIZATION_SETTINGS;
    const labels = labelWindows(windows, {
      ...(narrow
        ? { threshold: s.narrowbandThreshold, offsetGuard: s.narrowbandOffsetGuard, offsetThreshold: s.narrowbandOffsetThreshold, interleaveMerge: s.narrowbandInterleaveMerge }
        : { threshold: s.clusterThreshold }),
      ...(options.numSpeakers !== undefined ? { k: options.numSpeakers } : {}),
      maxK: options.maxSpeakers ?? 4,
    });
    return toResult(windows, labels);
  }
}

/** Speech regions → overlapping analysis windows, each with its speaker embedding (null: too few frames). */
export async function analyseWindows(wavPath: string, regions: SpeechRegion[], model: SpeakerModel = SPEAKER_MODEL): Promise<Window[]> {
  const reader = await WavReader.open(wavPath);
  let frames: RegionFrames[];
  try {
    frames = await extractRegionFrames(reader, regions);
  } finally {
    await reader.close();
  }
  return windowsOf(frames, model);
}

export function windowsOf(frames: RegionFrames[], model: SpeakerModel = SPEAKER_MODEL): Window[] {
  const s = DIARIZATION_SETTINGS;
  const per = Math.round(s.windowSeconds / HOP_SECONDS);
  const hop = Math.round(s.hopSeconds / HOP_SECONDS);
  const windows: Window[] = [];
  frames.forEach((fr, regionIndex) => {
    const { region } = fr;
    // Evenly spread windows covering the whole region; a region shorter than one window is one window.
    const pieces = fr.count <= per ? 1 : 1 + Math.ceil((fr.count - per) / hop);
    const step = pieces > 1 ? (fr.count - per) / (pieces - 1) : 0;
    const centre = (p: number) => fr.t0 + ((pieces > 1 ? Math.round(p * step) : 0) + Math.min(per, fr.count) / 2) * HOP_SECONDS;
    for (let p = 0; p < pieces; p++) {
      const from = pieces > 1 ? Math.round(p * step) : 0;
      const to = pieces > 1 ? from + per : fr.count;
      const stats = speakerStats([{ frames: fr, from, to }]);
      // Windows overlap for analysis; each one labels only the time nearer its centre than its neighbours'.
      windows.push({
        start: p === 0 ? region.start : (centre(p - 1) + centre(p)) / 2,
        end: p === pieces - 1 ? region.end : (centre(p) + centre(p + 1)) / 2,
        analysedSeconds: (to - from) * HOP_SECONDS,
        region: regionIndex,
        vector: stats ? projectSpeaker(stats, model) : null,
      });
    }
  });
  return windows;
}

/** Cluster the windows' embeddings; returns a label per window (0-based). */
/** `threshold` is the plain cut (calls whose windows agree); `offsetThreshold` the cut after the offset is shrunk. */
export function labelWindows(
  windows: Window[],
  options: { k?: number; maxK: number; threshold?: number; offsetThreshold?: number; offsetGuard?: number; interleaveMerge?: number },
): number[] {
  const s = DIARIZATION_SETTINGS;
  const usable = windows.map((w, i) => ({ w, i })).filter(({ w }) => w.vector !== null);
  if (usable.length === 0) return windows.map(() => 0);
  const long = usable.filter(({ w }) => w.analysedSeconds >= s.minClusterSeconds);
  const clusterSet = long.length >= 2 ? long : usable;
  let embeddings = usable.map(({ w }) => normalise(w.vector!));
  let threshold = options.threshold ?? s.clusterThreshold;
  const spread = meanDirection(clusterSet.map(({ w }) => normalise(w.vector!)), clusterSet.map(({ w }) => w.end - w.start));
  if (Math.hypot(...spread) < (options.offsetGuard ?? s.offsetGuard)) {
    embeddings = embeddings.map((e) => normalise(e.map((x, d) => x - s.offsetShrink * spread[d]!)));
    threshold = options.offsetThreshold ?? s.offsetThreshold;
  }
  const embeddingOf = new Map(usable.map(({ i }, n) => [i, embeddings[n]!]));
  const result = clusterEmbeddings(
    clusterSet.map(({ i }) => embeddingOf.get(i)!),
    clusterSet.map(({ w }) => w.end - w.start),
    {
      ...(options.k !== undefined ? { k: options.k } : {}),
      maxK: options.maxK,
      threshold,
      minShare: s.minShare,
      minWindows: s.minWindows,
    },
  );
  const labels = new Array<number>(windows.length).fill(-1);
  clusterSet.forEach(({ i }, n) => (labels[i] = result.labels[n]!));
  // Short windows: the nearest speaker centroid.
  for (const { i } of usable) if (labels[i] === -1) labels[i] = nearest(embeddingOf.get(i)!, result.centroids);
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
  const interleave = options.interleaveMerge ?? s.interleaveMerge;
  return options.k === undefined && interleave > 0 ? mergeInterleaved(windows, labels, interleave) : labels;
}

/**
 * Two groups that keep taking turns inside one speech region are one voice split in two. Speech regions end at
 * pauses, and people rarely hand over without one, so neighbouring windows of one region belong to different
 * speakers only at the few turn changes the VAD did not cut — while a voice the clustering split alternates
 * between its halves within nearly every region. Groups are merged, most interleaved pair first, while the
 * number of such within-region neighbours is at least `ratio` × the smaller group's windows.
 */
export function mergeInterleaved(windows: Window[], labels: number[], ratio: number): number[] {
  let out = [...labels];
  for (;;) {
    const ids = [...new Set(out)];
    if (ids.length <= 1) return out;
    const size = new Map<number, number>();
    for (const l of out) size.set(l, (size.get(l) ?? 0) + 1);
    const pairs = new Map<string, number>();
    for (let i = 1; i < windows.length; i++) {
      const a = out[i - 1]!, b = out[i]!;
      if (a === b || windows[i - 1]!.region !== windows[i]!.region) continue;
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      pairs.set(key, (pairs.get(key) ?? 0) + 1);
    }
    let best: { a: number; b: number; score: number } | null = null;
    for (const [key, n] of pairs) {
      const [a, b] = key.split(",").map(Number) as [number, number];
      const score = n / Math.min(size.get(a)!, size.get(b)!);
      if (score >= ratio && (!best || score > best.score)) best = { a, b, score };
    }
    if (!best) return out;
    const { a, b } = best;
    out = out.map((l) => (l === b ? a : l));
  }
}

export function toResult(windows: Window[], labels: number[]): DiarizationResult {
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

/** Weighted mean of unit vectors (its length is the mean resultant length: 1 when they all agree). */
function meanDirection(points: number[][], weights: number[]): number[] {
  const m = new Array<number>(points[0]?.length ?? 0).fill(0);
  let total = 0;
  points.forEach((p, i) => {
    const w = weights[i] ?? 1;
    for (let d = 0; d < m.length; d++) m[d]! += p[d]! * w;
    total += w;
  });
  return m.map((x) => x / Math.max(total, 1e-12));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
