import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { OpenAICompatibleAnalysisProvider, type OpenAICompatibleAnalysisOptions } from "@/lib/analysis/llm";
import { StageError } from "@/lib/pipeline/errors";
import { startStubServer, thrown, type StubRequest, type StubResponse, type StubServer } from "@/tests/speech/cloud/stub-server";
import {
  GOOD_ANSWER,
  GOOD_RESULT,
  LOCAL_DATE,
  chunkAnswer,
  jsonBody,
  longTranscript,
  makeInput,
  makeTranscript,
  segmentIdsIn,
} from "./fixtures";

/**
 * Contract tests for the OpenAI-compatible provider against a local stub that speaks the documented Chat
 * Completions API (`POST /v1/chat/completions`, `Authorization: Bearer`, `response_format: json_schema`; answer
 * `{ id, object: "chat.completion", choices: [{ message: { role, content }, finish_reason }], usage }`; errors
 * `{ error: { message, type, param, code } }`).
 */

const KEY = "sk-test-analysis-0123456789abcdefXYZ";

interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: { type: string; json_schema?: { name: string; strict: boolean; schema: Record<string, unknown> } };
}

function chatRequest(req: StubRequest): ChatRequest {
  return jsonBody(req) as unknown as ChatRequest;
}

function userPrompt(req: StubRequest): string {
  return chatRequest(req).messages.find((m) => m.role === "user")?.content ?? "";
}

function completion(content: unknown, model = "gpt-4o-mini", finishReason = "stop"): StubResponse {
  return {
    body: {
      id: "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
      object: "chat.completion",
      created: 1741920000,
      model: `${model}-2024-07-18`,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: typeof content === "string" ? content : JSON.stringify(content), refusal: null },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage: { prompt_tokens: 812, completion_tokens: 143, total_tokens: 955 },
      system_fingerprint: "fp_44709d6fcb",
    },
  };
}

function apiError(status: number, message: string, type: string, code: string | null = null, headers?: Record<string, string>): StubResponse {
  return { status, headers, body: { error: { message, type, param: null, code } } };
}

/** The documented request, or the error a real server would send. */
function checkRequest(req: StubRequest, key: string | null = KEY): StubResponse | null {
  if (req.method !== "POST" || req.path !== "/v1/chat/completions") return apiError(404, "Not found", "invalid_request_error");
  if (key !== null && req.headers.authorization !== `Bearer ${key}`) {
    return apiError(401, `Incorrect API key provided: ${String(req.headers.authorization).slice(7, 12)}***. You can find your API key at https://platform.openai.com/account/api-keys.`, "invalid_request_error", "invalid_api_key");
  }
  if (!String(req.headers["content-type"]).startsWith("application/json")) return apiError(400, "Unsupported content type", "invalid_request_error");
  return null;
}

describe("OpenAI-compatible analysis provider (contract)", () => {
  let stub: StubServer;

  const provider = (options: Partial<OpenAICompatibleAnalysisOptions> = {}) =>
    new OpenAICompatibleAnalysisProvider({
      baseUrl: `${stub.url}/v1`,
      apiKey: KEY,
      model: "gpt-4o-mini",
      timeoutMs: 5_000,
      maxRetries: 2,
      retryBaseDelayMs: 5,
      ...options,
    });

  beforeAll(async () => {
    stub = await startStubServer();
  });
  afterAll(async () => {
    await stub.close();
  });
  beforeEach(() => {
    stub.reset();
    stub.handle((req) => checkRequest(req) ?? completion(GOOD_ANSWER));
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("sends the documented request: bearer key, model, strict json_schema, system + user prompt with ids and date", async () => {
    const p = provider();
    expect(p.name).toBe("openai-compatible");
    expect(p.model).toBe("gpt-4o-mini");
    await p.analyze(makeInput());

    expect(stub.requests).toHaveLength(1);
    const req = stub.requests[0]!;
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    const body = chatRequest(req);
    expect(body.model).toBe("gpt-4o-mini");
    expect(body.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(body.response_format?.type).toBe("json_schema");
    expect(body.response_format?.json_schema?.name).toBe("call_analysis");
    expect(body.response_format?.json_schema?.strict).toBe(true);
    const schema = body.response_format?.json_schema?.schema as { required: string[]; additionalProperties: boolean };
    expect(schema.required).toEqual(["summary", "actionItems"]);
    expect(schema.additionalProperties).toBe(false);
    expect(JSON.stringify(body)).not.toContain('"max_tokens"');

    const prompt = userPrompt(req);
    expect(prompt).toContain("[s0001] Dana Reyes (SELF): Hi Sam, thanks for making the time today.");
    expect(prompt).toContain("[s0002] Sam Lee (COUNTERPARTY): Sure.");
    expect(segmentIdsIn(prompt)).toEqual(["s0001", "s0002", "s0003", "s0004", "s0005", "s0006"]);
    expect(prompt).toContain(`Thursday ${LOCAL_DATE} at 19:30 (time zone America/Los_Angeles)`);
    expect(prompt).toContain("- S1: Dana Reyes, SELF");
    expect(body.messages[0]!.content).toContain("YYYY-MM-DD");
  });

  it("parses a normal answer into an AnalysisResult", async () => {
    const result = await provider().analyze(makeInput());
    expect(result).toEqual(GOOD_RESULT);
  });

  it("sends no Authorization header without a key (Ollama) and can fall back to json_object mode", async () => {
    stub.handle((req) => checkRequest(req, null) ?? completion(GOOD_ANSWER, "llama3.1"));
    const p = provider({ apiKey: undefined, model: "llama3.1", structuredOutputs: false });
    const result = await p.analyze(makeInput());
    expect(result).toEqual(GOOD_RESULT);
    const req = stub.requests[0]!;
    expect(req.headers.authorization).toBeUndefined();
    expect(chatRequest(req).response_format).toEqual({ type: "json_object" });

    // Without constrained decoding the answer is checked here: JSON that is not an object is retried.
    stub.reset();
    stub.queue(completion("[1, 2, 3]", "llama3.1"));
    stub.handle((r) => checkRequest(r, null) ?? completion(GOOD_ANSWER, "llama3.1"));
    expect(await p.analyze(makeInput())).toEqual(GOOD_RESULT);
    expect(stub.requests).toHaveLength(2);
  });

  it("drops items citing unknown segments (logging count and ids only) and nulls bad dates and owners", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    stub.handle(
      (req) =>
        checkRequest(req) ??
        completion({
          summary: "  A short call.  ",
          actionItems: [
            { ...GOOD_ANSWER.actionItems[0], dueDate: "Friday", ownerSpeakerId: "S9", priority: "urgent" },
            { ...GOOD_ANSWER.actionItems[1], sourceSegmentIds: ["s0004", "s0099"], dueDate: "2025-02-30" },
            { ...GOOD_ANSWER.actionItems[1], title: "Invented task", sourceSegmentIds: ["s9999"], dueDate: "2025-03-20" },
            { ...GOOD_ANSWER.actionItems[1], title: "Uncited task", sourceSegmentIds: [] },
            { ...GOOD_ANSWER.actionItems[1], title: "Call Priya", sourceSegmentIds: ["s0005"], sourceText: "something nobody said", dueDate: "2025-3-14" },
          ],
        }),
    );
    const result = await provider().analyze(makeInput());
    expect(result.summary).toBe("A short call.");
    expect(result.actionItems).toEqual([
      { ...GOOD_RESULT.actionItems[0], dueDate: null, ownerSpeakerId: null, priority: "medium" },
      {
        title: "Call Priya",
        description: "Before the meeting next week.",
        dueDate: null,
        priority: "medium",
        ownerSpeakerId: "S1",
        sourceSegmentIds: ["s0005"],
        sourceText: "Will do, I'll email Priya tomorrow.",
      },
    ]);
    const logged = warn.mock.calls.map((call) => call.join(" ")).join("\n");
    expect(logged).toContain("dropped 2 action item(s) citing segment ids not in the transcript: s0099, s9999");
    expect(logged).toContain("dropped 1 action item(s) without segment citations");
    expect(logged).not.toMatch(/Priya|proposal|finance/);
    expect(logged).not.toContain(KEY);
  });

  it("retries a 429 after its Retry-After and succeeds", async () => {
    const times: number[] = [];
    stub.queue(() => {
      times.push(Date.now());
      return apiError(429, "Rate limit reached for gpt-4o-mini in organization org-x on requests per min (RPM).", "requests", "rate_limit_exceeded", {
        "retry-after": "1",
      });
    });
    stub.handle((req) => {
      times.push(Date.now());
      return checkRequest(req) ?? completion(GOOD_ANSWER);
    });
    const result = await provider({ retryBaseDelayMs: 10_000 }).analyze(makeInput());
    expect(result).toEqual(GOOD_RESULT);
    expect(stub.requests).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
    expect(times[1]! - times[0]!).toBeLessThan(5_000); // the Retry-After, not the 10 s backoff
  });

  it("does not sit out a Retry-After over 60 s: the transient error goes to the pipeline", async () => {
    stub.handle(() => apiError(429, "You exceeded your current quota.", "requests", "rate_limit_exceeded", { "retry-after": "120" }));
    const error = await thrown(() => provider().analyze(makeInput()));
    expect(error).toMatchObject({ code: "PROVIDER_RATE_LIMITED", transient: true });
    expect(stub.requests).toHaveLength(1);
  });

  it("retries a 500 and succeeds", async () => {
    stub.queue(apiError(500, "The server had an error while processing your request.", "server_error"));
    const result = await provider().analyze(makeInput());
    expect(result).toEqual(GOOD_RESULT);
    expect(stub.requests).toHaveLength(2);
  });

  it("gives up after maxRetries on repeated 503s with a transient PROVIDER_UNAVAILABLE", async () => {
    stub.handle(() => apiError(503, "The engine is currently overloaded, please try again later.", "server_error"));
    const error = await thrown(() => provider({ maxRetries: 2 }).analyze(makeInput()));
    expect(error).toBeInstanceOf(StageError);
    expect(error).toMatchObject({ code: "PROVIDER_UNAVAILABLE", transient: true });
    expect(stub.requests).toHaveLength(3);
  });

  it("fails at once on a 400 as permanent PROVIDER_REJECTED, quoting the vendor but never the key", async () => {
    stub.handle(() =>
      apiError(400, `This model's maximum context length is 128000 tokens (key ${KEY}).`, "invalid_request_error", "context_length_exceeded"),
    );
    const error = await thrown(() => provider().analyze(makeInput()));
    expect(error).toBeInstanceOf(StageError);
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", transient: false });
    expect((error as Error).message).toContain("maximum context length");
    expect((error as Error).message).not.toContain(KEY);
    expect(stub.requests).toHaveLength(1);
  });

  it("fails at once on a 401 as permanent PROVIDER_REJECTED without the key anywhere in the error", async () => {
    const wrong = "sk-wrong-key-abcdefghijklmnopqrstuvwxyz0123";
    const error = await thrown(() => provider({ apiKey: wrong }).analyze(makeInput()));
    expect(error).toBeInstanceOf(StageError);
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", transient: false });
    expect((error as Error).message).toMatch(/refused the API key \(HTTP 401\)/);
    const everything = [error, (error as Error).cause].map((e) => `${String(e)} ${JSON.stringify(e)} ${(e as Error).stack}`).join(" ");
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain("sk-wr");
    expect(everything).not.toContain("Priya"); // nor the transcript (the SDK error holds the request body)
    expect(stub.requests).toHaveLength(1);
  });

  it("retries an answer that is not valid JSON, then reports it as transient", async () => {
    stub.queue(completion("Sure! Here are the action items: ..."));
    expect(await provider().analyze(makeInput())).toEqual(GOOD_RESULT);
    expect(stub.requests).toHaveLength(2);

    stub.reset();
    stub.handle(() => completion('{"summary": "cut of', "gpt-4o-mini", "length"));
    const error = await thrown(() => provider({ maxRetries: 1 }).analyze(makeInput()));
    expect(error).toMatchObject({ code: "PROVIDER_UNAVAILABLE", transient: true });
    expect((error as Error).message).toContain("not a valid analysis");
    expect(stub.requests).toHaveLength(2);
  });

  it("turns a timeout into a transient PROVIDER_TIMEOUT (not retried here)", async () => {
    stub.handle(() => "hang");
    const started = Date.now();
    const error = await thrown(() => provider({ timeoutMs: 300 }).analyze(makeInput()));
    expect(error).toBeInstanceOf(StageError);
    expect(error).toMatchObject({ code: "PROVIDER_TIMEOUT", transient: true });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(stub.requests).toHaveLength(1);
  });

  it("turns an unreachable server into a transient PROVIDER_UNAVAILABLE", async () => {
    const dead = await startStubServer();
    const url = dead.url;
    await dead.close();
    const error = await thrown(() => provider({ baseUrl: `${url}/v1`, maxRetries: 1 }).analyze(makeInput()));
    expect(error).toMatchObject({ code: "PROVIDER_UNAVAILABLE", transient: true });
    expect((error as Error).message).not.toContain(KEY);
  });

  it("stops when the caller aborts", async () => {
    stub.handle(() => "hang");
    const controller = new AbortController();
    const reason = new Error("cancelled by test");
    setTimeout(() => controller.abort(reason), 100);
    const error = await thrown(() => provider().analyze(makeInput(), { signal: controller.signal }));
    expect(error).toBe(reason);
  });

  it("chunks a long transcript, analyses each chunk, merges and de-duplicates the items, and combines the summaries", async () => {
    const transcript = longTranscript(30);
    stub.handle((req) => {
      const bad = checkRequest(req);
      if (bad) return bad;
      const body = chatRequest(req);
      if (body.response_format?.json_schema?.name === "call_summary") return completion({ summary: "The whole call, combined." });
      return completion(chunkAnswer(segmentIdsIn(userPrompt(req))));
    });
    const result = await provider({ maxChunkChars: 1_000 }).analyze(makeInput(transcript));

    const chunkRequests = stub.requests.filter((r) => chatRequest(r).response_format?.json_schema?.name === "call_analysis");
    expect(chunkRequests.length).toBeGreaterThanOrEqual(3);
    const seen = chunkRequests.map((r) => segmentIdsIn(userPrompt(r)));
    // Every segment exactly once, in order, and no chunk over the limit.
    expect(seen.flat()).toEqual(transcript.segments.map((s) => s.id));
    for (const r of chunkRequests) {
      const lines = userPrompt(r).split("\n").filter((line) => /^\[s\d{4}\]/.test(line));
      expect(lines.reduce((n, line) => n + line.length + 1, 0)).toBeLessThanOrEqual(1_000);
    }
    expect(userPrompt(chunkRequests[1]!)).toContain(`part 2 of ${chunkRequests.length}`);

    // Items of all chunks, the repeated one merged into one item citing every chunk's first segment.
    expect(result.actionItems.filter((i) => i.title.startsWith("Handle task"))).toHaveLength(30);
    expect(result.actionItems.map((i) => i.title).slice(0, 2)).toEqual(["Handle task number 1", "Handle task number 2"]);
    const review = result.actionItems.filter((i) => i.title === "Review the quarter plan");
    expect(review).toHaveLength(1);
    expect(review[0]!.sourceSegmentIds).toEqual(seen.map((ids) => ids[0]));
    expect(result.actionItems[0]!.sourceText).toBe(transcript.segments[0]!.text); // empty quote → the segment's text

    // One more call combines the chunk summaries.
    const last = stub.requests.at(-1)!;
    expect(chatRequest(last).response_format?.json_schema?.name).toBe("call_summary");
    expect(userPrompt(last)).toContain("Part covering s0001");
    expect(stub.requests).toHaveLength(chunkRequests.length + 1);
    expect(result.summary).toBe("The whole call, combined.");
  });

  it("joins the chunk summaries when the combining call fails", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    stub.handle((req) => {
      if (chatRequest(req).response_format?.json_schema?.name === "call_summary") return apiError(400, "Bad request", "invalid_request_error");
      return completion(chunkAnswer(segmentIdsIn(userPrompt(req))));
    });
    const result = await provider({ maxChunkChars: 1_000 }).analyze(makeInput(longTranscript(12)));
    expect(result.summary).toMatch(/^Part covering s0001 to s\d{4}\. Part covering /);
    expect(warn.mock.calls.flat().join(" ")).toContain("joined them instead");
  });

  it("returns an empty analysis for an empty transcript without calling the model", async () => {
    const empty = makeTranscript([]);
    expect(await provider().analyze(makeInput(empty))).toEqual({ summary: "", actionItems: [] });
    const silent = makeTranscript([["S1", "   "]]);
    expect(await provider().analyze(makeInput(silent))).toEqual({ summary: "", actionItems: [] });
    expect(stub.requests).toHaveLength(0);
  });

  it("rejects a missing model or an invalid base URL as INVALID_CONFIG", () => {
    expect(() => provider({ model: " " })).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
    expect(() => provider({ baseUrl: "not a url" })).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
  });
});
