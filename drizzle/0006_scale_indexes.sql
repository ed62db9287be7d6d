CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
DROP INDEX "call_records_user_created_idx";--> statement-breakpoint
CREATE INDEX "action_items_inbox_own_due_idx" ON "action_items" USING btree ("due_date") WHERE "action_items"."owner_role" = 'SELF' and "action_items"."due_date" is not null;--> statement-breakpoint
CREATE INDEX "action_items_inbox_others_due_idx" ON "action_items" USING btree ("due_date") WHERE "action_items"."owner_role" <> 'SELF' and "action_items"."due_date" is not null;--> statement-breakpoint
CREATE INDEX "action_items_inbox_own_status_due_idx" ON "action_items" USING btree ("status","due_date") WHERE "action_items"."owner_role" = 'SELF' and "action_items"."due_date" is not null;--> statement-breakpoint
CREATE INDEX "action_items_inbox_others_status_due_idx" ON "action_items" USING btree ("status","due_date") WHERE "action_items"."owner_role" <> 'SELF' and "action_items"."due_date" is not null;--> statement-breakpoint
CREATE INDEX "action_items_inbox_own_undated_idx" ON "action_items" USING btree ("call_record_id","status") WHERE "action_items"."owner_role" = 'SELF' and "action_items"."due_date" is null;--> statement-breakpoint
CREATE INDEX "action_items_inbox_others_undated_idx" ON "action_items" USING btree ("call_record_id","status") WHERE "action_items"."owner_role" <> 'SELF' and "action_items"."due_date" is null;--> statement-breakpoint
CREATE INDEX "call_records_user_created_id_idx" ON "call_records" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "call_records_user_status_created_idx" ON "call_records" USING btree ("user_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "call_records_user_recorded_idx" ON "call_records" USING btree ("user_id","recorded_at");--> statement-breakpoint
CREATE INDEX "call_records_search_trgm_idx" ON "call_records" USING gin ("title" gin_trgm_ops,"contact_name" gin_trgm_ops,"organization" gin_trgm_ops);