import type { CallProcessingEvent, CallRecord } from "@/db/schema";

/** The call as the API and the client components see it (dates as ISO strings). */
export interface CallJson {
  id: string;
  title: string;
  contactName: string | null;
  contactId: string | null;
  phoneNumber: string | null;
  organization: string | null;
  direction: CallRecord["direction"];
  recordedAt: string;
  durationSeconds: number | null;
  status: CallRecord["status"];
  errorReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toCallJson(call: CallRecord): CallJson {
  return {
    id: call.id,
    title: call.title,
    contactName: call.contactName,
    contactId: call.contactId,
    phoneNumber: call.phoneNumber,
    organization: call.organization,
    direction: call.direction,
    recordedAt: call.recordedAt.toISOString(),
    durationSeconds: call.durationSeconds,
    status: call.status,
    errorReason: call.errorReason,
    createdAt: call.createdAt.toISOString(),
    updatedAt: call.updatedAt.toISOString(),
  };
}

/** A processing event as the timeline and `GET /api/calls/:id/events` show it. */
export function toTimelineEvent(event: CallProcessingEvent) {
  return {
    id: event.id,
    stage: event.stage,
    status: event.status,
    provider: event.provider,
    durationMs: event.durationMs,
    errorCode: event.errorCode,
    errorMessage: event.errorMessage,
    createdAt: event.createdAt.toISOString(),
  };
}
