import { pgEnum } from "drizzle-orm/pg-core";

export const callDirection = pgEnum("call_direction", ["INCOMING", "OUTGOING", "UNKNOWN"]);
export const callStatus = pgEnum("call_status", ["UPLOADING", "QUEUED", "PROCESSING", "COMPLETED", "FAILED"]);
export const artifactType = pgEnum("artifact_type", [
  "TEMP_AUDIO",
  "DIARIZATION_JSON",
  "RAW_TRANSCRIPT_JSON",
  "NORMALIZED_TRANSCRIPT_JSON",
  "ANALYSIS_JSON",
]);
export const actionItemPriority = pgEnum("action_item_priority", ["low", "medium", "high"]);
export const actionItemStatus = pgEnum("action_item_status", ["OPEN", "DONE", "SNOOZED"]);
/** Where an action item came from: the analysis stage or a user adding it by hand. */
export const actionItemOrigin = pgEnum("action_item_origin", ["GENERATED", "MANUAL"]);
export const speakerRole = pgEnum("speaker_role", ["SELF", "COUNTERPARTY", "OTHER", "UNKNOWN"]);
export const processingStage = pgEnum("processing_stage", [
  "UPLOAD",
  "AUDIO_PREP",
  "DIARIZATION",
  "TRANSCRIPTION",
  "NORMALIZATION",
  "ANALYSIS",
  "CLEANUP",
  "VOICE_ENROLLMENT",
  "RETENTION_SWEEP",
]);
export const processingEventStatus = pgEnum("processing_event_status", ["STARTED", "COMPLETED", "FAILED", "SKIPPED"]);

export type CallDirection = (typeof callDirection.enumValues)[number];
export type CallStatus = (typeof callStatus.enumValues)[number];
export type ArtifactType = (typeof artifactType.enumValues)[number];
export type ActionItemPriority = (typeof actionItemPriority.enumValues)[number];
export type ActionItemStatus = (typeof actionItemStatus.enumValues)[number];
export type ActionItemOrigin = (typeof actionItemOrigin.enumValues)[number];
export type SpeakerRole = (typeof speakerRole.enumValues)[number];
export type ProcessingStage = (typeof processingStage.enumValues)[number];
export type ProcessingEventStatus = (typeof processingEventStatus.enumValues)[number];
