import { STATS_DIM } from "./features";
import narrowband from "./speaker-model-narrowband.json";
import trained from "./speaker-model.json";
import voiceprintTrained from "./voiceprint-model.json";

/**
 * The local speaker model: a linear discriminant projection of frame-level statistics (`speakerStats`: MFCC
 * means, spreads and delta spreads, pitch), learned on real voices — the TUNING half of the LibriSpeech
 * development readers (even ids) — by `npm run train:speakers` (`scripts/train-speaker-model.ts`), which
 * writes `speaker-model.json`. Directions in which one reader varies a lot (the words, the phonemes) are
 * shrunk, directions that tell readers apart are kept, so cosine similarity in the projected space compares
 * voices rather than sentences.
 *
 * `embedSpeaker(stats)`: standardise each statistic, project to `dim` dimensions, centre on the training
 * readers' mean, and length-normalise (cosine = dot product).
 */

export interface SpeakerModel {
  kind: "scryon-speaker-lda";
  version: string;
  inputDim: number;
  dim: number;
  center: number[];
  scale: number[];
  /** dim rows × inputDim columns. */
  projection: number[][];
  outputMean: number[];
  /** Embeddings of readers the projection was NOT trained on (whole clips), for score normalisation (`voiceprint.ts`). */
  cohort?: number[][];
  trainedOn: { readers: number; chunks: number; chunkSeconds: number; split: string; augment: string[] };
}

/** The model for 16 kHz speech, trained with phone-band copies too (so voiceprints compare across the two). */
export const SPEAKER_MODEL = trained as SpeakerModel;
/** The model for calls that arrived at 8 kHz or less (phone band), trained on phone-band copies only. */
export const NARROWBAND_SPEAKER_MODEL = narrowband as SpeakerModel;
/**
 * The voiceprint's model: the same kind of projection trained on three quarters of the tuning readers, with the
 * other quarter — voices it never saw, like a new user's — as its score-normalisation cohort.
 */
export const VOICEPRINT_SPEAKER_MODEL = voiceprintTrained as SpeakerModel;

for (const model of [SPEAKER_MODEL, NARROWBAND_SPEAKER_MODEL, VOICEPRINT_SPEAKER_MODEL]) {
  if (model.inputDim !== STATS_DIM) {
    throw new Error(`The speaker model was trained on ${model.inputDim} statistics, the features give ${STATS_DIM}: run npm run train:speakers`);
  }
}

/** Diarization uses the narrowband model for audio whose source had no content above 4 kHz. */
export function isNarrowband(sourceSampleRate: number | null): boolean {
  return sourceSampleRate !== null && sourceSampleRate <= 8000;
}

/** Unnormalised projection (centred on the training mean). */
export function projectSpeaker(stats: ArrayLike<number>, model: SpeakerModel = SPEAKER_MODEL): number[] {
  const x = new Array<number>(model.inputDim);
  for (let d = 0; d < model.inputDim; d++) {
    const v = stats[d]!;
    x[d] = Number.isFinite(v) ? (v - model.center[d]!) / model.scale[d]! : 0;
  }
  return model.projection.map((row, k) => {
    let s = 0;
    for (let d = 0; d < row.length; d++) s += row[d]! * x[d]!;
    return s - model.outputMean[k]!;
  });
}

/** Length-normalised speaker embedding of some speech's statistics. */
export function embedSpeaker(stats: ArrayLike<number>, model: SpeakerModel = SPEAKER_MODEL): number[] {
  return normalise(projectSpeaker(stats, model));
}

export function normalise(v: number[]): number[] {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return n > 0 ? v.map((x) => x / n) : v.map(() => 0);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
