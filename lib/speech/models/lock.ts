import { createHash } from "node:crypto";
import { closeSync, createReadStream, openSync, readFileSync, readSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { LOCK_FILE_NAME, SHA256_PATTERN } from "./manifest";

/**
 * `<models dir>/models.lock.json`: what `npm run models:pull` installed, written after each model is in place.
 *
 * - `asset.sha256` is the hash of the download as it was checked: equal to the manifest's pin (`trust:
 *   "pinned"`), or, for an asset the manifest does not pin, the hash of the first download
 *   (`trust: "trust-on-first-use"`), which every later download of it must match.
 * - `files` are the hashes of the installed files, computed right after the download matched; discovery
 *   checks files the manifest does not pin against them. `mtimeMs` stamps the file as it was hashed: the
 *   synchronous check (`inspectModels`) trusts a file whose hash, size and mtime all match its record without
 *   hashing it again, and hashes it otherwise (a dir copied without keeping mtimes costs one hash per process).
 *
 * The lock protects against a corrupt, partial or swapped install and a changed upstream asset. It does not
 * protect against someone who can write to the models dir (they can rewrite the lock too); files the manifest
 * pins are checked against the manifest, whatever the lock says.
 */

export const LOCK_VERSION = 1;

export type AssetTrust = "pinned" | "trust-on-first-use";

export interface LockedFile {
  sha256: string;
  size: number;
  /** Modification time of the installed file when it was hashed. */
  mtimeMs?: number;
}

export interface LockedModel {
  asset: { url: string; sha256: string; size: number; trust: AssetTrust };
  files: Record<string, LockedFile>;
  installedAt: string;
}

export interface ModelsLock {
  version: typeof LOCK_VERSION;
  models: Record<string, LockedModel>;
}

export function lockPath(modelsDir: string): string {
  return path.join(modelsDir, LOCK_FILE_NAME);
}

export function emptyLock(): ModelsLock {
  return { version: LOCK_VERSION, models: {} };
}

/** Parses a lock file's text; entries that are not well-formed are dropped (they then verify nothing). */
export function parseLock(text: string): ModelsLock {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return emptyLock();
  }
  const lock = emptyLock();
  if (typeof raw !== "object" || raw === null || (raw as { version?: unknown }).version !== LOCK_VERSION) return lock;
  const models = (raw as { models?: unknown }).models;
  if (typeof models !== "object" || models === null) return lock;
  for (const [id, entry] of Object.entries(models as Record<string, unknown>)) {
    const parsed = parseLockedModel(entry);
    if (parsed) lock.models[id] = parsed;
  }
  return lock;
}

function parseLockedModel(entry: unknown): LockedModel | null {
  if (typeof entry !== "object" || entry === null) return null;
  const e = entry as Partial<LockedModel>;
  const a = e.asset;
  if (!a || typeof a.url !== "string" || !isSha(a.sha256) || !isSize(a.size)) return null;
  if (a.trust !== "pinned" && a.trust !== "trust-on-first-use") return null;
  if (typeof e.files !== "object" || e.files === null) return null;
  const files: Record<string, LockedFile> = {};
  for (const [file, value] of Object.entries(e.files as Record<string, unknown>)) {
    const f = value as Partial<LockedFile> | null;
    if (!f || !isSha(f.sha256) || !isSize(f.size)) return null;
    files[file] = { sha256: f.sha256, size: f.size, ...(typeof f.mtimeMs === "number" && Number.isFinite(f.mtimeMs) ? { mtimeMs: f.mtimeMs } : {}) };
  }
  return { asset: { url: a.url, sha256: a.sha256, size: a.size, trust: a.trust }, files, installedAt: typeof e.installedAt === "string" ? e.installedAt : "" };
}

const isSha = (x: unknown): x is string => typeof x === "string" && SHA256_PATTERN.test(x);
const isSize = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x) && x >= 0;

/** The lock of a models dir (an empty one when there is none or it is unreadable). */
export async function readLock(modelsDir: string): Promise<ModelsLock> {
  try {
    return parseLock(await readFile(lockPath(modelsDir), "utf8"));
  } catch {
    return emptyLock();
  }
}

export function readLockSync(modelsDir: string): ModelsLock {
  try {
    return parseLock(readFileSync(lockPath(modelsDir), "utf8"));
  } catch {
    return emptyLock();
  }
}

/** Writes the lock atomically (temp file + rename in the same directory). */
export async function writeLock(modelsDir: string, lock: ModelsLock): Promise<void> {
  const file = lockPath(modelsDir);
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  const sorted: ModelsLock = { version: LOCK_VERSION, models: Object.fromEntries(Object.entries(lock.models).sort(([a], [b]) => a.localeCompare(b))) };
  try {
    await writeFile(tmp, `${JSON.stringify(sorted, null, 2)}\n`);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}

const lockQueues = new Map<string, Promise<unknown>>();

/**
 * Read-modify-write of one model's entry (`null` removes it). Serialised per models dir within the process:
 * two downloads finishing together must not lose each other's entry.
 */
export async function updateLock(modelsDir: string, id: string, entry: LockedModel | null): Promise<ModelsLock> {
  const key = path.resolve(modelsDir);
  const run = async () => {
    const lock = await readLock(modelsDir);
    if (entry) lock.models[id] = entry;
    else delete lock.models[id];
    await writeLock(modelsDir, lock);
    return lock;
  };
  const next = (lockQueues.get(key) ?? Promise.resolve()).then(run, run);
  const settled = next.catch(() => undefined);
  lockQueues.set(key, settled);
  void settled.then(() => {
    if (lockQueues.get(key) === settled) lockQueues.delete(key);
  });
  return next;
}

// --- hashing --------------------------------------------------------------------------------------------------

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const hashCache = new Map<string, string>();
const cacheKey = (file: string, size: number, mtimeMs: number) => `${file}:${size}:${mtimeMs}`;

/**
 * SHA-256 of a file, remembered per path, size and modification time (hashing 200 MB of models on every
 * call would cost a second; a file changed in place gets a new mtime and is hashed again).
 */
export async function cachedSha256(file: string, size: number, mtimeMs: number): Promise<string> {
  const key = cacheKey(file, size, mtimeMs);
  const known = hashCache.get(key);
  if (known) return known;
  const digest = await sha256File(file);
  hashCache.set(key, digest);
  return digest;
}

/** `cachedSha256`, blocking (for the synchronous provider choice; ~1 ms per MB). */
export function cachedSha256Sync(file: string, size: number, mtimeMs: number): string {
  const key = cacheKey(file, size, mtimeMs);
  const known = hashCache.get(key);
  if (known) return known;
  const hash = createHash("sha256");
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(1 << 20);
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n <= 0) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  const digest = hash.digest("hex");
  hashCache.set(key, digest);
  return digest;
}
