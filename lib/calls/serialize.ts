import type { CallProcessingEvent, CallRecord, ProcessingStage } from "@/db/schema";

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
  /** While PROCESSING: the stage it is at (the latest stage on its timeline). */
  currentStage: ProcessingStage | null;
  createdAt: string;
  updatedAt: string;
}

export function toCallJson(call: CallRecord, currentStage: ProcessingStage | null = null): CallJson {
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
    currentStage: call.status === "PROCESSING" ? currentStage : null,
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

/** A page of calls as JSON, each PROCESSING call with the stage it is at. */
export function toCallListJson(calls: CallRecord[], stages: Map<string, ProcessingStage>): CallJson[] {
  return calls.map((call) => toCallJson(call, stages.get(call.id) ?? null));
}

/** The ids of the calls in PROCESSING, whose current stage the list shows. */
export function processingIds(calls: CallRecord[]): string[] {
  return calls.filter((call) => call.status === "PROCESSING").map((call) => call.id);
}
