import "server-only";
import { eq } from "drizzle-orm";
import type { DbOrTx } from "../client";
import { userVoiceProfiles, type UserVoiceProfile } from "../schema";

/** The user's voice profile (at most one), or null. */
export async function getVoiceProfile(db: DbOrTx, { userId }: { userId: string }): Promise<UserVoiceProfile | null> {
  const [row] = await db.select().from(userVoiceProfiles).where(eq(userVoiceProfiles.userId, userId)).limit(1);
  return row ?? null;
}
