/**
 * Downloading, checking and installing one optional model: the one implementation behind `npm run models:pull`
 * (scripts/models-pull.ts) and the Settings → Speech page's background downloads (./downloads.ts).
 *
 * Per model: skip it when it is installed and verifies; else check the disk space and the tools first, stream
 * the download (to a temp dir inside the models dir, or to a persistent partial file that a later run resumes
 * with an HTTP Range request), check its SHA-256 against the manifest (or, for an unpinned asset, against the
 * hash recorded by an earlier `--pin-on-first-download`), extract `.tar.bz2` with the system `tar -xjf`, drop
 * the files the engine never loads, check every file the engine loads, then swap the directory into
 * `<models dir>/<model id>` with a rename and record the hashes in `<models dir>/models.lock.json`.
 * Nothing is installed when any check fails.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { lstat, mkdir, mkdtemp, readdir, rename, rm, stat, statfs, truncate } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describeProblems, discoverModels } from "./discover";
import { readLock, sha256File, updateLock, type LockedModel } from "./lock";
import { LOCK_FILE_NAME, MODEL_MANIFEST, type ModelSpec } from "./manifest";

type Env = Record<string, string | undefined>;

export type PullErrorCode =
  /** The model host cannot be reached at all (DNS, refused, unreachable): offline or blocked. */
  | "OFFLINE"
  /** The host answered with an error status. */
  | "HTTP"
  /** The connection broke off or stalled mid-download (a partial file may be resumed). */
  | "BROKEN_OFF"
  | "CHECKSUM"
  | "DISK_FULL"
  | "CANCELLED"
  /** tar/bzip2 missing. */
  | "TOOLS"
  /** The manifest pins no hash and trust on first use was not asked for. */
  | "UNPINNED"
  /** The download's content is not what the manifest describes. */
  | "INVALID";

/** A failure the user can act on; the message says how. Nothing was installed. */
export class PullError extends Error {
  readonly code: PullErrorCode;
  constructor(message: string, options?: { cause?: unknown; code?: PullErrorCode }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "PullError";
    this.code = options?.code ?? "INVALID";
  }
}

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

/** Where the manifest's URLs live; `SCRYON_MODELS_BASE_URL` replaces this prefix (a mirror, or a test server). */
export const MODEL_RELEASES_URL = "https://github.com/k2-fsa/sherpa-onnx/releases/download";

/** The URL a model is fetched from: its manifest URL, moved onto `baseUrl` when one is given. */
export function assetUrl(spec: ModelSpec, baseUrl?: string): string {
  const url = spec.asset.url;
  if (blank(baseUrl) || !url.startsWith(`${MODEL_RELEASES_URL}/`)) return url;
  return `${baseUrl!.replace(/\/+$/, "")}/${url.slice(MODEL_RELEASES_URL.length + 1)}`;
}

/** The `npm run models:pull` line that installs one model (shown when the server cannot download it itself). */
export function pullCommand(spec: ModelSpec): string {
  return `npm run models:pull -- --model ${spec.id}${spec.asset.sha256 === null ? " --pin-on-first-download" : ""}`;
}

export interface PullContext {
  modelsDir: string;
  pinOnFirstDownload: boolean;
  dryRun: boolean;
  force: boolean;
  /** Lines for the user (stdout by default). */
  log: (line: string) => void;
  /** Download progress: bytes of the asset on disk so far (a resumed download starts above 0). */
  progress?: (id: string, received: number, total: number | undefined) => void;
  fetchImpl?: typeof fetch;
  /** Environment for `tar`/`bzip2` (their PATH). */
  env?: Env;
  /** Abort a download that receives nothing for this long. Default 60 s. */
  idleTimeoutMs?: number;
  /** Manifest the specs come from (for discovery; tests pass their own). */
  manifest?: readonly ModelSpec[];
  /** Fetch from this host instead of the manifest's (`SCRYON_MODELS_BASE_URL`). */
  baseUrl?: string;
  /** Cancels the download (PullError `CANCELLED`). */
  signal?: AbortSignal;
  /**
   * Download into this file and resume it (HTTP Range) when it already holds a part; kept when the download
   * breaks off, removed when it is installed or does not match its hash. Unset: a temp file, always removed.
   */
  partialFile?: string;
  /** `ETag`/`Last-Modified` of the response the partial file came from (`If-Range`: a changed asset restarts). */
  validator?: string | null;
  /** Told when the host answers (before any byte is written). */
  onResponse?: (info: { validator: string | null; total: number | undefined; offset: number }) => void;
  /** Stage changes after the download: verifying the hash, unpacking and installing. */
  onPhase?: (phase: "verifying" | "installing") => void;
  /** Times a connection that breaks off mid-download is resumed before giving up. Default 0. */
  retries?: number;
  /** Wait before each resume (doubled each time). Default 500 ms. */
  retryDelayMs?: number;
  /** Free bytes of the file system holding `dir` (tests stand in a full disk). Default: statfs. */
  freeBytes?: (dir: string) => Promise<number>;
}

// --- disk space ----------------------------------------------------------------------------------------------

/** Room for unpacking next to the archive: bzip2 barely shrinks ONNX weights, and the archive stays until it is unpacked. */
const UNPACK_FACTOR = 1.25;
const DISK_MARGIN = 16 * 1024 * 1024;

export async function freeBytesOf(dir: string): Promise<number> {
  const info = await statfs(dir);
  return Number(info.bavail) * Number(info.bsize);
}

/** Bytes a model still needs on disk: what is left to download, plus the unpacked copy of an archive. */
export function bytesNeeded(spec: ModelSpec, alreadyDownloaded = 0): number {
  const size = spec.asset.size ?? spec.downloadMb * 1_000_000;
  const unpacked = spec.asset.kind === "tar.bz2" ? Math.ceil(size * UNPACK_FACTOR) : 0;
  return Math.max(0, size - alreadyDownloaded) + unpacked + DISK_MARGIN;
}

const mb = (bytes: number) => `${Math.ceil(bytes / 1e6)} MB`;

/** Throws `DISK_FULL` when the models dir's file system cannot hold the model. */
export async function checkDiskSpace(spec: ModelSpec, dir: string, alreadyDownloaded = 0, freeBytes: (dir: string) => Promise<number> = freeBytesOf): Promise<void> {
  const need = bytesNeeded(spec, alreadyDownloaded);
  const free = await freeBytes(dir);
  if (free < need) {
    throw new PullError(`Not enough disk space for ${spec.id}: it needs about ${mb(need)} in ${dir}, and ${mb(free)} are free. Free some space and try again; nothing was downloaded.`, {
      code: "DISK_FULL",
    });
  }
}

// --- download ------------------------------------------------------------------------------------------------

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

export interface DownloadOptions {
  id: string;
  fetchImpl?: typeof fetch;
  idleTimeoutMs?: number;
  expectedSize?: number;
  progress?: PullContext["progress"];
  signal?: AbortSignal;
  /** Continue the bytes already in `dest` with a Range request (the host may answer with the whole file instead). */
  resume?: boolean;
  validator?: string | null;
  onResponse?: PullContext["onResponse"];
  retries?: number;
  retryDelayMs?: number;
}

const cancelled = (id: string) => new PullError(`The download of ${id} was cancelled; nothing was installed.`, { code: "CANCELLED" });

/**
 * Streams `url` to `dest`, hashing on the way. With `resume`, bytes already in `dest` are kept and the rest is
 * asked for with `Range` (and `If-Range`, so a changed asset is fetched whole). A connection that breaks off is
 * resumed up to `retries` times. Throws `PullError` with a plain explanation on failure.
 */
export async function downloadAsset(url: string, dest: string, options: DownloadOptions): Promise<{ sha256: string; size: number }> {
  const retries = options.retries ?? 0;
  let delay = options.retryDelayMs ?? 500;
  let resume = options.resume ?? false;
  let validator = options.validator ?? null;
  for (let attempt = 0; ; attempt++) {
    try {
      return await downloadOnce(url, dest, { ...options, resume, validator, onResponse: (info) => {
        validator = info.validator;
        options.onResponse?.(info);
      } }, attempt > 0);
    } catch (error) {
      if (!(error instanceof PullError) || attempt >= retries || options.signal?.aborted) throw error;
      // Only a broken-off transfer, or a host gone away while resuming one, is worth another try.
      if (error.code !== "BROKEN_OFF" && !(attempt > 0 && error.code === "OFFLINE")) throw error;
      await sleep(delay, options.signal);
      if (options.signal?.aborted) throw cancelled(options.id);
      delay *= 2;
      resume = true;
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

async function downloadOnce(url: string, dest: string, options: DownloadOptions, retrying: boolean): Promise<{ sha256: string; size: number }> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const idle = options.idleTimeoutMs ?? 60_000;
  const controller = new AbortController();
  let stalled = false;
  const onAbort = () => controller.abort();
  if (options.signal?.aborted) throw cancelled(options.id);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let timer = setTimeout(() => ((stalled = true), controller.abort()), idle);
  const host = new URL(url).host;
  const have = options.resume ? ((await stat(dest).catch(() => null))?.size ?? 0) : 0;
  try {
    const headers: Record<string, string> = {};
    if (have > 0) {
      headers.range = `bytes=${have}-`;
      if (options.validator) headers["if-range"] = options.validator;
    }
    let response: Response;
    try {
      response = await fetchImpl(url, { redirect: "follow", signal: controller.signal, headers });
    } catch (error) {
      if (options.signal?.aborted) throw cancelled(options.id);
      const code = stalled ? "ETIMEDOUT" : networkCode(error);
      if (code && OFFLINE_CODES.has(code)) {
        throw new PullError(
          `Could not reach ${host} (${code}): this machine seems to be offline, or the model host is blocked. Run \`npm run models:pull\` on a machine with internet access and copy the models dir, including ${LOCK_FILE_NAME}, to this one.`,
          { cause: error, code: "OFFLINE" },
        );
      }
      throw new PullError(`Downloading ${url} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error, code: retrying ? "BROKEN_OFF" : "HTTP" });
    }
    if (response.status === 416 && have > 0) {
      // The partial file is not a prefix of what the host has now: start over.
      await response.body?.cancel().catch(() => {});
      await truncate(dest, 0);
      return downloadOnce(url, dest, { ...options, resume: false }, retrying);
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => {});
      const hint = response.status === 404 ? " (the release asset may have been renamed or removed; see docs/models.md)" : "";
      throw new PullError(`Downloading ${url} failed: HTTP ${response.status}${hint}.`, { code: "HTTP" });
    }
    // 206 continues the partial file at its end; 200 (no range support, or a changed asset) replaces it.
    const partial = response.status === 206 && have > 0 && contentRangeStart(response.headers.get("content-range")) === have;
    const offset = partial ? have : 0;
    const length = Number(response.headers.get("content-length"));
    const total = Number.isFinite(length) && length > 0 ? offset + length : options.expectedSize;
    const etag = response.headers.get("etag");
    const validator = etag && !etag.startsWith("W/") ? etag : response.headers.get("last-modified");
    options.onResponse?.({ validator, total, offset });
    const hash = createHash("sha256");
    if (offset > 0) for await (const chunk of createReadStream(dest, { end: offset - 1 })) hash.update(chunk as Buffer);
    let received = offset;
    options.progress?.(options.id, received, total);
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        clearTimeout(timer);
        timer = setTimeout(() => ((stalled = true), controller.abort()), idle);
        hash.update(chunk);
        received += chunk.length;
        options.progress?.(options.id, received, total);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>), meter, createWriteStream(dest, partial ? { flags: "a" } : {}));
    } catch (error) {
      if (options.signal?.aborted) throw cancelled(options.id);
      const code = stalled ? "ETIMEDOUT" : networkCode(error);
      throw new PullError(
        `The download of ${url} broke off after ${(received / 1e6).toFixed(1)} MB${code ? ` (${code})` : ""}; nothing was installed. Run the command again.`,
        { cause: error, code: "BROKEN_OFF" },
      );
    }
    if (total !== undefined && Number.isFinite(length) && length > 0 && received !== total) {
      throw new PullError(`The download of ${url} ended after ${received} of ${total} bytes; nothing was installed.`, { code: "BROKEN_OFF" });
    }
    return { sha256: hash.digest("hex"), size: received };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

function contentRangeStart(header: string | null): number | null {
  const match = header ? /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(header.trim()) : null;
  return match ? Number(match[1]) : null;
}

// --- extraction ----------------------------------------------------------------------------------------------

/** `tar` and `bzip2` on the PATH (GNU tar runs `bzip2` for `-j`). Throws `PullError` saying what to install. */
export function checkExtractTools(env: Env = process.env): void {
  const has = (tool: string, args: string[]) => {
    const result = spawnSync(tool, args, { env: env as NodeJS.ProcessEnv, stdio: "ignore" });
    return !(result.error && (result.error as NodeJS.ErrnoException).code === "ENOENT");
  };
  if (!has("tar", ["--version"])) {
    throw new PullError("`tar` is not installed, and the models come as .tar.bz2 archives: install it (`apt-get install tar`).", { code: "TOOLS" });
  }
  if (!has("bzip2", ["--help"])) {
    throw new PullError("`bzip2` is not installed, and `tar -xjf` needs it to unpack the .tar.bz2 model archives: install it (`apt-get install bzip2`) and run the command again.", {
      code: "TOOLS",
    });
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
    child.on("error", (e) => reject(new PullError(`tar could not start: ${e.message}`, { cause: e, code: "TOOLS" })));
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new PullError(`Unpacking ${path.basename(archive)} failed (tar exit code ${code}): ${err.trim().split("\n").at(-1) ?? ""}`)),
    );
  });
}

// --- one model -----------------------------------------------------------------------------------------------

export type PullOutcome = "installed" | "skipped" | "dry-run";

/** The SHA-256 the download must have: the manifest's pin, or the hash recorded on a first download (null: none). */
export async function expectedAssetSha(spec: ModelSpec, modelsDir: string): Promise<string | null> {
  if (spec.asset.sha256) return spec.asset.sha256;
  const recorded = (await readLock(modelsDir)).models[spec.id]?.asset;
  return recorded && recorded.url === spec.asset.url ? recorded.sha256 : null;
}

export async function pullModel(spec: ModelSpec, ctx: PullContext): Promise<PullOutcome> {
  const manifest = ctx.manifest ?? MODEL_MANIFEST;
  const target = path.join(ctx.modelsDir, spec.id);
  const url = assetUrl(spec, ctx.baseUrl);
  const existing = await discoverModels(ctx.modelsDir, { manifest: manifest.filter((m) => m.id === spec.id) });
  const installed = existing.installed.find((m) => m.spec.id === spec.id);
  if (installed && !ctx.force) {
    ctx.log(`✓ ${spec.id}: installed and verified (${installed.trust}) in ${target}`);
    return "skipped";
  }
  for (const problem of existing.problems) ctx.log(`! ${spec.id}: present but not usable (${problem.reason}); reinstalling`);

  const tofu = spec.asset.sha256 === null;
  const expected = await expectedAssetSha(spec, ctx.modelsDir);
  const refuse = expected === null && !ctx.pinOnFirstDownload;
  if (ctx.dryRun) {
    ctx.log(`· ${spec.id} (${spec.role}, ${spec.license}): would fetch ${url} (~${spec.downloadMb} MB)`);
    if (expected) ctx.log(`    SHA-256 ${expected} (${tofu ? "recorded on first download" : "pinned"})`);
    else ctx.log(`    SHA-256 not pinned: ${refuse ? "would be refused without --pin-on-first-download" : `would be recorded in ${LOCK_FILE_NAME} (trust on first use)`}`);
    ctx.log(`    → ${target}${spec.asset.kind === "tar.bz2" ? " (unpacked with tar -xjf)" : ""}`);
    return "dry-run";
  }
  if (refuse) {
    throw new PullError(
      `${spec.id}: the manifest pins no SHA-256 for ${spec.asset.url} (no published value could be corroborated), so it is not installed. ` +
        `To trust this download and check every later one against it, run again with --pin-on-first-download.`,
      { code: "UNPINNED" },
    );
  }

  await mkdir(ctx.modelsDir, { recursive: true });
  if (spec.asset.kind === "tar.bz2") checkExtractTools(ctx.env); // fail before a 200 MB download, not after
  const already = ctx.partialFile ? ((await stat(ctx.partialFile).catch(() => null))?.size ?? 0) : 0;
  await checkDiskSpace(spec, ctx.modelsDir, already, ctx.freeBytes);
  const tmp = await mkdtemp(path.join(ctx.modelsDir, `.pull-${spec.id}-`));
  let keepPartial = true;
  try {
    ctx.log(`↓ ${spec.id}: ${url}${already > 0 ? ` (resuming after ${(already / 1e6).toFixed(1)} MB)` : ""}`);
    const asset = ctx.partialFile ?? path.join(tmp, "download");
    if (ctx.partialFile) await mkdir(path.dirname(ctx.partialFile), { recursive: true });
    const got = await downloadAsset(url, asset, {
      id: spec.id,
      resume: Boolean(ctx.partialFile),
      ...(ctx.validator !== undefined ? { validator: ctx.validator } : {}),
      ...(ctx.fetchImpl ? { fetchImpl: ctx.fetchImpl } : {}),
      ...(ctx.idleTimeoutMs !== undefined ? { idleTimeoutMs: ctx.idleTimeoutMs } : {}),
      ...(spec.asset.size !== undefined ? { expectedSize: spec.asset.size } : {}),
      ...(ctx.progress ? { progress: ctx.progress } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.onResponse ? { onResponse: ctx.onResponse } : {}),
      ...(ctx.retries !== undefined ? { retries: ctx.retries } : {}),
      ...(ctx.retryDelayMs !== undefined ? { retryDelayMs: ctx.retryDelayMs } : {}),
    });
    ctx.onPhase?.("verifying");
    // From here on a failure cannot be resumed: the bytes are all there, so they are wrong.
    keepPartial = false;
    if (expected !== null && got.sha256 !== expected) {
      throw new PullError(
        `${spec.id}: the download's SHA-256 is ${got.sha256}, but ${tofu ? `${LOCK_FILE_NAME} recorded ${expected} on first download` : `the manifest pins ${expected}`}. ` +
          `The download is corrupt or the asset changed upstream; nothing was installed.`,
        { code: "CHECKSUM" },
      );
    }
    if (expected === null) {
      ctx.log(`  SHA-256 of ${path.basename(new URL(spec.asset.url).pathname)}: ${got.sha256}`);
      ctx.log(`  (trust on first use: not pinned by the manifest; recorded in ${LOCK_FILE_NAME}, later downloads must match it)`);
    } else {
      ctx.log(`  SHA-256 ok (${tofu ? "as recorded on first download" : "pinned"})`);
    }
    if (ctx.signal?.aborted) throw cancelled(spec.id);
    ctx.onPhase?.("installing");
    await installVerifiedAsset(spec, asset, got, tmp, { modelsDir: ctx.modelsDir, ...(ctx.env ? { env: ctx.env } : {}), trust: tofu ? "trust-on-first-use" : "pinned" });
  } catch (error) {
    if (!keepPartial && ctx.partialFile) await rm(ctx.partialFile, { force: true });
    throw error;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  if (ctx.partialFile) await rm(ctx.partialFile, { force: true });

  const check = await discoverModels(ctx.modelsDir, { manifest: manifest.filter((m) => m.id === spec.id) });
  const done = check.installed.find((m) => m.spec.id === spec.id);
  if (!done) throw new PullError(`${spec.id}: installed, but it does not verify: ${describeProblems(check).join("; ")}`);
  ctx.log(`✓ ${spec.id}: installed (${done.trust}) in ${target}`);
  return "installed";
}

/**
 * Stages a download whose hash matched into `<tmp>/stage`, checks every file the engine loads, and swaps it
 * into `<models dir>/<id>`. The lock entry is written before the rename: a reader that sees the new directory
 * also sees its hashes (and one that sees only the entry finds no directory: "not installed").
 */
async function installVerifiedAsset(
  spec: ModelSpec,
  asset: string,
  got: { sha256: string; size: number },
  tmp: string,
  options: { modelsDir: string; env?: Env; trust: "pinned" | "trust-on-first-use" },
): Promise<void> {
  const target = path.join(options.modelsDir, spec.id);
  const stage = path.join(tmp, "stage");
  if (spec.asset.kind === "tar.bz2") {
    const unpacked = path.join(tmp, "unpacked");
    await extractTarBz2(asset, unpacked, options.env);
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
      throw new PullError(`${spec.id}: ${file.path} has SHA-256 ${sha256}, but the manifest pins ${file.sha256}; nothing was installed.`, { code: "CHECKSUM" });
    }
    if (file.size !== undefined && info.size !== file.size) {
      throw new PullError(`${spec.id}: ${file.path} has ${info.size} bytes, the manifest says ${file.size}; nothing was installed.`);
    }
    // mtime survives the rename below: the stamp lets the server's synchronous check skip re-hashing.
    lockedFiles[file.path] = { sha256, size: info.size, mtimeMs: info.mtimeMs };
  }

  // Swap it in: forget the old record, move the old dir aside, record the new one, rename the stage into place.
  await updateLock(options.modelsDir, spec.id, null);
  const old = path.join(tmp, "old");
  if (await stat(target).catch(() => null)) await rename(target, old);
  await updateLock(options.modelsDir, spec.id, {
    asset: { url: spec.asset.url, sha256: got.sha256, size: got.size, trust: options.trust },
    files: lockedFiles,
    installedAt: new Date().toISOString(),
  });
  await rename(stage, target);
}

/**
 * Removes an installed model: its directory is renamed away first (so the engine stops choosing it at once),
 * then its lock entry and files are deleted.
 */
export async function removeInstalledModel(modelsDir: string, id: string): Promise<boolean> {
  const target = path.join(modelsDir, id);
  if (!(await stat(target).catch(() => null))) {
    await updateLock(modelsDir, id, null).catch(() => undefined);
    return false;
  }
  const trash = path.join(modelsDir, `.removing-${id}-${process.pid}-${Date.now().toString(36)}`);
  await rename(target, trash);
  await updateLock(modelsDir, id, null);
  await rm(trash, { recursive: true, force: true });
  return true;
}
