import type { AppEnv } from "@/lib/env";
import { AnthropicAnalysisProvider, OpenAICompatibleAnalysisProvider } from "./llm";
import { LocalAnalysisProvider } from "./local";
import type { AnalysisProvider } from "./types";

/**
 * The analysis factory, chosen by config (`SCRYON_ANALYSIS_PROVIDER`): the deterministic local rules by
 * default, or a model through the AI SDK — any OpenAI-compatible server (OpenAI, Ollama, vLLM) or Anthropic.
 */
export function createAnalysisProvider(config: AppEnv["analysis"] = { provider: "local" }): AnalysisProvider {
  switch (config.provider) {
    case "openai-compatible":
      return new OpenAICompatibleAnalysisProvider({
        baseUrl: config.baseUrl,
        model: config.model,
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
      });
    case "anthropic":
      return new AnthropicAnalysisProvider({ apiKey: config.apiKey, model: config.model, ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}) });
    default:
      return new LocalAnalysisProvider();
  }
}
