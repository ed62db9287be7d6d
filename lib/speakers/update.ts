import "server-only";
import type { Database } from "@/db";
import { renameActionItemOwner } from "@/db/queries/action-items";
import { getArtifact, updateArtifactSize } from "@/db/queries/artifacts";
import { getCall } from "@/db/queries/calls";
import { getUserById } from "@/db/queries/users";
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

  const stored = await deps.storage.put(artifact.storageKey, JSON.stringify(updated), { contentType: "application/json" });
  await deps.db.transaction(async (tx) => {
    await updateArtifactSize(tx, { artifactId: artifact.id, byteSize: stored.size });
    for (const speaker of updated.speakers) {
      const before = transcript.speakers.find((candidate) => candidate.id === speaker.id);
      if (before && before.displayName === speaker.displayName && before.role === speaker.role) continue;
      await renameActionItemOwner(tx, { callId, speakerId: speaker.id, displayName: speaker.displayName, role: speaker.role });
    }
  });
  return { ok: true, speakers: updated.speakers };
}
