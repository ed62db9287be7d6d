import { createLocalDiarizationProvider, createLocalTranscriptionProvider, createLocalVoiceprintProvider, inspectLocalModels } from "../local/select";
import type { LocalEngineOptions } from "../local/config";
import type { DiarizationProvider, TranscriptionProvider, VoiceprintProvider } from "../types";

/**
 * Local providers that follow the models dir: a model installed (or removed) from Settings → Speech is used
 * by the next stage that starts, without a restart.
 *
 * Each read of `name` re-checks the models dir (`inspectModels`: a stat per file and the lock file; an
 * untouched install is not hashed again) and switches to the provider for what is installed now; the work
 * that follows (`transcribe`, `diarize`, …) runs on the provider whose name was read last, so a stage's
 * timeline event names the engine that ran. (Two stages starting on the same process at the moment an
 * install finishes could still see different choices; each stage reads the name right before it works.)
 */

type Key = string;

function follower<P extends { readonly name: string }>(keyOf: () => Key, create: () => P): () => P {
  const made = new Map<Key, P>();
  return () => {
    const key = keyOf();
    let provider = made.get(key);
    if (!provider) {
      provider = create();
      // The factory checks the models dir itself: keep its choice under this key only if nothing changed meanwhile.
      if (keyOf() === key) made.set(key, provider);
    }
    return provider;
  };
}

export function followingTranscriptionProvider(options: LocalEngineOptions = {}): TranscriptionProvider {
  const resolve = follower(() => inspectLocalModels(options)?.selected.asr?.spec.id ?? "", () => createLocalTranscriptionProvider(options));
  let current: TranscriptionProvider | undefined;
  return {
    get name() {
      current = resolve();
      return current.name;
    },
    transcribe(audio, opts) {
      current ??= resolve();
      return current.transcribe(audio, opts);
    },
  };
}

export function followingDiarizationProvider(options: LocalEngineOptions = {}): DiarizationProvider {
  const resolve = follower(
    () => {
      const selected = inspectLocalModels(options)?.selected;
      return selected?.segmentation && selected.embedding ? `${selected.segmentation.spec.id}+${selected.embedding.spec.id}` : "";
    },
    () => createLocalDiarizationProvider(options),
  );
  let current: DiarizationProvider | undefined;
  return {
    get name() {
      current = resolve();
      return current.name;
    },
    diarize(audio, opts) {
      current ??= resolve();
      return current.diarize(audio, opts);
    },
  };
}

export function followingVoiceprintProvider(options: LocalEngineOptions = {}): VoiceprintProvider {
  const resolve = follower(() => inspectLocalModels(options)?.selected.embedding?.spec.id ?? "", () => createLocalVoiceprintProvider(options));
  let current: VoiceprintProvider | undefined;
  const now = () => (current ??= resolve());
  return {
    get name() {
      current = resolve();
      return current.name;
    },
    get model() {
      return now().model;
    },
    get modelVersion() {
      return now().modelVersion;
    },
    get threshold() {
      return now().threshold;
    },
    enroll(sample) {
      return now().enroll(sample);
    },
    identify(...args) {
      return now().identify(...args);
    },
  };
}
