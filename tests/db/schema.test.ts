import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { actionItems, callArtifacts, callProcessingEvents, callRecords, userVoiceProfiles, users } from "@/db/schema";
import { createTestDatabase, databaseKinds, rowsOf, type TestDatabase } from "../helpers/db";

describe.each(databaseKinds())("schema on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function makeUser(externalUserId = `user-${Math.random()}`) {
    const [user] = await t.db.insert(users).values({ externalUserId }).returning();
    return user!;
  }
  async function makeCall(userId: string) {
    const [call] = await t.db.insert(callRecords).values({ userId, title: "Call" }).returning();
    return call!;
  }

  it("has the six tables of the data model with the seed's columns", async () => {
    const rows = rowsOf<{ table_name: string; column_name: string }>(
      await t.db.execute(sql`
        select table_name, column_name from information_schema.columns
        where table_schema = 'public' order by table_name, ordinal_position`),
    );
    const columns = new Map<string, string[]>();
    for (const row of rows) columns.set(row.table_name, [...(columns.get(row.table_name) ?? []), row.column_name]);

    // The six tables of the seed are all there; the features the seed does not cover (API tokens, webhooks,
    // search) have tables of their own beside them, tested by their own suites.
    expect([...columns.keys()]).toEqual(
      expect.arrayContaining(["action_items", "call_artifacts", "call_processing_events", "call_records", "user_voice_profiles", "users"]),
    );
    expect(columns.get("users")).toEqual([
      "id", "external_user_id", "email", "display_name", "created_at", "updated_at",
      // Beyond the seed (migration 0004): voice-profile consent, and the latest enrollment and apply runs.
      "voice_consent_version", "voice_consented_at", "voice_enrollment", "voice_profile_apply",
      // Migration 0005: the session version, for signing out everywhere.
      "session_version",
    ]);
    expect(columns.get("call_records")).toEqual([
      "id", "user_id", "title", "contact_name", "contact_id", "phone_number", "organization", "direction",
      "recorded_at", "duration_seconds", "status", "error_reason", "created_at", "updated_at",
    ]);
    expect(columns.get("call_artifacts")).toEqual([
      "id", "call_id", "artifact_type", "storage_key", "content_type", "byte_size", "created_at",
    ]);
    expect(columns.get("action_items")).toEqual([
      "id", "call_record_id", "title", "description", "due_date", "priority", "status", "owner_speaker_id",
      "owner_speaker_label", "owner_display_name", "owner_role", "source_segment_ids_json", "source_text",
      "created_at", "updated_at", "completed_at",
      // Beyond the seed (migration 0003): snoozing, and what re-analysis may replace.
      "snoozed_until", "origin", "user_modified_at",
    ]);
    expect(columns.get("user_voice_profiles")).toEqual([
      "id", "user_id", "provider", "model", "model_version", "embedding_json", "consent_version",
      "sample_duration_seconds", "created_at", "updated_at",
      // Beyond the seed (migration 0004): when the consent in consent_version was given.
      "consented_at",
    ]);
    expect(columns.get("call_processing_events")).toEqual([
      "id", "call_id", "user_id", "stage", "status", "provider", "duration_ms", "error_code", "error_message", "created_at",
    ]);
  });

  it("generates UUID ids in the database", async () => {
    const user = await makeUser();
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("rejects a second user with the same external id", async () => {
    await makeUser("same-external-id");
    await expect(makeUser("same-external-id")).rejects.toThrow();
  });

  it("rejects a duplicate artifact type for one call but allows it on another call", async () => {
    const user = await makeUser();
    const call = await makeCall(user.id);
    const other = await makeCall(user.id);
    const artifact = { artifactType: "TEMP_AUDIO" as const, storageKey: "k", contentType: "audio/wav", byteSize: 10 };
    await t.db.insert(callArtifacts).values({ ...artifact, callId: call.id });
    await expect(t.db.insert(callArtifacts).values({ ...artifact, callId: call.id })).rejects.toThrow();
    await expect(t.db.insert(callArtifacts).values({ ...artifact, callId: other.id })).resolves.toBeDefined();
  });

  it("allows one voice profile per user", async () => {
    const user = await makeUser();
    const profile = { userId: user.id, provider: "local", embeddingJson: { v: [1, 2] }, consentVersion: "1" };
    await t.db.insert(userVoiceProfiles).values(profile);
    await expect(t.db.insert(userVoiceProfiles).values(profile)).rejects.toThrow();
  });

  it("deleting a call deletes its artifacts, action items and events", async () => {
    const user = await makeUser();
    const call = await makeCall(user.id);
    await t.db.insert(callArtifacts).values({ callId: call.id, artifactType: "ANALYSIS_JSON", storageKey: "k", contentType: "application/json", byteSize: 2 });
    await t.db.insert(actionItems).values({ callRecordId: call.id, title: "Send the deck", sourceSegmentIdsJson: ["s1"] });
    await t.db.insert(callProcessingEvents).values({ callId: call.id, userId: user.id, stage: "UPLOAD", status: "COMPLETED" });

    await t.db.delete(callRecords).where(eq(callRecords.id, call.id));

    expect(await t.db.select().from(callArtifacts).where(eq(callArtifacts.callId, call.id))).toHaveLength(0);
    expect(await t.db.select().from(actionItems).where(eq(actionItems.callRecordId, call.id))).toHaveLength(0);
    expect(await t.db.select().from(callProcessingEvents).where(eq(callProcessingEvents.callId, call.id))).toHaveLength(0);
  });

  it("deleting a user deletes their calls and voice profile", async () => {
    const user = await makeUser();
    await makeCall(user.id);
    await t.db.insert(userVoiceProfiles).values({ userId: user.id, provider: "local", embeddingJson: {}, consentVersion: "1" });
    await t.db.delete(users).where(eq(users.id, user.id));
    expect(await t.db.select().from(callRecords).where(eq(callRecords.userId, user.id))).toHaveLength(0);
    expect(await t.db.select().from(userVoiceProfiles).where(eq(userVoiceProfiles.userId, user.id))).toHaveLength(0);
  });

  it("maintains updated_at on every update, even raw SQL", async () => {
    const user = await makeUser();
    const call = await makeCall(user.id);
    await t.db.execute(sql`update call_records set updated_at = '2000-01-01T00:00:00Z' where id = ${call.id}`);
    // The trigger overrides even an explicit value: updated_at means "last changed", not "whatever was written".
    const [after] = await t.db.select().from(callRecords).where(eq(callRecords.id, call.id));
    expect(after!.updatedAt.getTime()).toBeGreaterThanOrEqual(call.updatedAt.getTime());
    expect(after!.createdAt.getTime()).toBe(call.createdAt.getTime());
  });

  it("rejects values outside the enums", async () => {
    const user = await makeUser();
    await expect(
      t.db.execute(sql`insert into call_records (user_id, title, status) values (${user.id}, 'x', 'DANCING')`),
    ).rejects.toThrow();
  });

  it("stores JSON columns as jsonb", async () => {
    const rows = await t.db.execute(sql`
      select data_type from information_schema.columns
      where table_name in ('action_items', 'user_voice_profiles') and column_name like '%_json'`);
    expect(rowsOf<{ data_type: string }>(rows).map((row) => row.data_type)).toEqual(["jsonb", "jsonb"]);
  });
});
