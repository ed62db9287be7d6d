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
 * Per model: skip it when it is installed and verifies; else stream the download to a temp dir inside the
 * models dir (progress on stdout), check its SHA-256 against the manifest (or, for an unpinned asset, against
 * the hash recorded by an earlier `--pin-on-first-download`), extract `.tar.bz2` with the system `tar -xjf`,
 * drop the files the engine never loads, check every file the engine loads, then swap the directory into
 * `<models dir>/<model id>` with a rename and record the hashes in `<models dir>/models.lock.json`.
 * Nothing is installed when any check fails, and the temp dir is always removed.
 *
 * Runs on a machine with internet access; copy the models dir (with its lock file) to an offline server.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { lstat, mkdir, mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import { describeProblems, discoverModels, inspectModels } from "../lib/speech/models/discover";
import { readLock, sha256File, updateLock, type LockedModel } from "../lib/speech/models/lock";
import { DEFAULT_MODELS, LOCK_FILE_NAME, MODEL_MANIFEST, MODEL_ROLES, type ModelRole, type ModelSpec } from "../lib/speech/models/manifest";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure the user can act on; the message says how. Nothing was installed. */
export class PullError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PullError";
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

/**
 * `$SCRYON_MODELS_DIR`, else `<data dir>/models` with the data dir read as lib/env.ts reads it
 * (`SCRYON_DATA_DIR`, blank = unset, default `.data`, resolved against the working directory).
 */
export function defaultModelsDir(env: Env = process.env, cwd = process.cwd()): string {
  if (!blank(env.SCRYON_MODELS_DIR)) return path.resolve(cwd, env.SCRYON_MODELS_DIR!);
  const dataDir = blank(env.SCRYON_DATA_DIR) ? ".data" : env.SCRYON_DATA_DIR!;
  return path.join(path.resolve(cwd, dataDir), "models");
}

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

// --- download ----------------------------------------------------------------------------------------------

export interface PullContext {
  modelsDir: string;
  pinOnFirstDownload: boolean;
  dryRun: boolean;
  force: boolean;
  /** Lines for the user (stdout by default). */
  log: (line: string) => void;
  /** Download progress (an updating line on a terminal, a line per 10 % otherwise). */
  progress?: (id: string, received: number, total: number | undefined) => void;
  fetchImpl?: typeof fetch;
  /** Environment for `tar`/`bzip2` (their PATH). */
  env?: Env;
  /** Abort a download that receives nothing for this long. Default 60 s. */
  idleTimeoutMs?: number;
  /** Manifest the specs come from (for discovery; tests pass their own). */
  manifest?: readonly ModelSpec[];
}

const OFFLINE_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH", "EHOSTUNREACH", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET"]);

function networkCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Streams `url` to `dest`, hashing on the way. Throws `PullError` with a plain explanation on failure. */
export async function downloadAsset(
  url: string,
  dest: string,
  options: { id: string; fetchImpl?: typeof fetch; idleTimeoutMs?: number; expectedSize?: number; progress?: PullContext["progress"] },
): Promise<{ sha256: string; size: number }> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const idle = options.idleTimeoutMs ?? 60_000;
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), idle);
  const host = new URL(url).host;
  try {
    let response: Response;
    try {
      response = await fetchImpl(url, { redirect: "follow", signal: controller.signal });
    } catch (error) {
      const code = controller.signal.aborted ? "ETIMEDOUT" : networkCode(error);
      if (code && OFFLINE_CODES.has(code)) {
        throw new PullError(
          `Could not reach ${host} (${code}): this machine seems to be offline. Run \`npm run models:pull\` on a machine with internet access and copy the models dir, including ${LOCK_FILE_NAME}, to this one.`,
          { cause: error },
        );
      }
      throw new PullError(`Downloading ${url} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => {});
      const hint = response.status === 404 ? " (the release asset may have been renamed or removed; see docs/models.md)" : "";
      throw new PullError(`Downloading ${url} failed: HTTP ${response.status}${hint}.`);
    }
    const header = Number(response.headers.get("content-length"));
    const total = Number.isFinite(header) && header > 0 ? header : options.expectedSize;
    const hash = createHash("sha256");
    let received = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        clearTimeout(timer);
        timer = setTimeout(() => controller.abort(), idle);
        hash.update(chunk);
        received += chunk.length;
        options.progress?.(options.id, received, total);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>), meter, createWriteStream(dest));
    } catch (error) {
      const code = controller.signal.aborted ? "ETIMEDOUT" : networkCode(error);
      throw new PullError(
        `The download of ${url} broke off after ${(received / 1e6).toFixed(1)} MB${code ? ` (${code})` : ""}; nothing was installed. Run the command again.`,
        { cause: error },
      );
    }
    return { sha256: hash.digest("hex"), size: received };
  } finally {
    clearTimeout(timer);
  }
}

// --- extraction --------------------------------------------------------------------------------------------

/** `tar` and `bzip2` on the PATH (GNU tar runs `bzip2` for `-j`). Throws `PullError` saying what to install. */
export function checkExtractTools(env: Env = process.env): void {
  const has = (tool: string, args: string[]) => {
    const result = spawnSync(tool, args, { env: env as NodeJS.ProcessEnv, stdio: "ignore" });
    return !(result.error && (result.error as NodeJS.ErrnoException).code === "ENOENT");
  };
  if (!has("tar", ["--version"])) {
    throw new PullError("`tar` is not installed, and the models come as .tar.bz2 archives: install it (`apt-get install tar`).");
  }
  if (!has("bzip2", ["--help"])) {
    throw new PullError("`bzip2` is not installed, and `tar -xjf` needs it to unpack the .tar.bz2 model archives: install it (`apt-get install bzip2`) and run the command again.");
  }
}

export async function extractTarBz2(archive: string, destDir: string, env: Env = process.env): Promise<void> {
  checkExtractTools(env);
  await mkdir(destDir, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const child = spawn("tar", ["-xjf", archive, "-C", destDir, "--no-same-owner", "--no-same-permissions"], {
      env: env as NodeJS.ProcessEnv,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (c: string) => (err = (err + c).slice(-2000)));
    child.on("error", (e) => reject(new PullError(`tar could not start: ${e.message}`, { cause: e })));
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new PullError(`Unpacking ${path.basename(archive)} failed (tar exit code ${code}): ${err.trim().split("\n").at(-1) ?? ""}`)),
    );
  });
}

// --- one model ---------------------------------------------------------------------------------------------

export type PullOutcome = "installed" | "skipped" | "dry-run";

export async function pullModel(spec: ModelSpec, ctx: PullContext): Promise<PullOutcome> {
  const manifest = ctx.manifest ?? MODEL_MANIFEST;
  const target = path.join(ctx.modelsDir, spec.id);
  const existing = await discoverModels(ctx.modelsDir, { manifest: manifest.filter((m) => m.id === spec.id) });
  const installed = existing.installed.find((m) => m.spec.id === spec.id);
  if (installed && !ctx.force) {
    ctx.log(`✓ ${spec.id}: installed and verified (${installed.trust}) in ${target}`);
    return "skipped";
  }
  for (const problem of existing.problems) ctx.log(`! ${spec.id}: present but not usable (${problem.reason}); reinstalling`);

  const lock = await readLock(ctx.modelsDir);
  const recorded = lock.models[spec.id]?.asset;
  const tofu = spec.asset.sha256 === null;
  const expected = spec.asset.sha256 ?? (recorded && recorded.url === spec.asset.url ? recorded.sha256 : null);
  const refuse = expected === null && !ctx.pinOnFirstDownload;
  if (ctx.dryRun) {
    ctx.log(`· ${spec.id} (${spec.role}, ${spec.license}): would fetch ${spec.asset.url} (~${spec.downloadMb} MB)`);
    if (expected) ctx.log(`    SHA-256 ${expected} (${tofu ? "recorded on first download" : "pinned"})`);
    else ctx.log(`    SHA-256 not pinned: ${refuse ? "would be refused without --pin-on-first-download" : `would be recorded in ${LOCK_FILE_NAME} (trust on first use)`}`);
    ctx.log(`    → ${target}${spec.asset.kind === "tar.bz2" ? " (unpacked with tar -xjf)" : ""}`);
    return "dry-run";
  }
  if (refuse) {
    throw new PullError(
      `${spec.id}: the manifest pins no SHA-256 for ${spec.asset.url} (no published value could be corroborated), so it is not installed. ` +
        `To trust this download and check every later one against it, run again with --pin-on-first-download.`,
    );
  }

  await mkdir(ctx.modelsDir, { recursive: true });
  if (spec.asset.kind === "tar.bz2") checkExtractTools(ctx.env); // fail before a 200 MB download, not after
  const tmp = await mkdtemp(path.join(ctx.modelsDir, `.pull-${spec.id}-`));
  try {
    ctx.log(`↓ ${spec.id}: ${spec.asset.url}`);
    const asset = path.join(tmp, "download");
    const got = await downloadAsset(spec.asset.url, asset, {
      id: spec.id,
      ...(ctx.fetchImpl ? { fetchImpl: ctx.fetchImpl } : {}),
      ...(ctx.idleTimeoutMs !== undefined ? { idleTimeoutMs: ctx.idleTimeoutMs } : {}),
      ...(spec.asset.size !== undefined ? { expectedSize: spec.asset.size } : {}),
      ...(ctx.progress ? { progress: ctx.progress } : {}),
    });
    if (expected !== null && got.sha256 !== expected) {
      throw new PullError(
        `${spec.id}: the download's SHA-256 is ${got.sha256}, but ${tofu ? `${LOCK_FILE_NAME} recorded ${expected} on first download` : `the manifest pins ${expected}`}. ` +
          `The download is corrupt or the asset changed upstream; nothing was installed.`,
      );
    }
    if (expected === null) {
      ctx.log(`  SHA-256 of ${path.basename(new URL(spec.asset.url).pathname)}: ${got.sha256}`);
      ctx.log(`  (trust on first use: not pinned by the manifest; recorded in ${LOCK_FILE_NAME}, later downloads must match it)`);
    } else {
      ctx.log(`  SHA-256 ok (${tofu ? "as recorded on first download" : "pinned"})`);
    }

    // Stage the model's directory.
    const stage = path.join(tmp, "stage");
    if (spec.asset.kind === "tar.bz2") {
      const unpacked = path.join(tmp, "unpacked");
      await extractTarBz2(asset, unpacked, ctx.env);
      const root = spec.asset.root ? path.join(unpacked, spec.asset.root) : unpacked;
      const info = await lstat(root).catch(() => null);
      if (!info?.isDirectory()) {
        const found = await readdir(unpacked).catch(() => []);
        throw new PullError(`${spec.id}: the archive does not hold ${spec.asset.root}/ (found: ${found.join(", ") || "nothing"}); nothing was installed.`);
      }
      await rename(root, stage);
    } else {
      const files = Object.values(spec.files);
      if (files.length !== 1) throw new PullError(`${spec.id}: a single-file asset must name exactly one file in the manifest`);
      await mkdir(stage);
      await rename(asset, path.join(stage, files[0]!.path));
    }
    for (const rel of spec.prune ?? []) {
      const victim = path.resolve(stage, rel);
      if (victim.startsWith(stage + path.sep)) await rm(victim, { recursive: true, force: true });
    }

    // Every file the engine loads: a regular file inside the stage, matching its pin when it has one.
    const lockedFiles: LockedModel["files"] = {};
    for (const file of Object.values(spec.files)) {
      const abs = path.resolve(stage, file.path);
      if (!abs.startsWith(stage + path.sep)) throw new PullError(`${spec.id}: manifest path ${file.path} leaves the model dir`);
      const info = await lstat(abs).catch(() => null);
      if (!info?.isFile()) throw new PullError(`${spec.id}: ${file.path} is missing from the download (or not a regular file); nothing was installed.`);
      const sha256 = await sha256File(abs);
      if (file.sha256 && sha256 !== file.sha256) {
        throw new PullError(`${spec.id}: ${file.path} has SHA-256 ${sha256}, but the manifest pins ${file.sha256}; nothing was installed.`);
      }
      if (file.size !== undefined && info.size !== file.size) {
        throw new PullError(`${spec.id}: ${file.path} has ${info.size} bytes, the manifest says ${file.size}; nothing was installed.`);
      }
      // mtime survives the rename below: the stamp lets the server's synchronous check skip re-hashing.
      lockedFiles[file.path] = { sha256, size: info.size, mtimeMs: info.mtimeMs };
    }

    // Swap it in: forget the old record, move the old dir aside, rename the stage into place, record the new one.
    await updateLock(ctx.modelsDir, spec.id, null);
    const old = path.join(tmp, "old");
    if (await stat(target).catch(() => null)) await rename(target, old);
    await rename(stage, target);
    await updateLock(ctx.modelsDir, spec.id, {
      asset: { url: spec.asset.url, sha256: got.sha256, size: got.size, trust: tofu ? "trust-on-first-use" : "pinned" },
      files: lockedFiles,
      installedAt: new Date().toISOString(),
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }

  const check = await discoverModels(ctx.modelsDir, { manifest: manifest.filter((m) => m.id === spec.id) });
  const done = check.installed.find((m) => m.spec.id === spec.id);
  if (!done) throw new PullError(`${spec.id}: installed, but it does not verify: ${describeProblems(check).join("; ")}`);
  ctx.log(`✓ ${spec.id}: installed (${done.trust}) in ${target}`);
  return "installed";
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
