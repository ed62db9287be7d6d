import { stat } from "node:fs/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { StageError } from "@/lib/pipeline/errors";
import { OpenAITranscriptionProvider } from "@/lib/speech/cloud/openai";
import type { PreparedAudio } from "@/lib/speech/types";
import { formBody, startStubServer, thrown, tonePreparedAudio, type StubServer } from "./stub-server";

/**
 * Contract tests for the OpenAI adapter against a local stub that speaks the documented
 * `POST /v1/audio/transcriptions` API (multipart in, verbose_json out, `{ error: { message, type, code } }` on errors).
 */

const KEY = "sk-test-openai-0123456789abcdefXYZ";

let stub: StubServer;
let shortAudio: PreparedAudio;
let longAudio: PreparedAudio;
let cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  stub = await startStubServer();
  const short = await tonePreparedAudio(2, 440);
  const long = await tonePreparedAudio(6, 440);
  [shortAudio, longAudio] = [short.audio, long.audio];
  cleanups = [short.cleanup, long.cleanup];
});

afterAll(async () => {
  await stub.close();
  for (const cleanup of cleanups) await cleanup();
});

beforeEach(() => {
  stub.reset();
});

/** A realistic whisper-1 verbose_json answer (word granularity only: no segments). */
const VERBOSE = {
  task: "transcribe",
  language: "english",
  duration: 2.0,
  text: "Hello there, Sam.",
  words: [
    { word: "Hello", start: 0.0, end: 0.42 },
    { word: "there,", start: 0.42, end: 0.8 },
    { word: "Sam.", start: 0.96, end: 1.5 },
  ],
};

function provider(extra: Partial<ConstructorParameters<typeof OpenAITranscriptionProvider>[0]> = {}) {
  return new OpenAITranscriptionProvider({ apiKey: KEY, baseUrl: `${stub.url}/v1`, maxRetries: 2, ...extra });
}

async function caught(run: () => Promise<unknown>): Promise<StageError> {
  const error = await thrown(run);
  expect(error).toBeInstanceOf(StageError);
  return error as StageError;
}

describe("OpenAI transcription contract", () => {
  it("posts multipart to /audio/transcriptions and maps words and language", async () => {
    stub.handle(() => ({ status: 200, body: VERBOSE }));
    const result = await provider().transcribe(shortAudio, { language: "en-US" });

    expect(stub.requests).toHaveLength(1);
    const req = stub.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/v1/audio/transcriptions");
    expect(req.query.size).toBe(0);
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    const form = (await formBody(req))!;
    expect(form.get("model")).toBe("whisper-1");
    expect(form.get("response_format")).toBe("verbose_json");
    expect(form.getAll("timestamp_granularities[]")).toEqual(["word"]);
    expect(form.get("language")).toBe("en");
    const file = form.get("file") as File;
    expect(file.name).toBe("audio.wav");
    expect(file.size).toBe((await stat(shortAudio.wavPath)).size);

    expect(result.language).toBe("en");
    expect(result.quality).toBe("standard");
    expect(result.words).toEqual([
      { text: "Hello", start: 0, end: 0.42, confidence: 1 },
      { text: "there,", start: 0.42, end: 0.8, confidence: 1 },
      { text: "Sam.", start: 0.96, end: 1.5, confidence: 1 },
    ]);
  });

  it("derives confidence from the segment's avg_logprob when segments are present", async () => {
    stub.handle(() => ({
      status: 200,
      body: {
        ...VERBOSE,
        segments: [
          {
            id: 0,
            seek: 0,
            start: 0,
            end: 1.5,
            text: " Hello there, Sam.",
            tokens: [50364, 2425, 456, 11, 4832, 13],
            temperature: 0,
            avg_logprob: -0.2,
            compression_ratio: 0.8,
            no_speech_prob: 0.01,
          },
        ],
      },
    }));
    const result = await provider().transcribe(shortAudio);
    expect(result.words.map((w) => w.confidence)).toEqual([0.819, 0.819, 0.819]);
  });

  it("splits a file over maxUploadBytes into overlapping MP3 parts, offsets times and drops duplicates", async () => {
    // The stub answers every part with the words of a fixed absolute grid (a word every 0.3 s, 0.2 s long)
    // that lie fully inside the part, in part-local time — as a real recogniser would.
    const grid = Array.from({ length: 20 }, (_, k) => ({ text: `w${k}`, start: k * 0.3, end: k * 0.3 + 0.2 })).filter(
      (w) => w.end <= 6,
    );
    const parts: { start: number; duration: number; size: number; type: string }[] = [];
    stub.handle(async (req) => {
      const file = (await formBody(req))!.get("file") as File;
      const m = /^part(\d+)-(\d+)-(\d+)\.mp3$/.exec(file.name);
      if (!m) return { status: 400, body: { error: { message: "bad name", type: "invalid_request_error" } } };
      const start = Number(m[2]) / 1000;
      const duration = Number(m[3]) / 1000;
      parts.push({ start, duration, size: file.size, type: file.type });
      const words = grid
        .filter((w) => w.start >= start && w.end <= start + duration)
        .map((w) => ({ word: w.text, start: +(w.start - start).toFixed(3), end: +(w.end - start).toFixed(3) }));
      return { status: 200, body: { task: "transcribe", language: "english", duration, text: "", words } };
    });
    const maxUploadBytes = 10_000;
    expect((await stat(longAudio.wavPath)).size).toBeGreaterThan(maxUploadBytes);

    const result = await provider({ maxUploadBytes }).transcribe(longAudio);

    expect(stub.requests.length).toBeGreaterThanOrEqual(2);
    expect(stub.requests.length).toBeLessThanOrEqual(4);
    for (const p of parts) {
      expect(p.type).toBe("audio/mpeg");
      expect(p.size).toBeLessThanOrEqual(maxUploadBytes);
    }
    // Consecutive parts overlap.
    for (let i = 1; i < parts.length; i++) {
      expect(parts[i]!.start).toBeLessThan(parts[i - 1]!.start + parts[i - 1]!.duration);
    }
    const returned = parts.length;
    expect(returned).toBe(stub.requests.length);
    expect(result.words.map((w) => w.text)).toEqual(grid.map((w) => w.text));
    result.words.forEach((w, i) => {
      expect(w.start).toBeCloseTo(grid[i]!.start, 3);
      expect(w.end).toBeCloseTo(grid[i]!.end, 3);
    });
    expect(result.language).toBe("en");
  });

  it("retries a 429 (honouring Retry-After) and then succeeds", async () => {
    stub.queue({
      status: 429,
      headers: { "retry-after": "1" },
      body: { error: { message: "Rate limit reached for whisper-1", type: "requests", param: null, code: "rate_limit_exceeded" } },
    });
    stub.handle(() => ({ status: 200, body: VERBOSE }));
    const started = Date.now();
    const result = await provider().transcribe(shortAudio);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(stub.requests).toHaveLength(2);
    expect(result.words).toHaveLength(3);
  });

  it("gives up after maxRetries + 1 answers of 503 with a transient error", async () => {
    stub.handle(() => ({
      status: 503,
      headers: { "retry-after": "0" },
      body: { error: { message: "The engine is currently overloaded, please try again later", type: "server_error", param: null, code: null } },
    }));
    const error = await caught(() => provider({ maxRetries: 2 }).transcribe(shortAudio));
    expect(stub.requests).toHaveLength(3);
    expect(error.transient).toBe(true);
    expect(error.code).toBe("PROVIDER_UNAVAILABLE");
  });

  it("fails a 400 at once, permanently, with the vendor's message", async () => {
    stub.handle(() => ({
      status: 400,
      body: {
        error: {
          message: "Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']",
          type: "invalid_request_error",
          param: null,
          code: null,
        },
      },
    }));
    const error = await caught(() => provider().transcribe(shortAudio));
    expect(stub.requests).toHaveLength(1);
    expect(error.transient).toBe(false);
    expect(error.code).toBe("PROVIDER_REJECTED");
    expect(error.message).toContain("Invalid file format");
  });

  it("never puts the key in a 401 error", async () => {
    stub.handle(() => ({
      status: 401,
      body: {
        error: {
          message: `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          type: "invalid_request_error",
          param: null,
          code: "invalid_api_key",
        },
      },
    }));
    const error = await caught(() => provider().transcribe(shortAudio));
    expect(stub.requests).toHaveLength(1);
    expect(error.transient).toBe(false);
    expect(error.message).not.toContain(KEY);
    expect(error.message).not.toContain("sk-test");
    expect(error.message).toMatch(/401/);
  });

  it("turns a timeout into a transient PROVIDER_TIMEOUT", async () => {
    stub.handle(() => "hang");
    const error = await caught(() => provider({ timeoutMs: 300, maxRetries: 0 }).transcribe(shortAudio));
    expect(error.code).toBe("PROVIDER_TIMEOUT");
    expect(error.transient).toBe(true);
  });

  it("leaves a timed-out request to the stage's retry (no retry here)", async () => {
    stub.handle(() => "hang");
    const error = await caught(() => provider({ timeoutMs: 300, maxRetries: 2 }).transcribe(shortAudio));
    expect(error.code).toBe("PROVIDER_TIMEOUT");
    expect(stub.requests).toHaveLength(1);
  });

  it("reports an answer that is not JSON as a transient PROVIDER_UNAVAILABLE, left to the stage's retry", async () => {
    stub.handle(() => ({ status: 200, body: "<html>502 Bad Gateway</html>" }));
    const error = await caught(() => provider({ maxRetries: 2 }).transcribe(shortAudio));
    expect(error).toMatchObject({ code: "PROVIDER_UNAVAILABLE", transient: true });
    expect(stub.requests).toHaveLength(1);
  });
});
