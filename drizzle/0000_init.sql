CREATE TYPE "public"."action_item_priority" AS ENUM('low', 'medium', 'high');--> statement-breakpoint
CREATE TYPE "public"."action_item_status" AS ENUM('OPEN', 'DONE', 'SNOOZED');--> statement-breakpoint
CREATE TYPE "public"."artifact_type" AS ENUM('TEMP_AUDIO', 'DIARIZATION_JSON', 'RAW_TRANSCRIPT_JSON', 'NORMALIZED_TRANSCRIPT_JSON', 'ANALYSIS_JSON');--> statement-breakpoint
CREATE TYPE "public"."call_direction" AS ENUM('INCOMING', 'OUTGOING', 'UNKNOWN');--> statement-breakpoint
CREATE TYPE "public"."call_status" AS ENUM('UPLOADING', 'QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."processing_event_status" AS ENUM('STARTED', 'COMPLETED', 'FAILED', 'SKIPPED');--> statement-breakpoint
CREATE TYPE "public"."processing_stage" AS ENUM('UPLOAD', 'AUDIO_PREP', 'DIARIZATION', 'TRANSCRIPTION', 'NORMALIZATION', 'ANALYSIS', 'CLEANUP', 'VOICE_ENROLLMENT', 'RETENTION_SWEEP');--> statement-breakpoint
CREATE TYPE "public"."speaker_role" AS ENUM('SELF', 'COUNTERPARTY', 'OTHER', 'UNKNOWN');--> statement-breakpoint
CREATE TABLE "user_voice_profiles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"model" text,
	"model_version" text,
	"embedding_json" jsonb NOT NULL,
	"consent_version" text NOT NULL,
	"sample_duration_seconds" double precision,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"external_user_id" text NOT NULL,
	"email" text,
	"display_name" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_external_user_id_unique" UNIQUE("external_user_id")
);
--> statement-breakpoint
CREATE TABLE "action_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"call_record_id" uuid NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"due_date" date,
	"priority" "action_item_priority" DEFAULT 'medium' NOT NULL,
	"status" "action_item_status" DEFAULT 'OPEN' NOT NULL,
	"owner_speaker_id" text,
	"owner_speaker_label" text,
	"owner_display_name" text,
	"owner_role" "speaker_role" DEFAULT 'UNKNOWN' NOT NULL,
	"source_segment_ids_json" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"source_text" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "call_artifacts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"call_id" uuid NOT NULL,
	"artifact_type" "artifact_type" NOT NULL,
	"storage_key" text NOT NULL,
	"content_type" text NOT NULL,
	"byte_size" bigint NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "call_artifacts_call_id_artifact_type_key" UNIQUE("call_id","artifact_type")
);
--> statement-breakpoint
CREATE TABLE "call_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"title" text NOT NULL,
	"contact_name" text,
	"contact_id" text,
	"phone_number" text,
	"organization" text,
	"direction" "call_direction" DEFAULT 'UNKNOWN' NOT NULL,
	"recorded_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"duration_seconds" double precision,
	"status" "call_status" DEFAULT 'UPLOADING' NOT NULL,
	"error_reason" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "call_processing_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"call_id" uuid,
	"user_id" uuid,
	"stage" "processing_stage" NOT NULL,
	"status" "processing_event_status" NOT NULL,
	"provider" text,
	"duration_ms" integer,
	"error_code" text,
	"error_message" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "user_voice_profiles" ADD CONSTRAINT "user_voice_profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "action_items" ADD CONSTRAINT "action_items_call_record_id_call_records_id_fk" FOREIGN KEY ("call_record_id") REFERENCES "public"."call_records"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_artifacts" ADD CONSTRAINT "call_artifacts_call_id_call_records_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."call_records"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_records" ADD CONSTRAINT "call_records_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_processing_events" ADD CONSTRAINT "call_processing_events_call_id_call_records_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."call_records"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_processing_events" ADD CONSTRAINT "call_processing_events_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "user_voice_profiles_user_id_key" ON "user_voice_profiles" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "action_items_call_status_idx" ON "action_items" USING btree ("call_record_id","status");--> statement-breakpoint
CREATE INDEX "call_records_user_created_idx" ON "call_records" USING btree ("user_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "call_records_status_updated_idx" ON "call_records" USING btree ("status","updated_at");--> statement-breakpoint
CREATE INDEX "call_processing_events_call_created_idx" ON "call_processing_events" USING btree ("call_id","created_at");--> statement-breakpoint
CREATE INDEX "call_processing_events_created_idx" ON "call_processing_events" USING btree ("created_at");