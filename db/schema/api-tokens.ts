import { index, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, idColumn, timestamptz, updatedAt } from "./columns";
import { users } from "./users";

/** `read`: GET/HEAD only; `write`: everything a signed-in session may do except managing tokens. */
export const apiTokenScope = pgEnum("api_token_scope", ["read", "write"]);

/**
 * Personal API tokens (issue 16). The secret itself is never stored: `token_hash` is the SHA-256 of the
 * whole token (`scy_…`), looked up by its unique index, so a database leak gives nothing that authenticates.
 * `display_prefix` and `last_four` are what the settings page shows to tell tokens apart.
 */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: idColumn(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    scope: apiTokenScope("scope").notNull(),
    /** Hex SHA-256 of the token. */
    tokenHash: text("token_hash").notNull(),
    /** The token's first characters (`scy_` and a few of the secret), for display. */
    displayPrefix: text("display_prefix").notNull(),
    lastFour: text("last_four").notNull(),
    /** Written at most once a minute per token (lib/auth/api-tokens.ts), not on every request. */
    lastUsedAt: timestamptz("last_used_at"),
    revokedAt: timestamptz("revoked_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex("api_tokens_token_hash_idx").on(table.tokenHash),
    index("api_tokens_user_created_idx").on(table.userId, table.createdAt),
  ],
);

export type ApiToken = typeof apiTokens.$inferSelect;
export type NewApiToken = typeof apiTokens.$inferInsert;
export type ApiTokenScope = (typeof apiTokenScope.enumValues)[number];
