import type { ActionItemPriority, ActionItemStatus, SpeakerRole } from "@/db/schema";

/** Where an action item came from: the analysis stage, or a user adding it by hand. */
export type ActionItemOrigin = "GENERATED" | "MANUAL";

/** An action item as the API and the client components see it (dates as strings). */
export interface ActionItemJson {
  id: string;
  callId: string;
  title: string;
  description: string | null;
  /** `YYYY-MM-DD` or null. */
  dueDate: string | null;
  priority: ActionItemPriority;
  /** SNOOZED items whose `snoozedUntil` has passed are answered as OPEN. */
  status: ActionItemStatus;
  /** ISO instant; set only while SNOOZED. */
  snoozedUntil: string | null;
  owner: {
    speakerId: string | null;
    label: string | null;
    displayName: string | null;
    role: SpeakerRole;
  };
  sourceSegmentIds: string[];
  sourceText: string | null;
  origin: ActionItemOrigin;
  /** True once a user changed the item (re-analysis leaves such items alone). */
  userModified: boolean;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  /** The call the item belongs to (filled in lists across calls). */
  call?: { id: string; title: string; recordedAt: string; contactName: string | null };
}

/** How a request names an owner: a speaker of the call's transcript, the user ("me"), or nobody. */
export type OwnerInput = { speakerId: string } | { me: true } | null;
