import { statSync } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { SpeechEngineUnavailableError } from "../errors";
import { MODEL_MANIFEST, MODEL_ROLES, type ModelRole, type ModelSpec } from "./manifest";
import { cachedSha256, cachedSha256Sync, readLock, readLockSync, type ModelsLock } from "./lock";

/**
 * Which optional models are installed in a models dir, complete and matching their hashes.
 *
 * A model is installed when `<models dir>/<id>/` exists. It is usable when every file the engine loads is
 * there, is a regular file (of the expected size, where known), and matches its hash: the manifest's pin, or
 * the lock file's record of an install whose download matched the manifest (or, for an asset the manifest
 * does not pin, was trusted on first download).
 *
 * - `inspectModels` is synchronous (the provider factory uses it to choose an engine). It does not hash a file
 *   whose hash, size and mtime all match the lock's record (an untouched `models:pull` install: no I/O beyond
 *   `stat`); any other file is hashed (blocking, ~1 ms per MB, cached per path/size/mtime).
 * - `discoverModels` hashes every file, whatever the lock says (the pull script, `--verify`, tests).
 * - Providers call `verifyInstalledModel` before loading a model, so a file changed after the choice is
 *   refused before native code reads it.
 */

export type ModelTrust =
  /** Every file's hash is pinned in the manifest. */
  | "pinned"
  /** The download's hash is pinned; the files' hashes were recorded right after it matched. */
  | "pinned-archive"
  /** Nothing is pinned: the hashes of the first download were recorded (`--pin-on-first-download`). */
  | "trust-on-first-use";

export interface ExpectedFile {
  path: string;
  sha256: string;
  size: number | undefined;
}

export interface InstalledModel {
  spec: ModelSpec;
  dir: string;
  /** Absolute path of each file, by its role in the spec (`encoder`, `model`, …). */
  paths: Record<string, string>;
  /** What each file must match, by role. */
  expected: Record<string, ExpectedFile>;
  trust: ModelTrust;
}

export interface ModelProblem {
  id: string;
  role: ModelRole;
  reason: string;
}

export interface ModelDiscovery {
  modelsDir: string;
  /** Usable models, in manifest order. */
  installed: InstalledModel[];
  /** Models present in the dir that cannot be used, and why. */
  problems: ModelProblem[];
  /** The model each role will use: the preferred one when usable, else the first usable in manifest order. */
  selected: Partial<Record<ModelRole, InstalledModel>>;
  /** True when every file of `installed` was hashed now (discoverModels); false when records were trusted (inspectModels). */
  hashed: boolean;
}

export interface DiscoverOptions {
  /** Replaces the built-in manifest (tests). */
  manifest?: readonly ModelSpec[];
  /** Model id to use per role when it is usable. */
  prefer?: Partial<Record<ModelRole, string>>;
}

type StatFn = (file: string) => { isFile(): boolean; isDirectory(): boolean; size: number; mtimeMs: number } | undefined;

const statSyncOrUndefined: StatFn = (file) => statSync(file, { throwIfNoEntry: false });

/** Synchronous check: presence, sizes, and hashes — trusting the lock's record for untouched files. */
export function inspectModels(modelsDir: string, options: DiscoverOptions = {}): ModelDiscovery {
  return inspectWith(modelsDir, readLockSync(modelsDir), statSyncOrUndefined, options, true);
}

/** Full check: presence and sizes, then every file is hashed (cached per path/size/mtime) and compared. */
export async function discoverModels(modelsDir: string, options: DiscoverOptions = {}): Promise<ModelDiscovery> {
  const quick = inspectWith(modelsDir, await readLock(modelsDir), statSyncOrUndefined, options, false);
  const installed: InstalledModel[] = [];
  const problems = [...quick.problems];
  for (const model of quick.installed) {
    const mismatch = await firstMismatch(model);
    if (mismatch) problems.push({ id: model.spec.id, role: model.spec.role, reason: mismatch });
    else installed.push(model);
  }
  return { modelsDir, installed, problems, selected: select(installed, options.prefer), hashed: true };
}

/** `checkHashes`: hash files synchronously unless the lock's record (hash, size, mtime) vouches for them. */
function inspectWith(modelsDir: string, lock: ModelsLock, statFile: StatFn, options: DiscoverOptions, checkHashes: boolean): ModelDiscovery {
  const manifest = options.manifest ?? MODEL_MANIFEST;
  const installed: InstalledModel[] = [];
  const problems: ModelProblem[] = [];
  for (const spec of manifest) {
    const dir = path.join(modelsDir, spec.id);
    if (!statFile(dir)?.isDirectory()) continue; // not installed: not a problem
    const result = inspectOne(spec, dir, lock, statFile, checkHashes);
    if (typeof result === "string") problems.push({ id: spec.id, role: spec.role, reason: result });
    else installed.push(result);
  }
  return { modelsDir, installed, problems, selected: select(installed, options.prefer), hashed: false };
}

function inspectOne(spec: ModelSpec, dir: string, lock: ModelsLock, statFile: StatFn, checkHashes: boolean): InstalledModel | string {
  const entry = lock.models[spec.id];
  if (entry && spec.asset.sha256 && entry.asset.sha256 !== spec.asset.sha256) {
    return `models.lock.json records a download with SHA-256 ${entry.asset.sha256}, but the manifest pins ${spec.asset.sha256}: run \`npm run models:pull\` again`;
  }
  const paths: Record<string, string> = {};
  const expected: Record<string, ExpectedFile> = {};
  let allPinned = true;
  for (const [role, file] of Object.entries(spec.files)) {
    const abs = path.join(dir, file.path);
    const info = statFile(abs);
    if (!info) return `${file.path} is missing (incomplete install: run \`npm run models:pull\`)`;
    if (!info.isFile()) return `${file.path} is not a regular file`;
    const locked = entry?.files[file.path];
    const sha256 = file.sha256 ?? locked?.sha256;
    if (!sha256) return `no SHA-256 is known for ${file.path} (not installed by \`npm run models:pull\`, or models.lock.json is missing)`;
    if (!file.sha256) allPinned = false;
    const size = file.size ?? (file.sha256 ? undefined : locked?.size);
    if (size !== undefined && info.size !== size) return `${file.path} has ${info.size} bytes, expected ${size}`;
    if (checkHashes) {
      const vouched = locked !== undefined && locked.sha256 === sha256 && locked.size === info.size && locked.mtimeMs === info.mtimeMs;
      if (!vouched) {
        const digest = cachedSha256Sync(abs, info.size, info.mtimeMs);
        if (digest !== sha256) return `${file.path} has SHA-256 ${digest}, expected ${sha256}`;
      }
    }
    paths[role] = abs;
    expected[role] = { path: abs, sha256, size };
  }
  const trust: ModelTrust = allPinned ? "pinned" : spec.asset.sha256 ? "pinned-archive" : "trust-on-first-use";
  return { spec, dir, paths, expected, trust };
}

function select(installed: InstalledModel[], prefer: DiscoverOptions["prefer"] = {}): Partial<Record<ModelRole, InstalledModel>> {
  const selected: Partial<Record<ModelRole, InstalledModel>> = {};
  for (const role of MODEL_ROLES) {
    const ofRole = installed.filter((m) => m.spec.role === role);
    const chosen = ofRole.find((m) => m.spec.id === prefer[role]) ?? ofRole[0];
    if (chosen) selected[role] = chosen;
  }
  return selected;
}

/** The first file that does not match its expected size or hash, as a sentence; null when all match. */
async function firstMismatch(model: InstalledModel): Promise<string | null> {
  for (const file of Object.values(model.expected)) {
    let info;
    try {
      info = await stat(file.path);
    } catch {
      return `${path.basename(file.path)} is missing`;
    }
    if (file.size !== undefined && info.size !== file.size) return `${path.basename(file.path)} has ${info.size} bytes, expected ${file.size}`;
    const digest = await cachedSha256(file.path, info.size, info.mtimeMs);
    if (digest !== file.sha256) return `${path.basename(file.path)} has SHA-256 ${digest}, expected ${file.sha256}`;
  }
  return null;
}

/**
 * Checks a model's files against their hashes before native code loads them (cached per path, size and
 * mtime). A mismatch is permanent until someone reinstalls: `ENGINE_UNAVAILABLE`.
 */
export async function verifyInstalledModel(model: InstalledModel): Promise<void> {
  const mismatch = await firstMismatch(model);
  if (mismatch) {
    throw new SpeechEngineUnavailableError(
      `The ${model.spec.title} model does not match its expected SHA-256 and was not loaded: run \`npm run models:pull\` again, or remove its directory from the models dir to use the built-in engine.`,
      `${model.dir}: ${mismatch}`,
    );
  }
}

/** One line per problem, for logs and the pull script. */
export function describeProblems(discovery: ModelDiscovery): string[] {
  return discovery.problems.map((p) => `${p.id} (${p.role}): ${p.reason}`);
}
