import "server-only";
import { and, asc, eq, gt, isNotNull, sql } from "drizzle-orm";
import type { DbOrTx } from "../client";
import {
  callRecords,
  userVoiceProfiles,
  users,
  type UserVoiceProfile,
  type VoiceApplyState,
  type VoiceEnrollmentState,
} from "../schema";

/**
 * The voice profile's rows: the user's consent and the state of their latest enrollment and "find me in
 * earlier calls" run (columns of `users`), and the profile itself (`user_voice_profiles`, at most one per
 * user). Every function is scoped by the user id. Writes that a background run makes are compare-and-set on
 * the run's id, so a run that was cancelled (profile deleted) or replaced cannot write afterwards.
 */

/** The user's voice profile (at most one), or null. */
export async function getVoiceProfile(db: DbOrTx, { userId }: { userId: string }): Promise<UserVoiceProfile | null> {
  const [row] = await db.select().from(userVoiceProfiles).where(eq(userVoiceProfiles.userId, userId)).limit(1);
  return row ?? null;
}

export interface VoiceUserState {
  voiceConsentVersion: string | null;
  voiceConsentedAt: Date | null;
  voiceEnrollment: VoiceEnrollmentState | null;
  voiceProfileApply: VoiceApplyState | null;
}

const voiceUserColumns = {
  voiceConsentVersion: users.voiceConsentVersion,
  voiceConsentedAt: users.voiceConsentedAt,
  voiceEnrollment: users.voiceEnrollment,
  voiceProfileApply: users.voiceProfileApply,
};

/** The user's consent and run states, or null for an unknown user. */
export async function getVoiceUserState(db: DbOrTx, { userId }: { userId: string }): Promise<VoiceUserState | null> {
  const [row] = await db.select(voiceUserColumns).from(users).where(eq(users.id, userId)).limit(1);
  return row ?? null;
}

/** Records consent to `version` on the user, and on their profile if there is one (re-activating it). One transaction. */
export async function recordVoiceConsent(db: DbOrTx, { userId, version, at }: { userId: string; version: string; at: Date }): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(users).set({ voiceConsentVersion: version, voiceConsentedAt: at }).where(eq(users.id, userId));
    await tx.update(userVoiceProfiles).set({ consentVersion: version, consentedAt: at }).where(eq(userVoiceProfiles.userId, userId));
  });
}

/**
 * Deletes the profile row and withdraws consent, and forgets both run states, in one transaction. A running
 * enrollment then finds its id gone and the consent withdrawn, so it stores nothing. Returns whether a
 * profile row existed.
 */
export async function deleteVoiceProfileAndConsent(db: DbOrTx, { userId }: { userId: string }): Promise<boolean> {
  return db.transaction(async (tx) => {
    const deleted = await tx.delete(userVoiceProfiles).where(eq(userVoiceProfiles.userId, userId)).returning({ id: userVoiceProfiles.id });
    await tx
      .update(users)
      .set({ voiceConsentVersion: null, voiceConsentedAt: null, voiceEnrollment: null, voiceProfileApply: null })
      .where(eq(users.id, userId));
    return deleted.length > 0;
  });
}

/** A RUNNING state started before `staleBefore` no longer blocks a new run (its run died; the sweeper ends it). */
const notRunning = (column: typeof users.voiceEnrollment | typeof users.voiceProfileApply, staleBefore: Date) =>
  sql`(${column} is null or ${column}->>'state' <> 'RUNNING' or (${column}->>'startedAt')::timestamptz < ${staleBefore.toISOString()}::timestamptz)`;

/**
 * Starts an enrollment attempt: sets the user's enrollment state to `enrollment` (RUNNING) only while the
 * user has consented to `consentVersion` and no other attempt is running. Returns the consent it ran under,
 * or null when refused.
 */
export async function claimVoiceEnrollment(
  db: DbOrTx,
  { userId, enrollment, consentVersion, staleBefore }: { userId: string; enrollment: VoiceEnrollmentState; consentVersion: string; staleBefore: Date },
): Promise<{ consentedAt: Date } | null> {
  const [row] = await db
    .update(users)
    .set({ voiceEnrollment: enrollment })
    .where(and(eq(users.id, userId), eq(users.voiceConsentVersion, consentVersion), isNotNull(users.voiceConsentedAt), notRunning(users.voiceEnrollment, staleBefore)))
    .returning({ consentedAt: users.voiceConsentedAt });
  return row?.consentedAt ? { consentedAt: row.consentedAt } : null;
}

const isCurrentEnrollment = (enrollmentId: string) =>
  and(sql`${users.voiceEnrollment}->>'id' = ${enrollmentId}`, sql`${users.voiceEnrollment}->>'state' = 'RUNNING'`);

/** Ends an enrollment attempt (SUCCEEDED or FAILED) if it is still the user's current one; returns whether it was. */
export async function finishVoiceEnrollment(
  db: DbOrTx,
  { userId, enrollmentId, outcome }: { userId: string; enrollmentId: string; outcome: Pick<VoiceEnrollmentState, "state" | "finishedAt" | "errorCode" | "errorMessage"> },
): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ voiceEnrollment: sql`${users.voiceEnrollment} || ${JSON.stringify(outcome)}::jsonb` })
    .where(and(eq(users.id, userId), isCurrentEnrollment(enrollmentId)))
    .returning({ id: users.id });
  return rows.length > 0;
}

/** Is this enrollment still the user's running one, under the same consent it started with? */
export async function isEnrollmentStillWanted(
  db: DbOrTx,
  { userId, enrollmentId, consentVersion, consentedAt }: { userId: string; enrollmentId: string; consentVersion: string; consentedAt: Date },
): Promise<boolean> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(
      and(
        eq(users.id, userId),
        isCurrentEnrollment(enrollmentId),
        eq(users.voiceConsentVersion, consentVersion),
        eq(users.voiceConsentedAt, consentedAt),
      ),
    )
    .limit(1);
  return row !== undefined;
}

export interface EnrolledProfile {
  provider: string;
  model: string | null;
  modelVersion: string | null;
  embeddingJson: unknown;
  sampleDurationSeconds: number;
}

/**
 * Stores the enrolled profile (replacing an earlier one) and marks the enrollment SUCCEEDED — only if, with
 * the user's row locked, the enrollment is still current and the consent is the one it started under
 * (withdrawn or changed meanwhile → nothing is stored). Returns whether the profile was stored.
 */
export async function storeEnrolledProfile(
  db: DbOrTx,
  input: { userId: string; enrollmentId: string; consentVersion: string; consentedAt: Date; profile: EnrolledProfile; finishedAt: Date },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [locked] = await tx
      .select({ id: users.id })
      .from(users)
      .where(
        and(
          eq(users.id, input.userId),
          isCurrentEnrollment(input.enrollmentId),
          eq(users.voiceConsentVersion, input.consentVersion),
          eq(users.voiceConsentedAt, input.consentedAt),
        ),
      )
      .for("update");
    if (!locked) return false;
    const values = { ...input.profile, consentVersion: input.consentVersion, consentedAt: input.consentedAt };
    await tx
      .insert(userVoiceProfiles)
      .values({ userId: input.userId, ...values })
      // A new recording replaces the profile; created_at says when this one was enrolled.
      .onConflictDoUpdate({ target: userVoiceProfiles.userId, set: { ...values, createdAt: sql`now()` } });
    const outcome = { state: "SUCCEEDED", finishedAt: input.finishedAt.toISOString(), errorCode: null, errorMessage: null };
    await tx
      .update(users)
      .set({ voiceEnrollment: sql`${users.voiceEnrollment} || ${JSON.stringify(outcome)}::jsonb` })
      .where(eq(users.id, input.userId));
    return true;
  });
}

/** Users with an enrollment attempt on record, after `afterUserId` (keyset), for the sample sweep. */
export async function listUsersWithVoiceEnrollments(
  db: DbOrTx,
  { afterUserId, limit }: { afterUserId: string | null; limit: number },
): Promise<{ userId: string; enrollment: VoiceEnrollmentState }[]> {
  const rows = await db
    .select({ userId: users.id, enrollment: users.voiceEnrollment })
    .from(users)
    .where(and(isNotNull(users.voiceEnrollment), afterUserId ? gt(users.id, afterUserId) : undefined))
    .orderBy(asc(users.id))
    .limit(limit);
  return rows.flatMap((row) => (row.enrollment ? [{ userId: row.userId, enrollment: row.enrollment }] : []));
}

/** Starts a "find me in earlier calls" run unless one is running; returns whether it started. */
export async function claimVoiceApply(
  db: DbOrTx,
  { userId, apply, staleBefore }: { userId: string; apply: VoiceApplyState; staleBefore: Date },
): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ voiceProfileApply: apply })
    .where(and(eq(users.id, userId), notRunning(users.voiceProfileApply, staleBefore)))
    .returning({ id: users.id });
  return rows.length > 0;
}

/** Updates the progress of the user's apply run `applyId` while it is still theirs and RUNNING; returns whether it was. */
export async function updateVoiceApply(
  db: DbOrTx,
  { userId, applyId, patch }: { userId: string; applyId: string; patch: Partial<Omit<VoiceApplyState, "id" | "startedAt">> },
): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ voiceProfileApply: sql`${users.voiceProfileApply} || ${JSON.stringify(patch)}::jsonb` })
    .where(and(eq(users.id, userId), sql`${users.voiceProfileApply}->>'id' = ${applyId}`, sql`${users.voiceProfileApply}->>'state' = 'RUNNING'`))
    .returning({ id: users.id });
  return rows.length > 0;
}

/** The user's processed calls, oldest first (the candidates for "find me in earlier calls"). */
export async function listCompletedCallIds(db: DbOrTx, { userId, limit }: { userId: string; limit: number }): Promise<string[]> {
  const rows = await db
    .select({ id: callRecords.id })
    .from(callRecords)
    .where(and(eq(callRecords.userId, userId), eq(callRecords.status, "COMPLETED")))
    .orderBy(asc(callRecords.createdAt), asc(callRecords.id))
    .limit(limit);
  return rows.map((row) => row.id);
}
