import type { ActionItem, CallRecord } from "@/db/schema";
import type { ActionItemJson } from "./types";

export function toActionItemJson(item: ActionItem, call?: Pick<CallRecord, "id" | "title" | "recordedAt" | "contactName">): ActionItemJson {
  return {
    id: item.id,
    callId: item.callRecordId,
    title: item.title,
    description: item.description,
    dueDate: item.dueDate,
    priority: item.priority,
    status: item.status,
    snoozedUntil: item.snoozedUntil?.toISOString() ?? null,
    owner: { speakerId: item.ownerSpeakerId, label: item.ownerSpeakerLabel, displayName: item.ownerDisplayName, role: item.ownerRole },
    sourceSegmentIds: item.sourceSegmentIdsJson,
    sourceText: item.sourceText,
    origin: item.origin,
    userModified: item.userModifiedAt !== null,
    createdAt: item.createdAt.toISOString(),
    updatedAt: item.updatedAt.toISOString(),
    completedAt: item.completedAt?.toISOString() ?? null,
    ...(call ? { call: { id: call.id, title: call.title, recordedAt: call.recordedAt.toISOString(), contactName: call.contactName } } : {}),
  };
}
