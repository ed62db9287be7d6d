/**
 * The optional sherpa-onnx models the local speech engine uses when they are installed
 * (`npm run models:pull`, docs/models.md): what to download, what it extracts to, and the SHA-256 values
 * every file is checked against before it is loaded.
 *
 * Where the hashes come from. k2-fsa publishes no checksums for these release assets (they predate GitHub's
 * per-asset digests; the release API reports `digest: null` for them). The values pinned below are the ones
 * that several unrelated public projects pin for the very same asset URLs in their own download code — each
 * value was found in at least two independent repositories that computed it from their own download, and no
 * conflicting value was found. That is corroboration, not a signature from the publisher: docs/models.md says
 * so. An asset with no corroborated value has `sha256: null` and is only installed with
 * `--pin-on-first-download` (trust on first use: the hash of that first download is recorded in
 * `<models dir>/models.lock.json` and every later run is checked against it).
 *
 * Files inside a pinned archive whose own hash is not listed here (`sha256: null` on the file) are hashed by
 * `models:pull` right after the archive itself matched its pin, and recorded in the lock file; discovery
 * checks them against that record.
 */

export type ModelRole = "asr" | "segmentation" | "embedding";
export const MODEL_ROLES: readonly ModelRole[] = ["asr", "segmentation", "embedding"];

/** How the engine drives the model (the sherpa-onnx config it needs). */
export type ModelEngine = "whisper" | "moonshine" | "pyannote-segmentation" | "speaker-embedding";

export interface ModelFile {
  /** Path inside the model's directory (`<models dir>/<model id>/`). */
  path: string;
  /** Pinned SHA-256 of this file, or null when only the archive it comes from is pinned (see the lock file). */
  sha256: string | null;
  /** Size in bytes, only where several sources agree (checked before hashing: a cheap first check). */
  size?: number;
}

export interface ModelAsset {
  /** The official download: a sherpa-onnx GitHub release asset. */
  url: string;
  /** `tar.bz2`: extracted with the system `tar -xjf`; `file`: the asset is the model file itself. */
  kind: "tar.bz2" | "file";
  /** Pinned SHA-256 of the download, or null (trust on first use, see the header). */
  sha256: string | null;
  /** Size in bytes when known: for progress and the dry run only (the hash is the check). */
  size?: number;
  /** For archives: the single top-level directory the archive extracts to. */
  root?: string;
}

export interface ModelSpec {
  /** Directory name under the models dir, and the name shown in provider names (`local:<id>`). */
  id: string;
  role: ModelRole;
  engine: ModelEngine;
  /** Short form for composite provider names (`local:pyannote-3.0+titanet-small`). */
  shortName: string;
  title: string;
  license: string;
  /** Download size in MB (approximate, for the docs and the dry run). */
  downloadMb: number;
  asset: ModelAsset;
  /** Files the engine loads, by the role they play in the sherpa-onnx config. All are required. */
  files: Record<string, ModelFile>;
  /** Paths removed after extraction (fp32 weights the engine never loads, test audio). */
  prune?: string[];
  /** ASR only: `draft` makes the UI call the transcript rough. */
  quality?: "draft" | "standard";
  /** Embedding only: cosine score at or above which a voiceprint matches (not calibrated yet: docs/models.md). */
  voiceprintThreshold?: number;
  /** Where the pinned hashes were found (kept next to the values on purpose). */
  hashSource: string;
}

const RELEASES = "https://github.com/k2-fsa/sherpa-onnx/releases/download";

/**
 * In order of preference within a role: when several models of a role are installed, the first one wins.
 */
export const MODEL_MANIFEST: readonly ModelSpec[] = [
  // --- ASR -----------------------------------------------------------------------------------------------
  {
    id: "whisper-base.en",
    role: "asr",
    engine: "whisper",
    shortName: "whisper-base.en",
    title: "Whisper base.en (int8, sherpa-onnx export)",
    license: "MIT (OpenAI Whisper)",
    downloadMb: 199,
    asset: {
      url: `${RELEASES}/asr-models/sherpa-onnx-whisper-base.en.tar.bz2`,
      kind: "tar.bz2",
      // Pinned identically by many unrelated projects' model catalogs, e.g. hkgill/gillspeak
      // (gillspeak/models.py), and by at least five other repositories (Kotlin, Swift, Go, TypeScript catalogs)
      // found by exact-string code search; one of them notes the GitHub asset digest is null and that it
      // re-hashed its own download. Size 208,576,005 bytes per two of them.
      sha256: "475bc7052ce299c007f6d5d5407ba8601f819a2867f6eecee510ed17df581542",
      size: 208_576_005,
      root: "sherpa-onnx-whisper-base.en",
    },
    files: {
      encoder: { path: "base.en-encoder.int8.onnx", sha256: null },
      decoder: { path: "base.en-decoder.int8.onnx", sha256: null },
      tokens: { path: "base.en-tokens.txt", sha256: null },
    },
    prune: ["base.en-encoder.onnx", "base.en-decoder.onnx", "test_wavs"],
    quality: "standard",
    hashSource: "archive: ≥6 independent public repositories (e.g. hkgill/gillspeak gillspeak/models.py); files: hashed after the archive matched",
  },
  {
    id: "whisper-tiny.en",
    role: "asr",
    engine: "whisper",
    shortName: "whisper-tiny.en",
    title: "Whisper tiny.en (int8, sherpa-onnx export)",
    license: "MIT (OpenAI Whisper)",
    downloadMb: 113,
    asset: {
      url: `${RELEASES}/asr-models/sherpa-onnx-whisper-tiny.en.tar.bz2`,
      kind: "tar.bz2",
      // Archive: the same value in ≥5 unrelated repositories (Go, Python, C#, Dart, TypeScript model catalogs).
      sha256: "2bd6cf965c8bb3e068ef9fa2191387ee63a9dfa2a4e37582a8109641c20005dd",
      size: 118_071_777,
      root: "sherpa-onnx-whisper-tiny.en",
    },
    files: {
      // Per-file values: identical in two unrelated repositories (a C# Windows app's model catalog and a
      // TypeScript CLI's downloader).
      encoder: { path: "tiny.en-encoder.int8.onnx", sha256: "0ce578b827c94a961aacb8fa14b02f096504b337e5c94be37c36238cbe3e8bc6" },
      decoder: { path: "tiny.en-decoder.int8.onnx", sha256: "06c0e6ff6348d427e51839219d1c886c18cfdf411e629e33f5e1679bff9c1527" },
      tokens: { path: "tiny.en-tokens.txt", sha256: "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930" },
    },
    prune: ["tiny.en-encoder.onnx", "tiny.en-decoder.onnx", "test_wavs"],
    quality: "draft",
    hashSource: "archive: ≥5 independent public repositories; files: 2 independent public repositories",
  },
  {
    id: "moonshine-tiny-en",
    role: "asr",
    engine: "moonshine",
    shortName: "moonshine-tiny-en",
    title: "Moonshine tiny, English (int8, sherpa-onnx export)",
    license: "MIT (Useful Sensors Moonshine, English models)",
    downloadMb: 103,
    asset: {
      url: `${RELEASES}/asr-models/sherpa-onnx-moonshine-tiny-en-int8.tar.bz2`,
      kind: "tar.bz2",
      // The same value in ≥8 unrelated repositories (Rust, Kotlin, Swift, Go, shell, TypeScript); one notes
      // "the model release predates GitHub's per-asset digests, so these must be pinned". 107,600,538 bytes.
      sha256: "d5fe6ec4334fef36255b2a4010412cad4c007e33103fec62fb5d17cad88086f2",
      size: 107_600_538,
      root: "sherpa-onnx-moonshine-tiny-en-int8",
    },
    files: {
      preprocessor: { path: "preprocess.onnx", sha256: null },
      encoder: { path: "encode.int8.onnx", sha256: null },
      uncachedDecoder: { path: "uncached_decode.int8.onnx", sha256: null },
      cachedDecoder: { path: "cached_decode.int8.onnx", sha256: null },
      tokens: { path: "tokens.txt", sha256: null },
    },
    prune: ["test_wavs"],
    quality: "draft",
    hashSource: "archive: ≥8 independent public repositories; files: hashed after the archive matched",
  },
  // --- speaker segmentation ------------------------------------------------------------------------------
  {
    id: "pyannote-segmentation-3.0",
    role: "segmentation",
    engine: "pyannote-segmentation",
    shortName: "pyannote-3.0",
    title: "pyannote segmentation-3.0 (ONNX, sherpa-onnx export)",
    license: "MIT (pyannote.audio segmentation-3.0)",
    downloadMb: 7,
    asset: {
      url: `${RELEASES}/speaker-segmentation-models/sherpa-onnx-pyannote-segmentation-3-0.tar.bz2`,
      kind: "tar.bz2",
      // Archive (6,958,444 bytes) and both model files: the same values in ≥5 unrelated repositories each
      // (e.g. a Korean desktop app's diarization installer, a Japanese project's model notes, a Rust
      // catalog test that cross-checks archive and member hashes, a PHP and a Swift downloader).
      sha256: "24615ee884c897d9d2ba09bb4d30da6bb1b15e685065962db5b02e76e4996488",
      size: 6_958_444,
      root: "sherpa-onnx-pyannote-segmentation-3-0",
    },
    files: {
      model: { path: "model.onnx", sha256: "220ad67ca923bef2fa91f2390c786097bf305bceb5e261d4af67b38e938e1079", size: 5_992_913 },
    },
    hashSource: "archive and model.onnx: ≥5 independent public repositories each",
  },
  // --- speaker embedding ---------------------------------------------------------------------------------
  {
    id: "nemo-titanet-small",
    role: "embedding",
    engine: "speaker-embedding",
    shortName: "titanet-small",
    title: "NVIDIA NeMo TitaNet-small speaker embedding (ONNX, sherpa-onnx export)",
    license: "CC-BY-4.0 as NVIDIA states for TitaNet (attribution); TitaNet-small's own card not checked (docs/models.md)",
    downloadMb: 40,
    asset: {
      // "recongition" is the real (misspelt) release tag.
      url: `${RELEASES}/speaker-recongition-models/nemo_en_titanet_small.onnx`,
      kind: "file",
      // The same value and size (40,257,283 bytes) in ≥9 unrelated repositories, e.g. metagrover/pluto (its
      // attribution-stack decision for issue #460 pins it with the segmentation model).
      sha256: "ad4a1802485d8b34c722d2a9d04249662f2ece5d28a7a039063ca22f515a789e",
      size: 40_257_283,
    },
    files: {
      model: { path: "nemo_en_titanet_small.onnx", sha256: "ad4a1802485d8b34c722d2a9d04249662f2ece5d28a7a039063ca22f515a789e", size: 40_257_283 },
    },
    voiceprintThreshold: 0.6,
    hashSource: "≥9 independent public repositories (e.g. metagrover/pluto)",
  },
  {
    id: "wespeaker-resnet34-lm",
    role: "embedding",
    engine: "speaker-embedding",
    shortName: "wespeaker-resnet34",
    title: "WeSpeaker ResNet34-LM, VoxCeleb (ONNX, sherpa-onnx export)",
    license: "CC-BY-4.0 (VoxCeleb-trained WeSpeaker model)",
    downloadMb: 27,
    asset: {
      url: `${RELEASES}/speaker-recongition-models/wespeaker_en_voxceleb_resnet34_LM.onnx`,
      kind: "file",
      // Not pinned: one public repository lists e9848563da86f263117134dfd7ad63c92355b37de492b55e325400c9d9c39012
      // for this asset, but no second source was found, so it is not corroborated. Installing it needs
      // `--pin-on-first-download`; compare the hash it prints with that value.
      sha256: null,
    },
    files: {
      model: { path: "wespeaker_en_voxceleb_resnet34_LM.onnx", sha256: null },
    },
    voiceprintThreshold: 0.6,
    hashSource: "none corroborated: trust on first use",
  },
];

/** What `npm run models:pull` installs when no `--model` is given: one model per role. */
export const DEFAULT_MODELS: Record<ModelRole, string> = {
  asr: "whisper-base.en",
  segmentation: "pyannote-segmentation-3.0",
  embedding: "nemo-titanet-small",
};

export const LOCK_FILE_NAME = "models.lock.json";

export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export function findModelSpec(id: string, manifest: readonly ModelSpec[] = MODEL_MANIFEST): ModelSpec | undefined {
  return manifest.find((m) => m.id === id);
}
