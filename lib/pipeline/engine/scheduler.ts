import type { Database } from "@/db/client";
import { claimJobByKey, claimJobs, findDueJobs, hasDueJobs, nextWakeAt, releaseJob, renewLeases } from "@/db/queries/pipeline-runs";
import type { PipelineJob } from "@/db/schema";
import type { ProcessResult, RunState } from "./executor";
import type { EngineLogger } from "./types";

/**
 * The polling loop: claims due jobs (up to `maxConcurrency`, within each function's concurrency limits),
 * runs them, and sleeps until the next job is due — at most `pollIntervalMs`, and less when `wake()` is
 * called (new work) or a job finishes. Never a busy loop: a pass that claims nothing always sleeps.
 */

export interface SchedulerOptions {
  db: Database;
  now(): Date;
  /** Written into leases, to tell engines apart in the jobs table. */
  owner: string;
  pollIntervalMs: number;
  maxConcurrency: number;
  /** How long a claimed job stays invisible to other engines (a crashed engine's jobs return after it). */
  leaseMs: number;
  logger: EngineLogger;
  /** Concurrency groups a job occupies while it runs (empty for jobs that run no user code). */
  groupsFor(job: PipelineJob, runEvent: unknown): { group: string; limit: number }[];
  /**
   * Does a job; may return what goes on with the same run in this slot: the key of a job due now (to
   * claim), or a job its commit already claimed for this engine, with the run's state.
   */
  process(job: PipelineJob, state?: RunState | null): Promise<ProcessResult | void>;
}

export class Scheduler {
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  /** Slots at work, by the id of the job that opened the slot. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** The job each slot is doing now (a slot goes on with its run's next call), for lease renewal. */
  private readonly current = new Map<string, string>();
  private readonly groupCounts = new Map<string, number>();
  private wakeRequested = false;
  private wakeSleeper: (() => void) | null = null;
  private passing = false;
  /** Settles when the pass in progress (if any) ends. */
  private currentPass: Promise<void> = Promise.resolve();
  private passWaiters: ((claimed: number) => void)[] = [];
  private leaseTimer: ReturnType<typeof setInterval> | null = null;
  /** Jobs whose processing threw (a database error): retried after a growing real-time pause. */
  private readonly cooldown = new Map<string, { until: number; failures: number }>();
  /**
   * Jobs whose lease could not be given back (the database was away when their processing failed): given
   * back by the next pass that reaches the database, instead of waiting out the lease (60 s).
   */
  private readonly unreleased = new Set<string>();
  /** The last pass read every due job (fewer than it asked for). */
  private passSawAll = false;

  constructor(private readonly options: SchedulerOptions) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
    // Long steps (a transcription) keep their lease, so another engine on the same database never
    // takes a job that is still running here.
    this.leaseTimer = setInterval(() => void this.renewLeases(), Math.max(1000, this.options.leaseMs / 3));
    this.leaseTimer.unref?.();
  }

  private async renewLeases(): Promise<void> {
    const { db, leaseMs, owner } = this.options;
    const until = new Date(this.options.now().getTime() + leaseMs);
    await renewLeases(db, [...this.current.values()], { until, owner }).catch((error: unknown) =>
      this.options.logger.warn("Embedded Inngest engine: renewing job leases failed", error),
    );
  }

  /** Stops claiming work and waits for the jobs in flight to finish (their results are stored). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.leaseTimer = null;
    this.wake();
    await this.loopDone;
    await Promise.allSettled([...this.inFlight.values()]);
    for (const resolve of this.passWaiters.splice(0)) resolve(0);
  }

  /** New work may be due: run a pass now instead of at the end of the poll interval. */
  wake(): void {
    this.wakeRequested = true;
    this.wakeSleeper?.();
  }

  /**
   * Resolves once nothing is running and nothing is due by the engine clock (future timers may remain).
   * For tests and scripts; a real clock keeps making things due.
   */
  async waitForIdle(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error("The embedded Inngest engine is not running.");
      if (Date.now() > deadline) throw new Error(`The embedded Inngest engine did not become idle within ${timeoutMs} ms.`);
      if (this.inFlight.size > 0) {
        // A slot that finishes wakes the loop itself: waiting for it costs no pass over the queue.
        await Promise.race(this.inFlight.values());
        continue;
      }
      // Join the pass in progress (a finishing slot started it) or ask for one; never force an extra one
      // (those were a third of the round trips of a benchmarked run).
      if (this.passing) await this.currentPass;
      else {
        this.wake();
        await this.nextPass();
      }
      if (this.inFlight.size > 0 || this.passing || this.wakeRequested) continue; // more is coming: join it
      const due = await hasDueJobs(this.options.db, this.options.now());
      const quiet = !this.passing && this.inFlight.size === 0;
      if (!due && quiet) return;
      // Due but not startable (a job cooling down after an error): don't spin on it.
      if (due && quiet && !this.wakeRequested) await new Promise((resolve) => setTimeout(resolve, Math.min(this.options.pollIntervalMs, 100)));
    }
  }

  /**
   * Resolves after a pass that started nothing new: everything that may run (within the concurrency
   * limits) is running. Lets a test look at what is running without waiting on a clock.
   */
  async waitForSettled(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error("The embedded Inngest engine is not running.");
      this.wake();
      if ((await this.nextPass()) === 0) return;
      if (Date.now() > deadline) throw new Error(`The embedded Inngest engine did not settle within ${timeoutMs} ms.`);
    }
  }

  /** Resolves with the number of jobs started by the next pass that begins after this call. */
  private nextPass(): Promise<number> {
    return new Promise((resolve) => this.passWaiters.push(resolve));
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const waiters = this.passWaiters.splice(0);
      this.wakeRequested = false;
      let claimed = 0;
      let endPass!: () => void;
      this.currentPass = new Promise((resolve) => (endPass = resolve));
      this.passing = true;
      try {
        claimed = await this.pass();
      } catch (error) {
        this.options.logger.error("Embedded Inngest engine: polling the job queue failed", error);
      } finally {
        this.passing = false;
        endPass();
        for (const resolve of waiters) resolve(claimed);
      }
      if (!this.running) break;
      // Go again at once only when this pass may have left due jobs unread; otherwise a finishing slot,
      // new work or the next due time wakes the loop (an immediate empty pass cost two queries per wake).
      if (claimed > 0 && this.passSawAll === false) continue;
      await this.sleep(await this.delayUntilNextJob());
    }
  }

  private async delayUntilNextJob(): Promise<number> {
    const { pollIntervalMs } = this.options;
    // With slots at work, each one that finishes wakes the loop; a timer due meanwhile waits at most the
    // poll interval. Only an idle loop asks the queue when to wake (one query per pass saved).
    if (this.inFlight.size > 0) return pollIntervalMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // Bounded by the poll interval: during a PostgreSQL outage postgres.js can lose a query issued on a
      // closing connection (its promise never settles; seen in tests/reliability/engine-outage.test.ts), and
      // the loop must not wait on it forever — its jobs' leases would then never be given back.
      const lost = new Promise<"lost">((resolve) => (timer = setTimeout(() => resolve("lost"), pollIntervalMs)));
      const at = await Promise.race([nextWakeAt(this.options.db), lost]);
      if (at === "lost") return pollIntervalMs;
      const delay = at ? at.getTime() - this.options.now().getTime() : pollIntervalMs;
      // A job that is already due but was not claimed waits for a slot: a finishing job wakes us.
      // The floor keeps a job due "in a moment" (or a frozen test clock) from turning into a spin.
      return delay > 0 ? Math.min(Math.max(delay, 25), pollIntervalMs) : pollIntervalMs;
    } catch {
      return pollIntervalMs;
    } finally {
      clearTimeout(timer);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakeRequested || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeSleeper = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleeper = done;
    });
  }

  /** One pass: claim what is due and may run, start it. Returns how many jobs were started. */
  private async pass(): Promise<number> {
    const { db, maxConcurrency, leaseMs, owner } = this.options;
    for (const jobId of [...this.unreleased]) {
      await releaseJob(db, jobId, owner); // still away: throws, the loop logs it and tries again
      this.unreleased.delete(jobId);
    }
    const capacity = maxConcurrency - this.inFlight.size;
    if (capacity <= 0) return 0;
    const now = this.options.now();
    if (this.cooldown.size > 100) {
      for (const [id, { until }] of this.cooldown) if (until < Date.now() - 3_600_000) this.cooldown.delete(id);
    }
    // Read past jobs that are blocked by a concurrency limit, so they don't starve the others.
    const limit = capacity + this.inFlight.size + 50;
    const due = await findDueJobs(db, now, limit);
    this.passSawAll = due.length < limit;
    const counts = new Map(this.groupCounts);
    const picked = new Map<string, { group: string; limit: number }[]>();
    for (const { job, runEvent } of due) {
      if (picked.size >= capacity) break;
      if (this.inFlight.has(job.id) || (this.cooldown.get(job.id)?.until ?? 0) > Date.now()) continue;
      const groups = this.options.groupsFor(job, runEvent);
      if (groups.some(({ group, limit }) => (counts.get(group) ?? 0) >= limit)) continue;
      for (const { group } of groups) counts.set(group, (counts.get(group) ?? 0) + 1);
      picked.set(job.id, groups);
    }
    const claimed = await claimJobs(db, [...picked.keys()], { now, until: new Date(now.getTime() + leaseMs), owner });
    for (const job of claimed) this.run(job, picked.get(job.id) ?? []);
    return claimed.length;
  }

  /**
   * Runs a claimed job in a slot. When the job stored a step and queued its run's next call, the slot goes
   * on with that call at once — no pass over the queue, no wake-up latency — as long as the scheduler runs:
   * it either claims it by its key, or the step's commit already claimed it (and handed over the run's
   * state). Each step's result is committed before the next call starts.
   */
  private run(job: PipelineJob, groups: { group: string }[]): void {
    for (const { group } of groups) this.groupCounts.set(group, (this.groupCounts.get(group) ?? 0) + 1);
    const slot = job.id;
    const { db, owner, leaseMs } = this.options;
    const task = (async () => {
      let next: PipelineJob | null = job;
      let state: RunState | null = null;
      while (next) {
        this.current.set(slot, next.id);
        const followUp = await this.runOne(next, state);
        next = null;
        state = null;
        if (followUp && typeof followUp === "object") {
          if (this.running) ({ job: next, state } = followUp);
          // Stopping: give the call back so the next engine on this database runs it at once.
          else await releaseJob(db, followUp.job.id, owner).catch(() => void this.unreleased.add(followUp.job.id));
        } else if (followUp && this.running) {
          const now = this.options.now();
          next = await claimJobByKey(db, followUp, { now, until: new Date(now.getTime() + leaseMs), owner }).catch(
            () => null, // the pass picks it up
          );
        }
      }
    })().finally(() => {
      for (const { group } of groups) {
        const count = (this.groupCounts.get(group) ?? 1) - 1;
        if (count > 0) this.groupCounts.set(group, count);
        else this.groupCounts.delete(group);
      }
      this.inFlight.delete(slot);
      this.current.delete(slot);
      this.wake();
    });
    this.inFlight.set(slot, task);
  }

  /** Processes one job; the key of a follow-up job, or null (also when processing failed). */
  private async runOne(job: PipelineJob, state: RunState | null): Promise<ProcessResult> {
    this.options.logger.debug(`Embedded Inngest engine: ${job.kind} ${job.stepId} (attempt ${job.attempt}) of run ${job.runId ?? job.functionId}`);
    try {
      const followUp = await this.options.process(job, state);
      this.cooldown.delete(job.id);
      return followUp || null;
    } catch (error) {
      // Unexpected (a database error, a bug): give the job back and retry it after a pause that grows
      // with each failure (real time, so it also works under a test's frozen clock). If even the
      // release fails (PostgreSQL away), the next pass that reaches the database gives it back — not the
      // lease (60 s). Only while this engine still holds it (`owner`): never another engine's lease.
      const failures = (this.cooldown.get(job.id)?.failures ?? 0) + 1;
      this.cooldown.set(job.id, { failures, until: Date.now() + Math.min(100 * 2 ** (failures - 1), 30_000) });
      this.options.logger.error(`Embedded Inngest engine: job ${job.kind} ${job.stepId} of run ${job.runId ?? "-"} failed (${failures}x)`, error);
      await releaseJob(this.options.db, job.id, this.options.owner).catch(() => void this.unreleased.add(job.id));
      return null;
    }
  }
}
