import { StageError } from "@/lib/pipeline/errors";

/**
 * A part the speech engine needs is missing or broken (pocketsphinx binary or model, the VAD model, a wrong
 * model checksum). Permanent: retrying cannot help until someone installs the part or configures a cloud
 * provider. The message says how; `detail` carries paths for the server log (messages shown to users are
 * sanitised and lose paths anyway).
 */
export class SpeechEngineUnavailableError extends StageError {
  readonly detail: string;

  constructor(message: string, detail = "", options?: { cause?: unknown }) {
    super("ENGINE_UNAVAILABLE", message, false, options);
    this.name = "SpeechEngineUnavailableError";
    this.detail = detail;
  }
}

/** The recording could not be decoded (permanent). */
export class SpeechAudioError extends StageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("AUDIO_UNDECODABLE", message, false, options);
    this.name = "SpeechAudioError";
  }
}

/** A native part of the engine crashed or timed out (transient: the server survived, a retry may pass). */
export class SpeechEngineCrashError extends StageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("INTERNAL", message, true, options);
    this.name = "SpeechEngineCrashError";
  }
}

export const INSTALL_HINT =
  "Install it with `apt-get install pocketsphinx pocketsphinx-en-us` (Debian/Ubuntu), or configure a cloud speech provider.";
