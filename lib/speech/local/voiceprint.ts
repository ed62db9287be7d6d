import type {
  DiarizationResult,
  PreparedAudio,
  VoiceprintMatch,
  VoiceprintProfile,
  VoiceprintProvider,
} from "../types";
import { SpeechAudioError } from "../errors";
import { WavReader } from "../wav";
import { resolveLocalConfig, type LocalEngineOptions, type ResolvedLocalConfig } from "./config";
import { scaleVector } from "./diarize";
import { extractRegionFrames, summaryVector, SUMMARY_DIM } from "./features";
import { speechRegions, type SpeechRegion } from "./vad";

/**
 * Local voiceprint: the summary vector of all of a voice's speech (MFCC means/spreads, pitch — the same
 * features as diarization, `features.ts`), scaled like diarization (within-speaker spread units, weighted)
 * but centred on a fixed population mean instead of the recording's mean, so vectors from different
 * recordings are comparable. Similarity is the cosine of two such vectors.
 *
 * The threshold was calibrated on the generated fixtures (`npm run bench:speech -- --calibrate`, see
 * docs/speech.md): the enrollment samples against every speaker of every 16 kHz fixture call. These are
 * synthetic voices; with real voices, and across different microphones/codecs (MFCC means carry the channel),
 * expect lower same-speaker scores — the resolver treats a miss as "unknown", which is the safe side.
 */

export const VOICEPRINT_MODEL = "scryon-mfcc-pitch";
export const VOICEPRINT_MODEL_VERSION = "1";
/**
 * Same voice scored 0.74–0.99 on the fixtures, different voices up to 0.73 once festival voices joined the
 * espeak-ng ones (0.55 had been enough for espeak-ng alone). 0.8 stays clear of every different-voice score
 * measured, at the price of calling a few true matches "unknown" — the safe side for the resolver.
 */
export const VOICEPRINT_THRESHOLD = 0.8;

/** Mean summary vector over the fixture voices (16 kHz), the origin for cosine similarity. */
export const POPULATION_MEAN = [
  -41.6, -7.92, -3.89, -14.9, -15.4, -7.87, -10.9, -5.04, -0.868, -1.59, -1.16, -4.26,
  39.4, 21, 20.8, 14.4, 14.5, 13.7, 10.7, 10.5, 8.33, 6.82, 7.31, 6.98,
  0.0439, 0.174, 0.754,
];

/** Feature weights for the voiceprint (see docs/speech.md for how they were chosen). */
export const VOICEPRINT_WEIGHTS = { mfccMean: 1, mfccStd: 0.25, pitch: 1, pitchSpread: 0, voiced: 0 };

/** Seconds of speech a voice sample needs. */
export const MIN_ENROLL_SECONDS = 3;

/** At most this much of one voice is analysed (the first seconds of its speech). */
export const MAX_SECONDS_PER_VOICE = 90;

export interface LocalVoiceprintEmbedding {
  kind: "scryon-local-voiceprint";
  model: string;
  version: string;
  /** Scaled, population-centred summary vector. */
  vector: number[];
  /** Seconds of speech it was computed from. */
  speechSeconds: number;
}

export class LocalVoiceprintProvider implements VoiceprintProvider {
  readonly name = "local";
  readonly model = VOICEPRINT_MODEL;
  readonly modelVersion = VOICEPRINT_MODEL_VERSION;
  readonly threshold = VOICEPRINT_THRESHOLD;
  private readonly config: ResolvedLocalConfig;

  constructor(options: LocalEngineOptions = {}) {
    this.config = resolveLocalConfig(options);
  }

  /** @throws SpeechAudioError when the sample has less than `MIN_ENROLL_SECONDS` of speech. */
  async enroll(sample: PreparedAudio): Promise<{ embedding: LocalVoiceprintEmbedding }> {
    const regions = await speechRegions(sample, this.config);
    let embedding: LocalVoiceprintEmbedding;
    if (sample.distinctChannels && regions.channels) {
      // A per-side stereo sample: the side with more speech (a voice sample has one speaker).
      const [l, r] = regions.channels;
      const useLeft = total(l) >= total(r);
      embedding = await this.embed(sample.channelWavPaths[useLeft ? 0 : 1]!, useLeft ? l : r);
    } else {
      embedding = await this.embed(sample.wavPath, regions.mono);
    }
    if (embedding.speechSeconds < MIN_ENROLL_SECONDS) {
      throw new SpeechAudioError(`The voice sample has too little speech (${embedding.speechSeconds.toFixed(1)} s; at least ${MIN_ENROLL_SECONDS} s are needed).`);
    }
    return { embedding };
  }

  async identify(audio: PreparedAudio, diarization: DiarizationResult, profiles: VoiceprintProfile[]): Promise<VoiceprintMatch[]> {
    const usable = profiles
      .map((p) => ({ userId: p.userId, vector: parseEmbedding(p.embedding) }))
      .filter((p): p is { userId: string; vector: number[] } => p.vector !== null);
    const scored: { speaker: string; userId: string | null; score: number }[] = [];
    for (const speaker of diarization.speakers) {
      const segments = diarization.segments.filter((s) => s.speaker === speaker.id);
      // Per-side stereo: the local diarizer names the left channel S1 and the right S2.
      const channel = audio.distinctChannels ? (speaker.id === "S1" ? 0 : speaker.id === "S2" ? 1 : -1) : -1;
      const wav = channel >= 0 ? audio.channelWavPaths[channel]! : audio.wavPath;
      const embedding = await this.embed(wav, segments);
      let best: { userId: string | null; score: number } = { userId: null, score: -1 };
      if (embedding.speechSeconds > 0) {
        for (const p of usable) {
          const score = cosine(embedding.vector, p.vector);
          if (score > best.score) best = { userId: p.userId, score };
        }
      }
      scored.push({ speaker: speaker.id, ...best });
    }
    return assignMatches(scored, this.threshold);
  }

  /** Embedding of the speech inside `regions` of a mono 16 kHz WAV. */
  async embed(wavPath: string, regions: SpeechRegion[]): Promise<LocalVoiceprintEmbedding> {
    const { regions: limited, seconds } = limitRegions(regions, MAX_SECONDS_PER_VOICE);
    const reader = await WavReader.open(wavPath);
    let vector: number[] | null;
    try {
      const frames = await extractRegionFrames(reader, limited);
      vector = summaryVector(frames.map((f) => ({ frames: f, from: 0, to: f.count })));
    } finally {
      await reader.close();
    }
    return {
      kind: "scryon-local-voiceprint",
      model: VOICEPRINT_MODEL,
      version: VOICEPRINT_MODEL_VERSION,
      vector: vector ? scaleVector(vector, POPULATION_MEAN, VOICEPRINT_WEIGHTS).map(round) : new Array<number>(SUMMARY_DIM).fill(0),
      speechSeconds: vector ? round(seconds) : 0,
    };
  }
}

/** The vector of an embedding made by this provider and version, or null. */
export function parseEmbedding(embedding: unknown): number[] | null {
  if (typeof embedding !== "object" || embedding === null) return null;
  const e = embedding as Partial<LocalVoiceprintEmbedding>;
  if (e.kind !== "scryon-local-voiceprint" || e.model !== VOICEPRINT_MODEL || e.version !== VOICEPRINT_MODEL_VERSION) return null;
  if (!Array.isArray(e.vector) || e.vector.length !== SUMMARY_DIM || !e.vector.every((x) => typeof x === "number" && Number.isFinite(x))) {
    return null;
  }
  if (!e.speechSeconds) return null;
  return e.vector;
}

/**
 * Best profile per speaker → matches: a profile goes to at most one speaker, the best-scoring one at or above
 * the threshold; every other speaker gets `userId: null` (shared by the voiceprint providers).
 */
export function assignMatches(scored: { speaker: string; userId: string | null; score: number }[], threshold: number): VoiceprintMatch[] {
  const owner = new Map<string, { speaker: string; score: number }>();
  for (const s of scored) {
    if (s.userId === null || s.score < threshold) continue;
    const current = owner.get(s.userId);
    if (!current || s.score > current.score) owner.set(s.userId, { speaker: s.speaker, score: s.score });
  }
  return scored.map((s) => ({
    speaker: s.speaker,
    userId: s.userId !== null && owner.get(s.userId)?.speaker === s.speaker ? s.userId : null,
    score: round(s.score),
  }));
}

/** The first `maxSeconds` of speech of `regions` (in time order), and how many seconds that is. */
export function limitRegions(regions: SpeechRegion[], maxSeconds: number): { regions: SpeechRegion[]; seconds: number } {
  const limited: SpeechRegion[] = [];
  let seconds = 0;
  for (const r of [...regions].sort((a, b) => a.start - b.start)) {
    if (seconds >= maxSeconds) break;
    const end = Math.min(r.end, r.start + (maxSeconds - seconds));
    limited.push({ start: r.start, end });
    seconds += end - r.start;
  }
  return { regions: limited, seconds };
}

export function cosine(a: number[], b: number[]): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

function total(regions: SpeechRegion[]): number {
  return regions.reduce((a, r) => a + (r.end - r.start), 0);
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000 || 0; // no -0: it does not survive JSON
}
