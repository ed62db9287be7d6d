import "server-only";
import type { Database } from "@/db";
import { renameActionItemOwner } from "@/db/queries/action-items";
import { getArtifact, updateArtifactSize } from "@/db/queries/artifacts";
import { getCall } from "@/db/queries/calls";
import { renameSpeakerEntries } from "@/db/queries/search";
import { getUserById } from "@/db/queries/users";
import type { CallArtifact } from "@/db/schema";
import { loadJsonArtifact } from "@/lib/pipeline/artifacts";
import type { ObjectStorage } from "@/lib/storage";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import { applySpeakerEdit, type SpeakerEdit } from "./edit";

export type SpeakerUpdateResult =
  | { ok: true; speakers: NormalizedTranscript["speakers"] }
  | { ok: false; reason: "call-not-found" | "transcript-not-ready" | "speaker-not-found" };

/** One speaker's edit; see `updateCallSpeakers`. */
export async function updateCallSpeaker(
  deps: { db: Database; storage: ObjectStorage },
  { userId, callId, speakerId, edit }: { userId: string; callId: string; speakerId: string; edit: SpeakerEdit },
): Promise<SpeakerUpdateResult> {
  return updateCallSpeakers(deps, { userId, callId, edits: [{ speakerId, ...edit }] });
}

/**
 * Renames speakers (or marks who the user is) for one of the user's calls, all edits or none: the stored
 * transcript is rewritten once, then the action items each changed speaker owns follow its new name and role.
 */
export async function updateCallSpeakers(
  deps: { db: Database; storage: ObjectStorage },
  { userId, callId, edits }: { userId: string; callId: string; edits: (SpeakerEdit & { speakerId: string })[] },
): Promise<SpeakerUpdateResult> {
  const ref = { userId, callId };
  const [call, user] = await Promise.all([getCall(deps.db, ref), getUserById(deps.db, userId)]);
  if (!call || !user) return { ok: false, reason: "call-not-found" };
  const artifact = await getArtifact(deps.db, { ...ref, type: "NORMALIZED_TRANSCRIPT_JSON" });
  const transcript = artifact ? await loadJsonArtifact<NormalizedTranscript>(deps, { ...ref, type: "NORMALIZED_TRANSCRIPT_JSON" }) : null;
  if (!artifact || !transcript) return { ok: false, reason: "transcript-not-ready" };

  let updated: NormalizedTranscript = transcript;
  for (const { speakerId, ...edit } of edits) {
    const next = applySpeakerEdit(updated, speakerId, edit, { userDisplayName: user.displayName, contactName: call.contactName });
    if (!next) return { ok: false, reason: "speaker-not-found" };
    updated = next;
  }

  updated = { ...updated, speakersEditedAt: new Date().toISOString() };
  await saveSpeakerChanges(deps, { callId, artifact, before: transcript, after: updated });
  return { ok: true, speakers: updated.speakers };
}

/**
 * Writes a call's transcript with changed speakers over the stored one, then moves the owner of every action
 * item a changed speaker owns to its new name and role (one transaction). Used by speaker edits and by the
 * voice profile's "find me in my earlier calls".
 */
export async function saveSpeakerChanges(
  deps: { db: Database; storage: ObjectStorage },
  { callId, artifact, before, after }: { callId: string; artifact: CallArtifact; before: NormalizedTranscript; after: NormalizedTranscript },
): Promise<void> {
  // All or none: the owned items are updated first (a value the database refuses stops here, nothing
  // written), then the object is replaced and its byte_size recorded in the same transaction. If anything
  // after the object write fails, the previous transcript is put back, so object and byte_size always agree.
  const options = { contentType: "application/json" };
  let replaced = false;
  try {
    await deps.db.transaction(async (tx) => {
      for (const speaker of after.speakers) {
        const previous = before.speakers.find((candidate) => candidate.id === speaker.id);
        if (previous && previous.displayName === speaker.displayName && previous.role === speaker.role) continue;
        await renameActionItemOwner(tx, { callId, speakerId: speaker.id, displayName: speaker.displayName, role: speaker.role });
      }
      // The search results show who spoke: the renamed speakers' rows follow (same transaction).
      await renameSpeakerEntries(tx, {
        callId,
        speakers: after.speakers.filter((speaker) => {
          const previous = before.speakers.find((candidate) => candidate.id === speaker.id);
          return !previous || previous.displayName !== speaker.displayName || previous.label !== speaker.label;
        }),
      });
      replaced = true;
      const stored = await deps.storage.put(artifact.storageKey, JSON.stringify(after), options);
      await updateArtifactSize(tx, { artifactId: artifact.id, byteSize: stored.size });
    });
  } catch (error) {
    if (replaced) {
      const restored = await deps.storage.put(artifact.storageKey, JSON.stringify(before), options);
      if (restored.size !== artifact.byteSize) await updateArtifactSize(deps.db, { artifactId: artifact.id, byteSize: restored.size });
    }
    throw error;
  }
}
