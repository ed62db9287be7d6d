import { readFileSync, statSync } from "node:fs";
import { z } from "zod";
import { MODEL_MANIFEST, MODEL_ROLES, type ModelRole, type ModelSpec } from "./manifest";

/**
 * What the Settings → Speech page offers: the manifest's models, with a sentence on what each improves, plus
 * (tests only) extra models from `SCRYON_MODELS_TEST_MANIFEST`. Test models can be downloaded, verified,
 * installed and removed like real ones, but the engine never loads them: it chooses from the built-in manifest
 * only (lib/speech/local/select.ts), so a test server's fake archive cannot become a call's recogniser.
 */

export const ROLE_LABELS: Record<ModelRole, string> = {
  asr: "Transcription",
  segmentation: "Diarization (who spoke when)",
  embedding: "Speaker embeddings (diarization and voiceprints)",
};

const IMPROVES: Record<string, string> = {
  "whisper-base.en": "Transcription: Whisper instead of pocketsphinx, far fewer misheard words; transcripts are no longer marked draft.",
  "whisper-tiny.en": "Transcription: a smaller, faster Whisper than base.en; better than pocketsphinx, still marked draft.",
  "moonshine-tiny-en": "Transcription: Moonshine tiny, fast on a CPU; better than pocketsphinx, still marked draft.",
  "pyannote-segmentation-3.0": "Diarization: a neural model finds speaker turns and overlaps (used together with a speaker embedding model).",
  "nemo-titanet-small":
    "Diarization (with the segmentation model) and voiceprints: neural speaker embeddings. Voice profiles made with the built-in engine must be recorded again.",
  "wespeaker-resnet34-lm": "Speaker embeddings like TitaNet-small (an alternative; its hash is not pinned, so it is installed with models:pull only).",
};

export function improvesText(spec: ModelSpec): string {
  return IMPROVES[spec.id] ?? `${ROLE_LABELS[spec.role]} (test model).`;
}

const fileSchema = z.object({ path: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(), size: z.number().int().nonnegative().optional() });
const specSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
  role: z.enum(MODEL_ROLES as [ModelRole, ...ModelRole[]]),
  engine: z.enum(["whisper", "moonshine", "pyannote-segmentation", "speaker-embedding"]),
  shortName: z.string().min(1),
  title: z.string().min(1),
  license: z.string().min(1),
  downloadMb: z.number().positive(),
  asset: z.object({
    url: z.url(),
    kind: z.enum(["tar.bz2", "file"]),
    sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
    size: z.number().int().positive().optional(),
    root: z.string().optional(),
  }),
  files: z.record(z.string(), fileSchema),
  prune: z.array(z.string()).optional(),
  quality: z.enum(["draft", "standard"]).optional(),
  voiceprintThreshold: z.number().optional(),
  hashSource: z.string().default("test manifest"),
});
const testManifestSchema = z.object({ models: z.array(specSchema) });

let cached: { path: string; mtimeMs: number; models: ModelSpec[] } | null = null;

/** The models of a test manifest file (re-read when it changes); none when the file is missing or invalid. */
export function readTestManifest(file: string | undefined): ModelSpec[] {
  if (!file) return [];
  const info = statSync(file, { throwIfNoEntry: false });
  if (!info) return [];
  if (cached && cached.path === file && cached.mtimeMs === info.mtimeMs) return cached.models;
  let models: ModelSpec[] = [];
  try {
    const parsed = testManifestSchema.parse(JSON.parse(readFileSync(file, "utf8")));
    models = parsed.models.filter((m) => !MODEL_MANIFEST.some((real) => real.id === m.id)) as ModelSpec[];
  } catch (error) {
    console.warn(`SCRYON_MODELS_TEST_MANIFEST ${file} is not a valid test manifest: ${error instanceof Error ? error.message : String(error)}`);
  }
  cached = { path: file, mtimeMs: info.mtimeMs, models };
  return models;
}

/** Every model the page lists and may download: the manifest's, then the test manifest's. */
export function downloadableModels(testManifestPath?: string): ModelSpec[] {
  return [...MODEL_MANIFEST, ...readTestManifest(testManifestPath)];
}

export function isTestModel(spec: ModelSpec): boolean {
  return !MODEL_MANIFEST.some((m) => m.id === spec.id);
}
