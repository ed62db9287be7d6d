import "server-only";
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, lte, min, notInArray, or, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../client";
import {
  pipelineEvents,
  pipelineJobs,
  pipelineRuns,
  pipelineRunSteps,
  type PipelineJob,
  type PipelineJobKind,
  type PipelineRun,
  type PipelineRunStatus,
  type PipelineRunStep,
} from "../schema";

/**
 * The embedded engine's run store: every query on the `pipeline` schema. These are engine internals, not
 * user-scoped data; nothing here is reachable from a request without going through the engine.
 */

// ---------------------------------------------------------------------------------------------- events

/** Stores an event; false when an event with this id was already accepted (it must not fan out again). */
export async function insertEvent(
  db: DbOrTx,
  event: { id: string; name: string; payload: unknown; receivedAt: Date },
): Promise<boolean> {
  const rows = await db.insert(pipelineEvents).values(event).onConflictDoNothing().returning({ id: pipelineEvents.id });
  return rows.length > 0;
}

// ------------------------------------------------------------------------------------------------ runs

/** Creates a run; null when this function already has a run for this event (or for this invoke step). */
export async function insertRun(
  db: DbOrTx,
  run: { id: string; functionId: string; event: unknown; eventId: string; parentRunId?: string; parentStepId?: string; now: Date },
): Promise<string | null> {
  const rows = await db
    .insert(pipelineRuns)
    .values({
      id: run.id,
      functionId: run.functionId,
      status: "RUNNING",
      event: run.event,
      eventId: run.eventId,
      parentRunId: run.parentRunId ?? null,
      parentStepId: run.parentStepId ?? null,
      createdAt: run.now,
      updatedAt: run.now,
    })
    .onConflictDoNothing()
    .returning({ id: pipelineRuns.id });
  return rows[0]?.id ?? null;
}

export async function getRun(db: DbOrTx, runId: string): Promise<PipelineRun | null> {
  const [row] = await db.select().from(pipelineRuns).where(eq(pipelineRuns.id, runId)).limit(1);
  return row ?? null;
}

/**
 * Reads a run and locks its row until the transaction ends. Every transaction that changes a run's
 * state takes this lock first, so two of them on the same run queue up instead of deadlocking on the
 * job rows they both touch (a finished step re-arming a discovery call that is itself finishing).
 */
export async function lockRun(db: DbOrTx, runId: string): Promise<PipelineRun | null> {
  const [row] = await db.select().from(pipelineRuns).where(eq(pipelineRuns.id, runId)).for("update");
  return row ?? null;
}

/**
 * A run, its memoized steps in completion order and how many step calls (jobs of planned steps) it has
 * queued or running, in one round trip.
 */
export async function getRunWithSteps(db: DbOrTx, runId: string): Promise<{ run: PipelineRun; steps: PipelineRunStep[]; stepCalls: number } | null> {
  const rows = await db
    .select({
      run: pipelineRuns,
      step: pipelineRunSteps,
      stepCalls: sql<number>`(select count(*) from ${pipelineJobs} where ${pipelineJobs.runId} = ${runId} and ${pipelineJobs.kind} = 'call' and ${pipelineJobs.stepId} <> 'step')`.mapWith(Number),
    })
    .from(pipelineRuns)
    .leftJoin(pipelineRunSteps, eq(pipelineRunSteps.runId, pipelineRuns.id))
    .where(eq(pipelineRuns.id, runId))
    .orderBy(asc(pipelineRunSteps.seq));
  if (!rows[0]) return null;
  return { run: rows[0].run, steps: rows.flatMap((row) => (row.step ? [row.step] : [])), stepCalls: rows[0].stepCalls };
}

/** Memoized steps of a run in completion order (the SDK's `ctx.stack`). */
export async function getRunSteps(db: DbOrTx, runId: string): Promise<PipelineRunStep[]> {
  return db.select().from(pipelineRunSteps).where(eq(pipelineRunSteps.runId, runId)).orderBy(asc(pipelineRunSteps.seq));
}

export async function listRuns(
  db: DbOrTx,
  filter: { functionId?: string; eventId?: string; status?: PipelineRunStatus; parentRunId?: string; limit?: number } = {},
): Promise<PipelineRun[]> {
  const conditions: SQL[] = [];
  if (filter.functionId) conditions.push(eq(pipelineRuns.functionId, filter.functionId));
  if (filter.eventId) conditions.push(eq(pipelineRuns.eventId, filter.eventId));
  if (filter.status) conditions.push(eq(pipelineRuns.status, filter.status));
  if (filter.parentRunId) conditions.push(eq(pipelineRuns.parentRunId, filter.parentRunId));
  return db
    .select()
    .from(pipelineRuns)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(pipelineRuns.createdAt), desc(pipelineRuns.id))
    .limit(filter.limit ?? 100);
}

/** Marks a run as having reported parallel steps; the SDK must never run a step immediately after that. */
export async function setDisableImmediateExecution(db: DbOrTx, runId: string): Promise<void> {
  await db.update(pipelineRuns).set({ disableImmediateExecution: true }).where(eq(pipelineRuns.id, runId));
}

/**
 * Ends a RUNNING run and drops its queued work. Returns the ended run, or null when it had already ended
 * (compare-and-set: a run completes or fails exactly once).
 */
export async function endRun(
  db: DbOrTx,
  { runId, status, output, error, now }: { runId: string; status: Exclude<PipelineRunStatus, "RUNNING">; output?: unknown; error?: unknown; now: Date },
): Promise<PipelineRun | null> {
  const [row] = await db
    .update(pipelineRuns)
    .set({ status, output: output ?? null, error: error ?? null, updatedAt: now, endedAt: now })
    .where(and(eq(pipelineRuns.id, runId), eq(pipelineRuns.status, "RUNNING")))
    .returning();
  if (!row) return null;
  await db.delete(pipelineJobs).where(eq(pipelineJobs.runId, runId));
  return row;
}

/** Stores a step's result; false when the step already had one (the first result wins). */
export async function saveStepResult(
  db: DbOrTx,
  step: { runId: string; stepId: string; name: string | null; op: string; result: StepResult; now: Date },
): Promise<boolean> {
  const rows = await db
    .insert(pipelineRunSteps)
    .values({ runId: step.runId, stepId: step.stepId, name: step.name, op: step.op, result: step.result, createdAt: step.now })
    .onConflictDoNothing()
    .returning({ stepId: pipelineRunSteps.stepId });
  if (rows.length > 0) await db.update(pipelineRuns).set({ updatedAt: step.now }).where(eq(pipelineRuns.id, step.runId));
  return rows.length > 0;
}

export type StepResult = { type: "data"; data: unknown } | { type: "error"; error: unknown };

// ------------------------------------------------------------------------------------------------ jobs

export interface NewJob {
  kind: PipelineJobKind;
  runId: string | null;
  functionId: string;
  stepId: string;
  attempt?: number;
  runAt: Date;
  waitEvent?: string | null;
  payload?: unknown;
  /** Overrides the default key `<runId>:<kind>:<stepId>`. */
  jobKey?: string;
}

export function jobKeyOf(job: Pick<NewJob, "runId" | "kind" | "stepId">): string {
  return `${job.runId}:${job.kind}:${job.stepId}`;
}

/**
 * Enqueues a job unless the same piece of work is already queued. With `rearm`, a duplicate that is
 * running right now is flagged to run once more when it finishes: a discovery call that started before
 * a parallel step finished must not be the last one to look at the run.
 */
export async function enqueueJob(db: DbOrTx, job: NewJob, now: Date, { rearm = false }: { rearm?: boolean } = {}): Promise<void> {
  const insert = db.insert(pipelineJobs).values({
    jobKey: job.jobKey ?? jobKeyOf(job),
    kind: job.kind,
    runId: job.runId,
    functionId: job.functionId,
    stepId: job.stepId,
    attempt: job.attempt ?? 0,
    runAt: job.runAt,
    waitEvent: job.waitEvent ?? null,
    payload: job.payload ?? null,
    createdAt: now,
  });
  if (rearm) {
    await insert.onConflictDoUpdate({
      target: pipelineJobs.jobKey,
      set: { rearm: sql`${pipelineJobs.rearm} or ${pipelineJobs.lockedUntil} is not null` },
    });
  } else {
    await insert.onConflictDoNothing();
  }
}

/** Done with a claimed job: delete it, or if it was re-armed meanwhile, release it to run again now. */
export async function finishJob(db: DbOrTx, jobId: string, now: Date): Promise<void> {
  const deleted = await db
    .delete(pipelineJobs)
    .where(and(eq(pipelineJobs.id, jobId), eq(pipelineJobs.rearm, false)))
    .returning({ id: pipelineJobs.id });
  if (deleted.length > 0) return;
  await db
    .update(pipelineJobs)
    .set({ rearm: false, lockedUntil: null, lockedBy: null, attempt: 0, runAt: now })
    .where(eq(pipelineJobs.id, jobId));
}

/** Gives a claimed job back untouched (the engine could not process it; it is tried again). */
/** Drops a job's lease; with `owner`, only while that engine still holds it (not after another took it over). */
export async function releaseJob(db: DbOrTx, jobId: string, owner?: string): Promise<void> {
  await db
    .update(pipelineJobs)
    .set({ lockedUntil: null, lockedBy: null })
    .where(owner ? and(eq(pipelineJobs.id, jobId), eq(pipelineJobs.lockedBy, owner)) : eq(pipelineJobs.id, jobId));
}

/** Releases a claimed job to run again later (a retry). */
export async function rescheduleJob(db: DbOrTx, jobId: string, { attempt, runAt }: { attempt: number; runAt: Date }): Promise<void> {
  await db
    .update(pipelineJobs)
    .set({ attempt, runAt, lockedUntil: null, lockedBy: null, rearm: false })
    .where(eq(pipelineJobs.id, jobId));
}

/** Deletes a job; false when it was already gone (someone else resolved it first). */
export async function deleteJob(db: DbOrTx, jobId: string): Promise<boolean> {
  const rows = await db.delete(pipelineJobs).where(eq(pipelineJobs.id, jobId)).returning({ id: pipelineJobs.id });
  return rows.length > 0;
}

export async function deleteJobByKey(db: DbOrTx, jobKey: string): Promise<void> {
  await db.delete(pipelineJobs).where(eq(pipelineJobs.jobKey, jobKey));
}

const claimable = (now: Date) =>
  and(lte(pipelineJobs.runAt, now), or(isNull(pipelineJobs.lockedUntil), lt(pipelineJobs.lockedUntil, now)));
export interface DueJob {
  job: PipelineJob;
  /** The run's triggering event (for concurrency keys); null for cron jobs. */
  runEvent: unknown;
}

/** Jobs that are due and not held by a live lease, oldest first. */
export async function findDueJobs(db: DbOrTx, now: Date, limit: number): Promise<DueJob[]> {
  const rows = await db
    .select({ job: pipelineJobs, runEvent: pipelineRuns.event })
    .from(pipelineJobs)
    .leftJoin(pipelineRuns, eq(pipelineRuns.id, pipelineJobs.runId))
    .where(claimable(now))
    .orderBy(asc(pipelineJobs.runAt), asc(pipelineJobs.createdAt))
    .limit(limit);
  return rows.map((row) => ({ job: row.job, runEvent: row.runEvent }));
}

/**
 * Takes a lease on jobs. The WHERE is re-checked under the row lock, so when two engines share a
 * database only one of them gets each job.
 */
export async function claimJobs(db: DbOrTx, jobIds: string[], { now, until, owner }: { now: Date; until: Date; owner: string }): Promise<PipelineJob[]> {
  if (jobIds.length === 0) return [];
  return db
    .update(pipelineJobs)
    .set({ lockedUntil: until, lockedBy: owner })
    .where(and(inArray(pipelineJobs.id, jobIds), claimable(now)))
    .returning();
}

/**
 * Takes a lease on the job with this key if it is claimable now: how an engine that just stored a step's
 * result goes on with the run's next call without a pass over the queue.
 */
export async function claimJobByKey(db: DbOrTx, jobKey: string, { now, until, owner }: { now: Date; until: Date; owner: string }): Promise<PipelineJob | null> {
  const [row] = await db
    .update(pipelineJobs)
    .set({ lockedUntil: until, lockedBy: owner })
    .where(and(eq(pipelineJobs.jobKey, jobKey), claimable(now)))
    .returning();
  return row ?? null;
}

/**
 * The commit of a call that ran one step (`StepRun` / `StepFailed`), in ONE statement: store the result
 * (first wins), touch the run, and hand the run's discovery call to this engine — the finished job itself
 * when it was the discovery call (it goes on, leased again), else the step's job is deleted and the
 * discovery call queued with our lease, or re-armed when another engine or slot holds it. Also returns how
 * many steps the run had before this one and how many other step calls are still queued, so the caller can
 * tell whether its copy of the run's steps is current.
 *
 * Without `lockRun`, run it inside the transaction that locked the run (`lockRun()`, a statement before this
 * one, so this one's snapshot sees every step committed under that lock). With `lockRun`, the statement
 * locks the run itself and writes nothing unless it is RUNNING (then it returns null): only for a
 * database that runs one statement at a time (PGlite), where no other transaction can commit between
 * this statement's snapshot and its lock — on PostgreSQL a statement that waited for the lock would count
 * steps from before it.
 */
export async function commitStepAndContinue(
  db: DbOrTx,
  a: {
    runId: string;
    functionId: string;
    /** The job that made the call; leased by `owner`. */
    job: Pick<PipelineJob, "id" | "jobKey">;
    discoveryKey: string;
    stepId: string;
    name: string | null;
    op: string;
    result: StepResult;
    now: Date;
    until: Date;
    owner: string;
    lockRun?: boolean;
  },
): Promise<{ step: PipelineRunStep | null; next: PipelineJob | null; priorSteps: number; otherStepCalls: number } | null> {
  // Plain SQL, not the query builder: building this statement with drizzle cost as much CPU as PGlite
  // running it (~2.5 ms, measured), on every step.
  const now = a.now.toISOString();
  const until = a.until.toISOString();
  const locked = a.lockRun
    ? sql`locked as (select id from ${pipelineRuns} where id = ${a.runId} and status = 'RUNNING' for update),`
    : sql``;
  const ifRunning = a.lockRun ? sql`exists (select 1 from locked)` : sql`true`;
  const next =
    a.job.jobKey === a.discoveryKey
      ? // The discovery call goes on as the same job: attempt and due time reset, the lease renewed.
        sql`update ${pipelineJobs} set attempt = 0, run_at = ${now}::timestamptz, rearm = false, locked_until = ${until}::timestamptz, locked_by = ${a.owner}
            where id = ${a.job.id} and ${ifRunning} returning *`
      : // As `enqueueJob(…, { rearm: true })`, and taken over when nobody holds it and it is due. Taking it
        // clears `rearm` (our run is the one asked for); otherwise a held job is re-armed — so a row that
        // comes back with our lease and rearm = false is ours, even when another slot of this engine holds
        // it with a lease of the same instant (a frozen test clock, two commits in one millisecond).
        sql`insert into ${pipelineJobs} as j (job_key, kind, run_id, function_id, step_id, attempt, run_at, locked_until, locked_by, created_at)
            select ${a.discoveryKey}, 'call', ${a.runId}::uuid, ${a.functionId}, 'step', 0, ${now}::timestamptz, ${until}::timestamptz, ${a.owner}, ${now}::timestamptz
            where ${ifRunning}
            on conflict (job_key) do update set
              rearm = case when ${claimableNow(now)} then false else j.rearm or j.locked_until is not null end,
              locked_until = case when ${claimableNow(now)} then excluded.locked_until else j.locked_until end,
              locked_by = case when ${claimableNow(now)} then excluded.locked_by else j.locked_by end
            returning *`;
  const gone = a.job.jobKey === a.discoveryKey ? sql`` : sql`, gone as (delete from ${pipelineJobs} where id = ${a.job.id} and ${ifRunning} returning id)`;
  const result = await db.execute(sql`
    with ${locked} inserted as (
      insert into ${pipelineRunSteps} (run_id, step_id, name, op, result, created_at)
      select ${a.runId}::uuid, ${a.stepId}, ${a.name}, ${a.op}, ${JSON.stringify(a.result)}::jsonb, ${now}::timestamptz
      where ${ifRunning}
      on conflict do nothing
      returning seq
    ), touched as (
      update ${pipelineRuns} set updated_at = ${now}::timestamptz where id = ${a.runId} and exists (select 1 from inserted) returning id
    ), next as (${next})${gone}
    select next.id, next.job_key, next.kind, next.run_id, next.function_id, next.step_id, next.attempt, next.run_at, next.locked_until,
      next.locked_by, next.rearm, next.wait_event, next.payload, next.created_at,
      (select seq from inserted) as step_seq,
      (select count(*) from ${pipelineRunSteps} where run_id = ${a.runId}) as prior_steps,
      (select count(*) from ${pipelineJobs} where run_id = ${a.runId} and kind = 'call' and step_id <> 'step' and id <> ${a.job.id}) as other_step_calls
    from next`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, unknown>[];
  const row = rows[0];
  if (!row && a.lockRun) return null; // the run is no longer RUNNING: nothing was written
  if (!row) throw new Error("commitStepAndContinue: the discovery job was not returned");
  const job: PipelineJob = {
    id: String(row.id),
    jobKey: String(row.job_key),
    kind: row.kind as PipelineJobKind,
    runId: row.run_id == null ? null : String(row.run_id),
    functionId: String(row.function_id),
    stepId: String(row.step_id),
    attempt: Number(row.attempt),
    runAt: asDate(row.run_at)!,
    lockedUntil: asDate(row.locked_until),
    lockedBy: row.locked_by == null ? null : String(row.locked_by),
    rearm: row.rearm === true || row.rearm === "t",
    waitEvent: row.wait_event == null ? null : String(row.wait_event),
    payload: typeof row.payload === "string" ? JSON.parse(row.payload) : (row.payload ?? null),
    createdAt: asDate(row.created_at)!,
  };
  const mine = !job.rearm && job.lockedBy === a.owner && job.lockedUntil?.getTime() === a.until.getTime();
  const step: PipelineRunStep | null =
    row.step_seq == null
      ? null
      : { runId: a.runId, stepId: a.stepId, seq: Number(row.step_seq), name: a.name, op: a.op, result: a.result, createdAt: a.now };
  return { step, next: mine ? job : null, priorSteps: Number(row.prior_steps), otherStepCalls: Number(row.other_step_calls) };
}

/** A timestamp as the driver returns it from plain SQL (PGlite: a Date; postgres.js under drizzle: text). */
function asDate(value: unknown): Date | null {
  if (value == null) return null;
  return value instanceof Date ? value : new Date(String(value));
}

/** `claimable` over the existing row `j` of an ON CONFLICT DO UPDATE. */
const claimableNow = (now: string) => sql`(j.run_at <= ${now}::timestamptz and (j.locked_until is null or j.locked_until < ${now}::timestamptz))`;

/** Drops every lease: for an engine that knows it is alone on the database, after a crash. */
export async function releaseAllLeases(db: DbOrTx): Promise<number> {
  const rows = await db
    .update(pipelineJobs)
    .set({ lockedUntil: null, lockedBy: null })
    .where(isNotNull(pipelineJobs.lockedUntil))
    .returning({ id: pipelineJobs.id });
  return rows.length;
}

/** Engines that hold leases now (distinct `locked_by`). */
export async function listLeaseOwners(db: DbOrTx): Promise<string[]> {
  const rows = await db
    .selectDistinct({ owner: pipelineJobs.lockedBy })
    .from(pipelineJobs)
    .where(isNotNull(pipelineJobs.lockedUntil));
  return rows.flatMap((row) => (row.owner ? [row.owner] : []));
}

/** Drops the leases of engines known to be dead, so their jobs run again at once. */
export async function releaseLeasesOf(db: DbOrTx, owners: string[]): Promise<number> {
  if (owners.length === 0) return 0;
  const rows = await db
    .update(pipelineJobs)
    .set({ lockedUntil: null, lockedBy: null })
    .where(and(inArray(pipelineJobs.lockedBy, owners), isNotNull(pipelineJobs.lockedUntil)))
    .returning({ id: pipelineJobs.id });
  return rows.length;
}

/** Extends this engine's leases on jobs that are still running (a step may outlive one lease). */
export async function renewLeases(db: DbOrTx, jobIds: string[], { until, owner }: { until: Date; owner: string }): Promise<void> {
  if (jobIds.length === 0) return;
  await db
    .update(pipelineJobs)
    .set({ lockedUntil: until })
    .where(and(inArray(pipelineJobs.id, jobIds), eq(pipelineJobs.lockedBy, owner)));
}

/** Earliest due time among jobs nobody holds (or whose lease lapses first); null when the queue is empty. */
export async function nextWakeAt(db: DbOrTx): Promise<Date | null> {
  const [row] = await db
    .select({ at: min(sql<string>`greatest(${pipelineJobs.runAt}, coalesce(${pipelineJobs.lockedUntil}, ${pipelineJobs.runAt}))`) })
    .from(pipelineJobs);
  // A raw SQL expression comes back as the driver's text (or Date), not mapped by the column type.
  const at: unknown = row?.at;
  if (at == null) return null;
  return at instanceof Date ? at : new Date(String(at));
}

export async function hasDueJobs(db: DbOrTx, now: Date): Promise<boolean> {
  const [row] = await db.select({ id: pipelineJobs.id }).from(pipelineJobs).where(claimable(now)).limit(1);
  return Boolean(row);
}

/** `waitForEvent` jobs waiting for this event name, with the waiting run's triggering event. */
export async function findWaitsForEvent(db: DbOrTx, eventName: string): Promise<{ job: PipelineJob; runEvent: unknown }[]> {
  const rows = await db
    .select({ job: pipelineJobs, runEvent: pipelineRuns.event })
    .from(pipelineJobs)
    .innerJoin(pipelineRuns, eq(pipelineRuns.id, pipelineJobs.runId))
    .where(and(eq(pipelineJobs.kind, "wait_event"), eq(pipelineJobs.waitEvent, eventName), eq(pipelineRuns.status, "RUNNING")))
    .orderBy(asc(pipelineJobs.createdAt));
  return rows;
}

/** Jobs queued for a run (for inspection and tests). */
export async function listJobs(db: DbOrTx, runId?: string): Promise<PipelineJob[]> {
  return db
    .select()
    .from(pipelineJobs)
    .where(runId ? eq(pipelineJobs.runId, runId) : undefined)
    .orderBy(asc(pipelineJobs.runAt));
}

/**
 * Makes the queued cron ticks match the functions' cron triggers: adds missing ones, keeps existing
 * ones (their next tick stays as scheduled across restarts) and drops ticks of removed triggers.
 */
export async function reconcileCronJobs(
  db: DbOrTx,
  wanted: { functionId: string; cron: string; jobKey: string; runAt: Date }[],
  now: Date,
): Promise<void> {
  const keys = wanted.map((cron) => cron.jobKey);
  await db
    .delete(pipelineJobs)
    .where(and(eq(pipelineJobs.kind, "cron"), keys.length ? notInArray(pipelineJobs.jobKey, keys) : undefined));
  for (const cron of wanted) {
    await enqueueJob(
      db,
      { kind: "cron", runId: null, functionId: cron.functionId, stepId: cron.cron, runAt: cron.runAt, payload: { cron: cron.cron }, jobKey: cron.jobKey },
      now,
    );
  }
}
