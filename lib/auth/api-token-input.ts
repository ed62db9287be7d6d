import { z } from "zod";
import { safeText } from "@/lib/validation/input";

/** The token-management API's input and output (pure: the settings page uses the same limits). */

export const API_TOKEN_NAME_MAX = 100;

export const createApiTokenSchema = z
  .object({
    name: safeText({ min: 1, max: API_TOKEN_NAME_MAX }).describe("What the token is for, e.g. \"CRM sync\"."),
    scope: z.enum(["read", "write"]).describe("`read`: GET and HEAD only. `write`: everything a signed-in session may do, except managing tokens."),
  })
  .strict();

export type CreateApiTokenInput = z.infer<typeof createApiTokenSchema>;

/** A token as the API shows it after creation: never the secret, never its hash. */
export interface ApiTokenJson {
  id: string;
  name: string;
  scope: "read" | "write";
  /** The first characters of the token (`scy_` and four more), to tell tokens apart. */
  prefix: string;
  lastFour: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export function toApiTokenJson(row: {
  id: string;
  name: string;
  scope: "read" | "write";
  displayPrefix: string;
  lastFour: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}): ApiTokenJson {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    prefix: row.displayPrefix,
    lastFour: row.lastFour,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}
