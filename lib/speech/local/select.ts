import { describeProblems, inspectModels, type ModelDiscovery } from "../models/discover";
import type { DiarizationProvider, TranscriptionProvider, VoiceprintProvider } from "../types";
import type { LocalEngineOptions } from "./config";
import { LocalDiarizationProvider } from "./diarize";
import { SherpaTranscriptionProvider } from "./sherpa-asr";
import { SherpaDiarizationProvider } from "./sherpa-diarize";
import { SherpaVoiceprintProvider } from "./sherpa-voiceprint";
import { LocalTranscriptionProvider } from "./transcribe";
import { LocalVoiceprintProvider } from "./voiceprint";

/**
 * The local engine's choice per role: the installed sherpa-onnx models when `modelsDir` holds a complete set
 * for the role (docs/models.md), else the built-in engine.
 *
 * | role          | with models                                   | name                                 | without           |
 * |---------------|-----------------------------------------------|--------------------------------------|-------------------|
 * | transcription | Whisper / Moonshine                           | `local:whisper-base.en`              | pocketsphinx, `local` |
 * | diarization   | pyannote segmentation + speaker embedding     | `local:pyannote-3.0+titanet-small`   | MFCC + Ward, `local`  |
 * | voiceprint    | speaker embedding                             | `local:titanet-small`                | MFCC + pitch, `local` |
 *
 * The built-in providers keep the name `local` (stored voice profiles and artifacts refer to it).
 * The choice is made once, when the provider is created, by a synchronous check (`inspectModels`: files
 * present and matching their hashes; an untouched `models:pull` install is vouched for by the lock file's
 * hash/size/mtime record, anything else is hashed). A model that does not verify is not used, and the server
 * log says why. The model-based providers check the hashes again before the first load in a process
 * (`verifyInstalledModel`) and refuse a file changed since the choice — `ENGINE_UNAVAILABLE`, rather than
 * silently switching engines under a name that says otherwise.
 */

export function inspectLocalModels(options: LocalEngineOptions = {}): ModelDiscovery | null {
  if (!options.modelsDir) return null;
  const discovery = inspectModels(options.modelsDir, { ...(options.preferModels ? { prefer: options.preferModels } : {}) });
  warnOnce(discovery);
  return discovery;
}

export function createLocalTranscriptionProvider(options: LocalEngineOptions = {}): TranscriptionProvider {
  const asr = inspectLocalModels(options)?.selected.asr;
  return asr ? new SherpaTranscriptionProvider(options, asr) : new LocalTranscriptionProvider(options);
}

export function createLocalDiarizationProvider(options: LocalEngineOptions = {}): DiarizationProvider {
  const selected = inspectLocalModels(options)?.selected;
  return selected?.segmentation && selected.embedding
    ? new SherpaDiarizationProvider(options, selected.segmentation, selected.embedding)
    : new LocalDiarizationProvider(options);
}

export function createLocalVoiceprintProvider(options: LocalEngineOptions = {}): VoiceprintProvider {
  const embedding = inspectLocalModels(options)?.selected.embedding;
  return embedding ? new SherpaVoiceprintProvider(options, embedding) : new LocalVoiceprintProvider(options);
}

const warned = new Set<string>();

/** A model present but unusable is worth one line in the server log (the engine falls back silently otherwise). */
function warnOnce(discovery: ModelDiscovery): void {
  for (const line of describeProblems(discovery)) {
    const key = `${discovery.modelsDir}:${line}`;
    if (warned.has(key)) continue;
    warned.add(key);
    console.warn(`speech models in ${discovery.modelsDir}: ${line} — not used`);
  }
}
