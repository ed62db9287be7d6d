import { doublePrecision, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, idColumn, timestamptz, updatedAt } from "./columns";

/** The latest voice-enrollment attempt (its events are in call_processing_events, stage VOICE_ENROLLMENT). */
export interface VoiceEnrollmentState {
  /** Also the middle part of the sample's storage key; a run only writes while this is still its id. */
  id: string;
  state: "RUNNING" | "SUCCEEDED" | "FAILED";
  startedAt: string;
  finishedAt: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/** Progress of the latest "find me in my earlier calls" run, readable while it runs. */
export interface VoiceApplyState {
  id: string;
  state: "RUNNING" | "DONE" | "FAILED";
  total: number;
  processed: number;
  matched: number;
  skippedExpired: number;
  startedAt: string;
  finishedAt: string | null;
}

export const users = pgTable("users", {
  id: idColumn(),
  /** Firebase UID, or `local-dev`. */
  externalUserId: text("external_user_id").notNull().unique(),
  email: text("email"),
  displayName: text("display_name"),
  /**
   * Voice-profile consent lives on the user: it must exist before any sample is taken, i.e. before a profile
   * row (whose embedding is NOT NULL) can. Null when not given or withdrawn.
   */
  voiceConsentVersion: text("voice_consent_version"),
  voiceConsentedAt: timestamptz("voice_consented_at"),
  voiceEnrollment: jsonb("voice_enrollment").$type<VoiceEnrollmentState>(),
  voiceProfileApply: jsonb("voice_profile_apply").$type<VoiceApplyState>(),
  /** Sessions carry the version they were issued at; "sign out everywhere" increments it, ending them all. */
  sessionVersion: integer("session_version").notNull().default(0),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const userVoiceProfiles = pgTable(
  "user_voice_profiles",
  {
    id: idColumn(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(),
    model: text("model"),
    modelVersion: text("model_version"),
    /** Opaque provider blob; never decoded by us. */
    embeddingJson: jsonb("embedding_json").notNull(),
    consentVersion: text("consent_version").notNull(),
    /** When the user gave the consent `consent_version` names (re-consenting updates both). */
    consentedAt: timestamptz("consented_at"),
    sampleDurationSeconds: doublePrecision("sample_duration_seconds"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [uniqueIndex("user_voice_profiles_user_id_key").on(table.userId)],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type UserVoiceProfile = typeof userVoiceProfiles.$inferSelect;
export type NewUserVoiceProfile = typeof userVoiceProfiles.$inferInsert;
