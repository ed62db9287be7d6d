import { doublePrecision, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, idColumn, updatedAt } from "./columns";

export const users = pgTable("users", {
  id: idColumn(),
  /** Firebase UID, or `local-dev`. */
  externalUserId: text("external_user_id").notNull().unique(),
  email: text("email"),
  displayName: text("display_name"),
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
