ALTER TABLE "user_voice_profiles" ADD COLUMN "consented_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "voice_consent_version" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "voice_consented_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "voice_enrollment" jsonb;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "voice_profile_apply" jsonb;