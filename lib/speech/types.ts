/**
 * The speech engine's small interfaces. Every provider (the local engine, later the cloud adapters) takes a
 * `PreparedAudio` — the recording decoded once by `prepareAudio()` — and returns plain JSON-serialisable
 * results, so a pipeline stage can store them as an artifact as they are.
 *
 * Times are seconds from the start of the recording. Speaker ids are opaque, stable within one result
 * ("S1", "S2", … for the local engine; "ch0"/"ch1" are never used as ids so ids look the same for every
 * kind of input).
 */

/** How a stereo source was interpreted. */
export type ChannelLayout =
  /** One channel (or more than two, which are mixed down). */
  | "mono"
  /** Two channels that carry different signals: a per-side phone recording, one party per channel. */
  | "stereo-split"
  /** Two channels that are identical or nearly so: treated as mono. */
  | "stereo-duplicated"
  /** Two channels, one of them (almost) silent: treated as mono (the mixdown is the loud channel). */
  | "stereo-one-sided";

export interface ChannelAnalysis {
  /** RMS of each decoded channel (full scale = 1). */
  rms: [number, number];
  /** RMS(left - right) / RMS(left + right): 0 for identical channels, ~1 for unrelated ones. */
  differenceRatio: number;
  /** Pearson correlation of the two channels. */
  correlation: number;
  /** Fraction of frames with speech where one side is > 10 dB louder than the other (per-side recordings: high). */
  dominance: number;
}

export interface PreparedAudio {
  /** The file that was decoded (as given to `prepareAudio`). */
  sourcePath: string;
  /** Directory holding the decoded files; owned by the caller (delete it when the stage is done). */
  workDir: string;
  /** 16 kHz mono signed 16-bit PCM WAV with an exact 44-byte header (the mixdown of all channels). */
  wavPath: string;
  sampleRate: 16000;
  /** Decoded length: sample count / 16000 (exact, also for MediaRecorder WebM without a duration header). */
  durationSeconds: number;
  /** Channels of the source stream as ffmpeg decodes it. */
  channels: number;
  /**
   * Sample rate of the source stream (null if ffmpeg did not say). Below 16000 (phone band, 8 kHz) the local
   * recogniser is close to useless (WER 0.8–1.0 measured): a caller may warn or prefer a cloud provider.
   */
  sourceSampleRate: number | null;
  layout: ChannelLayout;
  /** True only for `stereo-split`: one party per channel, so `channelWavPaths` should be used. */
  distinctChannels: boolean;
  /** For two-channel sources: one 16 kHz mono WAV per channel (left, right). Empty otherwise. */
  channelWavPaths: string[];
  /** Measurements behind `layout`, for two-channel sources. */
  channelAnalysis?: ChannelAnalysis;
}

// --- diarization ---------------------------------------------------------------------------------------------

export interface DiarizationSpeaker {
  id: string;
  /** Human label for the UI ("Speaker 1"). */
  label: string;
}

export interface DiarizationSegment {
  speaker: string;
  start: number;
  end: number;
}

export interface DiarizationResult {
  speakers: DiarizationSpeaker[];
  /** Sorted by start. Segments of different speakers may overlap (stereo: both parties talking at once). */
  segments: DiarizationSegment[];
}

export interface DiarizationOptions {
  /** Known number of speakers (skips the estimate). */
  numSpeakers?: number;
  /** Upper bound for the estimate. Default 4. */
  maxSpeakers?: number;
  signal?: AbortSignal;
}

export interface DiarizationProvider {
  readonly name: string;
  diarize(audio: PreparedAudio, options?: DiarizationOptions): Promise<DiarizationResult>;
}

// --- transcription -------------------------------------------------------------------------------------------

export interface TranscribedWord {
  text: string;
  start: number;
  end: number;
  /** 0..1 (the local engine reports pocketsphinx's word posterior). */
  confidence: number;
  /** Set when the provider knows it (the local engine does for per-side stereo recordings). */
  speaker?: string;
}

export interface TranscriptionResult {
  /** BCP 47 ("en"). */
  language: string;
  /** Sorted by start. */
  words: TranscribedWord[];
  /** `draft`: the UI says the transcript is rough (the local engine). */
  quality: "draft" | "standard";
}

export interface TranscriptionOptions {
  /** BCP 47 hint; the local engine only knows "en". */
  language?: string;
  signal?: AbortSignal;
}

export interface TranscriptionProvider {
  readonly name: string;
  transcribe(audio: PreparedAudio, options?: TranscriptionOptions): Promise<TranscriptionResult>;
}

// --- voiceprint ----------------------------------------------------------------------------------------------

export interface VoiceprintProfile {
  userId: string;
  /** The opaque `embedding` returned by `enroll` of the same provider, model and model version. */
  embedding: unknown;
}

export interface VoiceprintMatch {
  speaker: string;
  /** The profile this speaker matches, or null when no profile reaches the provider's threshold. */
  userId: string | null;
  /** Best similarity for this speaker (cosine, -1..1), whether or not it matched. */
  score: number;
}

export interface VoiceprintProvider {
  readonly name: string;
  readonly model: string;
  readonly modelVersion: string;
  /** Score at or above which `identify` reports a match. */
  readonly threshold: number;
  /** An embedding of the (single) voice in `sample`; opaque JSON, store it as it is. */
  enroll(sample: PreparedAudio): Promise<{ embedding: unknown }>;
  /**
   * One entry per diarized speaker with its best-matching profile. A profile is given to at most one speaker
   * (the one that scores highest); a speaker below the threshold gets `userId: null`.
   */
  identify(audio: PreparedAudio, diarization: DiarizationResult, profiles: VoiceprintProfile[]): Promise<VoiceprintMatch[]>;
}

export interface SpeechProviders {
  diarization: DiarizationProvider;
  transcription: TranscriptionProvider;
  voiceprint: VoiceprintProvider;
}
