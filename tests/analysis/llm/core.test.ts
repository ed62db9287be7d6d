import { APICallError, NoObjectGeneratedError } from "ai";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  TranscriptIndex,
  analysisOutputSchema,
  buildAnalysisPrompt,
  chunkTranscript,
  cleanTitle,
  dedupeActionItems,
  formatCallContext,
  formatSegmentLine,
  lenientAnalysisOutputSchema,
  localDateParts,
  logValidationReport,
  safeTimeZone,
  toStageError,
  validDate,
  validPriority,
  validateModelOutput,
  type RawActionItem,
} from "@/lib/analysis/llm";
import { speakerMap } from "@/lib/analysis/llm/prompt";
import { StageError } from "@/lib/pipeline/errors";
import { LINES, SPEAKERS, longTranscript, makeInput, makeTranscript } from "./fixtures";

const KEY = "sk-unit-test-key-0123456789abcdef";

function raw(item: Partial<RawActionItem>): RawActionItem {
  return {
    sourceSegmentIds: ["s0003"],
    sourceText: null,
    title: "Send the proposal",
    description: null,
    ownerSpeakerId: null,
    dueDate: null,
    priority: "medium",
    ...item,
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("prompt", () => {
  it("formats each segment as `[id] Name (ROLE): text` on one line", () => {
    const transcript = makeTranscript();
    const speakers = speakerMap(transcript);
    expect(formatSegmentLine(transcript.segments[0]!, speakers)).toBe("[s0001] Dana Reyes (SELF): Hi Sam, thanks for making the time today.");
    const unnamed = { ...transcript.segments[1]!, speakerId: "S3", text: "Two\nlines  here" };
    expect(formatSegmentLine(unnamed, speakers)).toBe("[s0002] S3 (UNKNOWN): Two lines here");
    const labelled = makeTranscript([["S2", "Hello"]], [{ id: "S2", label: "Speaker 2", role: "OTHER", displayName: null, confidence: null }]);
    expect(formatSegmentLine(labelled.segments[0]!, speakerMap(labelled))).toBe("[s0001] Speaker 2 (OTHER): Hello");
  });

  it("gives the recorded date, weekday and time in the call's time zone, and the speakers with their ids", () => {
    const context = formatCallContext(makeInput());
    expect(context).toContain("Recorded: Thursday 2025-03-13 at 19:30 (time zone America/Los_Angeles). Resolve relative dates against 2025-03-13.");
    expect(context).toContain("Call title: Renewal call with Acme");
    expect(context).toContain("Contact: Sam Lee, Acme Corp");
    expect(context).toContain("Direction: outgoing");
    expect(context).toContain("- S1: Dana Reyes, SELF (the person who recorded the call)");
    expect(context).toContain("- S2: Sam Lee, COUNTERPARTY");
  });

  it("falls back to UTC for an unknown time zone", () => {
    expect(safeTimeZone("Mars/Olympus_Mons")).toBe("UTC");
    expect(safeTimeZone("Europe/Berlin")).toBe("Europe/Berlin");
    expect(localDateParts(new Date("2025-03-14T02:30:00Z"), "Mars/Olympus_Mons")).toEqual({ date: "2025-03-14", weekday: "Friday", time: "02:30" });
    const input = makeInput();
    input.call.timeZone = "nowhere";
    expect(formatCallContext(input)).toContain("Friday 2025-03-14 at 02:30 (time zone UTC)");
  });

  it("says which part of how many a chunk is", () => {
    const prompt = buildAnalysisPrompt(makeInput(), { lines: ["[s0001] A (SELF): hi"], index: 1, count: 3 });
    expect(prompt).toContain("part 2 of 3");
    expect(prompt.endsWith("[s0001] A (SELF): hi")).toBe(true);
    expect(buildAnalysisPrompt(makeInput(), { lines: [], index: 0, count: 1 })).toContain("Transcript:");
  });
});

describe("chunking", () => {
  it("keeps a normal call in one chunk", () => {
    const chunks = chunkTranscript(makeTranscript());
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.segmentIds).toEqual(["s0001", "s0002", "s0003", "s0004", "s0005", "s0006"]);
  });

  it("splits at segment boundaries into chunks of at most maxChars, covering every segment once in order", () => {
    const transcript = longTranscript(50);
    const chunks = chunkTranscript(transcript, 1_000);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.flatMap((c) => c.segmentIds)).toEqual(transcript.segments.map((s) => s.id));
    for (const chunk of chunks) {
      expect(chunk.chars).toBeLessThanOrEqual(1_000);
      expect(chunk.chars).toBe(chunk.lines.reduce((n, line) => n + line.length + 1, 0));
    }
    // Greedy: a chunk is only closed when the next line would not fit.
    for (let i = 0; i < chunks.length - 1; i++) expect(chunks[i]!.chars + chunks[i + 1]!.lines[0]!.length + 1).toBeGreaterThan(1_000);
  });

  it("puts a line longer than the limit in a chunk of its own and skips empty segments", () => {
    const transcript = makeTranscript([
      ["S1", "short"],
      ["S2", "x".repeat(500)],
      ["S1", "  "],
      ["S1", "short again"],
    ]);
    const chunks = chunkTranscript(transcript, 100);
    expect(chunks.map((c) => c.segmentIds)).toEqual([["s0001"], ["s0002"], ["s0004"]]);
    expect(chunkTranscript(makeTranscript([]))).toEqual([]);
  });
});

describe("schema", () => {
  it("sends a JSON Schema that OpenAI strict mode accepts: all properties required, no extra properties, no defaults", () => {
    const schema = z.toJSONSchema(analysisOutputSchema, { target: "draft-7" });
    const visit = (node: unknown): void => {
      if (!node || typeof node !== "object") return;
      const n = node as Record<string, unknown>;
      expect(n).not.toHaveProperty("default");
      if (n.type === "object") {
        expect(n.additionalProperties).toBe(false);
        expect([...(n.required as string[])].sort()).toEqual(Object.keys(n.properties as object).sort());
      }
      Object.values(n).forEach(visit);
    };
    visit(schema);
  });

  it("parses near-miss answers leniently instead of throwing", () => {
    const parsed = lenientAnalysisOutputSchema.parse({
      summary: 42,
      actionItems: [
        { title: "A", sourceSegmentIds: [3, "s0004"], priority: "urgent", ownerSpeakerId: 1 },
        "not an item",
        null,
        { sourceSegmentIds: "s0001" },
      ],
    });
    expect(parsed.summary).toBe("");
    expect(parsed.actionItems).toEqual([
      { title: "A", sourceSegmentIds: ["3", "s0004"], sourceText: null, description: null, ownerSpeakerId: "1", dueDate: null, priority: "urgent" },
      { title: "", sourceSegmentIds: [], sourceText: null, description: null, ownerSpeakerId: null, dueDate: null, priority: null },
    ]);
    expect(lenientAnalysisOutputSchema.parse({}).actionItems).toEqual([]);
  });
});

describe("validation", () => {
  const index = new TranscriptIndex(makeTranscript());

  it("keeps a good item as it is", () => {
    const { result, report } = validateModelOutput(
      {
        summary: "  Sum.  ",
        actionItems: [raw({ sourceText: "send you the revised proposal", ownerSpeakerId: "S1", dueDate: "2025-03-14", priority: "high" })],
      },
      index,
    );
    expect(result).toEqual({
      summary: "Sum.",
      actionItems: [
        {
          title: "Send the proposal",
          description: null,
          dueDate: "2025-03-14",
          priority: "high",
          ownerSpeakerId: "S1",
          sourceSegmentIds: ["s0003"],
          sourceText: "send you the revised proposal",
        },
      ],
    });
    expect(report.droppedUnknownCitations + report.droppedWithoutCitations + report.droppedWithoutTitle).toBe(0);
  });

  it("drops items citing unknown ids, items citing nothing and items without a title, and reports them", () => {
    const { result, report } = validateModelOutput(
      {
        summary: "",
        actionItems: [
          raw({ sourceSegmentIds: ["s0003", "s0777"] }),
          raw({ sourceSegmentIds: ["bogus id with words in it"] }),
          raw({ sourceSegmentIds: [] }),
          raw({ title: "   " }),
          raw({ title: "Kept" }),
        ],
      },
      index,
    );
    expect(result.actionItems.map((i) => i.title)).toEqual(["Kept"]);
    expect(report).toEqual({
      droppedUnknownCitations: 2,
      unknownSegmentIds: ["s0777", "bogusidwithwordsinit"],
      droppedWithoutCitations: 1,
      droppedWithoutTitle: 1,
    });
  });

  it("forgives bracket, case and padding noise in cited ids, and orders them as in the transcript", () => {
    const { result } = validateModelOutput({ summary: "", actionItems: [raw({ sourceSegmentIds: ["[s0005]", "S0004", "3", "s4", " s0005 "] })] }, index);
    expect(result.actionItems[0]!.sourceSegmentIds).toEqual(["s0003", "s0004", "s0005"]);
  });

  it("accepts only real YYYY-MM-DD dates", () => {
    expect(validDate("2025-03-14")).toBe("2025-03-14");
    expect(validDate(" 2024-02-29 ")).toBe("2024-02-29");
    for (const bad of ["2025-02-29", "2025-02-30", "2025-13-01", "2025-3-14", "Friday", "2025-03-14T00:00:00Z", "14/03/2025", "", null]) {
      expect(validDate(bad)).toBeNull();
    }
  });

  it("maps priorities outside low/medium/high to medium", () => {
    expect(validPriority("high")).toBe("high");
    expect(validPriority(" LOW ")).toBe("low");
    expect(validPriority("urgent")).toBe("medium");
    expect(validPriority(null)).toBe("medium");
  });

  it("keeps owners that are transcript speakers (by id or unambiguous name), else null", () => {
    const owner = (ownerSpeakerId: string | null) =>
      validateModelOutput({ summary: "", actionItems: [raw({ ownerSpeakerId })] }, index).result.actionItems[0]!.ownerSpeakerId;
    expect(owner("S2")).toBe("S2");
    expect(owner("s1")).toBe("S1");
    expect(owner("Sam Lee")).toBe("S2");
    expect(owner("S7")).toBeNull();
    expect(owner("Priya")).toBeNull();
    expect(owner(null)).toBeNull();
    const twins = new TranscriptIndex(
      makeTranscript(LINES, [
        { ...SPEAKERS[0]!, displayName: "Alex" },
        { ...SPEAKERS[1]!, displayName: "Alex" },
      ]),
    );
    expect(twins.resolveSpeakerId("Alex")).toBeNull();
  });

  it("trims titles to one line of at most 200 characters", () => {
    expect(cleanTitle("  Send\n the   proposal ")).toBe("Send the proposal");
    const long = cleanTitle("word ".repeat(100));
    expect(long.length).toBeLessThanOrEqual(200);
    expect(long.endsWith("…")).toBe(true);
  });

  it("uses the cited segments' text when the quote is missing or not in them", () => {
    const text = (sourceText: string | null, ids = ["s0003", "s0005"]) =>
      validateModelOutput({ summary: "", actionItems: [raw({ sourceText, sourceSegmentIds: ids })] }, index).result.actionItems[0]!.sourceText;
    const cited = `${LINES[2]![1]} ${LINES[4]![1]}`;
    expect(text(null)).toBe(cited);
    expect(text("")).toBe(cited);
    expect(text("I will send a contract")).toBe(cited);
    expect(text("Hi Sam, thanks")).toBe(cited); // said, but not in the cited segments
    expect(text("i'll SEND you the revised proposal")).toBe("i'll SEND you the revised proposal");
    expect(text("I'll email Priya tomorrow")).toBe("I'll email Priya tomorrow");
  });

  it("de-duplicates items with the same title, merging citations, priority, date and owner", () => {
    const items = validateModelOutput(
      {
        summary: "",
        actionItems: [
          raw({ title: "Send the proposal!", sourceSegmentIds: ["s0005"], priority: "low" }),
          raw({ title: "Email Priya", sourceSegmentIds: ["s0005"] }),
          raw({ title: "send the proposal", sourceSegmentIds: ["s0003"], priority: "high", dueDate: "2025-03-14", ownerSpeakerId: "S1" }),
        ],
      },
      index,
    ).result.actionItems;
    expect(items.map((i) => i.title)).toEqual(["Send the proposal!", "Email Priya"]);
    expect(items[0]).toMatchObject({ sourceSegmentIds: ["s0003", "s0005"], priority: "high", dueDate: "2025-03-14", ownerSpeakerId: "S1" });
    expect(items[0]!.sourceText).toBe(`${LINES[4]![1]} … ${LINES[2]![1]}`);
    expect(dedupeActionItems(items, index)).toEqual(items);
  });

  it("logs counts and ids only", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    logValidationReport("test", { droppedUnknownCitations: 2, unknownSegmentIds: ["s0099", "s1234"], droppedWithoutCitations: 0, droppedWithoutTitle: 1 });
    expect(warn.mock.calls.map((c) => c.join(" "))).toEqual([
      "[analysis:test] dropped 2 action item(s) citing segment ids not in the transcript: s0099, s1234",
      "[analysis:test] dropped 1 action item(s) without a title",
    ]);
    warn.mockClear();
    logValidationReport("test", { droppedUnknownCitations: 0, unknownSegmentIds: [], droppedWithoutCitations: 0, droppedWithoutTitle: 0 });
    expect(warn).not.toHaveBeenCalled();
  });
});

describe("error mapping", () => {
  const context = { provider: "Test LLM", apiKey: KEY, timeoutMs: 30_000 };
  const apiError = (statusCode: number | undefined, message = "boom", headers?: Record<string, string>) =>
    new APICallError({
      message,
      url: "http://127.0.0.1/v1/chat/completions",
      requestBodyValues: { messages: [{ content: "transcript text" }] },
      statusCode,
      responseHeaders: headers,
      isRetryable: statusCode === undefined || statusCode === 429 || statusCode >= 500,
    });

  it("maps HTTP statuses like the pipeline does", () => {
    expect(toStageError(apiError(429), context)).toMatchObject({ code: "PROVIDER_RATE_LIMITED", transient: true });
    expect(toStageError(apiError(500), context)).toMatchObject({ code: "PROVIDER_UNAVAILABLE", transient: true });
    expect(toStageError(apiError(529), context)).toMatchObject({ code: "PROVIDER_UNAVAILABLE", transient: true });
    expect(toStageError(apiError(408), context)).toMatchObject({ code: "PROVIDER_TIMEOUT", transient: true });
    expect(toStageError(apiError(404, "The model `gpt-9` does not exist"), context)).toMatchObject({ code: "PROVIDER_REJECTED", transient: false });
    expect(toStageError(apiError(undefined, "Cannot connect to API: connect ECONNREFUSED"), context)).toMatchObject({
      code: "PROVIDER_UNAVAILABLE",
      transient: true,
    });
  });

  it("never carries the key, the vendor's 401 text or the request body", () => {
    const error = toStageError(apiError(401, `Incorrect API key provided: ${KEY.slice(0, 8)}***`), context);
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", transient: false });
    expect(error.message).not.toContain(KEY.slice(0, 8));
    const rejected = toStageError(apiError(400, `Bad thing with ${KEY} inside`), context);
    expect(rejected.message).toContain("Bad thing with [redacted] inside");
    for (const e of [error, rejected]) expect(JSON.stringify({ e, cause: e.cause, m: (e.cause as Error).message })).not.toMatch(/transcript text|sk-unit/);
  });

  it("treats an unusable answer as transient and a timeout as PROVIDER_TIMEOUT", () => {
    const noObject = new NoObjectGeneratedError({
      message: "No object generated: could not parse the response.",
      text: "not json",
      response: { id: "x", timestamp: new Date(), modelId: "m" },
      usage: {} as never,
      finishReason: "stop",
    });
    expect(toStageError(noObject, context)).toMatchObject({ code: "PROVIDER_UNAVAILABLE", transient: true });
    const timeout = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    expect(toStageError(timeout, context)).toMatchObject({ code: "PROVIDER_TIMEOUT", transient: true });
    expect(toStageError(new Error("whatever"), context, true).message).toBe("Test LLM did not answer within 30 s.");
    const existing = new StageError("INVALID_CONFIG", "x", false);
    expect(toStageError(existing, context)).toBe(existing);
  });
});
