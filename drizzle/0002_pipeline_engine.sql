CREATE SCHEMA "pipeline";
--> statement-breakpoint
CREATE TYPE "pipeline"."run_status" AS ENUM('RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED');--> statement-breakpoint
CREATE TABLE "pipeline"."events" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pipeline"."jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"job_key" text NOT NULL,
	"kind" text NOT NULL,
	"run_id" uuid,
	"function_id" text NOT NULL,
	"step_id" text NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"run_at" timestamp (3) with time zone NOT NULL,
	"locked_until" timestamp (3) with time zone,
	"locked_by" text,
	"rearm" boolean DEFAULT false NOT NULL,
	"wait_event" text,
	"payload" jsonb,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pipeline"."run_steps" (
	"run_id" uuid NOT NULL,
	"step_id" text NOT NULL,
	"seq" bigserial NOT NULL,
	"name" text,
	"op" text NOT NULL,
	"result" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "run_steps_run_id_step_id_pk" PRIMARY KEY("run_id","step_id")
);
--> statement-breakpoint
CREATE TABLE "pipeline"."runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"function_id" text NOT NULL,
	"status" "pipeline"."run_status" NOT NULL,
	"event" jsonb NOT NULL,
	"event_id" text NOT NULL,
	"disable_immediate_execution" boolean DEFAULT false NOT NULL,
	"output" jsonb,
	"error" jsonb,
	"parent_run_id" uuid,
	"parent_step_id" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"ended_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "pipeline"."jobs" ADD CONSTRAINT "jobs_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "pipeline"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline"."run_steps" ADD CONSTRAINT "run_steps_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "pipeline"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_name_received_idx" ON "pipeline"."events" USING btree ("name","received_at");--> statement-breakpoint
CREATE INDEX "events_received_idx" ON "pipeline"."events" USING btree ("received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_job_key_key" ON "pipeline"."jobs" USING btree ("job_key");--> statement-breakpoint
CREATE INDEX "jobs_run_at_idx" ON "pipeline"."jobs" USING btree ("run_at");--> statement-breakpoint
CREATE INDEX "jobs_run_id_idx" ON "pipeline"."jobs" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "jobs_wait_event_idx" ON "pipeline"."jobs" USING btree ("wait_event");--> statement-breakpoint
CREATE INDEX "run_steps_run_seq_idx" ON "pipeline"."run_steps" USING btree ("run_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "runs_function_event_key" ON "pipeline"."runs" USING btree ("function_id","event_id");--> statement-breakpoint
CREATE UNIQUE INDEX "runs_parent_step_key" ON "pipeline"."runs" USING btree ("parent_run_id","parent_step_id");--> statement-breakpoint
CREATE INDEX "runs_status_function_idx" ON "pipeline"."runs" USING btree ("status","function_id");--> statement-breakpoint
CREATE INDEX "runs_created_idx" ON "pipeline"."runs" USING btree ("created_at");