import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AnthropicAnalysisProvider, type AnthropicAnalysisOptions } from "@/lib/analysis/llm";
import { StageError } from "@/lib/pipeline/errors";
import { startStubServer, thrown, type StubRequest, type StubResponse, type StubServer } from "@/tests/speech/cloud/stub-server";
import { GOOD_ANSWER, GOOD_RESULT, LOCAL_DATE, chunkAnswer, jsonBody, longTranscript, makeInput, makeTranscript, segmentIdsIn } from "./fixtures";

/**
 * Contract tests for the Anthropic provider against a local stub that speaks the documented Messages API
 * (`POST /v1/messages`, headers `x-api-key` + `anthropic-version: 2023-06-01`; answer `{ id, type: "message",
 * role, model, content: [...], stop_reason, usage }`; errors `{ type: "error", error: { type, message } }`).
 * Structured output comes back as a JSON `text` block (`output_config.format`, newer models) or as a `tool_use`
 * block of the forced `json` tool (older models); the stub answers in whichever form the request asks for.
 */

const KEY = "sk-ant-api03-test-0123456789abcdefXYZ";
const MODEL = "claude-sonnet-4-5";

interface MessagesRequest {
  model: string;
  max_tokens: number;
  system?: { type: string; text: string }[];
  messages: { role: string; content: { type: string; text: string }[] }[];
  output_config?: { format?: { type: string; schema: Record<string, unknown> } };
  tools?: { name: string; input_schema: Record<string, unknown> }[];
  tool_choice?: { type: string };
}

function messagesRequest(req: StubRequest): MessagesRequest {
  return jsonBody(req) as unknown as MessagesRequest;
}

function userPrompt(req: StubRequest): string {
  return messagesRequest(req)
    .messages.filter((m) => m.role === "user")
    .flatMap((m) => m.content.map((c) => c.text))
    .join("\n");
}

/** A successful answer carrying `value`, as a JSON text block or a `json` tool call (when the request has tools). */
function message(req: StubRequest, value: unknown): StubResponse {
  const body = messagesRequest(req);
  const asTool = Array.isArray(body.tools) && body.tools.some((t) => t.name === "json");
  return {
    body: {
      id: "msg_01XFDUDYJgAACzvnptvVoYEL",
      type: "message",
      role: "assistant",
      model: `${body.model}-20250929`,
      content: asTool
        ? [{ type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name: "json", input: value }]
        : [{ type: "text", text: typeof value === "string" ? value : JSON.stringify(value) }],
      stop_reason: asTool ? "tool_use" : "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 2095, output_tokens: 503 },
    },
  };
}

function apiError(status: number, type: string, text: string, headers?: Record<string, string>): StubResponse {
  return { status, headers, body: { type: "error", error: { type, message: text }, request_id: "req_011CSHoEeqs5C35K2UUqR7Fy" } };
}

function checkRequest(req: StubRequest): StubResponse | null {
  if (req.method !== "POST" || req.path !== "/v1/messages") return apiError(404, "not_found_error", "Not found");
  if (req.headers["x-api-key"] !== KEY) return apiError(401, "authentication_error", "invalid x-api-key");
  if (req.headers["anthropic-version"] !== "2023-06-01") return apiError(400, "invalid_request_error", "anthropic-version header is required");
  const body = messagesRequest(req);
  if (typeof body.max_tokens !== "number") return apiError(400, "invalid_request_error", "max_tokens: Field required");
  return null;
}

describe("Anthropic analysis provider (contract)", () => {
  let stub: StubServer;

  const provider = (options: Partial<AnthropicAnalysisOptions> = {}) =>
    new AnthropicAnalysisProvider({
      apiKey: KEY,
      baseUrl: `${stub.url}/v1`,
      model: MODEL,
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
    stub.handle((req) => checkRequest(req) ?? message(req, GOOD_ANSWER));
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("sends the documented request: x-api-key, anthropic-version, model, max_tokens, json_schema output, prompt with ids and date", async () => {
    const p = provider();
    expect(p.name).toBe("anthropic");
    expect(p.model).toBe(MODEL);
    const result = await p.analyze(makeInput());
    expect(result).toEqual(GOOD_RESULT);

    expect(stub.requests).toHaveLength(1);
    const req = stub.requests[0]!;
    expect(req.headers["x-api-key"]).toBe(KEY);
    expect(req.headers["anthropic-version"]).toBe("2023-06-01");
    expect(req.headers.authorization).toBeUndefined();
    const body = messagesRequest(req);
    expect(body.model).toBe(MODEL);
    expect(body.max_tokens).toBe(8192);
    expect(body.output_config?.format?.type).toBe("json_schema");
    expect(body.output_config?.format?.schema).toMatchObject({ type: "object", required: ["summary", "actionItems"] });
    expect(body.tools).toBeUndefined();
    expect(body.system?.[0]?.text).toContain("YYYY-MM-DD");

    const prompt = userPrompt(req);
    expect(prompt).toContain("[s0003] Dana Reyes (SELF): I did. I'll send you the revised proposal by Friday.");
    expect(segmentIdsIn(prompt)).toEqual(["s0001", "s0002", "s0003", "s0004", "s0005", "s0006"]);
    expect(prompt).toContain(`Thursday ${LOCAL_DATE} at 19:30 (time zone America/Los_Angeles)`);
  });

  it("reads the forced json tool's tool_use block for models without native structured output", async () => {
    const result = await provider({ model: "claude-3-5-haiku-20241022" }).analyze(makeInput());
    expect(result).toEqual(GOOD_RESULT);
    const body = messagesRequest(stub.requests[0]!);
    expect(body.output_config).toBeUndefined();
    expect(body.tools?.map((t) => t.name)).toEqual(["json"]);
    expect(body.tools?.[0]?.input_schema).toMatchObject({ type: "object", required: ["summary", "actionItems"] });
    expect(body.tool_choice?.type).toBe("any");
  });

  it("drops items citing unknown segments and nulls bad dates", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    stub.handle(
      (req) =>
        checkRequest(req) ??
        message(req, {
          summary: GOOD_ANSWER.summary,
          actionItems: [
            { ...GOOD_ANSWER.actionItems[0], dueDate: "next Friday" },
            { ...GOOD_ANSWER.actionItems[1], sourceSegmentIds: ["s0042"] },
            { ...GOOD_ANSWER.actionItems[1], dueDate: "2025-13-01" },
          ],
        }),
    );
    const result = await provider().analyze(makeInput());
    expect(result.actionItems).toEqual([
      { ...GOOD_RESULT.actionItems[0], dueDate: null },
      { ...GOOD_RESULT.actionItems[1], dueDate: null },
    ]);
    expect(warn.mock.calls.flat().join(" ")).toContain("dropped 1 action item(s) citing segment ids not in the transcript: s0042");
  });

  it("retries a 429 rate_limit_error after its Retry-After", async () => {
    const times: number[] = [];
    stub.queue(() => {
      times.push(Date.now());
      return apiError(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", { "retry-after": "1" });
    });
    stub.handle((req) => {
      times.push(Date.now());
      return checkRequest(req) ?? message(req, GOOD_ANSWER);
    });
    expect(await provider({ retryBaseDelayMs: 10_000 }).analyze(makeInput())).toEqual(GOOD_RESULT);
    expect(stub.requests).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
    expect(times[1]! - times[0]!).toBeLessThan(5_000);
  });

  it("retries a 500 api_error and a 529 overloaded_error", async () => {
    stub.queue(apiError(500, "api_error", "Internal server error"), apiError(529, "overloaded_error", "Overloaded"));
    expect(await provider().analyze(makeInput())).toEqual(GOOD_RESULT);
    expect(stub.requests).toHaveLength(3);
  });

  it("fails at once on a 401 as permanent PROVIDER_REJECTED without the key in the error", async () => {
    const wrong = "sk-ant-api03-wrong-abcdefghijklmnopqrstuvwxyz";
    const error = await thrown(() => provider({ apiKey: wrong }).analyze(makeInput()));
    expect(error).toBeInstanceOf(StageError);
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", transient: false });
    const everything = [error, (error as Error).cause].map((e) => `${String(e)} ${JSON.stringify(e)}`).join(" ");
    expect(everything).not.toContain(wrong);
    expect(stub.requests).toHaveLength(1);
  });

  it("fails at once on a 400 invalid_request_error as permanent PROVIDER_REJECTED", async () => {
    stub.handle(() => apiError(400, "invalid_request_error", "model: claude-nope is not a valid model"));
    const error = await thrown(() => provider().analyze(makeInput()));
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", transient: false });
    expect((error as Error).message).toContain("not a valid model");
    expect((error as Error).message).not.toContain(KEY);
    expect(stub.requests).toHaveLength(1);
  });

  it("turns a timeout into a transient PROVIDER_TIMEOUT", async () => {
    stub.handle(() => "hang");
    const error = await thrown(() => provider({ timeoutMs: 300 }).analyze(makeInput()));
    expect(error).toBeInstanceOf(StageError);
    expect(error).toMatchObject({ code: "PROVIDER_TIMEOUT", transient: true });
    expect(stub.requests).toHaveLength(1);
  });

  it("chunks a long transcript into several requests and merges the items of all chunks", async () => {
    const transcript = longTranscript(20);
    stub.handle((req) => {
      const bad = checkRequest(req);
      if (bad) return bad;
      const prompt = userPrompt(req);
      const ids = segmentIdsIn(prompt);
      return ids.length > 0 ? message(req, chunkAnswer(ids)) : message(req, { summary: "Combined summary." });
    });
    const result = await provider({ maxChunkChars: 800 }).analyze(makeInput(transcript));
    const chunkRequests = stub.requests.filter((r) => segmentIdsIn(userPrompt(r)).length > 0);
    expect(chunkRequests.length).toBeGreaterThanOrEqual(3);
    expect(chunkRequests.flatMap((r) => segmentIdsIn(userPrompt(r)))).toEqual(transcript.segments.map((s) => s.id));
    expect(result.actionItems.filter((i) => i.title.startsWith("Handle task"))).toHaveLength(20);
    expect(result.actionItems.filter((i) => i.title === "Review the quarter plan")).toHaveLength(1);
    expect(result.summary).toBe("Combined summary.");
    expect(stub.requests).toHaveLength(chunkRequests.length + 1);
  });

  it("returns an empty analysis for an empty transcript without calling the API", async () => {
    expect(await provider().analyze(makeInput(makeTranscript([])))).toEqual({ summary: "", actionItems: [] });
    expect(stub.requests).toHaveLength(0);
  });

  it("requires an API key", () => {
    expect(() => provider({ apiKey: "" })).toThrow(expect.objectContaining({ code: "INVALID_CONFIG", transient: false }));
  });
});
