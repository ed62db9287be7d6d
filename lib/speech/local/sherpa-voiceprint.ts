import { SpeechAudioError } from "../errors";
import { verifyInstalledModel, type InstalledModel } from "../models/discover";
import type { DiarizationResult, PreparedAudio, VoiceprintMatch, VoiceprintProfile, VoiceprintProvider } from "../types";
import { resolveLocalConfig, verifySherpaRuntime, type LocalEngineOptions, type ResolvedLocalConfig } from "./config";
import { childWav, runSherpaTask, type ChildWav } from "./sherpa-child";
import { speechRegions, type SpeechRegion } from "./vad";
import { assignMatches, cosine, limitRegions, MAX_SECONDS_PER_VOICE, MIN_ENROLL_SECONDS } from "./voiceprint";

/**
 * Voiceprints from an installed speaker-embedding model (TitaNet-small by default, docs/models.md): the
 * embedding of up to 90 s of a voice's speech, computed by sherpa-onnx's `SpeakerEmbeddingExtractor` in a
 * child process; similarity is the cosine of two embeddings. Everything else — which speech is used, the
 * per-side stereo handling, one profile per speaker at most, the 3 s minimum sample — is as in the built-in
 * voiceprint (`voiceprint.ts`).
 *
 * Embeddings are tagged with the model id and a version derived from the model file's SHA-256, so profiles
 * made with another model (or the built-in engine) are ignored rather than compared, and users re-enroll.
 * The threshold comes from the manifest and is not calibrated on real calls yet (docs/models.md).
 */

export const SHERPA_VOICEPRINT_KIND = "scryon-sherpa-voiceprint";
const DEFAULT_THRESHOLD = 0.6;

export interface SherpaVoiceprintEmbedding {
  kind: typeof SHERPA_VOICEPRINT_KIND;
  model: string;
  version: string;
  vector: number[];
  speechSeconds: number;
}

export class SherpaVoiceprintProvider implements VoiceprintProvider {
  readonly name: string;
  readonly model: string;
  readonly modelVersion: string;
  readonly threshold: number;
  readonly embeddingModel: InstalledModel;
  private readonly config: ResolvedLocalConfig;

  constructor(options: LocalEngineOptions, embedding: InstalledModel) {
    if (embedding.spec.role !== "embedding") throw new Error(`${embedding.spec.id} is not a speaker-embedding model`);
    this.config = resolveLocalConfig(options);
    this.embeddingModel = embedding;
    this.name = `local:${embedding.spec.shortName}`;
    this.model = embedding.spec.id;
    this.modelVersion = `sha256:${embedding.expected.model!.sha256.slice(0, 16)}`;
    this.threshold = embedding.spec.voiceprintThreshold ?? DEFAULT_THRESHOLD;
  }

  /** @throws SpeechAudioError when the sample has less than `MIN_ENROLL_SECONDS` of speech. */
  async enroll(sample: PreparedAudio): Promise<{ embedding: SherpaVoiceprintEmbedding }> {
    const regions = await speechRegions(sample, this.config);
    let wav = sample.wavPath;
    let voice = regions.mono;
    if (sample.distinctChannels && regions.channels) {
      const [l, r] = regions.channels;
      const useLeft = total(l) >= total(r);
      wav = sample.channelWavPaths[useLeft ? 0 : 1]!;
      voice = useLeft ? l : r;
    }
    const [embedding] = await this.embed(sample.workDir, [{ wav, regions: voice }]);
    if (!embedding || embedding.speechSeconds < MIN_ENROLL_SECONDS) {
      const seconds = embedding?.speechSeconds ?? 0;
      throw new SpeechAudioError(`The voice sample has too little speech (${seconds.toFixed(1)} s; at least ${MIN_ENROLL_SECONDS} s are needed).`);
    }
    return { embedding };
  }

  async identify(audio: PreparedAudio, diarization: DiarizationResult, profiles: VoiceprintProfile[]): Promise<VoiceprintMatch[]> {
    const usable = profiles
      .map((p) => ({ userId: p.userId, vector: this.parseEmbedding(p.embedding) }))
      .filter((p): p is { userId: string; vector: number[] } => p.vector !== null);
    const voices = diarization.speakers.map((speaker) => {
      const channel = audio.distinctChannels ? (speaker.id === "S1" ? 0 : speaker.id === "S2" ? 1 : -1) : -1;
      return {
        wav: channel >= 0 ? audio.channelWavPaths[channel]! : audio.wavPath,
        regions: diarization.segments.filter((s) => s.speaker === speaker.id),
      };
    });
    const embeddings = usable.length && voices.length ? await this.embed(audio.workDir, voices) : voices.map(() => null);
    const scored = diarization.speakers.map((speaker, i) => {
      let best: { userId: string | null; score: number } = { userId: null, score: -1 };
      const e = embeddings[i];
      if (e && e.speechSeconds > 0) {
        for (const p of usable) {
          const score = cosine(e.vector, p.vector);
          if (score > best.score) best = { userId: p.userId, score };
        }
      }
      return { speaker: speaker.id, ...best };
    });
    return assignMatches(scored, this.threshold);
  }

  /** The vector of an embedding made by this model and version, or null. */
  parseEmbedding(embedding: unknown): number[] | null {
    if (typeof embedding !== "object" || embedding === null) return null;
    const e = embedding as Partial<SherpaVoiceprintEmbedding>;
    if (e.kind !== SHERPA_VOICEPRINT_KIND || e.model !== this.model || e.version !== this.modelVersion) return null;
    if (!Array.isArray(e.vector) || e.vector.length === 0 || !e.vector.every((x) => typeof x === "number" && Number.isFinite(x))) return null;
    if (!e.speechSeconds) return null;
    return e.vector;
  }

  /** One embedding per voice (null when the model could not embed it), in one child process. */
  private async embed(workDir: string, voices: { wav: string; regions: SpeechRegion[] }[]): Promise<(SherpaVoiceprintEmbedding | null)[]> {
    await verifySherpaRuntime(this.config);
    await verifyInstalledModel(this.embeddingModel);
    const wavs = new Map<string, ChildWav>();
    for (const v of voices) if (!wavs.has(v.wav)) wavs.set(v.wav, await childWav(v.wav));
    const limited = voices.map((v) => limitRegions(v.regions, MAX_SECONDS_PER_VOICE));
    const { embeddings } = await runSherpaTask(
      this.config,
      {
        task: "embed",
        model: this.embeddingModel.paths.model!,
        numThreads: this.config.parallelism,
        items: voices.map((v, i) => ({
          wav: wavs.get(v.wav)!,
          ranges: limited[i]!.regions.map((r): [number, number] => [Math.round(r.start * 16000), Math.round((r.end - r.start) * 16000)]),
        })),
      },
      {
        workDir,
        what: `speaker embedding (${this.embeddingModel.spec.id})`,
        timeoutMs: Math.max(120, limited.reduce((a, l) => a + l.seconds, 0) * 4) * 1000,
      },
    );
    return limited.map((l, i) => {
      const vector = embeddings[i];
      if (!vector || l.seconds <= 0) return null;
      return { kind: SHERPA_VOICEPRINT_KIND, model: this.model, version: this.modelVersion, vector: vector.map(round), speechSeconds: round(l.seconds) };
    });
  }
}


function total(regions: SpeechRegion[]): number {
  return regions.reduce((a, r) => a + (r.end - r.start), 0);
}

function round(x: number): number {
  return Math.round(x * 100000) / 100000 || 0;
}
