import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { AnalysisInput, AnalysisProvider, AnalysisResult, AnalyzeOptions } from "../types";
import { LlmAnalyzer } from "./analyzer";
import { resolveBaseUrl, resolveLlmOptions, type LlmProviderOptions } from "./options";

/**
 * Analysis through any OpenAI-compatible chat completions API (`POST {baseUrl}/chat/completions`): OpenAI
 * (`https://api.openai.com/v1`), Ollama (`http://localhost:11434/v1`), vLLM, LM Studio, llama.cpp server, ….
 *
 * Structured output: `response_format: { type: "json_schema", json_schema: { name, strict: true, schema } }`
 * (OpenAI structured outputs; Ollama ≥ 0.5, vLLM and llama.cpp constrain decoding with it). For a server that
 * only knows JSON mode, `structuredOutputs: false` sends `response_format: { type: "json_object" }` instead;
 * the system prompt describes the fields either way. `Authorization: Bearer <apiKey>` only when a key is set
 * (Ollama needs none). No `max_tokens`/`temperature` unless configured: OpenAI's reasoning models reject them.
 */

export interface OpenAICompatibleAnalysisOptions extends LlmProviderOptions {
  /** Including the version path, e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`. */
  baseUrl: string;
  apiKey?: string;
  /** Send the JSON Schema (`json_schema`, default true) or only ask for JSON (`json_object`). */
  structuredOutputs?: boolean;
}

export class OpenAICompatibleAnalysisProvider implements AnalysisProvider {
  readonly name = "openai-compatible";
  readonly model: string;
  private readonly analyzer: LlmAnalyzer;

  constructor(options: OpenAICompatibleAnalysisOptions) {
    const { baseUrl, host } = resolveBaseUrl(options.baseUrl, "the OpenAI-compatible analysis provider");
    const resolved = resolveLlmOptions(options, "the OpenAI-compatible analysis provider");
    const apiKey = options.apiKey?.trim() || undefined;
    const structuredOutputs = options.structuredOutputs ?? true;
    const provider = createOpenAICompatible({
      name: "openai-compatible",
      baseURL: baseUrl,
      apiKey,
      supportsStructuredOutputs: structuredOutputs,
      fetch: options.fetch,
    });
    this.model = resolved.model;
    this.analyzer = new LlmAnalyzer({
      name: this.name,
      label: `The OpenAI-compatible API at ${host}`,
      model: provider.chatModel(resolved.model),
      apiKey,
      timeoutMs: resolved.timeoutMs,
      maxChunkChars: resolved.maxChunkChars,
      maxRetries: resolved.maxRetries,
      retryBaseDelayMs: resolved.retryBaseDelayMs,
      maxOutputTokens: options.maxOutputTokens,
      temperature: options.temperature,
      outputMode: structuredOutputs ? "schema" : "json",
    });
  }

  analyze(input: AnalysisInput, options?: AnalyzeOptions): Promise<AnalysisResult> {
    return this.analyzer.analyze(input, options);
  }
}
