import { createAnthropic } from "@ai-sdk/anthropic";
import { StageError } from "@/lib/pipeline/errors";
import type { AnalysisInput, AnalysisProvider, AnalysisResult, AnalyzeOptions } from "../types";
import { LlmAnalyzer } from "./analyzer";
import { resolveBaseUrl, resolveLlmOptions, type LlmProviderOptions } from "./options";

/**
 * Analysis through the Anthropic Messages API (`POST {baseUrl}/messages`, headers `x-api-key` and
 * `anthropic-version: 2023-06-01`).
 *
 * Structured output, as the AI SDK picks it per model: models with native structured outputs (Claude Sonnet/
 * Opus/Haiku 4.5 and later) get `output_config.format: { type: "json_schema", schema }` and answer with a
 * JSON `text` block; older ones get a forced tool (`tools: [{ name: "json", input_schema }]`, `tool_choice:
 * { type: "any" }`) and answer with a `tool_use` block. `max_tokens` (required by the API) defaults to 8192.
 */

export interface AnthropicAnalysisOptions extends LlmProviderOptions {
  apiKey: string;
  /** Default `https://api.anthropic.com/v1`. */
  baseUrl?: string;
}

const DEFAULT_BASE_URL = "https://api.anthropic.com/v1";
const DEFAULT_MAX_OUTPUT_TOKENS = 8192;

export class AnthropicAnalysisProvider implements AnalysisProvider {
  readonly name = "anthropic";
  readonly model: string;
  private readonly analyzer: LlmAnalyzer;

  constructor(options: AnthropicAnalysisOptions) {
    const apiKey = options.apiKey?.trim();
    if (!apiKey) throw new StageError("INVALID_CONFIG", "No API key is configured for the Anthropic analysis provider.", false);
    const { baseUrl } = resolveBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL, "the Anthropic analysis provider");
    const resolved = resolveLlmOptions(options, "the Anthropic analysis provider");
    // baseURL is always passed: the SDK would otherwise fall back to the ANTHROPIC_BASE_URL environment variable.
    const provider = createAnthropic({ baseURL: baseUrl, apiKey, fetch: options.fetch });
    this.model = resolved.model;
    this.analyzer = new LlmAnalyzer({
      name: this.name,
      label: "Anthropic",
      model: provider.messages(resolved.model),
      apiKey,
      timeoutMs: resolved.timeoutMs,
      maxChunkChars: resolved.maxChunkChars,
      maxRetries: resolved.maxRetries,
      retryBaseDelayMs: resolved.retryBaseDelayMs,
      maxOutputTokens: options.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
      temperature: options.temperature,
    });
  }

  analyze(input: AnalysisInput, options?: AnalyzeOptions): Promise<AnalysisResult> {
    return this.analyzer.analyze(input, options);
  }
}
