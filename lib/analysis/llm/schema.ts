import { jsonSchema, type JSONSchema7, type Schema } from "ai";
import { z } from "zod";

/**
 * What the model is asked to return, in two forms:
 *
 * - `analysisOutputSchema`: the strict shape, sent to the model as a JSON Schema (OpenAI `response_format:
 *   json_schema` with `strict: true`, Anthropic `output_config.format` or the forced `json` tool). It uses
 *   only what OpenAI's strict mode accepts: every property required, nullable via `["string","null"]`, no
 *   `default`/`minLength`/`pattern`. Evidence comes first in each item (segment ids, then the quote, then the
 *   title) so the model grounds the item before it words it.
 * - `lenientAnalysisOutputSchema`: what the answer is parsed with. Servers without constrained decoding
 *   (older Ollama/vLLM builds, `json_object` mode) return near-misses ("urgent", a missing field, ids as
 *   numbers); those are caught here so one odd field does not throw the whole chunk away. The real checks
 *   (known ids, dates, owners) happen afterwards in `validate.ts`.
 */

export const PRIORITIES = ["low", "medium", "high"] as const;

const actionItemSchema = z.object({
  sourceSegmentIds: z
    .array(z.string())
    .describe('Ids of the transcript segments the item comes from, exactly as shown in brackets (e.g. "s0012"). At least one.'),
  sourceText: z.string().describe("The words the item comes from, quoted verbatim from the cited segments."),
  title: z.string().describe('Short imperative title, at most 200 characters (e.g. "Send the revised proposal to Sam").'),
  description: z.string().nullable().describe("Optional extra context; null when the title says it all."),
  ownerSpeakerId: z
    .string()
    .nullable()
    .describe("The speaker id (from the speaker list) of who should do it; null when nobody in particular owns it."),
  dueDate: z
    .string()
    .nullable()
    .describe("Due date as YYYY-MM-DD, resolved against the recording date; null when no date or deadline was said."),
  priority: z.enum(PRIORITIES).describe("low, medium or high."),
});

export const analysisOutputSchema = z.object({
  summary: z.string().describe("A few sentences summarising the call (or this part of it)."),
  actionItems: z.array(actionItemSchema).describe("Concrete tasks, commitments and follow-ups; empty when there are none."),
});

export const summaryMergeOutputSchema = z.object({
  summary: z.string().describe("One summary of the whole call, a few sentences."),
});

const lenientString = z.string().nullable().catch(null);

const lenientActionItemSchema = z.object({
  sourceSegmentIds: z
    .array(z.union([z.string(), z.number()]).transform(String).catch(""))
    .catch([])
    .transform((ids) => ids.filter((id) => id !== "")),
  sourceText: lenientString,
  title: z.string().catch(""),
  description: lenientString,
  ownerSpeakerId: z.union([z.string(), z.number()]).transform(String).nullable().catch(null),
  dueDate: lenientString,
  priority: lenientString,
});

export const lenientAnalysisOutputSchema = z.object({
  summary: z.string().catch(""),
  actionItems: z
    .array(lenientActionItemSchema.nullable().catch(null))
    .catch([])
    .transform((items) => items.filter((item): item is RawActionItem => item !== null)),
});

export const lenientSummarySchema = z.object({ summary: z.string().catch("") });

export type RawActionItem = z.output<typeof lenientActionItemSchema>;
export type RawAnalysisOutput = z.output<typeof lenientAnalysisOutputSchema>;

function toJsonSchema(schema: z.ZodType): JSONSchema7 {
  return z.toJSONSchema(schema, { target: "draft-7" }) as unknown as JSONSchema7;
}

/** An AI SDK schema: the strict JSON Schema goes to the model, the lenient zod schema parses the answer. */
function modelSchema<T>(strict: z.ZodType, lenient: z.ZodType<T>): Schema<T> {
  let cached: JSONSchema7 | undefined;
  return jsonSchema<T>(() => (cached ??= toJsonSchema(strict)), {
    validate: (value) => {
      const parsed = lenient.safeParse(value);
      return parsed.success ? { success: true, value: parsed.data } : { success: false, error: parsed.error };
    },
  });
}

export const analysisModelSchema: Schema<RawAnalysisOutput> = modelSchema(analysisOutputSchema, lenientAnalysisOutputSchema);
export const summaryMergeModelSchema: Schema<{ summary: string }> = modelSchema(summaryMergeOutputSchema, lenientSummarySchema);
