import { verifyInstalledModel, type InstalledModel } from "../models/discover";
import type { DiarizationOptions, DiarizationProvider, DiarizationResult, PreparedAudio } from "../types";
import { resolveLocalConfig, verifySherpaRuntime, type LocalEngineOptions, type ResolvedLocalConfig } from "./config";
import { LocalDiarizationProvider } from "./diarize";
import { childWav, runSherpaTask } from "./sherpa-child";

/**
 * Diarization with installed models (docs/models.md): sherpa-onnx's `OfflineSpeakerDiarization` — pyannote
 * segmentation-3.0 finds who-speaks-when locally (10 s windows, up to 3 speakers each, overlap aware), a
 * speaker-embedding model (TitaNet-small by default) embeds each local speaker, and fast clustering joins
 * them across windows. The number of speakers is estimated by the clustering threshold (embeddings closer
 * than it are one speaker), unless `numSpeakers` is given; when the estimate exceeds `maxSpeakers` the
 * clustering is redone with exactly `maxSpeakers` clusters. Runs in a child process (`sherpa-child.ts`).
 *
 * Per-side stereo recordings keep the exact per-channel diarization of the built-in engine (one speaker per
 * channel): the models cannot do better there.
 */

export const SHERPA_DIARIZATION_SETTINGS = {
  /**
   * Clustering threshold. sherpa-onnx's examples use 0.5 with its default embedding model; not calibrated
   * for TitaNet-small on real calls yet (docs/models.md).
   */
  clusteringThreshold: 0.5,
  /** Speech shorter than this is dropped; pauses shorter than this inside one speaker's turn are bridged. */
  minDurationOn: 0.3,
  minDurationOff: 0.5,
  timeoutPerAudioSecond: 4,
  minTimeoutSeconds: 180,
};

export class SherpaDiarizationProvider implements DiarizationProvider {
  readonly name: string;
  readonly segmentation: InstalledModel;
  readonly embedding: InstalledModel;
  private readonly config: ResolvedLocalConfig;
  private readonly threshold: number;
  private readonly perChannel: LocalDiarizationProvider;

  constructor(options: LocalEngineOptions, segmentation: InstalledModel, embedding: InstalledModel) {
    if (segmentation.spec.role !== "segmentation" || embedding.spec.role !== "embedding") throw new Error("need a segmentation and an embedding model");
    this.config = resolveLocalConfig(options);
    this.segmentation = segmentation;
    this.embedding = embedding;
    this.threshold = options.diarizationThreshold ?? SHERPA_DIARIZATION_SETTINGS.clusteringThreshold;
    this.perChannel = new LocalDiarizationProvider(options);
    this.name = `local:${segmentation.spec.shortName}+${embedding.spec.shortName}`;
  }

  async diarize(audio: PreparedAudio, options: DiarizationOptions = {}): Promise<DiarizationResult> {
    if (audio.distinctChannels && audio.channelWavPaths.length === 2) return this.perChannel.diarize(audio, options);
    await verifySherpaRuntime(this.config);
    await verifyInstalledModel(this.segmentation);
    await verifyInstalledModel(this.embedding);
    const wav = await childWav(audio.wavPath);
    const frames = wav.frames;
    if (frames === 0) return { speakers: [], segments: [] };
    const s = SHERPA_DIARIZATION_SETTINGS;
    const { segments } = await runSherpaTask(
      this.config,
      {
        task: "diarize",
        segmentation: this.segmentation.paths.model!,
        embedding: this.embedding.paths.model!,
        numThreads: this.config.parallelism,
        numClusters: options.numSpeakers && options.numSpeakers > 0 ? options.numSpeakers : -1,
        threshold: this.threshold,
        maxSpeakers: options.maxSpeakers ?? 4,
        minDurationOn: s.minDurationOn,
        minDurationOff: s.minDurationOff,
        wav,
      },
      {
        workDir: audio.workDir,
        what: `speaker diarization (${this.segmentation.spec.id} + ${this.embedding.spec.id})`,
        timeoutMs: Math.max(s.minTimeoutSeconds, audio.durationSeconds * s.timeoutPerAudioSecond) * 1000,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    return toDiarizationResult(segments, frames / 16000);
  }
}

/**
 * sherpa-onnx segments (`speaker` an integer) → the engine's result: clipped to the audio, empty ones dropped,
 * sorted, speaker ids `S1`, `S2`, … in order of first appearance, consecutive pieces of one speaker that touch
 * (gap < 50 ms) merged, times rounded to the millisecond.
 */
export function toDiarizationResult(segments: { start: number; end: number; speaker: number }[], duration: number): DiarizationResult {
  const clipped = segments
    .map((s) => ({ speaker: s.speaker, start: Math.max(0, s.start), end: Math.min(duration, s.end) }))
    .filter((s) => Number.isFinite(s.start) && Number.isFinite(s.end) && s.end - s.start > 0.001)
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const ids = new Map<number, string>();
  for (const s of clipped) if (!ids.has(s.speaker)) ids.set(s.speaker, `S${ids.size + 1}`);
  const merged: { speaker: string; start: number; end: number }[] = [];
  const lastOf = new Map<string, { speaker: string; start: number; end: number }>();
  for (const s of clipped) {
    const speaker = ids.get(s.speaker)!;
    const previous = lastOf.get(speaker);
    if (previous && s.start - previous.end < 0.05) {
      previous.end = Math.max(previous.end, s.end);
      continue;
    }
    const segment = { speaker, start: s.start, end: s.end };
    merged.push(segment);
    lastOf.set(speaker, segment);
  }
  return {
    speakers: [...ids.values()].map((id, i) => ({ id, label: `Speaker ${i + 1}` })),
    segments: merged.map((s) => ({ speaker: s.speaker, start: round(s.start), end: round(s.end) })),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
