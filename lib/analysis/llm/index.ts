/**
 * The LLM analysis providers (summary + action items from a normalized transcript) and their shared core.
 * See analyzer.ts for chunking, retries and merging; validate.ts for what is checked in the model's answer.
 */
export { OpenAICompatibleAnalysisProvider, type OpenAICompatibleAnalysisOptions } from "./openai-compatible";
export { AnthropicAnalysisProvider, type AnthropicAnalysisOptions } from "./anthropic";
export type { LlmProviderOptions } from "./options";
export { LlmAnalyzer, type LlmAnalyzerConfig } from "./analyzer";
export { DEFAULT_MAX_CHUNK_CHARS, chunkTranscript, spokenSegments, type TranscriptChunk } from "./chunking";
export {
  ANALYSIS_SYSTEM_PROMPT,
  SUMMARY_MERGE_SYSTEM_PROMPT,
  buildAnalysisPrompt,
  buildSummaryMergePrompt,
  formatCallContext,
  formatSegmentLine,
  localDateParts,
  safeTimeZone,
} from "./prompt";
export {
  analysisOutputSchema,
  lenientAnalysisOutputSchema,
  summaryMergeOutputSchema,
  type RawActionItem,
  type RawAnalysisOutput,
} from "./schema";
export {
  TranscriptIndex,
  cleanTitle,
  dedupeActionItems,
  logValidationReport,
  validDate,
  validPriority,
  validateModelOutput,
  type ValidationReport,
} from "./validate";
export { toStageError } from "./errors";
