import { sql } from "drizzle-orm";
import { bigserial, boolean, index, integer, jsonb, pgSchema, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { timestamptz } from "./columns";

/**
 * State of the embedded Inngest engine (lib/pipeline/engine). It lives in its own Postgres schema: these
 * tables are the engine's queue and run log, not part of the product's data model in `public`.
 * Every timestamp here is written from the engine's clock (`now()` can be faked in tests), never by
 * database defaults, so that due times and timeouts compare against one clock.
 */
export const pipelineSchema = pgSchema("pipeline");

export const pipelineRunStatus = pipelineSchema.enum("run_status", ["RUNNING", "COMPLETED", "FAILED", "CANCELLED"]);

/** Every accepted event. The primary key is the event id, so a second event with the same id is dropped. */
export const pipelineEvents = pipelineSchema.table(
  "events",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** The event exactly as functions receive it: `{ id, name, data, ts, ... }`. */
    payload: jsonb("payload").notNull(),
    receivedAt: timestamptz("received_at").notNull(),
  },
  (table) => [index("events_name_received_idx").on(table.name, table.receivedAt), index("events_received_idx").on(table.receivedAt)],
);

/** One row per function run. */
export const pipelineRuns = pipelineSchema.table(
  "runs",
  {
    id: uuid("id").primaryKey(),
    /** Composite function id: `<appId>-<functionId>`. */
    functionId: text("function_id").notNull(),
    status: pipelineRunStatus("status").notNull(),
    /** The triggering event as sent to the function. */
    event: jsonb("event").notNull(),
    eventId: text("event_id").notNull(),
    /** Set once the run reported more than one op at a time (parallel steps); stays set (SDK spec §5.5). */
    disableImmediateExecution: boolean("disable_immediate_execution").notNull().default(false),
    output: jsonb("output"),
    error: jsonb("error"),
    /** For a run started by `step.invoke`: the caller's run and the hashed id of its invoke step. */
    parentRunId: uuid("parent_run_id"),
    parentStepId: text("parent_step_id"),
    createdAt: timestamptz("created_at").notNull(),
    updatedAt: timestamptz("updated_at").notNull(),
    endedAt: timestamptz("ended_at"),
  },
  (table) => [
    // One run per function per event: a replayed event or cron tick cannot start a second run.
    uniqueIndex("runs_function_event_key").on(table.functionId, table.eventId),
    // One child per invoke step, however often the caller reports it.
    uniqueIndex("runs_parent_step_key").on(table.parentRunId, table.parentStepId),
    index("runs_status_function_idx").on(table.status, table.functionId),
    index("runs_created_idx").on(table.createdAt),
  ],
);

/**
 * Memoized step results of a run, keyed by the SDK's hashed step id. The first result stored for a step
 * wins (a sleep woken twice, an event racing its timeout); `seq` gives the completion order the SDK
 * receives as `ctx.stack`.
 */
export const pipelineRunSteps = pipelineSchema.table(
  "run_steps",
  {
    runId: uuid("run_id")
      .notNull()
      .references(() => pipelineRuns.id, { onDelete: "cascade" }),
    stepId: text("step_id").notNull(),
    seq: bigserial("seq", { mode: "number" }).notNull(),
    /** The user's step id (`displayName`), for people reading the run. */
    name: text("name"),
    op: text("op").notNull(),
    /** `{ type: "data", data }` or `{ type: "error", error }`, as sent back to the SDK. */
    result: jsonb("result").notNull(),
    createdAt: timestamptz("created_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.runId, table.stepId] }), index("run_steps_run_seq_idx").on(table.runId, table.seq)],
);

export type PipelineJobKind = "call" | "sleep" | "wait_event" | "invoke_timeout" | "cron";

/**
 * The engine's queue: calls to make to the serve handler (`step_id` = "step" to discover, or a hashed step
 * id to run one step), timers (sleep, waitForEvent timeout, invoke timeout) and cron ticks.
 * A job is claimed by setting a lease (`locked_until`); a crashed engine's jobs come back when it lapses.
 */
export const pipelineJobs = pipelineSchema.table(
  "jobs",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    /** Deterministic per piece of work (`<runId>:<kind>:<stepId>`, `cron:<fn>:<expr>`): enqueueing twice is a no-op. */
    jobKey: text("job_key").notNull(),
    kind: text("kind").$type<PipelineJobKind>().notNull(),
    runId: uuid("run_id").references(() => pipelineRuns.id, { onDelete: "cascade" }),
    functionId: text("function_id").notNull(),
    stepId: text("step_id").notNull(),
    attempt: integer("attempt").notNull().default(0),
    runAt: timestamptz("run_at").notNull(),
    lockedUntil: timestamptz("locked_until"),
    lockedBy: text("locked_by"),
    /** A discovery call asked for again while it was running: run it once more when it finishes. */
    rearm: boolean("rearm").notNull().default(false),
    /** Event name a `wait_event` job waits for (indexed for matching incoming events). */
    waitEvent: text("wait_event"),
    /** Kind-specific details: the wait's `if` expression, the cron expression. */
    payload: jsonb("payload"),
    createdAt: timestamptz("created_at").notNull(),
  },
  (table) => [
    uniqueIndex("jobs_job_key_key").on(table.jobKey),
    index("jobs_run_at_idx").on(table.runAt),
    index("jobs_run_id_idx").on(table.runId),
    index("jobs_wait_event_idx").on(table.waitEvent),
  ],
);

export type PipelineRunStatus = (typeof pipelineRunStatus.enumValues)[number];
export type PipelineEvent = typeof pipelineEvents.$inferSelect;
export type PipelineRun = typeof pipelineRuns.$inferSelect;
export type PipelineRunStep = typeof pipelineRunSteps.$inferSelect;
export type PipelineJob = typeof pipelineJobs.$inferSelect;
