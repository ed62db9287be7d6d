import { CALL_FIELD_LABELS, callMetadataSchema, titleFromFilename } from "@/lib/calls/metadata";
import { toDatetimeLocal } from "./format";

export type Direction = "INCOMING" | "OUTGOING" | "UNKNOWN";

/** What the card's form holds: raw input values, as typed. */
export interface MetadataFields {
  title: string;
  contactName: string;
  phoneNumber: string;
  organization: string;
  direction: Direction;
  /** `<input type="datetime-local">` value, browser time zone. */
  recordedAt: string;
}

export type FieldName = keyof MetadataFields;
export type FieldErrors = Partial<Record<FieldName, string>>;

export const FIELD_LABELS: Record<FieldName, string> = CALL_FIELD_LABELS;

const FIELD_ORDER: FieldName[] = ["title", "recordedAt", "contactName", "phoneNumber", "organization", "direction"];

export function defaultFields(file: File): MetadataFields {
  return {
    title: titleFromFilename(file.name),
    contactName: "",
    phoneNumber: "",
    organization: "",
    direction: "UNKNOWN",
    recordedAt: file.lastModified ? toDatetimeLocal(file.lastModified) : "",
  };
}

/** Fields from the tus metadata of an earlier, unfinished upload of the same file. */
export function fieldsFromUploadMetadata(metadata: Record<string, string>, fallback: MetadataFields): MetadataFields {
  const direction = metadata.direction;
  const recordedAt = metadata.recordedAt ? toDatetimeLocal(Date.parse(metadata.recordedAt)) : "";
  return {
    title: metadata.title ?? fallback.title,
    contactName: metadata.contactName ?? "",
    phoneNumber: metadata.phoneNumber ?? "",
    organization: metadata.organization ?? "",
    direction: direction === "INCOMING" || direction === "OUTGOING" || direction === "UNKNOWN" ? direction : "UNKNOWN",
    recordedAt: metadata.recordedAt ? recordedAt : "",
  };
}

export type ValidationResult =
  | { ok: true; metadata: Record<string, string> }
  | { ok: false; errors: FieldErrors; firstInvalid: FieldName };

/**
 * Validates the form with the same schema the server applies to tus Upload-Metadata and returns the
 * metadata to send (empty fields left out, `recordedAt` as ISO 8601).
 */
export function validateFields(fields: MetadataFields, file: { name: string; type: string }, mimeType: string | null): ValidationResult {
  const recordedAtDate = fields.recordedAt ? new Date(fields.recordedAt) : undefined;
  const parsed = callMetadataSchema.safeParse({
    title: fields.title,
    contactName: fields.contactName,
    phoneNumber: fields.phoneNumber,
    organization: fields.organization,
    direction: fields.direction,
    recordedAt: fields.recordedAt ? recordedAtDate : undefined,
  });
  if (!parsed.success) {
    const errors: FieldErrors = {};
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      if (typeof field === "string" && field in FIELD_LABELS && !errors[field as FieldName]) {
        errors[field as FieldName] = sentence(issue.message);
      }
    }
    const firstInvalid = FIELD_ORDER.find((name) => errors[name]) ?? "title";
    if (!errors[firstInvalid]) errors[firstInvalid] = "Check this field.";
    return { ok: false, errors, firstInvalid };
  }

  const data = parsed.data;
  const metadata: Record<string, string> = { filename: file.name };
  const filetype = mimeType ?? file.type;
  if (filetype) metadata.filetype = filetype;
  if (data.title) metadata.title = data.title;
  if (data.contactName) metadata.contactName = data.contactName;
  if (data.phoneNumber) metadata.phoneNumber = data.phoneNumber;
  if (data.organization) metadata.organization = data.organization;
  if (data.direction) metadata.direction = data.direction;
  if (data.recordedAt) metadata.recordedAt = data.recordedAt.toISOString();
  return { ok: true, metadata };
}

/** Server-side field errors (`details: [{ path, message }]`) mapped onto the form. */
export function fieldErrorsFromDetails(details: unknown): FieldErrors {
  const errors: FieldErrors = {};
  if (!Array.isArray(details)) return errors;
  for (const detail of details) {
    if (!detail || typeof detail !== "object") continue;
    const { path, message } = detail as { path?: unknown; message?: unknown };
    if (typeof path === "string" && path in FIELD_LABELS && typeof message === "string") {
      errors[path as FieldName] ??= sentence(message);
    }
  }
  return errors;
}

function sentence(message: string): string {
  const text = message.trim();
  if (!text) return "Check this field.";
  const capitalised = text[0]!.toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}
