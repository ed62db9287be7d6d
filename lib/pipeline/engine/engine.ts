import "server-only";
import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Inngest, InngestFunction } from "inngest";
import type { Database } from "@/db/client";
import { isUuid } from "@/db/queries/ids";
import {
  getRun as getRunRow,
  getRunSteps,
  listJobs,
  listLeaseOwners,
  listRuns as listRunRows,
  reconcileCronJobs,
  releaseAllLeases,
  releaseLeasesOf,
} from "@/db/queries/pipeline-runs";
import type { PipelineJob, PipelineRun, PipelineRunStatus } from "@/db/schema";
import { registerEventSink } from "./client";
import { nextCronTick } from "./cron";
import { Executor } from "./executor";
import { createProtocolClient } from "./protocol";
import { buildRegistry, concurrencyGroups, type FunctionSpec } from "./registry";
import { Scheduler } from "./scheduler";
import { defaultBackoff } from "./time";
import { consoleLogger, type EngineLogger } from "./types";
import { processAlive } from "@/lib/process/alive";

/**
 * The embedded Inngest engine: an in-process stand-in for the Inngest server. It drives the app's real
 * Inngest functions through their real `serve()` handler (SDK protocol, no HTTP), keeps runs, step
 * results and the job queue in the app database, and resumes them after a restart.
 */

export interface EmbeddedEngineOptions {
  db: Database;
  /** The app's client; build it with `createEmbeddedClient` so `inngest.send()` reaches this engine. */
  client: Inngest.Any;
  functions: InngestFunction.Any[];
  /** The client's id (the default); anything else is refused. */
  appId?: string;
  /** The engine's clock for due times, backoff, timeouts and cron. Tests pass a fake one. */
  now?: () => Date;
  /** Longest the loop sleeps between passes when nothing wakes it (default 1000 ms). */
  pollIntervalMs?: number;
  /** Jobs executing at once across all functions (default 8). */
  maxConcurrency?: number;
  /**
   * Claim lease, renewed every third of it while a job runs; a crashed engine on ANOTHER host has its jobs
   * picked up again when it lapses (default 60 s). A crashed engine on this host is detected at start (its
   * process is gone) and its jobs are taken over at once.
   */
  leaseMs?: number;
  /**
   * This engine is the only one on the database (PGlite allows one process per data dir): at start it
   * takes over jobs a crashed predecessor still holds instead of waiting for their leases to lapse.
   */
  exclusive?: boolean;
  /** Delay before retry number `attempt + 1` (default 10 s doubling, capped at 1 h). */
  backoff?: (attempt: number) => number;
  logger?: EngineLogger;
}

export interface RunStepView {
  id: string;
  name: string | null;
  op: string;
  result: unknown;
  at: Date;
}

export interface RunView {
  id: string;
  functionId: string;
  status: PipelineRunStatus;
  event: unknown;
  output: unknown;
  error: unknown;
  parentRunId: string | null;
  createdAt: Date;
  endedAt: Date | null;
  /** Memoized steps in completion order. */
  steps: RunStepView[];
}

export interface EmbeddedEngine {
  readonly appId: string;
  /** Syncs the app's functions through the serve handler, schedules cron triggers, starts the loop. */
  start(): Promise<void>;
  /** Stops claiming work and waits for in-flight steps to finish and be stored. */
  stop(): Promise<void>;
  /** Accepts events (what `inngest.send()` ends up calling). An event id seen before is ignored. */
  send(events: EventInput | EventInput[]): Promise<{ ids: string[] }>;
  /** Something may be due now (e.g. the fake clock moved): poll immediately. */
  wake(): void;
  /** Resolves when nothing is running or due by the engine clock. For tests. */
  waitForIdle(options?: { timeoutMs?: number }): Promise<void>;
  /** Resolves once everything that may run (within concurrency limits) has been started. For tests. */
  waitForSettled(options?: { timeoutMs?: number }): Promise<void>;
  getRun(runId: string): Promise<RunView | null>;
  listRuns(filter?: { functionId?: string; eventId?: string; status?: PipelineRunStatus; parentRunId?: string; limit?: number }): Promise<PipelineRun[]>;
  /** Queued work of a run (or of all runs), for inspection. */
  listJobs(runId?: string): Promise<PipelineJob[]>;
  cancelRun(runId: string): Promise<boolean>;
  /** The composite id (`<appId>-<id>`) of a function, as stored in runs. */
  functionId(fn: InngestFunction.Any | string): string;
}

/**
 * Lease owners are `<appId>:<host>:<pid>:<uuid>`, so an engine starting on a host can tell which leases
 * belong to a process of this host that no longer exists (kill -9, OOM, a restarted container whose new
 * process got the same pid). Engines alive in this process are remembered so tests with several engines in
 * one process never take each other's work.
 */
const liveOwners = ((globalThis as unknown as { __scryonEngineOwners?: Set<string> }).__scryonEngineOwners ??= new Set<string>());

export function leaseOwnerId(appId: string): string {
  return `${appId}:${os.hostname()}:${process.pid}:${randomUUID()}`;
}

/** True when `owner` names an engine of this host whose process is gone (or was an earlier life of this pid). */
export function isDeadLocalOwner(owner: string, host = os.hostname()): boolean {
  if (liveOwners.has(owner)) return false;
  const parts = owner.split(":");
  if (parts.length < 4) return false; // another format (an older version): wait for its lease to lapse
  const pid = Number(parts.at(-2));
  const ownerHost = parts.slice(1, -2).join(":");
  if (ownerHost !== host || !Number.isInteger(pid) || pid <= 0) return false;
  return pid === process.pid || !processAlive(pid);
}

/** PGlite (one connection, one statement at a time) rather than a postgres.js pool. */
function isPglite(db: Database): boolean {
  const client = (db as unknown as { $client?: unknown }).$client;
  return typeof client === "object" && client !== null && typeof (client as { execProtocol?: unknown }).execProtocol === "function";
}

export interface EventInput {
  name: string;
  data?: Record<string, unknown>;
  id?: string;
  ts?: number;
  [key: string]: unknown;
}

export function createEmbeddedEngine(options: EmbeddedEngineOptions): EmbeddedEngine {
  const { db, client, functions } = options;
  const appId = options.appId ?? client.id;
  // Composite function ids and the client's event route are both derived from the client's id.
  if (appId !== client.id) throw new Error(`appId "${appId}" must match the Inngest client's id "${client.id}".`);
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? consoleLogger;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;

  const protocol = createProtocolClient({ client, functions });
  let registry = new Map<string, FunctionSpec>();
  let synced: Promise<void> | null = null;
  // Functions are read from the serve handler once, before the first event is matched to them.
  const ready = () =>
    (synced ??= protocol.sync().then(
      (configs) => {
        registry = buildRegistry(configs, logger);
      },
      (error: unknown) => {
        synced = null;
        throw error;
      },
    ));

  const owner = leaseOwnerId(appId);
  const leaseMs = options.leaseMs ?? 60_000;
  const executor = new Executor({
    db,
    protocol,
    functions: () => registry,
    now,
    backoff: options.backoff ?? defaultBackoff,
    logger,
    owner,
    leaseMs,
    serialDatabase: isPglite(db),
  });

  const scheduler = new Scheduler({
    db,
    now,
    owner,
    pollIntervalMs,
    maxConcurrency: options.maxConcurrency ?? 8,
    leaseMs,
    logger,
    groupsFor: (job, runEvent) => {
      // Only calls run user code; timers and cron ticks are bookkeeping and never wait for a slot.
      const fn = job.kind === "call" ? registry.get(job.functionId) : undefined;
      return fn ? concurrencyGroups(fn, runEvent) : [];
    },
    process: (job, state) => executor.process(job, state),
  });

  const send = async (events: EventInput | EventInput[]) => {
    await ready();
    const list = Array.isArray(events) ? events : [events];
    const ids = await db.transaction((tx) => executor.ingest(tx, list));
    scheduler.wake();
    return { ids };
  };

  // The embedded client's fetch hands `inngest.send()` here, from any bundle of the app. Registered from
  // construction, so events sent before start() are stored (and run once the loop starts).
  const sink = { receive: async (events: unknown[]) => (await send(events as EventInput[])).ids };
  let unregister = registerEventSink(appId, sink);

  const functionId = (fn: InngestFunction.Any | string) => `${appId}-${typeof fn === "string" ? fn : fn.opts.id}`;

  return {
    appId,
    functionId,

    async start() {
      if (scheduler.isRunning) return;
      unregister = registerEventSink(appId, sink);
      await ready();
      // One queued tick per cron trigger; an existing tick keeps its time, so a restart neither skips
      // nor repeats one.
      const at = now();
      const crons = [...registry.values()].flatMap((fn) =>
        fn.crons.map((cron) => ({ functionId: fn.id, cron, jobKey: `cron:${fn.id}:${cron}`, runAt: nextCronTick(cron, at) })),
      );
      await db.transaction((tx) => reconcileCronJobs(tx, crons, at));
      // Before this fix only `exclusive` (PGlite) engines took over at start; on PostgreSQL a kill -9 left
      // calls waiting for the 5-minute lease. Now an engine also takes over what dead processes of its own
      // host held, which is every crash of a single-server install.
      const released = options.exclusive ? await releaseAllLeases(db) : await releaseLeasesOf(db, (await listLeaseOwners(db)).filter((id) => isDeadLocalOwner(id)));
      if (released) logger.info(`Embedded Inngest engine: resuming ${released} job(s) interrupted by a previous process`);
      liveOwners.add(owner);
      scheduler.start();
    },

    async stop() {
      await scheduler.stop();
      liveOwners.delete(owner);
      unregister();
    },

    send,
    wake: () => scheduler.wake(),
    waitForIdle: (opts) => scheduler.waitForIdle(opts?.timeoutMs),
    waitForSettled: (opts) => scheduler.waitForSettled(opts?.timeoutMs),

    async getRun(runId) {
      if (!isUuid(runId)) return null;
      const run = await getRunRow(db, runId);
      if (!run) return null;
      const steps = await getRunSteps(db, runId);
      return {
        id: run.id,
        functionId: run.functionId,
        status: run.status,
        event: run.event,
        output: run.output,
        error: run.error,
        parentRunId: run.parentRunId,
        createdAt: run.createdAt,
        endedAt: run.endedAt,
        steps: steps.map((step) => ({ id: step.stepId, name: step.name, op: step.op, result: step.result, at: step.createdAt })),
      };
    },

    listRuns: (filter) => (filter?.parentRunId && !isUuid(filter.parentRunId) ? Promise.resolve([]) : listRunRows(db, filter)),
    listJobs: (runId) => (runId !== undefined && !isUuid(runId) ? Promise.resolve([]) : listJobs(db, runId)),

    async cancelRun(runId) {
      if (!isUuid(runId)) return false;
      const cancelled = await db.transaction((tx) => executor.cancelRun(tx, runId));
      scheduler.wake();
      return cancelled;
    },
  };
}
