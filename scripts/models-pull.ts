/**
 * `npm run models:pull` — downloads the optional sherpa-onnx models of the local speech engine
 * (docs/models.md) into the models dir, checks their SHA-256, and installs them atomically.
 *
 *   npm run models:pull                               # one model per role: whisper-base.en, pyannote, titanet
 *   npm run models:pull -- --only asr                 # only a role (asr | segmentation | embedding; repeatable)
 *   npm run models:pull -- --model whisper-tiny.en    # a specific model of the manifest (repeatable)
 *   npm run models:pull -- --models-dir /srv/models   # default: $SCRYON_MODELS_DIR, else <$SCRYON_DATA_DIR or .data>/models
 *   npm run models:pull -- --dry-run                  # print what would be fetched; no network
 *   npm run models:pull -- --pin-on-first-download    # allow assets without a pinned hash (trust on first use)
 *   npm run models:pull -- --list | --verify          # the manifest and what is installed / hash-check the install
 *
 * The work itself is `pullModel` in lib/speech/models/pull.ts, the same code the Settings → Speech page's
 * background downloads run: skip a model that is installed and verifies; check disk space and tools; stream
 * the download to a temp dir inside the models dir (progress on stdout); check its SHA-256 against the
 * manifest (or, for an unpinned asset, against the hash recorded by an earlier `--pin-on-first-download`);
 * extract, prune, check every file the engine loads, and swap the directory into `<models dir>/<model id>`
 * with the hashes in `<models dir>/models.lock.json`. Nothing is installed when any check fails, and the temp
 * dir is always removed. `SCRYON_MODELS_BASE_URL` fetches from a mirror instead of GitHub.
 *
 * Runs on a machine with internet access; copy the models dir (with its lock file) to an offline server.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describeProblems, discoverModels, inspectModels } from "../lib/speech/models/discover";
import { DEFAULT_MODELS, LOCK_FILE_NAME, MODEL_MANIFEST, MODEL_ROLES, type ModelRole, type ModelSpec } from "../lib/speech/models/manifest";
import { defaultModelsDir, PullError, pullModel, type PullContext } from "../lib/speech/models/pull";

export {
  assetUrl,
  checkExtractTools,
  defaultModelsDir,
  downloadAsset,
  extractTarBz2,
  PullError,
  pullModel,
  type PullContext,
  type PullOutcome,
} from "../lib/speech/models/pull";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface PullArgs {
  /** Roles asked for with `--only` (null: not given). */
  only: ModelRole[] | null;
  /** Model ids asked for with `--model`. */
  models: string[];
  modelsDir: string;
  dryRun: boolean;
  pinOnFirstDownload: boolean;
  /** Reinstall even when the installed copy verifies. */
  force: boolean;
  list: boolean;
  verify: boolean;
  help: boolean;
}

type Env = Record<string, string | undefined>;

const blank = (value: string | undefined) => value === undefined || value.trim() === "";

export function parseArgs(argv: string[], env: Env = process.env, cwd = process.cwd(), manifest: readonly ModelSpec[] = MODEL_MANIFEST): PullArgs {
  const args: PullArgs = {
    only: null,
    models: [],
    modelsDir: "",
    dryRun: false,
    pinOnFirstDownload: false,
    force: false,
    list: false,
    verify: false,
    help: false,
  };
  let modelsDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.indexOf("=");
    const flag = raw.startsWith("--") && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith("--") && eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = () => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case "--only": {
        const roles = value().split(",").map((r) => r.trim()).filter(Boolean);
        for (const role of roles) {
          if (!MODEL_ROLES.includes(role as ModelRole)) throw new UsageError(`--only takes ${MODEL_ROLES.join(", ")}; got "${role}"`);
          args.only = [...new Set([...(args.only ?? []), role as ModelRole])];
        }
        break;
      }
      case "--model": {
        const id = value();
        if (!manifest.some((m) => m.id === id)) throw new UsageError(`unknown model "${id}"; known: ${manifest.map((m) => m.id).join(", ")}`);
        if (!args.models.includes(id)) args.models.push(id);
        break;
      }
      case "--models-dir":
        modelsDir = value();
        if (blank(modelsDir)) throw new UsageError("--models-dir needs a directory");
        break;
      case "--dry-run":
        args.dryRun = true;
        break;
      case "--pin-on-first-download":
        args.pinOnFirstDownload = true;
        break;
      case "--force":
        args.force = true;
        break;
      case "--list":
        args.list = true;
        break;
      case "--verify":
        args.verify = true;
        break;
      case "-h":
      case "--help":
        args.help = true;
        break;
      default:
        throw new UsageError(`unknown argument "${raw}" (see --help)`);
    }
  }
  args.modelsDir = modelsDir !== undefined ? path.resolve(cwd, modelsDir) : defaultModelsDir(env, cwd);
  return args;
}

/** The models a run installs: `--model` ids, plus the default model of each `--only` role; by default one per role. */
export function planPull(args: Pick<PullArgs, "only" | "models">, manifest: readonly ModelSpec[] = MODEL_MANIFEST, defaults: Record<ModelRole, string> = DEFAULT_MODELS): ModelSpec[] {
  const ids = [...args.models];
  const roles = args.only ?? (args.models.length ? [] : [...MODEL_ROLES]);
  for (const role of roles) {
    const explicit = args.models.some((id) => manifest.find((m) => m.id === id)?.role === role);
    if (!explicit && !ids.includes(defaults[role])) ids.push(defaults[role]);
  }
  return ids.map((id) => {
    const spec = manifest.find((m) => m.id === id);
    if (!spec) throw new UsageError(`unknown model "${id}"`);
    return spec;
  });
}

// --- CLI ---------------------------------------------------------------------------------------------------

const HELP = `Usage: npm run models:pull -- [options]

Downloads the optional sherpa-onnx models of the local speech engine (docs/models.md), checks their SHA-256
and installs them into the models dir. The engine uses them when they are present and verify.

  --only <role>              asr | segmentation | embedding (comma-separated or repeated)
  --model <id>               a specific model of the manifest (repeatable); see --list
  --models-dir <dir>         default: $SCRYON_MODELS_DIR, else <$SCRYON_DATA_DIR or .data>/models
  --dry-run                  print what would be fetched, touch nothing
  --pin-on-first-download    allow an asset the manifest pins no hash for; its hash is recorded in
                             <models dir>/${LOCK_FILE_NAME} and later downloads must match it
  --force                    reinstall even when the installed copy verifies
  --list                     the manifest, with what is installed
  --verify                   hash-check what is installed (exit 1 on a problem)
`;

function terminalProgress(): NonNullable<PullContext["progress"]> {
  const tty = Boolean(process.stdout.isTTY);
  let lastStep = -1;
  return (id, received, total) => {
    const mb = (received / 1e6).toFixed(1);
    if (total) {
      const pct = Math.min(100, Math.floor((received / total) * 100));
      if (tty) process.stdout.write(`\r  ${id}: ${pct}% (${mb} / ${(total / 1e6).toFixed(1)} MB)${pct === 100 ? "\n" : ""}`);
      else if (Math.floor(pct / 10) !== lastStep) {
        lastStep = Math.floor(pct / 10);
        console.log(`  ${id}: ${pct}% (${mb} MB)`);
      }
    } else if (tty) process.stdout.write(`\r  ${id}: ${mb} MB`);
  };
}

export async function main(argv: string[], env: Env = process.env): Promise<number> {
  let args: PullArgs;
  try {
    args = parseArgs(argv, env);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`models:pull: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (args.help) {
    console.log(HELP);
    return 0;
  }
  if (args.list) {
    const found = inspectModels(args.modelsDir);
    console.log(`Models dir: ${args.modelsDir}`);
    for (const m of MODEL_MANIFEST) {
      const state = found.installed.some((i) => i.spec.id === m.id) ? "installed" : found.problems.some((p) => p.id === m.id) ? "present, not usable" : "-";
      const pin = m.asset.sha256 ? "pinned" : "trust on first use";
      const dflt = DEFAULT_MODELS[m.role] === m.id ? " (default)" : "";
      console.log(`  ${m.id.padEnd(26)} ${m.role.padEnd(13)} ~${String(m.downloadMb).padStart(3)} MB  ${pin.padEnd(18)} ${state}${dflt}`);
    }
    for (const line of describeProblems(found)) console.log(`  ! ${line}`);
    return 0;
  }
  if (args.verify) {
    const found = await discoverModels(args.modelsDir);
    console.log(`Models dir: ${args.modelsDir}`);
    for (const m of found.installed) console.log(`  ✓ ${m.spec.id} (${m.trust})`);
    for (const line of describeProblems(found)) console.log(`  ✗ ${line}`);
    for (const role of MODEL_ROLES) console.log(`  ${role}: ${found.selected[role]?.spec.id ?? "none (built-in engine)"}`);
    return found.problems.length ? 1 : 0;
  }
  const specs = planPull(args);
  const ctx: PullContext = {
    modelsDir: args.modelsDir,
    pinOnFirstDownload: args.pinOnFirstDownload,
    dryRun: args.dryRun,
    force: args.force,
    log: (line) => console.log(line),
    progress: terminalProgress(),
    env,
    ...(blank(env.SCRYON_MODELS_BASE_URL) ? {} : { baseUrl: env.SCRYON_MODELS_BASE_URL! }),
  };
  console.log(`${args.dryRun ? "Dry run: nothing is downloaded. " : ""}Models dir: ${args.modelsDir}`);
  let failed = 0;
  for (const spec of specs) {
    try {
      await pullModel(spec, ctx);
    } catch (error) {
      failed++;
      console.error(`✗ ${error instanceof PullError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  if (!args.dryRun && failed === 0) {
    console.log(`Done. The local engine uses these models when its models dir (SCRYON_MODELS_DIR) is ${args.modelsDir}.`);
  }
  return failed ? 1 : 0;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
