CREATE TYPE "public"."action_item_origin" AS ENUM('GENERATED', 'MANUAL');--> statement-breakpoint
ALTER TABLE "action_items" ADD COLUMN "snoozed_until" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "action_items" ADD COLUMN "origin" "action_item_origin" DEFAULT 'GENERATED' NOT NULL;--> statement-breakpoint
ALTER TABLE "action_items" ADD COLUMN "user_modified_at" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "action_items_snoozed_until_idx" ON "action_items" USING btree ("snoozed_until") WHERE "action_items"."status" = 'SNOOZED';--> statement-breakpoint
ALTER TABLE "action_items" ADD CONSTRAINT "action_items_snoozed_has_until" CHECK ("action_items"."status" <> 'SNOOZED' OR "action_items"."snoozed_until" IS NOT NULL);