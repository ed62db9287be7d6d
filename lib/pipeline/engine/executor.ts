import { randomUUID } from "node:crypto";
import type { Database, DbOrTx } from "@/db/client";
import {
  commitStepAndContinue,
  deleteJob,
  deleteJobByKey,
  endRun,
  enqueueJob,
  findWaitsForEvent,
  finishJob,
  getRunSteps,
  getRunWithSteps,
  insertEvent,
  insertRun,
  jobKeyOf,
  lockRun,
  rescheduleJob,
  saveStepResult,
  setDisableImmediateExecution,
  type StepResult,
} from "@/db/queries/pipeline-runs";
import type { PipelineJob, PipelineRun, PipelineRunStep } from "@/db/schema";
import { nextCronTick } from "./cron";
import { compileExpression, ExpressionError } from "./expression";
import type { CallOutcome, Op, ProtocolClient, SerializedError } from "./protocol";
import { functionsForEvent, type FunctionSpec } from "./registry";
import { parseRetryAfter, resolveDueAt } from "./time";
import {
  FUNCTION_FAILED_EVENT,
  FUNCTION_INVOKED_EVENT,
  SCHEDULED_TIMER_EVENT,
  SYSTEM_EVENT_PREFIX,
  type EngineEvent,
  type EngineLogger,
} from "./types";

/**
 * Does the work of one claimed job and records the outcome. The rule throughout: call the serve handler
 * outside any transaction (step code may use the database, and PGlite has one connection), then store
 * everything the answer implies in one transaction, so a crash leaves either the old state or the new
 * one, never half of it.
 */

export interface ExecutorContext {
  db: Database;
  protocol: ProtocolClient;
  functions(): Map<string, FunctionSpec>;
  now(): Date;
  backoff(attempt: number): number;
  logger: EngineLogger;
  /** This engine's lease owner id and lease length: a commit may claim the run's next call for this engine. */
  owner: string;
  leaseMs: number;
  /** The database runs one statement at a time (PGlite): a single statement needs no transaction to be consistent. */
  serialDatabase: boolean;
}

/**
 * A run as the commit that claimed its next call read it, under the run's lock: current when that call
 * starts (a step stored later re-arms the claimed call), so the call needs no reads before it.
 */
export interface RunState {
  run: PipelineRun;
  /** Memoized steps in completion order. */
  steps: PipelineRunStep[];
  /** No other step call of the run is queued or running, so the SDK may run the step it finds at once. */
  alone: boolean;
}

/** A job this engine already holds (claimed in the commit before), to run next in the same slot. */
export interface Continuation {
  job: PipelineJob;
  /** Null when the commit could not vouch for its copy of the run (read it again). */
  state: RunState | null;
}

/** What processing a job leads to: a job to go on with (by key, to claim; or already claimed), or nothing. */
export type ProcessResult = string | Continuation | null;

/** The hashed-id placeholder the SDK uses for "run the function and report what it finds". */
export const DISCOVERY_STEP = "step";

export class Executor {
  constructor(private readonly ctx: ExecutorContext) {}

  /**
   * Returns the key of the run's discovery call when this job queued one that is due now (the scheduler
   * may go on with it at once, in the same slot), else null.
   */
  async process(job: PipelineJob, state?: RunState | null): Promise<ProcessResult> {
    switch (job.kind) {
      case "call":
        return this.call(job, state ?? null);
      case "sleep":
        return this.resolveTimer(job, "Sleep", { type: "data", data: null });
      case "wait_event":
        // The timeout fired first: the SDK resolves `step.waitForEvent` with null.
        return this.resolveTimer(job, "WaitForEvent", { type: "data", data: null });
      case "invoke_timeout":
        return this.resolveTimer(job, "InvokeFunction", {
          type: "error",
          error: { name: "InngestInvokeTimeoutError", message: "Timed out waiting for the invoked function to complete", __serialized: true },
        });
      case "cron":
        await this.fireCron(job);
        return null;
      default:
        this.ctx.logger.error(`Embedded Inngest engine: dropping job of unknown kind "${job.kind as string}"`);
        await deleteJob(this.ctx.db, job.id);
        return null;
    }
  }

  // ---------------------------------------------------------------------------------------- events

  /**
   * Accepts events: stores each one (a known id is dropped, so it is processed once), starts the runs
   * its triggers call for and resolves `waitForEvent` steps it matches. `system` allows `inngest/*` names.
   */
  async ingest(db: DbOrTx, rawEvents: unknown[], { system = false }: { system?: boolean } = {}): Promise<string[]> {
    const now = this.ctx.now();
    const events = rawEvents.map((raw) => normalizeEvent(raw, now));
    for (const event of events) {
      if (!system && event.name.startsWith(SYSTEM_EVENT_PREFIX)) {
        throw new Error(`Event names starting with "${SYSTEM_EVENT_PREFIX}" are reserved for Inngest (got "${event.name}").`);
      }
    }
    for (const event of events) {
      if (!(await insertEvent(db, { id: event.id, name: event.name, payload: event, receivedAt: now }))) continue;
      for (const fn of functionsForEvent(this.ctx.functions(), event)) await this.startRun(db, fn, event);
      await this.resolveWaits(db, event, now);
    }
    return events.map((event) => event.id);
  }

  private async resolveWaits(db: DbOrTx, event: EngineEvent, now: Date): Promise<void> {
    for (const { job, runEvent } of await findWaitsForEvent(db, event.name)) {
      const payload = (job.payload ?? {}) as { if?: string | null; name?: string | null };
      let matches = true;
      if (payload.if) {
        try {
          matches = compileExpression(payload.if).test({ event: runEvent, async: event });
        } catch {
          matches = false; // refused when the wait was registered; never reached
        }
      }
      if (!matches || !job.runId) continue;
      // Lock the run, then delete the wait: that is the claim. Of two events racing for it, one gets it.
      const run = await lockRun(db, job.runId);
      if (run?.status !== "RUNNING" || !(await deleteJob(db, job.id))) continue;
      const saved = await saveStepResult(db, {
        runId: job.runId,
        stepId: job.stepId,
        name: payload.name ?? null,
        op: "WaitForEvent",
        result: { type: "data", data: event },
        now,
      });
      if (saved) await this.enqueueDiscovery(db, job.runId, job.functionId, now);
    }
  }

  private async startRun(db: DbOrTx, fn: FunctionSpec, event: EngineEvent, parent?: { runId: string; stepId: string }): Promise<string | null> {
    const now = this.ctx.now();
    const runId = await insertRun(db, {
      id: randomUUID(),
      functionId: fn.id,
      event,
      eventId: event.id,
      parentRunId: parent?.runId,
      parentStepId: parent?.stepId,
      now,
    });
    if (runId) await enqueueJob(db, { kind: "call", runId, functionId: fn.id, stepId: DISCOVERY_STEP, runAt: now }, now);
    return runId;
  }

  private enqueueDiscovery(db: DbOrTx, runId: string, functionId: string, now: Date): Promise<void> {
    return enqueueJob(db, { kind: "call", runId, functionId, stepId: DISCOVERY_STEP, runAt: now }, now, { rearm: true });
  }

  // ------------------------------------------------------------------------------------------ calls

  private async call(job: PipelineJob, state: RunState | null): Promise<ProcessResult> {
    const { db } = this.ctx;
    // A call claimed by the previous step's commit comes with the run as that commit read it.
    const carried = state && state.run.id === job.runId && job.stepId === DISCOVERY_STEP ? state : null;
    // Otherwise read it (a discovery call we hold: no step call can be planned meanwhile, so the count of
    // queued step calls holds until the call returns).
    const fresh = carried ? null : job.runId ? await getRunWithSteps(db, job.runId) : null;
    const read = carried ?? (fresh && { run: fresh.run, steps: fresh.steps, alone: fresh.stepCalls === 0 });
    const run = read?.run;
    if (!run || run.status !== "RUNNING") {
      await deleteJob(db, job.id);
      return null;
    }
    const fn = this.ctx.functions().get(run.functionId);
    if (!fn) {
      await db.transaction((tx) =>
        this.failRun(tx, job, run, { name: "FunctionNotFound", message: `Function "${run.functionId}" is not served by this app.` }),
      );
      return null;
    }
    const { steps } = read;
    if (job.stepId !== DISCOVERY_STEP && steps.some((step) => step.stepId === job.stepId)) {
      // This step already has a result (it was planned twice); just let the run move on.
      await db.transaction(async (tx) => {
        await lockRun(tx, run.id);
        await finishJob(tx, job.id, this.ctx.now());
        await this.enqueueDiscovery(tx, run.id, run.functionId, this.ctx.now());
      });
      return discoveryKey(run.id);
    }

    const outcome = await this.ctx.protocol.call({
      functionId: run.functionId,
      stepId: job.stepId,
      runId: run.id,
      event: run.event,
      steps: Object.fromEntries(steps.map((step) => [step.stepId, step.result])),
      stack: steps.map((step) => step.stepId),
      attempt: job.attempt,
      maxAttempts: fn.maxAttempts,
      // SDK spec §5.5 keeps immediate execution off once a run went parallel, because a step found by a
      // discovery call may be running in another call at the same time. When no step call of the run was
      // queued or running as this discovery call was claimed, none can be (only a discovery call plans
      // steps, and this one is ours): the step found is new, and the SDK may run it in this call.
      disableImmediateExecution: run.disableImmediateExecution && !(job.stepId === DISCOVERY_STEP && read.alone),
    });

    const single = outcome.kind === "ops" && outcome.ops.length === 1 && ["StepRun", "StepFailed"].includes(outcome.ops[0]!.op) ? outcome.ops[0]! : null;
    // PGlite runs one statement at a time: the one-statement commit can lock the run itself (no transaction).
    if (single && this.ctx.serialDatabase) {
      const continued = await this.commitStep(db, job, run, steps, single, { lockRun: true });
      if (continued !== undefined) return continued;
      await deleteJob(db, job.id); // the run ended while the call was out
      return null;
    }

    return db.transaction(async (tx): Promise<ProcessResult> => {
      // The run may have ended while the call was out (cancelled, or failed by a parallel branch).
      const current = await lockRun(tx, run.id);
      if (!current || current.status !== "RUNNING") {
        await deleteJob(tx, job.id);
        return null;
      }
      if (single) return (await this.commitStep(tx, job, current, steps, single)) ?? null;
      // Steps that finished while the call was out (parallel branches) count as known too: with the run
      // locked this is the current state, so a step that just finished is not planned again.
      const known = outcome.kind === "ops" ? new Set((await getRunSteps(tx, run.id)).map((step) => step.stepId)) : new Set<string>();
      const discovered = (await this.applyOutcome(tx, job, current, fn, known, outcome)) === true;
      // Stored (committed) before the next call may start: durability is unchanged.
      return discovered ? discoveryKey(run.id) : null;
    });
  }

  /**
   * The common answer, one step run (or finally failed): one statement stores it and claims the run's
   * discovery call for this engine (`commitStepAndContinue`), which this slot then runs with the run state
   * in hand — no queue pass, no claim, no reads before the call.
   */
  private async commitStep(tx: DbOrTx, job: PipelineJob, run: PipelineRun, steps: PipelineRunStep[], op: Op, { lockRun = false } = {}): Promise<ProcessResult | undefined> {
    const now = this.ctx.now();
    const result: StepResult = op.op === "StepRun" ? { type: "data", data: op.data ?? null } : { type: "error", error: op.error };
    const committed = await commitStepAndContinue(tx, {
      runId: run.id,
      functionId: run.functionId,
      job,
      discoveryKey: discoveryKey(run.id),
      stepId: op.id,
      name: op.displayName ?? op.name ?? null,
      op: op.op,
      result,
      now,
      until: new Date(now.getTime() + this.ctx.leaseMs),
      owner: this.ctx.owner,
      lockRun,
    });
    if (!committed) return undefined; // (lockRun) the run is no longer RUNNING: nothing was written
    // Someone else holds the discovery call: it was re-armed and runs again after theirs.
    if (!committed.next) return null;
    // Our copy is current when the run had exactly the steps we know of (steps are only ever added).
    const current = committed.priorSteps === steps.length && committed.step;
    return {
      job: committed.next,
      state: current ? { run, steps: [...steps, committed.step!], alone: committed.otherStepCalls === 0 } : null,
    };
  }

  /** True when the run's discovery call was queued (the run goes on now). */
  private async applyOutcome(tx: DbOrTx, job: PipelineJob, run: PipelineRun, fn: FunctionSpec, known: Set<string>, outcome: CallOutcome): Promise<boolean | void> {
    const now = this.ctx.now();
    if (outcome.kind === "complete") return this.completeRun(tx, job, run, outcome.data);

    if (outcome.kind === "error") {
      // Function-level error (thrown outside any step, or a step's final error left uncaught).
      if (outcome.retriable && job.attempt + 1 < fn.maxAttempts) {
        await rescheduleJob(tx, job.id, { attempt: job.attempt + 1, runAt: this.retryAt(job.attempt, outcome.retryAt, now) });
        return;
      }
      return this.failRun(tx, job, run, outcome.error);
    }

    let { ops } = outcome;
    const stepError = ops.find((op) => op.op === "StepError");
    if (stepError && job.attempt + 1 < fn.maxAttempts) {
      // A step attempt failed and may be retried: the same request again, one attempt later, after a backoff.
      // (A StepError arrives alone; the SDK answers StepFailed itself on the last attempt.)
      this.ctx.logger.debug(`Embedded Inngest engine: step "${stepError.displayName ?? stepError.id}" of ${run.functionId} failed; retrying`);
      await rescheduleJob(tx, job.id, { attempt: job.attempt + 1, runAt: this.retryAt(job.attempt, outcome.retryAt, now) });
      return;
    }
    // Out of attempts but the SDK still asked for a retry: treat it as the step's final failure.
    if (stepError) ops = ops.map((op) => (op === stepError ? { ...op, op: "StepFailed" } : op));

    await finishJob(tx, job.id, now);
    // SDK spec §5.5: once a run reports more than one op at a time, steps are never run immediately again.
    if (ops.length > 1 && !run.disableImmediateExecution) await setDisableImmediateExecution(tx, run.id);

    let discover = false;
    for (const op of ops) {
      const name = op.displayName ?? op.name ?? null;
      switch (op.op) {
        case "StepRun":
          await saveStepResult(tx, { runId: run.id, stepId: op.id, name, op: op.op, result: { type: "data", data: op.data ?? null }, now });
          discover = true;
          break;
        case "StepFailed":
          await saveStepResult(tx, { runId: run.id, stepId: op.id, name, op: op.op, result: { type: "error", error: op.error }, now });
          discover = true;
          break;
        case "StepPlanned":
          if (!known.has(op.id)) await enqueueJob(tx, { kind: "call", runId: run.id, functionId: run.functionId, stepId: op.id, runAt: now }, now);
          break;
        case "Sleep": {
          if (known.has(op.id)) break;
          // SDK 4.24.0 sends the duration (or ISO date) in `name`; the spec puts it in `opts.duration`.
          const spec = op.name || op.opts?.duration;
          const due = resolveDueAt(spec, now);
          if (!due) return this.failRun(tx, null, run, invalidOp(op, `sleep duration ${JSON.stringify(spec)} is not a time string or ISO date`));
          await enqueueJob(tx, { kind: "sleep", runId: run.id, functionId: run.functionId, stepId: op.id, runAt: due, payload: { name } }, now);
          break;
        }
        case "WaitForEvent": {
          if (known.has(op.id)) break;
          // SDK 4.24.0 sends the event name in `name`; the spec puts it in `opts.event`.
          const event = (typeof op.opts?.event === "string" && op.opts.event) || op.name;
          const due = resolveDueAt(op.opts?.timeout, now);
          const expression = typeof op.opts?.if === "string" ? op.opts.if : null;
          if (!event || !due) return this.failRun(tx, null, run, invalidOp(op, "waitForEvent needs an event name and a timeout"));
          if (expression) {
            try {
              compileExpression(expression);
            } catch (error) {
              if (error instanceof ExpressionError) return this.failRun(tx, null, run, invalidOp(op, error.message));
              throw error;
            }
          }
          await enqueueJob(
            tx,
            { kind: "wait_event", runId: run.id, functionId: run.functionId, stepId: op.id, runAt: due, waitEvent: event, payload: { if: expression, name } },
            now,
          );
          break;
        }
        case "InvokeFunction":
          if (known.has(op.id)) break;
          discover = (await this.startInvoke(tx, run, op, name, now)) || discover;
          break;
        case "RunComplete":
          return this.completeRun(tx, null, run, op.data ?? null);
        default:
          // DeferAdd, AIGateway, Gateway (step.fetch), WaitForSignal, …: not implemented here. Fail loudly.
          return this.failRun(tx, null, run, invalidOp(op, `the embedded Inngest engine does not support the "${op.op}" op`));
      }
    }
    if (!discover) return false;
    await this.enqueueDiscovery(tx, run.id, run.functionId, now);
    return true;
  }

  /** Starts the invoked function as a child run; true when the step already has its result (an error). */
  private async startInvoke(tx: DbOrTx, run: PipelineRun, op: Op, name: string | null, now: Date): Promise<boolean> {
    const targetId = typeof op.opts?.function_id === "string" ? op.opts.function_id : "";
    const target = this.ctx.functions().get(targetId);
    if (!target) {
      const error = { name: "Error", message: `step.invoke: function "${targetId}" is not served by this app`, __serialized: true };
      await saveStepResult(tx, { runId: run.id, stepId: op.id, name, op: op.op, result: { type: "error", error }, now });
      return true;
    }
    const payload = (op.opts?.payload ?? {}) as { data?: unknown; v?: string };
    const event: EngineEvent = {
      id: randomUUID(),
      name: FUNCTION_INVOKED_EVENT,
      data: isRecord(payload.data) ? payload.data : {},
      ts: now.getTime(),
      ...(payload.v ? { v: payload.v } : {}),
    };
    await this.startRun(tx, target, event, { runId: run.id, stepId: op.id });
    const due = op.opts?.timeout ? resolveDueAt(op.opts.timeout, now) : null;
    if (due) {
      await enqueueJob(tx, { kind: "invoke_timeout", runId: run.id, functionId: run.functionId, stepId: op.id, runAt: due, payload: { name } }, now);
    }
    return false;
  }

  private retryAt(attempt: number, retryAfter: string | null, now: Date): Date {
    return parseRetryAfter(retryAfter, now) ?? new Date(now.getTime() + this.ctx.backoff(attempt));
  }

  // ------------------------------------------------------------------------------------- run endings

  private async completeRun(tx: DbOrTx, job: PipelineJob | null, run: PipelineRun, output: unknown): Promise<void> {
    const now = this.ctx.now();
    const ended = await endRun(tx, { runId: run.id, status: "COMPLETED", output, now });
    if (job) await deleteJob(tx, job.id);
    if (ended) await this.resumeParent(tx, ended, { type: "data", data: output ?? null }, now);
  }

  async failRun(tx: DbOrTx, job: PipelineJob | null, run: PipelineRun, error: SerializedError): Promise<void> {
    const now = this.ctx.now();
    const ended = await endRun(tx, { runId: run.id, status: "FAILED", error, now });
    if (job) await deleteJob(tx, job.id);
    if (!ended) return;
    this.ctx.logger.warn(`Embedded Inngest engine: run ${run.id} of ${run.functionId} failed: ${error.message}`);
    await this.resumeParent(tx, ended, { type: "error", error }, now);
    // The SDK registers `onFailure` as `<fn>-failure`, triggered by this event. A failing failure
    // handler (or any function.failed listener) does not emit another one: no loops.
    const event = run.event as EngineEvent;
    if (event?.name !== FUNCTION_FAILED_EVENT) {
      await this.ingest(
        tx,
        [{ name: FUNCTION_FAILED_EVENT, data: { function_id: run.functionId, run_id: run.id, error, event: run.event } }],
        { system: true },
      );
    }
  }

  /** Ends a run on request; an invoking parent sees an error. */
  async cancelRun(tx: DbOrTx, runId: string): Promise<boolean> {
    const now = this.ctx.now();
    const ended = await endRun(tx, { runId, status: "CANCELLED", now });
    if (!ended) return false;
    await this.resumeParent(tx, ended, { type: "error", error: { name: "Error", message: "The invoked function run was cancelled", __serialized: true } }, now);
    return true;
  }

  /** A child started by `step.invoke` ended: hand its result to the caller's invoke step. */
  private async resumeParent(tx: DbOrTx, child: PipelineRun, result: StepResult, now: Date): Promise<void> {
    if (!child.parentRunId || !child.parentStepId) return;
    const parent = await lockRun(tx, child.parentRunId);
    if (!parent || parent.status !== "RUNNING") return;
    const saved = await saveStepResult(tx, { runId: parent.id, stepId: child.parentStepId, name: null, op: "InvokeFunction", result, now });
    if (!saved) return; // the invoke had already timed out
    await deleteJobByKey(tx, jobKeyOf({ runId: parent.id, kind: "invoke_timeout", stepId: child.parentStepId }));
    await this.enqueueDiscovery(tx, parent.id, parent.functionId, now);
  }

  // ------------------------------------------------------------------------------------------ timers

  /** A sleep ended, or a wait/invoke timed out: store the result unless something else got there first. */
  private async resolveTimer(job: PipelineJob, op: string, result: StepResult): Promise<string | null> {
    const now = this.ctx.now();
    return this.ctx.db.transaction(async (tx) => {
      const run = job.runId ? await lockRun(tx, job.runId) : null;
      await deleteJob(tx, job.id);
      if (!run || run.status !== "RUNNING") return null;
      const name = ((job.payload ?? {}) as { name?: string | null }).name ?? null;
      if (!(await saveStepResult(tx, { runId: run.id, stepId: job.stepId, name, op, result, now }))) return null;
      await this.enqueueDiscovery(tx, run.id, run.functionId, now);
      return discoveryKey(run.id);
    });
  }

  /** A cron tick: one run per (function, tick) — the event id is derived from both — then the next tick. */
  private async fireCron(job: PipelineJob): Promise<void> {
    const now = this.ctx.now();
    const cron = job.stepId;
    const fn = this.ctx.functions().get(job.functionId);
    if (!fn || !fn.crons.includes(cron)) {
      await deleteJob(this.ctx.db, job.id);
      return;
    }
    const tick = job.runAt;
    const event: EngineEvent = { id: `cron:${fn.id}:${cron}:${tick.toISOString()}`, name: SCHEDULED_TIMER_EVENT, data: { cron }, ts: tick.getTime() };
    const next = nextCronTick(cron, new Date(Math.max(now.getTime(), tick.getTime())));
    await this.ctx.db.transaction(async (tx) => {
      await insertEvent(tx, { id: event.id, name: event.name, payload: event, receivedAt: now });
      await this.startRun(tx, fn, event);
      await rescheduleJob(tx, job.id, { attempt: 0, runAt: next });
    });
  }
}

/** The job key of a run's discovery call (see `enqueueDiscovery`). */
const discoveryKey = (runId: string) => jobKeyOf({ runId, kind: "call", stepId: DISCOVERY_STEP });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalidOp(op: Op, message: string): SerializedError {
  return { name: "EmbeddedEngineError", message: `Step "${op.displayName ?? op.id}": ${message}`, __serialized: true };
}

/** Fills in what the Inngest event API fills in: an id (idempotency key) and a timestamp. */
export function normalizeEvent(raw: unknown, now: Date): EngineEvent {
  if (!isRecord(raw)) throw new Error("An event must be an object.");
  const { id, name, data, ts, ...rest } = raw;
  if (typeof name !== "string" || name.trim() === "") throw new Error("An event needs a name.");
  if (data !== undefined && data !== null && !isRecord(data)) throw new Error(`Event "${name}": data must be an object.`);
  return {
    ...rest,
    id: typeof id === "string" && id !== "" ? id : randomUUID(),
    name,
    data: isRecord(data) ? data : {},
    ts: typeof ts === "number" && Number.isFinite(ts) ? ts : now.getTime(),
  };
}
