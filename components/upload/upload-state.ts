import type { SniffResult } from "@/lib/audio/sniff";
import { formatLabel } from "./check-file";
import { defaultFields, fieldsFromUploadMetadata, type FieldErrors, type FieldName, type MetadataFields } from "./metadata-fields";
import type { ActivePhase, UploadFailure, UploadProgress } from "./resumable-upload";

export type Phase =
  | "checking" // reading the first bytes
  | "rejected" // not audio, empty or too large: never sent
  | "ready"
  | "uploading"
  | "retrying" // connection lost, tus retrying with backoff
  | "paused" // retries spent: waiting for the network, retrying now and then
  | "processing" // every byte sent, the server is checking the recording
  | "done"
  | "failed"
  | "cancelled";

export interface UploadItem {
  key: string;
  file: File;
  phase: Phase;
  /** "WAV", "MP3"… once the first bytes were recognised. */
  formatLabel: string | null;
  mimeType: string | null;
  fields: MetadataFields;
  errors: FieldErrors;
  /** Why it was rejected or failed. */
  message: string | null;
  /** Whether "Try again" can help after a failure. */
  retryable: boolean;
  progress: UploadProgress | null;
  /** null in "done" when the server took every byte but did not name a call. */
  callId: string | null;
  /** An earlier, unfinished upload of this file exists in this browser: it will be resumed. */
  resumable: boolean;
}

export const ACTIVE_PHASES: readonly Phase[] = ["uploading", "retrying", "paused", "processing"];

export const isActive = (item: UploadItem) => ACTIVE_PHASES.includes(item.phase);
export const isEditable = (item: UploadItem) =>
  item.phase === "ready" || item.phase === "cancelled" || (item.phase === "failed" && item.retryable);

/** Same file chosen twice (same name, size and modification time). */
export const sameFile = (a: File, b: File) => a.name === b.name && a.size === b.size && a.lastModified === b.lastModified;

export type Action =
  | { type: "add"; items: UploadItem[] }
  | { type: "checked"; key: string; sniff: SniffResult; previousMetadata: Record<string, string> | null }
  | { type: "rejected"; key: string; message: string }
  | { type: "field"; key: string; name: FieldName; value: string }
  | { type: "invalid"; key: string; errors: FieldErrors }
  | { type: "start"; key: string }
  | { type: "phase"; key: string; phase: ActivePhase }
  | { type: "progress"; key: string; progress: UploadProgress }
  | { type: "success"; key: string; callId: string | null }
  | { type: "failure"; key: string; failure: UploadFailure }
  | { type: "cancelled"; key: string }
  | { type: "remove"; key: string };

let nextKey = 0;

export function newItem(file: File): UploadItem {
  nextKey += 1;
  return {
    key: `upload-${nextKey}`,
    file,
    phase: "checking",
    formatLabel: null,
    mimeType: null,
    fields: defaultFields(file),
    errors: {},
    message: null,
    retryable: true,
    progress: null,
    callId: null,
    resumable: false,
  };
}

export function uploadsReducer(items: UploadItem[], action: Action): UploadItem[] {
  if (action.type === "add") return [...items, ...action.items];
  if (action.type === "remove") return items.filter((item) => item.key !== action.key);
  return items.map((item) => (item.key === action.key ? update(item, action) : item));
}

function update(item: UploadItem, action: Exclude<Action, { type: "add" | "remove" }>): UploadItem {
  switch (action.type) {
    case "checked":
      if (item.phase !== "checking") return item;
      return {
        ...item,
        phase: "ready",
        formatLabel: formatLabel(action.sniff),
        mimeType: action.sniff.mimeType,
        resumable: action.previousMetadata !== null,
        fields: action.previousMetadata ? fieldsFromUploadMetadata(action.previousMetadata, item.fields) : item.fields,
      };
    case "rejected":
      return { ...item, phase: "rejected", message: action.message, retryable: false };
    case "field": {
      if (!isEditable(item)) return item;
      const errors = { ...item.errors };
      delete errors[action.name];
      return { ...item, fields: { ...item.fields, [action.name]: action.value }, errors };
    }
    case "invalid":
      return { ...item, errors: action.errors };
    case "start":
      return {
        ...item,
        phase: "uploading",
        errors: {},
        message: null,
        callId: null,
        progress: { sent: 0, total: item.file.size, bytesPerSecond: null, secondsLeft: null },
      };
    case "phase":
      return isActive(item) ? { ...item, phase: action.phase } : item;
    case "progress":
      return isActive(item) ? { ...item, progress: action.progress } : item;
    case "success":
      return {
        ...item,
        phase: "done",
        callId: action.callId,
        resumable: false,
        progress: { sent: item.file.size, total: item.file.size, bytesPerSecond: null, secondsLeft: null },
      };
    case "failure":
      return {
        ...item,
        phase: "failed",
        message: action.failure.message,
        retryable: action.failure.retryable,
        errors: action.failure.fieldErrors ?? {},
        progress: null,
        resumable: false,
      };
    case "cancelled":
      return { ...item, phase: "cancelled", progress: null, resumable: false };
  }
}
