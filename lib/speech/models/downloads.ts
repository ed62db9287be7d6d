import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ModelSpec } from "./manifest";
import { assetUrl, PullError, pullModel, removeInstalledModel, type PullContext, type PullErrorCode } from "./pull";

/**
 * Model downloads that run on the server in the background (Settings → Speech), on top of `pullModel` — the
 * same code as `npm run models:pull`.
 *
 * State lives in files in the models dir, not in the database: `<models dir>/.downloads/<id>.json` (what is
 * being fetched, how far, the response's validator, the last error) beside `<id>.part` (the bytes so far).
 * - One download per model per process: a second start while one runs joins it (two admins, two clicks).
 * - Progress (bytes, speed, time left) is kept in memory and written to the state file about once a second.
 * - A connection that breaks off is resumed with an HTTP Range request, a few times; after a restart,
 *   `resumeModelDownloads` (called at boot) continues every download whose state file says it was running.
 * - Cancel aborts the transfer and deletes the partial file and the state.
 * - A host that cannot be reached fails the start at once (the caller gets the error, with the
 *   `npm run models:pull` hint); so do a full disk, missing tools and an unpinned asset.
 */

export const DOWNLOADS_DIR = ".downloads";

export interface DownloadDeps {
  modelsDir: string;
  /** Models that may be downloaded (lib/speech/models/catalog.ts). */
  manifest: readonly ModelSpec[];
  baseUrl?: string | undefined;
  fetchImpl?: typeof fetch;
  freeBytes?: PullContext["freeBytes"];
  env?: PullContext["env"];
  /** Resumes after a broken-off connection. Default 5. */
  retries?: number;
  retryDelayMs?: number;
  idleTimeoutMs?: number;
  /** Told of every change of a running download (tests, logs). */
  onEvent?: (snapshot: DownloadSnapshot) => void;
  log?: (line: string) => void;
  now?: () => number;
}

export type DownloadPhase = "starting" | "downloading" | "verifying" | "installing";

export interface DownloadSnapshot {
  id: string;
  /** `active`: running in this process; `interrupted`: was running when the server stopped (resumed at boot); `failed`. */
  status: "active" | "interrupted" | "failed";
  phase: DownloadPhase;
  received: number;
  total: number | null;
  bytesPerSecond: number | null;
  secondsLeft: number | null;
  startedAt: string;
  updatedAt: string;
  error: { code: PullErrorCode | "INTERNAL"; message: string } | null;
}

interface StateFile {
  version: 1;
  id: string;
  url: string;
  status: "active" | "failed";
  received: number;
  total: number | null;
  validator: string | null;
  startedAt: string;
  updatedAt: string;
  error: DownloadSnapshot["error"];
}

interface Job {
  key: string;
  id: string;
  controller: AbortController;
  state: StateFile;
  phase: DownloadPhase;
  samples: { t: number; bytes: number }[];
  started: Promise<void>;
  done: Promise<void>;
  lastWrite: number;
  /** Installed (or found installed): nothing more to report. */
  finished: boolean;
}

const registry = globalThis as unknown as { __scryonModelDownloads?: Map<string, Job> };
const jobs = (registry.__scryonModelDownloads ??= new Map());

const downloadsDir = (modelsDir: string) => path.join(modelsDir, DOWNLOADS_DIR);
const stateFile = (modelsDir: string, id: string) => path.join(downloadsDir(modelsDir), `${id}.json`);
export const partialFile = (modelsDir: string, id: string) => path.join(downloadsDir(modelsDir), `${id}.part`);
const keyOf = (modelsDir: string, id: string) => `${path.resolve(modelsDir)}\0${id}`;

export class UnknownModelError extends Error {
  constructor(id: string) {
    super(`No model "${id}" can be downloaded here.`);
    this.name = "UnknownModelError";
  }
}

/** A model that is downloading cannot be removed (cancel it first). */
export class DownloadBusyError extends Error {
  constructor(id: string) {
    super(`${id} is being downloaded; cancel the download first.`);
    this.name = "DownloadBusyError";
  }
}

function specOf(deps: DownloadDeps, id: string): ModelSpec {
  const spec = deps.manifest.find((m) => m.id === id);
  if (!spec) throw new UnknownModelError(id);
  return spec;
}

const SPEED_WINDOW_MS = 5000;

function snapshotOf(job: Job, now: number): DownloadSnapshot {
  const first = job.samples[0];
  const last = job.samples.at(-1);
  let bytesPerSecond: number | null = null;
  if (first && last && last.t - first.t >= 250) bytesPerSecond = ((last.bytes - first.bytes) * 1000) / (last.t - first.t);
  const total = job.state.total;
  const secondsLeft = bytesPerSecond && bytesPerSecond > 0 && total !== null ? Math.max(0, (total - job.state.received) / bytesPerSecond) : null;
  return {
    id: job.id,
    status: "active",
    phase: job.phase,
    received: job.state.received,
    total,
    bytesPerSecond,
    secondsLeft,
    startedAt: job.state.startedAt,
    updatedAt: new Date(now).toISOString(),
    error: null,
  };
}

function fromFile(state: StateFile): DownloadSnapshot {
  return {
    id: state.id,
    status: state.status === "failed" ? "failed" : "interrupted",
    phase: "downloading",
    received: state.received,
    total: state.total,
    bytesPerSecond: null,
    secondsLeft: null,
    startedAt: state.startedAt,
    updatedAt: state.updatedAt,
    error: state.error,
  };
}

async function readState(modelsDir: string, id: string): Promise<StateFile | null> {
  try {
    const parsed = JSON.parse(await readFile(stateFile(modelsDir, id), "utf8")) as Partial<StateFile>;
    if (parsed.version !== 1 || parsed.id !== id || (parsed.status !== "active" && parsed.status !== "failed")) return null;
    return {
      version: 1,
      id,
      url: String(parsed.url ?? ""),
      status: parsed.status,
      received: Number(parsed.received) || 0,
      total: typeof parsed.total === "number" ? parsed.total : null,
      validator: typeof parsed.validator === "string" ? parsed.validator : null,
      startedAt: String(parsed.startedAt ?? ""),
      updatedAt: String(parsed.updatedAt ?? ""),
      error: parsed.error ?? null,
    };
  } catch {
    return null;
  }
}

async function writeState(modelsDir: string, state: StateFile): Promise<void> {
  await mkdir(downloadsDir(modelsDir), { recursive: true });
  const file = stateFile(modelsDir, state.id);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state)}\n`);
  await rename(tmp, file);
}

async function clearState(modelsDir: string, id: string): Promise<void> {
  await rm(stateFile(modelsDir, id), { force: true });
  await rm(partialFile(modelsDir, id), { force: true });
  // An empty .downloads dir is not left behind.
  await rmdir(downloadsDir(modelsDir)).catch(() => undefined);
}

/** The download of one model: running in this process, or as its state file left it; null when there is none. */
export async function getDownload(deps: Pick<DownloadDeps, "modelsDir" | "now">, id: string): Promise<DownloadSnapshot | null> {
  const job = jobs.get(keyOf(deps.modelsDir, id));
  if (job) return snapshotOf(job, (deps.now ?? Date.now)());
  const state = await readState(deps.modelsDir, id);
  if (!state) return null;
  // The state file is written about once a second; the partial file says how far it really got.
  const part = await stat(partialFile(deps.modelsDir, id)).catch(() => null);
  return fromFile(part ? { ...state, received: part.size } : state);
}

/** Every download of a models dir, by model id. */
export async function listDownloads(deps: Pick<DownloadDeps, "modelsDir" | "now">): Promise<Record<string, DownloadSnapshot>> {
  const ids = new Set<string>();
  for (const job of jobs.values()) if (job.key.startsWith(`${path.resolve(deps.modelsDir)}\0`)) ids.add(job.id);
  for (const name of await readdir(downloadsDir(deps.modelsDir)).catch(() => [] as string[])) if (name.endsWith(".json")) ids.add(name.slice(0, -5));
  const out: Record<string, DownloadSnapshot> = {};
  for (const id of ids) {
    const snapshot = await getDownload(deps, id);
    if (snapshot) out[id] = snapshot;
  }
  return out;
}

/**
 * Starts (or joins) the download of a model. Resolves once the host has answered and bytes are flowing — or
 * at once with null when the model is installed already; rejects with the `PullError` of a download that
 * cannot start (offline, full disk, HTTP error, unpinned…), which is also kept as the model's failed state.
 */
export async function startModelDownload(deps: DownloadDeps, id: string): Promise<DownloadSnapshot | null> {
  const spec = specOf(deps, id);
  const key = keyOf(deps.modelsDir, id);
  const now = deps.now ?? Date.now;
  const running = jobs.get(key);
  if (running) {
    await running.started;
    return running.finished ? null : snapshotOf(running, now());
  }
  // Registered before the first await: a second start in the same tick joins this one.
  const previous = readState(deps.modelsDir, id);
  const startedAt = new Date(now()).toISOString();
  let resolveStarted!: () => void;
  let rejectStarted!: (error: unknown) => void;
  const started = new Promise<void>((resolve, reject) => {
    resolveStarted = resolve;
    rejectStarted = reject;
  });
  started.catch(() => undefined);
  const job: Job = {
    key,
    id,
    controller: new AbortController(),
    state: { version: 1, id, url: assetUrl(spec, deps.baseUrl), status: "active", received: 0, total: spec.asset.size ?? null, validator: null, startedAt, updatedAt: startedAt, error: null },
    phase: "starting",
    samples: [],
    started,
    done: Promise.resolve(),
    lastWrite: 0,
    finished: false,
  };
  jobs.set(key, job);
  job.done = (async () => {
    let installed = false;
    try {
      const before = await previous;
      // A partial file is only continued from the same URL, with the validator it was fetched under.
      const resumable = before && before.url === job.state.url ? before : null;
      if (!resumable) await rm(partialFile(deps.modelsDir, id), { force: true });
      job.state.validator = resumable?.validator ?? null;
      if (resumable) job.state.startedAt = resumable.startedAt || startedAt;
      await writeState(deps.modelsDir, job.state);
      const outcome = await pullModel(spec, {
        modelsDir: deps.modelsDir,
        manifest: deps.manifest,
        pinOnFirstDownload: false,
        dryRun: false,
        force: false,
        log: deps.log ?? ((line) => console.log(`[models] ${line}`)),
        partialFile: partialFile(deps.modelsDir, id),
        validator: job.state.validator,
        signal: job.controller.signal,
        retries: deps.retries ?? 5,
        ...(deps.retryDelayMs !== undefined ? { retryDelayMs: deps.retryDelayMs } : {}),
        ...(deps.idleTimeoutMs !== undefined ? { idleTimeoutMs: deps.idleTimeoutMs } : {}),
        ...(deps.baseUrl ? { baseUrl: deps.baseUrl } : {}),
        ...(deps.fetchImpl ? { fetchImpl: deps.fetchImpl } : {}),
        ...(deps.freeBytes ? { freeBytes: deps.freeBytes } : {}),
        ...(deps.env ? { env: deps.env } : {}),
        onResponse: (info) => {
          job.state.validator = info.validator;
          job.state.total = info.total ?? job.state.total;
          job.state.received = info.offset;
          job.phase = "downloading";
          job.samples = [{ t: now(), bytes: info.offset }];
          void writeState(deps.modelsDir, job.state).catch(() => undefined);
          resolveStarted();
          deps.onEvent?.(snapshotOf(job, now()));
        },
        progress: (_id, received, total) => {
          const t = now();
          job.state.received = received;
          if (total !== undefined) job.state.total = total;
          job.samples.push({ t, bytes: received });
          while (job.samples.length > 2 && t - job.samples[0]!.t > SPEED_WINDOW_MS) job.samples.shift();
          if (t - job.lastWrite >= 1000) {
            job.lastWrite = t;
            job.state.updatedAt = new Date(t).toISOString();
            void writeState(deps.modelsDir, job.state).catch(() => undefined);
          }
          deps.onEvent?.(snapshotOf(job, t));
        },
        onPhase: (phase) => {
          job.phase = phase;
          deps.onEvent?.(snapshotOf(job, now()));
        },
      });
      installed = outcome === "installed" || outcome === "skipped";
      job.finished = true;
      resolveStarted();
    } catch (error) {
      const pull = error instanceof PullError ? error : null;
      if (!pull) console.error(`[models] download of ${id} failed`, error);
      if (pull?.code === "CANCELLED") {
        await clearState(deps.modelsDir, id);
      } else {
        job.state.status = "failed";
        job.state.updatedAt = new Date(now()).toISOString();
        job.state.error = pull
          ? { code: pull.code, message: pull.message }
          : { code: "INTERNAL", message: "The download failed on the server; see its log. Try again, or run `npm run models:pull`." };
        await writeState(deps.modelsDir, job.state).catch(() => undefined);
      }
      rejectStarted(error);
    } finally {
      if (installed) await clearState(deps.modelsDir, id);
      jobs.delete(key);
      if (installed) deps.onEvent?.({ ...snapshotOf(job, now()), phase: "installing", secondsLeft: 0 });
    }
  })();
  await started;
  return job.finished ? null : snapshotOf(job, now());
}

/** Stops a running download (or forgets a failed one): its partial file and state are deleted. False when there was none. */
export async function cancelModelDownload(deps: DownloadDeps, id: string): Promise<boolean> {
  specOf(deps, id);
  const job = jobs.get(keyOf(deps.modelsDir, id));
  if (job) {
    job.controller.abort();
    await job.done.catch(() => undefined);
    await clearState(deps.modelsDir, id);
    return true;
  }
  const state = await readState(deps.modelsDir, id);
  await clearState(deps.modelsDir, id);
  return state !== null;
}

/** Waits for a running download to end (tests, shutdown). */
export async function waitForDownload(deps: Pick<DownloadDeps, "modelsDir">, id: string): Promise<void> {
  await jobs.get(keyOf(deps.modelsDir, id))?.done.catch(() => undefined);
}

/** Removes an installed model (refused while it downloads). False when it was not installed. */
export async function removeModel(deps: DownloadDeps, id: string): Promise<boolean> {
  specOf(deps, id);
  if (jobs.has(keyOf(deps.modelsDir, id))) throw new DownloadBusyError(id);
  return removeInstalledModel(deps.modelsDir, id);
}

/**
 * At boot: continue every download whose state file says it was running when the server stopped. Runs in the
 * background; a download that cannot continue (offline) is left failed, with its partial file, for a retry.
 */
export async function resumeModelDownloads(deps: DownloadDeps): Promise<string[]> {
  const resumed: string[] = [];
  for (const name of await readdir(downloadsDir(deps.modelsDir)).catch(() => [] as string[])) {
    if (!name.endsWith(".json")) continue;
    const id = name.slice(0, -5);
    const state = await readState(deps.modelsDir, id);
    if (state?.status !== "active" || !deps.manifest.some((m) => m.id === id) || jobs.has(keyOf(deps.modelsDir, id))) continue;
    resumed.push(id);
    startModelDownload(deps, id).catch((error: unknown) => {
      console.warn(`[models] could not resume the download of ${id}: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
  return resumed;
}
