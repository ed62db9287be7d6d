import { AssemblyAIProvider } from "./cloud/assemblyai";
import { DeepgramProvider } from "./cloud/deepgram";
import { OpenAITranscriptionProvider } from "./cloud/openai";
import { PyannoteProvider } from "./cloud/pyannote";
import type { LocalEngineOptions } from "./local/config";
import { createLocalDiarizationProvider, createLocalTranscriptionProvider, createLocalVoiceprintProvider } from "./local/select";
import { followingDiarizationProvider, followingTranscriptionProvider, followingVoiceprintProvider } from "./models/live";
import type { DiarizationProvider, SpeechProviders, TranscriptionProvider, VoiceprintProvider } from "./types";

/**
 * The speech engine's factory: providers are chosen by name, one name per role, so a deployment can mix
 * (e.g. cloud transcription with local diarization): `local` (offline), Deepgram, AssemblyAI, OpenAI (or any
 * OpenAI-compatible server) and pyannoteAI, each contract-tested against a stub of its documented API.
 *
 * Adding a cloud adapter (Deepgram, OpenAI, pyannoteAI, AssemblyAI, …):
 * 1. implement the interface(s) from `./types` in `lib/speech/<vendor>/` (throw `StageError`s from
 *    `lib/pipeline/errors` — `errorFromStatus()` for HTTP answers — so the pipeline retries the right ones);
 * 2. add its name to `SpeechProviderName` and a `case` in the matching `create…` function below;
 * 3. its settings (API keys, model names) come from `loadEnv()` — add them to `lib/env.ts` and pass them in
 *    through `SpeechConfig`, never read `process.env` here.
 */

export type DiarizationProviderName = "local" | "deepgram" | "assemblyai" | "pyannote";
export type TranscriptionProviderName = "local" | "deepgram" | "assemblyai" | "openai";
export type VoiceprintProviderName = "local" | "pyannote";
export type SpeechProviderName = DiarizationProviderName | TranscriptionProviderName | VoiceprintProviderName;

interface VendorKey {
  apiKey: string;
  baseUrl?: string | undefined;
}

export interface SpeechConfig {
  diarization?: DiarizationProviderName;
  transcription?: TranscriptionProviderName;
  voiceprint?: VoiceprintProviderName;
  /**
   * Options of the local engine (binary/model paths, parallelism). With `local.modelsDir` set and a complete,
   * hash-verified model set in it (`npm run models:pull`, docs/models.md), `local` uses the sherpa-onnx models
   * for that role and its provider name says which (`local:whisper-base.en`); otherwise the built-in engine
   * (name `local`).
   */
  local?: LocalEngineOptions | undefined;
  /**
   * `local` re-checks the models dir at each stage (./models/live.ts), so a model installed from Settings →
   * Speech is used by the next call without a restart. Off: the choice is made once, here.
   */
  followModelChanges?: boolean | undefined;
  deepgram?: VendorKey | undefined;
  assemblyai?: VendorKey | undefined;
  openai?: (VendorKey & { model?: string | undefined }) | undefined;
  pyannote?: VendorKey | undefined;
}

/** A vendor chosen without its key is a configuration error (lib/env.ts refuses it at start, too). */
function keyOf<T>(vendor: string, settings: T | undefined): T {
  if (!settings) throw new Error(`${vendor} is chosen as a speech provider but its API key is not configured.`);
  return settings;
}
const withoutUndefined = <T extends object>(value: T) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

export const DEFAULT_SPEECH_PROVIDER = "local" as const;

export function createDiarizationProvider(config: SpeechConfig = {}): DiarizationProvider {
  const name: DiarizationProviderName = config.diarization ?? DEFAULT_SPEECH_PROVIDER;
  switch (name) {
    case "local":
      return config.followModelChanges ? followingDiarizationProvider(config.local) : createLocalDiarizationProvider(config.local);
    case "deepgram":
      return new DeepgramProvider(withoutUndefined(keyOf("Deepgram", config.deepgram)));
    case "assemblyai":
      return new AssemblyAIProvider(withoutUndefined(keyOf("AssemblyAI", config.assemblyai)));
    case "pyannote":
      return new PyannoteProvider(withoutUndefined(keyOf("pyannoteAI", config.pyannote)));
    default:
      return unknownProvider(name, "diarization");
  }
}

export function createTranscriptionProvider(config: SpeechConfig = {}): TranscriptionProvider {
  const name: TranscriptionProviderName = config.transcription ?? DEFAULT_SPEECH_PROVIDER;
  switch (name) {
    case "local":
      return config.followModelChanges ? followingTranscriptionProvider(config.local) : createLocalTranscriptionProvider(config.local);
    case "deepgram":
      return new DeepgramProvider(withoutUndefined(keyOf("Deepgram", config.deepgram)));
    case "assemblyai":
      return new AssemblyAIProvider(withoutUndefined(keyOf("AssemblyAI", config.assemblyai)));
    case "openai":
      return new OpenAITranscriptionProvider(withoutUndefined(keyOf("OpenAI", config.openai)));
    default:
      return unknownProvider(name, "transcription");
  }
}

export function createVoiceprintProvider(config: SpeechConfig = {}): VoiceprintProvider {
  const name: VoiceprintProviderName = config.voiceprint ?? DEFAULT_SPEECH_PROVIDER;
  switch (name) {
    case "local":
      return config.followModelChanges ? followingVoiceprintProvider(config.local) : createLocalVoiceprintProvider(config.local);
    case "pyannote":
      return new PyannoteProvider(withoutUndefined(keyOf("pyannoteAI", config.pyannote)));
    default:
      return unknownProvider(name, "voiceprint");
  }
}

export function createSpeechProviders(config: SpeechConfig = {}): SpeechProviders {
  return {
    diarization: createDiarizationProvider(config),
    transcription: createTranscriptionProvider(config),
    voiceprint: createVoiceprintProvider(config),
  };
}

const cache = globalThis as unknown as { __scryonSpeech?: SpeechProviders };

/** The process's providers with the default configuration (kept across dev hot reloads). */
export function getSpeechProviders(): SpeechProviders {
  cache.__scryonSpeech ??= createSpeechProviders();
  return cache.__scryonSpeech;
}

function unknownProvider(name: never, role: string): never {
  throw new Error(`Unknown ${role} provider: ${String(name)}`);
}

export { prepareAudio, type PrepareOptions } from "./prepare";
export { SpeechAudioError, SpeechEngineCrashError, SpeechEngineUnavailableError } from "./errors";
export type { LocalEngineOptions } from "./local/config";
export { discoverModels, inspectModels, type InstalledModel, type ModelDiscovery } from "./models/discover";
export { DEFAULT_MODELS, MODEL_MANIFEST, type ModelSpec } from "./models/manifest";
export * from "./types";
