-- Custom SQL migration: updated_at triggers.

CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint
CREATE TRIGGER user_voice_profiles_set_updated_at BEFORE UPDATE ON user_voice_profiles FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint
CREATE TRIGGER call_records_set_updated_at BEFORE UPDATE ON call_records FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint
CREATE TRIGGER action_items_set_updated_at BEFORE UPDATE ON action_items FOR EACH ROW EXECUTE FUNCTION set_updated_at();
