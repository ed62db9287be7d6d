import { generateText, Output, type LanguageModel, type Schema } from "ai";
import type { z } from "zod";
import { StageError } from "@/lib/pipeline/errors";
import type { AnalysisInput, AnalysisResult, AnalyzeOptions, AnalyzedActionItem } from "../types";
import { chunkTranscript } from "./chunking";
import { retryAfterMs, toStageError, type ErrorContext } from "./errors";
import { ANALYSIS_SYSTEM_PROMPT, SUMMARY_MERGE_SYSTEM_PROMPT, buildAnalysisPrompt, buildSummaryMergePrompt } from "./prompt";
import { analysisModelSchema, lenientAnalysisOutputSchema, lenientSummarySchema, summaryMergeModelSchema } from "./schema";
import { TranscriptIndex, addReports, dedupeActionItems, emptyReport, logValidationReport, validateModelOutput } from "./validate";

/**
 * The vendor-neutral part of the LLM providers: chunk, ask, validate, merge.
 *
 * 1. The transcript is cut into chunks at segment boundaries (`chunkTranscript`, ≤ `maxChunkChars` each); no
 *    segments → `{ summary: "", actionItems: [] }` without calling the model.
 * 2. Each chunk is one `generateText({ output: Output.object(...) })` call (AI SDK 6's structured output),
 *    one after the other (gentle on rate limits and on a single local GPU).
 * 3. Each answer is validated against the whole transcript (`validateModelOutput`).
 * 4. Merge: action items of all chunks are concatenated in chunk order and de-duplicated (same title ignoring
 *    case and punctuation → one item citing both places). With one chunk its summary is the summary; with
 *    several, one more short model call combines the chunk summaries into one (a few sentences); if that call
 *    fails (other than by cancellation), the chunk summaries are joined instead and a warning is logged.
 *
 * Retries are done here, not by the SDK (`maxRetries: 0` there): 429 and 5xx answers, network errors and
 * answers that are not the JSON asked for are retried up to `maxRetries` times with exponential backoff and
 * jitter, honouring `retry-after-ms`/`Retry-After` (a wait over 60 s is not sat out: the transient error goes
 * to the pipeline, whose backoff takes over). A timeout is not retried here (the pipeline retries the stage);
 * 4xx fail at once as permanent StageErrors.
 */

export interface LlmAnalyzerConfig {
  /** The provider's `name` ("openai-compatible", "anthropic"): used in log lines. */
  name: string;
  /** Human name for error messages ("Anthropic", "OpenAI-compatible API (localhost:11434)"). */
  label: string;
  model: LanguageModel;
  apiKey: string | undefined;
  /** Per model request. */
  timeoutMs: number;
  maxChunkChars: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  maxOutputTokens?: number;
  temperature?: number;
  /**
   * "schema" (default): the JSON Schema goes to the provider (constrained decoding / native structured output).
   * "json": only JSON is asked for (`Output.json()`, OpenAI's `json_object` mode); the answer is then parsed with
   * the same lenient schema here.
   */
  outputMode?: "schema" | "json";
}

interface OutputSpec<T> {
  name: string;
  description: string;
  schema: Schema<T>;
  lenient: z.ZodType<T>;
}

const ANALYSIS_OUTPUT: OutputSpec<z.output<typeof lenientAnalysisOutputSchema>> = {
  name: "call_analysis",
  description: "Summary and action items of a phone call transcript.",
  schema: analysisModelSchema,
  lenient: lenientAnalysisOutputSchema,
};

const SUMMARY_OUTPUT: OutputSpec<{ summary: string }> = {
  name: "call_summary",
  description: "One summary of the whole call.",
  schema: summaryMergeModelSchema,
  lenient: lenientSummarySchema,
};

const MAX_RETRY_AFTER_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;

export class LlmAnalyzer {
  constructor(private readonly config: LlmAnalyzerConfig) {}

  private get errorContext(): ErrorContext {
    return { provider: this.config.label, apiKey: this.config.apiKey, timeoutMs: this.config.timeoutMs };
  }

  async analyze(input: AnalysisInput, options: AnalyzeOptions = {}): Promise<AnalysisResult> {
    const chunks = chunkTranscript(input.transcript, this.config.maxChunkChars);
    if (chunks.length === 0) return { summary: "", actionItems: [] };
    const index = new TranscriptIndex(input.transcript);

    let report = emptyReport();
    const summaries: string[] = [];
    const items: AnalyzedActionItem[] = [];
    for (const [i, chunk] of chunks.entries()) {
      const raw = await this.generate(
        ANALYSIS_SYSTEM_PROMPT,
        buildAnalysisPrompt(input, { lines: chunk.lines, index: i, count: chunks.length }),
        ANALYSIS_OUTPUT,
        options.signal,
      );
      const checked = validateModelOutput(raw, index);
      report = addReports(report, checked.report);
      if (checked.result.summary) summaries.push(checked.result.summary);
      items.push(...checked.result.actionItems);
    }
    logValidationReport(this.config.name, report);

    return { summary: await this.mergeSummaries(input, summaries, options.signal), actionItems: dedupeActionItems(items, index) };
  }

  private async mergeSummaries(input: AnalysisInput, summaries: string[], signal: AbortSignal | undefined): Promise<string> {
    if (summaries.length <= 1) return summaries[0] ?? "";
    try {
      const merged = await this.generate(
        SUMMARY_MERGE_SYSTEM_PROMPT,
        buildSummaryMergePrompt(input, summaries),
        SUMMARY_OUTPUT,
        signal,
      );
      const summary = merged.summary.trim();
      if (summary) return summary;
    } catch (error) {
      if (signal?.aborted) throw error;
      const code = error instanceof StageError ? error.code : "INTERNAL";
      console.warn(`[analysis:${this.config.name}] could not combine ${summaries.length} chunk summaries (${code}); joined them instead`);
    }
    return summaries.join(" ");
  }

  /** One structured-output call with retries; resolves with the parsed (lenient) object. */
  private async generate<T>(
    system: string,
    prompt: string,
    spec: OutputSpec<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const timeout = AbortSignal.timeout(this.config.timeoutMs);
      const abortSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
      try {
        const settings = {
          model: this.config.model,
          system,
          prompt,
          maxRetries: 0,
          abortSignal,
          ...(this.config.maxOutputTokens !== undefined && { maxOutputTokens: this.config.maxOutputTokens }),
          ...(this.config.temperature !== undefined && { temperature: this.config.temperature }),
        };
        if (this.config.outputMode !== "json") {
          const result = await generateText({ ...settings, output: Output.object({ schema: spec.schema, name: spec.name, description: spec.description }) });
          return result.output;
        }
        const result = await generateText({ ...settings, output: Output.json({ name: spec.name, description: spec.description }) });
        const parsed = spec.lenient.safeParse(result.output);
        if (!parsed.success) {
          throw new StageError("PROVIDER_UNAVAILABLE", `${this.config.label} returned an answer that is not a valid analysis.`, true);
        }
        return parsed.data;
      } catch (error) {
        if (signal?.aborted) throw signal.reason ?? error; // the caller gave up: not ours to classify
        const stageError = toStageError(error, this.errorContext, timeout.aborted);
        const retryable = stageError.code === "PROVIDER_RATE_LIMITED" || stageError.code === "PROVIDER_UNAVAILABLE";
        if (!retryable || attempt >= this.config.maxRetries) throw stageError;
        const wait = retryAfterMs(error);
        if (wait !== null && wait > MAX_RETRY_AFTER_MS) throw stageError;
        await sleep(wait ?? backoffDelay(this.config.retryBaseDelayMs, attempt), signal);
      }
    }
  }
}

/** Exponential backoff with full jitter: uniform in [base·2ⁿ / 2, base·2ⁿ], capped at 30 s. */
function backoffDelay(baseMs: number, attempt: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
