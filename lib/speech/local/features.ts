import Meyda from "meyda";
import type { WavReader } from "../wav";
import type { SpeechRegion } from "./vad";

/**
 * Per-frame speaker features of speech regions: 19 MFCCs over 40 mel bands (meyda; c0 dropped — it is loudness, not voice)
 * and pitch (normalised cross-correlation on a 8 kHz copy of the frame). Frames are 32 ms, every 16 ms.
 *
 * Pure JavaScript, so it runs in the server process; it yields to the event loop between regions so a long
 * call does not stall other requests.
 */

export const SAMPLE_RATE = 16000;
export const FRAME_LEN = 512;
export const HOP = 256;
export const HOP_SECONDS = HOP / SAMPLE_RATE;
export const N_MFCC = 19;

export interface RegionFrames {
  region: SpeechRegion;
  /** Time of frame i's centre: `t0 + i * HOP_SECONDS`. */
  t0: number;
  count: number;
  /** count × N_MFCC, row-major. */
  mfcc: Float32Array;
  energyDb: Float32Array;
  /** log2(f0 / 100 Hz) for voiced frames, NaN for unvoiced. */
  logF0: Float32Array;
}

let meydaReady = false;
function setupMeyda() {
  if (meydaReady) return;
  Meyda.bufferSize = FRAME_LEN;
  Meyda.sampleRate = SAMPLE_RATE;
  Meyda.melBands = 40;
  Meyda.numberOfMFCCCoefficients = N_MFCC + 1;
  Meyda.windowingFunction = "hamming";
  meydaReady = true;
}

export async function extractRegionFrames(reader: WavReader, regions: SpeechRegion[]): Promise<RegionFrames[]> {
  setupMeyda();
  const out: RegionFrames[] = [];
  let sinceYield = 0;
  for (const region of regions) {
    const startSample = Math.max(0, Math.round(region.start * SAMPLE_RATE));
    const endSample = Math.min(reader.info.frames, Math.round(region.end * SAMPLE_RATE));
    const samples = await reader.readFloat(startSample, endSample - startSample);
    out.push(framesOf(samples, region, startSample / SAMPLE_RATE));
    sinceYield += samples.length;
    if (sinceYield > SAMPLE_RATE * 20) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return out;
}

/** Frames of speech regions of in-memory 16 kHz samples (training, benchmarks). */
export function framesOfSamples(samples: Float32Array, regions: SpeechRegion[]): RegionFrames[] {
  setupMeyda();
  return regions.map((region) => {
    const from = Math.max(0, Math.round(region.start * SAMPLE_RATE));
    const to = Math.min(samples.length, Math.round(region.end * SAMPLE_RATE));
    return framesOf(samples.subarray(from, to), region, from / SAMPLE_RATE);
  });
}

function framesOf(samples: Float32Array, region: SpeechRegion, offsetSeconds: number): RegionFrames {
  const count = samples.length >= FRAME_LEN ? 1 + Math.floor((samples.length - FRAME_LEN) / HOP) : 0;
  const mfcc = new Float32Array(count * N_MFCC);
  const energyDb = new Float32Array(count);
  const logF0 = new Float32Array(count);
  const frame = new Float32Array(FRAME_LEN);
  const decimated = new Float32Array(FRAME_LEN / 2);
  let seed = 12345;
  for (let f = 0; f < count; f++) {
    const at = f * HOP;
    let energy = 0;
    for (let i = 0; i < FRAME_LEN; i++) {
      const x = samples[at + i]!;
      energy += x * x;
      // Pre-emphasis, int16 scale (meyda takes log(band + 1): at full-scale floats that would be ~linear),
      // and a tiny deterministic dither so digital silence has a finite log.
      const prev = i > 0 ? samples[at + i - 1]! : at > 0 ? samples[at - 1]! : 0;
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      frame[i] = (x - 0.97 * prev) * 32768 + (seed / 0x7fffffff - 0.5);
    }
    energyDb[f] = 10 * Math.log10(energy / FRAME_LEN + 1e-10);
    // The array form returns `{ mfcc }` (a single feature name would return the bare array).
    const features = Meyda.extract(["mfcc"], frame);
    const coefficients = features?.mfcc ?? [];
    for (let c = 0; c < N_MFCC; c++) mfcc[f * N_MFCC + c] = coefficients[c + 1] ?? 0;
    for (let i = 0; i < decimated.length; i++) decimated[i] = 0.5 * (samples[at + 2 * i]! + samples[at + 2 * i + 1]!);
    logF0[f] = pitchLog2(decimated);
  }
  return { region, t0: offsetSeconds + FRAME_LEN / 2 / SAMPLE_RATE, count, mfcc, energyDb, logF0 };
}

const MIN_LAG = 20; // 400 Hz at 8 kHz
const MAX_LAG = 133; // 60 Hz

/** log2(f0 / 100) by normalised cross-correlation, or NaN when the frame is not clearly periodic. */
export function pitchLog2(x: Float32Array): number {
  const n = x.length;
  let best = 0;
  const r = new Float32Array(MAX_LAG + 1);
  for (let lag = MIN_LAG; lag <= MAX_LAG && lag < n - 16; lag++) {
    let num = 0, e1 = 0, e2 = 0;
    for (let i = 0; i + lag < n; i++) {
      const a = x[i]!, b = x[i + lag]!;
      num += a * b;
      e1 += a * a;
      e2 += b * b;
    }
    const v = e1 > 0 && e2 > 0 ? num / Math.sqrt(e1 * e2) : 0;
    r[lag] = v;
    if (v > best) best = v;
  }
  if (best < 0.5) return Number.NaN;
  // The first local peak close to the best one (avoids picking a multiple of the period).
  for (let lag = MIN_LAG + 1; lag < MAX_LAG; lag++) {
    const v = r[lag]!;
    if (v >= 0.85 * best && v >= r[lag - 1]! && v >= r[lag + 1]!) {
      const a = r[lag - 1]!, b = v, c = r[lag + 1]!;
      const denom = a - 2 * b + c;
      const shift = denom !== 0 ? (0.5 * (a - c)) / denom : 0;
      const f0 = 8000 / (lag + Math.max(-0.5, Math.min(0.5, shift)));
      return Math.log2(f0 / 100);
    }
  }
  return Number.NaN;
}

// --- speaker statistics --------------------------------------------------------------------------------------

/**
 * Length of `speakerStats`: MFCC 1–19 means, their standard deviations, the standard deviations of their
 * deltas (how fast the spectrum moves), pitch median, pitch spread (IQR), voiced share.
 */
export const STATS_DIM = 3 * N_MFCC + 3;

export interface FrameRef {
  frames: RegionFrames;
  from: number;
  to: number;
}

/**
 * Frame-level statistics of some speech (possibly from several regions) — the input of the speaker model
 * (`speaker-model.ts`). Frames more than 30 dB below the loudest frame are left out (pauses, breath), deltas
 * are taken inside each region only, pitch from voiced frames. Null when fewer than `minFrames` frames remain.
 */
export function speakerStats(refs: FrameRef[], minFrames = 8): number[] | null {
  let maxDb = -Infinity;
  for (const { frames, from, to } of refs) for (let i = from; i < to; i++) maxDb = Math.max(maxDb, frames.energyDb[i]!);
  const floor = maxDb - 30;
  const sum = new Float64Array(N_MFCC);
  const sq = new Float64Array(N_MFCC);
  const deltaSq = new Float64Array(N_MFCC);
  const pitches: number[] = [];
  let n = 0;
  let deltaN = 0;
  for (const { frames, from, to } of refs) {
    const m = frames.mfcc;
    for (let i = from; i < to; i++) {
      if (frames.energyDb[i]! < floor) continue;
      n++;
      for (let c = 0; c < N_MFCC; c++) {
        const v = m[i * N_MFCC + c]!;
        sum[c] = sum[c]! + v;
        sq[c] = sq[c]! + v * v;
      }
      if (i >= from + 2 && i < to - 2) {
        deltaN++;
        for (let c = 0; c < N_MFCC; c++) {
          const d = (2 * (m[(i + 2) * N_MFCC + c]! - m[(i - 2) * N_MFCC + c]!) + m[(i + 1) * N_MFCC + c]! - m[(i - 1) * N_MFCC + c]!) / 10;
          deltaSq[c] = deltaSq[c]! + d * d;
        }
      }
      const p = frames.logF0[i]!;
      if (!Number.isNaN(p)) pitches.push(p);
    }
  }
  if (n < minFrames) return null;
  const out: number[] = [];
  for (let c = 0; c < N_MFCC; c++) out.push(sum[c]! / n);
  for (let c = 0; c < N_MFCC; c++) out.push(Math.sqrt(Math.max(0, sq[c]! / n - (sum[c]! / n) ** 2)));
  for (let c = 0; c < N_MFCC; c++) out.push(Math.sqrt(deltaSq[c]! / Math.max(1, deltaN)));
  pitches.sort((a, b) => a - b);
  const q = (p: number) => pitches[Math.min(pitches.length - 1, Math.floor(p * pitches.length))]!;
  if (pitches.length >= 3) out.push(q(0.5), q(0.75) - q(0.25), pitches.length / n);
  else out.push(0, 0, pitches.length / n);
  return out;
}
