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

/**
 * How the speaker marked as the user got there, for the speaker editor: by the voiceprint (its score, 0–1),
 * or by hand (a manual "this is me" stores confidence 1, lib/speakers/edit.ts). Null for other speakers.
 */
export function selfMarking(speaker: { role: SpeakerRole; confidence: number | null }): { by: "voiceprint"; score: number } | { by: "user" } | null {
  if (speaker.role !== "SELF") return null;
  if (speaker.confidence === null || speaker.confidence >= 1) return { by: "user" };
  return { by: "voiceprint", score: speaker.confidence };
}

/** "Recognised by your voice profile (score 0.87)" / "Marked as you". */
export function selfMarkingText(marking: NonNullable<ReturnType<typeof selfMarking>>): string {
  return marking.by === "voiceprint" ? `Recognised by your voice profile (score ${marking.score.toFixed(2)})` : "Marked as you";
}
