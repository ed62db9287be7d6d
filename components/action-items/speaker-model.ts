import type { SpeakerRole } from "@/db/schema";

/** The speaker edits a form asks for (sent together as `PATCH /api/calls/:id/speakers`), in a safe order. */

interface SpeakerLike {
  id: string;
  role: SpeakerRole;
  displayName: string | null;
}

export interface SpeakerEditRequest {
  speakerId: string;
  body: { displayName?: string | null; isMe?: boolean };
}

/**
 * `names` (speaker id → typed name; blank clears it) and `me` (the speaker who is the user, or null) → the
 * requests to send. "This is me" changes go first (they can rename the other party after the contact), then
 * plain renames, so the names typed here win.
 */
export function speakerEdits(speakers: readonly SpeakerLike[], names: Readonly<Record<string, string>>, me: string | null): SpeakerEditRequest[] {
  const previousMe = speakers.find((speaker) => speaker.role === "SELF")?.id ?? null;
  const renamed = new Map<string, string | null>();
  for (const speaker of speakers) {
    const typed = (names[speaker.id] ?? "").trim() || null;
    if (typed !== (speaker.displayName?.trim() || null)) renamed.set(speaker.id, typed);
  }
  const requests: SpeakerEditRequest[] = [];
  if (me !== previousMe) {
    if (me) requests.push({ speakerId: me, body: { isMe: true } });
    else if (previousMe) requests.push({ speakerId: previousMe, body: { isMe: false } });
  }
  for (const [speakerId, displayName] of renamed) requests.push({ speakerId, body: { displayName } });
  return requests;
}
