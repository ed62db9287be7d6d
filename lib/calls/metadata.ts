import { z } from "zod";
import { optionalSafeText, safeDateTime, safeText } from "@/lib/validation/input";

const optionalText = optionalSafeText;

/** The original file name a client sends (tus `filename`, the multipart part's name): only a title source. */
export const uploadFilenameSchema = safeText({ max: 1000, trim: false }).nullable().optional();

/** The metadata a user gives a call, as sent by the upload form, the API and tus Upload-Metadata. */
export const callMetadataSchema = z.object({
  title: optionalText(200),
  contactName: optionalText(200),
  contactId: optionalText(200),
  phoneNumber: z.preprocess(
    (value) => (typeof value === "string" ? value.trim() || null : value),
    z
      .string()
      .max(40)
      .regex(/^[+()0-9 .\-/]*[0-9][+()0-9 .\-/]*$/, "must be a phone number")
      .nullable()
      .optional(),
  ),
  organization: optionalText(200),
  direction: z.enum(["INCOMING", "OUTGOING", "UNKNOWN"]).optional(),
  recordedAt: z.preprocess(
    (value) => (value === "" || value === null ? undefined : value),
    safeDateTime().optional(),
  ),
});

export type CallMetadata = z.infer<typeof callMetadataSchema>;

/** How the editable call fields are named wherever a person edits them (upload form, call page). */
export const CALL_FIELD_LABELS = {
  title: "Title",
  contactName: "Contact name",
  phoneNumber: "Phone number",
  organization: "Organization",
  direction: "Direction",
  recordedAt: "Recorded at",
} as const;

/** "2026-11-03_acme-pricing call.MP3" → "2026-11-03 acme-pricing call" */
export function titleFromFilename(filename: string | null | undefined): string {
  const base = (filename ?? "").split(/[\\/]/).pop() ?? "";
  const withoutExtension = base.replace(/\.[A-Za-z0-9]{1,8}$/, "");
  const title = withoutExtension.replace(/[_]+/g, " ").replace(/\s+/g, " ").trim().slice(0, 200);
  return title || "Untitled call";
}
