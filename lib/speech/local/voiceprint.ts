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
import { extractRegionFrames, speakerStats } from "./features";
import { embedSpeaker, VOICEPRINT_SPEAKER_MODEL } from "./speaker-model";
import { speechRegions, type SpeechRegion } from "./vad";

/**
 * Local voiceprint: the voiceprint model's embedding (`speaker-model.ts`, `VOICEPRINT_SPEAKER_MODEL`: frame-level
 * MFCC/pitch statistics projected by a discriminant analysis learned on real voices, length-normalised) of all
 * of a voice's speech, up to `MAX_SECONDS_PER_VOICE`. Similarity is the S-normalised cosine (`voiceprintScore`).
 *
 * The threshold was chosen by cross-validation on the TUNING readers (`scripts/speech-corpus/cv-diarization.ts`
 * and `cv-voiceprint.ts`, docs/speech.md "Voiceprint"): four folds, each scored by a projection trained on the
 * other three — voices the projection never saw, as a new user's are — in 40 s calls diarized the same way; the
 * S-norm score above which at most 1 % of those calls without the user name a wrong "You". It was then measured
 * once on the held-out readers.
 */

export const VOICEPRINT_MODEL = "scryon-mfcc-lda";
/** 3: 30 dimensions (was 25, the diarizer's model): earlier profiles are ignored and the user enrolls again. */
export const VOICEPRINT_MODEL_VERSION = "3";
/** Score (`voiceprintScore`) at or above which a diarized speaker is the enrolled user: the logistic's middle. */
export const VOICEPRINT_THRESHOLD = 0.5;
/** The S-norm score the logistic is centred on: the cross-validated 1 %-wrong-"You" point (docs/speech.md). */
export const SNORM_THRESHOLD = 2.2;

/** Seconds of speech a voice sample needs. */
export const MIN_ENROLL_SECONDS = 3;

/** At most this much of one voice is analysed (the first seconds of its speech). */
export const MAX_SECONDS_PER_VOICE = 90;

export interface LocalVoiceprintEmbedding {
  kind: "scryon-local-voiceprint";
  model: string;
  version: string;
  /** Unit-length speaker-model embedding. */
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
          const score = voiceprintScore(embedding.vector, p.vector);
          if (score > best.score) best = { userId: p.userId, score };
        }
      }
      scored.push({ speaker: speaker.id, ...best });
    }
    return assignMatches(scored, this.threshold);
  }

  /** Embedding of the speech inside `regions` of a mono 16 kHz WAV. */
  async embed(wavPath: string, regions: SpeechRegion[]): Promise<LocalVoiceprintEmbedding> {
    const { stats: vector, seconds } = await voiceStats(wavPath, regions);
    return {
      kind: "scryon-local-voiceprint",
      model: VOICEPRINT_MODEL,
      version: VOICEPRINT_MODEL_VERSION,
      vector: vector ? embedSpeaker(vector, VOICEPRINT_SPEAKER_MODEL).map(round) : new Array<number>(VOICEPRINT_SPEAKER_MODEL.dim).fill(0),
      speechSeconds: vector ? round(seconds) : 0,
    };
  }
}

/** The frame-level statistics (`speakerStats`) of the first `MAX_SECONDS_PER_VOICE` of speech in `regions`. */
export async function voiceStats(wavPath: string, regions: SpeechRegion[]): Promise<{ stats: number[] | null; seconds: number }> {
  const { regions: limited, seconds } = limitRegions(regions, MAX_SECONDS_PER_VOICE);
  const reader = await WavReader.open(wavPath);
  try {
    const frames = await extractRegionFrames(reader, limited);
    return { stats: speakerStats(frames.map((f) => ({ frames: f, from: 0, to: f.count }))), seconds };
  } finally {
    await reader.close();
  }
}

/** The vector of an embedding made by this provider and version, or null. */
export function parseEmbedding(embedding: unknown): number[] | null {
  if (typeof embedding !== "object" || embedding === null) return null;
  const e = embedding as Partial<LocalVoiceprintEmbedding>;
  if (e.kind !== "scryon-local-voiceprint" || e.model !== VOICEPRINT_MODEL || e.version !== VOICEPRINT_MODEL_VERSION) return null;
  if (!Array.isArray(e.vector) || e.vector.length !== VOICEPRINT_SPEAKER_MODEL.dim || !e.vector.every((x) => typeof x === "number" && Number.isFinite(x))) {
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

/**
 * How sure the local voiceprint is that two embeddings are one voice, as a score in (0, 1): the cosine
 * similarity, symmetrically normalised against a cohort of other voices (S-norm — each side's cosine with
 * the training readers gives the mean and spread of what "someone else" scores against it), passed through
 * a logistic centred on `SNORM_THRESHOLD`, so 0.5 is the decision boundary. Normalisation makes one
 * threshold hold for a clean enrollment and a noisy diarized speaker alike: a voice that is close to
 * everybody (a muffled or mixed segment) no longer clears it just by being close to the user.
 */
export function voiceprintScore(a: number[], b: number[]): number {
  const raw = cosine(a, b);
  const sa = cohortStats(a), sb = cohortStats(b);
  const z = 0.5 * ((raw - sa.mean) / sa.sd + (raw - sb.mean) / sb.sd);
  return 1 / (1 + Math.exp(-(z - SNORM_THRESHOLD)));
}

function cohortStats(v: number[]): { mean: number; sd: number } {
  const cohort = VOICEPRINT_SPEAKER_MODEL.cohort ?? [];
  if (cohort.length < 2) return { mean: 0, sd: 1 };
  const scores = cohort.map((c) => cosine(v, c));
  const mean = scores.reduce((x, y) => x + y, 0) / scores.length;
  const sd = Math.sqrt(scores.reduce((x, y) => x + (y - mean) ** 2, 0) / scores.length) || 1;
  return { mean, sd };
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
