-- Custom SQL migration: the search index follows action items and call recording times by itself.
-- Every writer of action_items (the analysis stage, the user's edits, speaker renames, webhooks) is mirrored
-- in its own transaction; a deleted item or call takes its rows along (ON DELETE CASCADE, migration 0008).

CREATE OR REPLACE FUNCTION call_search_index_action_item() RETURNS trigger AS $$
BEGIN
  DELETE FROM call_search_entries WHERE action_item_id = NEW.id;
  INSERT INTO call_search_entries (user_id, call_id, kind, action_item_id, segment_id, speaker_id, speaker_label, speaker_name, start_ms, end_ms, text, recorded_at)
  SELECT c.user_id, c.id, 'action_item', NEW.id, NEW.source_segment_ids_json->>0,
         NEW.owner_speaker_id, NEW.owner_speaker_label, NEW.owner_display_name,
         s.start_ms, s.end_ms, concat_ws(E'\n', NEW.title, NEW.description), c.recorded_at
  FROM call_records c
  LEFT JOIN call_search_entries s
    ON s.call_id = c.id AND s.kind = 'segment' AND s.segment_id = NEW.source_segment_ids_json->>0
  WHERE c.id = NEW.call_record_id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER action_items_search_index
  AFTER INSERT OR UPDATE OF title, description, owner_speaker_id, owner_speaker_label, owner_display_name, source_segment_ids_json
  ON action_items FOR EACH ROW EXECUTE FUNCTION call_search_index_action_item();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION call_search_follow_recorded_at() RETURNS trigger AS $$
BEGIN
  UPDATE call_search_entries SET recorded_at = NEW.recorded_at WHERE call_id = NEW.id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER call_records_search_recorded_at
  AFTER UPDATE OF recorded_at ON call_records FOR EACH ROW
  WHEN (OLD.recorded_at IS DISTINCT FROM NEW.recorded_at)
  EXECUTE FUNCTION call_search_follow_recorded_at();
