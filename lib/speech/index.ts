import type { LocalEngineOptions } from "./local/config";
import { LocalDiarizationProvider } from "./local/diarize";
import { LocalTranscriptionProvider } from "./local/transcribe";
import { LocalVoiceprintProvider } from "./local/voiceprint";
import type { DiarizationProvider, SpeechProviders, TranscriptionProvider, VoiceprintProvider } from "./types";

/**
 * The speech engine's factory: providers are chosen by name, one name per role, so a deployment can mix
 * (e.g. cloud transcription with local diarization). Only `local` exists today.
 *
 * Adding a cloud adapter (Deepgram, OpenAI, pyannoteAI, AssemblyAI, …):
 * 1. implement the interface(s) from `./types` in `lib/speech/<vendor>/` (throw `StageError`s from
 *    `lib/pipeline/errors` — `errorFromStatus()` for HTTP answers — so the pipeline retries the right ones);
 * 2. add its name to `SpeechProviderName` and a `case` in the matching `create…` function below;
 * 3. its settings (API keys, model names) come from `loadEnv()` — add them to `lib/env.ts` and pass them in
 *    through `SpeechConfig`, never read `process.env` here.
 */

export type SpeechProviderName = "local";

export interface SpeechConfig {
  diarization?: SpeechProviderName;
  transcription?: SpeechProviderName;
  voiceprint?: SpeechProviderName;
  /** Options of the local engine (binary/model paths, parallelism). */
  local?: LocalEngineOptions;
}

export const DEFAULT_SPEECH_PROVIDER: SpeechProviderName = "local";

export function createDiarizationProvider(config: SpeechConfig = {}): DiarizationProvider {
  const name = config.diarization ?? DEFAULT_SPEECH_PROVIDER;
  switch (name) {
    case "local":
      return new LocalDiarizationProvider(config.local);
    default:
      return unknownProvider(name, "diarization");
  }
}

export function createTranscriptionProvider(config: SpeechConfig = {}): TranscriptionProvider {
  const name = config.transcription ?? DEFAULT_SPEECH_PROVIDER;
  switch (name) {
    case "local":
      return new LocalTranscriptionProvider(config.local);
    default:
      return unknownProvider(name, "transcription");
  }
}

export function createVoiceprintProvider(config: SpeechConfig = {}): VoiceprintProvider {
  const name = config.voiceprint ?? DEFAULT_SPEECH_PROVIDER;
  switch (name) {
    case "local":
      return new LocalVoiceprintProvider(config.local);
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
export * from "./types";
