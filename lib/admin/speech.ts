import "server-only";
import type { User } from "@/db/schema";
import { loadEnv, type AppEnv } from "@/lib/env";
import { createSpeechProviders, type SpeechProviders } from "@/lib/speech";
import { SpeechEngineUnavailableError } from "@/lib/speech/errors";
import { resolveLocalConfig, verifyPocketsphinx, verifySherpaRuntime, verifyVadModel } from "@/lib/speech/local/config";
import { downloadableModels, improvesText, isTestModel, ROLE_LABELS } from "@/lib/speech/models/catalog";
import { discoverModels, inspectModels } from "@/lib/speech/models/discover";
import { listDownloads, resumeModelDownloads, type DownloadDeps, type DownloadSnapshot } from "@/lib/speech/models/downloads";
import { MODEL_MANIFEST, type ModelRole, type ModelSpec } from "@/lib/speech/models/manifest";
import { checkExtractTools, freeBytesOf, pullCommand, PullError } from "@/lib/speech/models/pull";
import { isAdmin } from "./access";

/** What Settings → Speech shows, and `GET /api/admin/speech` returns. */

export const POCKETSPHINX_INSTALL = "sudo apt-get install -y pocketsphinx pocketsphinx-en-us";
export const PULL_COMMAND = "npm run models:pull";

export type StageName = "diarization" | "transcription" | "voiceprint";

export interface StageStatus {
  stage: StageName;
  label: string;
  /** The provider the configuration names (`SCRYON_<STAGE>_PROVIDER`). */
  configured: string;
  /** The engine that runs for the next call: the provider's own name (what the call timeline records). */
  running: string;
  engine: string;
  quality: "draft" | "standard" | null;
}

export interface HealthCheck {
  id: "pocketsphinx" | "vad" | "sherpa-onnx" | "extract-tools" | "disk";
  label: string;
  ok: boolean;
  detail: string;
  /** A command that fixes it. */
  fix: string | null;
}

export type ModelState = "installed" | "missing" | "broken" | "downloading" | "interrupted" | "failed";

export interface ModelStatus {
  id: string;
  title: string;
  role: ModelRole;
  roleLabel: string;
  license: string;
  sizeBytes: number;
  improves: string;
  pinned: boolean;
  state: ModelState;
  /** Why a present model is not used (`broken`). */
  problem: string | null;
  trust: string | null;
  /** The engine uses it now. */
  inUse: boolean;
  /** The page offers its Download button (pinned, and not installed or running). */
  canDownload: boolean;
  pullCommand: string;
  testModel: boolean;
  download: DownloadSnapshot | null;
}

export interface SpeechStatus {
  modelsDir: string;
  pullCommand: string;
  freeBytes: number | null;
  stages: StageStatus[];
  health: HealthCheck[];
  models: ModelStatus[];
}

export function modelDownloadDeps(env: AppEnv = loadEnv()): DownloadDeps {
  return {
    modelsDir: env.speech.local.modelsDir,
    manifest: downloadableModels(env.modelDownloads.testManifestPath),
    baseUrl: env.modelDownloads.baseUrl,
  };
}

const holder = globalThis as unknown as { __scryonStatusProviders?: { env: AppEnv; providers: SpeechProviders } };

/** The providers the pipeline would use (same config; the local ones follow the models dir). */
function statusProviders(env: AppEnv): SpeechProviders {
  if (holder.__scryonStatusProviders?.env !== env) holder.__scryonStatusProviders = { env, providers: createSpeechProviders(env.speech) };
  return holder.__scryonStatusProviders.providers;
}

const CLOUD: Record<string, string> = {
  deepgram: "Deepgram (cloud)",
  assemblyai: "AssemblyAI (cloud)",
  openai: "OpenAI-compatible transcription (cloud or your server)",
  pyannote: "pyannoteAI (cloud)",
};

const byShortName = (short: string): ModelSpec | undefined => MODEL_MANIFEST.find((m) => m.shortName === short);

export function describeEngine(stage: StageName, name: string): { engine: string; quality: "draft" | "standard" | null } {
  if (CLOUD[name]) return { engine: CLOUD[name]!, quality: stage === "transcription" ? "standard" : null };
  if (name === "local") {
    if (stage === "transcription") return { engine: "pocketsphinx (built-in, draft quality)", quality: "draft" };
    if (stage === "diarization") return { engine: "Built-in: voice activity + MFCC clustering (stereo calls: one speaker per channel)", quality: null };
    return { engine: "Built-in: MFCC + pitch voiceprints", quality: null };
  }
  const parts = name.replace(/^local:/, "").split("+").map((short) => byShortName(short));
  const titles = parts.map((spec, i) => spec?.title ?? name.replace(/^local:/, "").split("+")[i]);
  const quality = stage === "transcription" ? (parts[0]?.quality ?? "draft") : null;
  return { engine: `${titles.join(" + ")} (local model)`, quality };
}

async function check(run: () => Promise<void> | void): Promise<string | null> {
  try {
    await run();
    return null;
  } catch (error) {
    if (error instanceof SpeechEngineUnavailableError || error instanceof PullError) return error.message;
    return error instanceof Error ? error.message : String(error);
  }
}

export async function getSpeechStatus(env: AppEnv = loadEnv(), deps: DownloadDeps = modelDownloadDeps(env)): Promise<SpeechStatus> {
  const providers = statusProviders(env);
  const stages: StageStatus[] = (
    [
      ["diarization", "Diarization (who spoke when)"],
      ["transcription", "Transcription"],
      ["voiceprint", "Voiceprint (recognising you)"],
    ] as const
  ).map(([stage, label]) => {
    const running = providers[stage].name;
    return { stage, label, configured: env.speech[stage], running, ...describeEngine(stage, running) };
  });

  const local = resolveLocalConfig(env.speech.local);
  const freeBytes = await freeBytesOf(deps.modelsDir).catch(() => freeBytesOf(env.dataDir).catch(() => null));
  const [pocketsphinx, vad, sherpa, tools] = await Promise.all([
    check(() => verifyPocketsphinx(local)),
    check(() => verifyVadModel(local)),
    check(() => verifySherpaRuntime(local)),
    check(() => checkExtractTools()),
  ]);
  const health: HealthCheck[] = [
    {
      id: "pocketsphinx",
      label: "pocketsphinx (built-in recogniser)",
      ok: !pocketsphinx,
      detail: pocketsphinx ?? "Installed: pocketsphinx_continuous and its English model.",
      fix: pocketsphinx ? POCKETSPHINX_INSTALL : null,
    },
    { id: "vad", label: "Voice activity model (silero VAD)", ok: !vad, detail: vad ?? "Present and matching its SHA-256.", fix: vad ? "npm ci" : null },
    { id: "sherpa-onnx", label: "sherpa-onnx runtime (for the optional models)", ok: !sherpa, detail: sherpa ?? "Installed.", fix: sherpa ? "npm ci" : null },
    {
      id: "extract-tools",
      label: "tar and bzip2 (to unpack model archives)",
      ok: !tools,
      detail: tools ?? "Installed.",
      fix: tools ? "sudo apt-get install -y tar bzip2" : null,
    },
    {
      id: "disk",
      label: "Free disk space in the models directory",
      ok: freeBytes === null || freeBytes > 500e6,
      detail: freeBytes === null ? "Unknown." : `${(freeBytes / 1e9).toFixed(1)} GB free.`,
      fix: null,
    },
  ];

  const discovery = await discoverModels(deps.modelsDir, { manifest: deps.manifest });
  const downloads = await listDownloads(deps);
  const inUse = new Set(stages.map((s) => s.running));
  const models = deps.manifest.map((spec): ModelStatus => {
    const installed = discovery.installed.find((m) => m.spec.id === spec.id);
    const problem = discovery.problems.find((p) => p.id === spec.id);
    const download = downloads[spec.id] ?? null;
    let state: ModelState = installed ? "installed" : problem ? "broken" : "missing";
    if (download) state = download.status === "active" ? "downloading" : download.status;
    const pinned = spec.asset.sha256 !== null;
    const usedBy = [...inUse].some((name) => name.startsWith("local:") && name.slice(6).split("+").includes(spec.shortName));
    return {
      id: spec.id,
      title: spec.title,
      role: spec.role,
      roleLabel: ROLE_LABELS[spec.role],
      license: spec.license,
      sizeBytes: spec.asset.size ?? spec.downloadMb * 1_000_000,
      improves: improvesText(spec),
      pinned,
      state,
      problem: problem?.reason ?? null,
      trust: installed?.trust ?? null,
      inUse: Boolean(installed) && usedBy && !isTestModel(spec),
      canDownload: pinned && (state === "missing" || state === "broken" || state === "failed" || state === "interrupted"),
      pullCommand: pullCommand(spec),
      testModel: isTestModel(spec),
      download,
    };
  });
  return { modelsDir: deps.modelsDir, pullCommand: PULL_COMMAND, freeBytes, stages, health, models };
}

/**
 * For the call page's draft-quality notice: whether a better recogniser than the one that runs now could be
 * installed here (the local engine transcribes, and no standard-quality ASR model is installed), and whether
 * this user may install it (the notice links to Settings → Speech then).
 */
export function draftUpgradeHint(user: Pick<User, "email" | "externalUserId">, env: AppEnv = loadEnv()): { canInstall: boolean } | null {
  if (env.speech.transcription !== "local") return null;
  const selected = inspectModels(env.speech.local.modelsDir).selected.asr;
  if (selected?.spec.quality === "standard") return null;
  return { canInstall: isAdmin(user, env) };
}

/** At boot: continue the model downloads a stop interrupted (lib/boot.ts). Never blocks or fails the boot. */
export async function resumeModelDownloadsAtBoot(): Promise<void> {
  try {
    const resumed = await resumeModelDownloads(modelDownloadDeps());
    if (resumed.length) console.log(`[models] resuming the download of ${resumed.join(", ")}`);
  } catch (error) {
    console.warn("[models] could not look for interrupted downloads", error);
  }
}
