CREATE TABLE "call_search_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"call_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"segment_id" text,
	"action_item_id" uuid,
	"speaker_id" text,
	"speaker_label" text,
	"speaker_name" text,
	"start_ms" integer,
	"end_ms" integer,
	"text" text NOT NULL,
	"recorded_at" timestamp (3) with time zone NOT NULL,
	"tsv" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, "text")) STORED NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "call_search_entries_kind_check" CHECK ("call_search_entries"."kind" in ('segment', 'summary', 'action_item'))
);
--> statement-breakpoint
ALTER TABLE "call_search_entries" ADD CONSTRAINT "call_search_entries_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_search_entries" ADD CONSTRAINT "call_search_entries_call_id_call_records_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."call_records"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_search_entries" ADD CONSTRAINT "call_search_entries_action_item_id_action_items_id_fk" FOREIGN KEY ("action_item_id") REFERENCES "public"."action_items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "call_search_entries_tsv_idx" ON "call_search_entries" USING gin ("tsv");--> statement-breakpoint
CREATE INDEX "call_search_entries_user_recorded_idx" ON "call_search_entries" USING btree ("user_id","recorded_at","call_id");--> statement-breakpoint
CREATE INDEX "call_search_entries_call_kind_idx" ON "call_search_entries" USING btree ("call_id","kind");--> statement-breakpoint
CREATE INDEX "call_search_entries_action_item_idx" ON "call_search_entries" USING btree ("action_item_id");