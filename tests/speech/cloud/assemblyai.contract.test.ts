import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { StageError } from "@/lib/pipeline/errors";
import { AssemblyAIProvider, type AssemblyAIOptions } from "@/lib/speech/cloud/assemblyai";
import type { PreparedAudio } from "@/lib/speech/types";
import { silentPreparedAudio, startStubServer, thrown, type StubRequest, type StubResponse, type StubServer } from "./stub-server";

/**
 * Contract of AssemblyAI's pre-recorded API (assemblyai.com/docs: openapi.yaml, "Upload a media file",
 * "Transcribe a pre-recorded audio file", "Speaker diarization"): the key in the `authorization` header as
 * it is; `POST /v2/upload` (application/octet-stream) → `{upload_url}`; `POST /v2/transcript` (JSON, with
 * `audio_url` and `speaker_labels`) → the transcript with `id` and `status: "queued"`; `GET /v2/transcript/{id}`
 * → `status` queued | processing | completed | error (`error` holds the reason). Words and utterances carry
 * times in milliseconds and speakers "A", "B", …. Errors are `{error: "..."}`.
 */

const KEY = "aai_test_key_3e9d1c5b7a20";
const TRANSCRIPT_ID = "5551722-f677-48a4-a1b6-4f15b2ea8d2b";
const UPLOAD_URL = "https://cdn.assemblyai.com/upload/f756988d-47e2-4ca3-96ce-04bb168f8f2a";

const WORDS = [
  { text: "Hello,", start: 80, end: 480, confidence: 0.99121, speaker: "A" },
  { text: "thanks", start: 560, end: 880, confidence: 0.98742, speaker: "A" },
  { text: "for", start: 880, end: 1040, confidence: 0.99534, speaker: "A" },
  { text: "calling.", start: 1040, end: 1520, confidence: 0.97021, speaker: "A" },
  { text: "Hi", start: 2240, end: 2480, confidence: 0.88134, speaker: "B" },
  { text: "there.", start: 2480, end: 2800, confidence: 0.95672, speaker: "B" },
];

function transcript(status: string, extra: Record<string, unknown> = {}) {
  const done = status === "completed";
  return {
    id: TRANSCRIPT_ID,
    status,
    audio_url: UPLOAD_URL,
    speaker_labels: true,
    language_code: "en_us",
    text: done ? "Hello, thanks for calling. Hi there." : null,
    words: done ? WORDS : null,
    utterances: done
      ? [
          { confidence: 0.986, start: 80, end: 1520, text: "Hello, thanks for calling.", words: WORDS.slice(0, 4), speaker: "A" },
          { confidence: 0.919, start: 2240, end: 2800, text: "Hi there.", words: WORDS.slice(4), speaker: "B" },
        ]
      : null,
    confidence: done ? 0.97 : null,
    audio_duration: done ? 1 : null,
    error: undefined,
    ...extra,
  };
}

const aaiError = (status: number, message: string): StubResponse => ({ status, body: { error: message } });

interface Script {
  /** GET answers in order (the last one repeats). */
  polls: StubResponse[];
}

/** The documented API, checked strictly. */
function vendor(script: Script) {
  let poll = 0;
  return (req: StubRequest): StubResponse => {
    if (req.headers.authorization !== KEY) return aaiError(401, "Authentication error, API token missing/invalid");
    if (req.method === "POST" && req.path === "/v2/upload") {
      if (req.body.length <= 44 || req.body.subarray(0, 4).toString("ascii") !== "RIFF") return aaiError(400, "Upload is empty");
      return { body: { upload_url: UPLOAD_URL } };
    }
    if (req.method === "POST" && req.path === "/v2/transcript") {
      if (!String(req.headers["content-type"]).startsWith("application/json")) return aaiError(400, "Invalid JSON");
      const params = JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
      if (params.audio_url !== UPLOAD_URL || params.speaker_labels !== true) return aaiError(400, "Invalid request parameters");
      return { body: transcript("queued") };
    }
    if (req.method === "GET" && req.path === `/v2/transcript/${TRANSCRIPT_ID}`) {
      const answer = script.polls[Math.min(poll, script.polls.length - 1)]!;
      poll++;
      return answer;
    }
    return { status: 404, body: { error: "Not found" } };
  };
}

describe("AssemblyAI adapter (contract)", () => {
  let stub: StubServer;
  let audio: PreparedAudio;
  let cleanup: () => Promise<void>;

  const provider = (options: Partial<AssemblyAIOptions> = {}) =>
    new AssemblyAIProvider({ apiKey: KEY, baseUrl: stub.url, timeoutMs: 5000, maxRetries: 2, retryBaseDelayMs: 1, pollIntervalMs: 5, ...options });

  const paths = () => stub.requests.map((r) => `${r.method} ${r.path}`);

  beforeAll(async () => {
    stub = await startStubServer();
  });
  afterAll(async () => {
    await stub.close();
  });
  beforeEach(async () => {
    stub.reset();
    stub.handle(vendor({ polls: [{ body: transcript("processing") }, { body: transcript("completed") }] }));
    ({ audio, cleanup } = await silentPreparedAudio(1));
  });
  afterEach(async () => {
    await cleanup();
  });

  it("uploads, requests, polls until completed and maps words (ms → s, A → S1)", async () => {
    const result = await provider().transcribe(audio);
    expect(paths()).toEqual([
      "POST /v2/upload",
      "POST /v2/transcript",
      `GET /v2/transcript/${TRANSCRIPT_ID}`,
      `GET /v2/transcript/${TRANSCRIPT_ID}`,
    ]);
    expect(stub.requests[0]!.headers["content-type"]).toBe("application/octet-stream");
    expect(stub.requests[0]!.body.length).toBe(44 + 32000);
    expect(JSON.parse(stub.requests[1]!.body.toString("utf8"))).toEqual({ audio_url: UPLOAD_URL, speaker_labels: true });
    expect(result.quality).toBe("standard");
    expect(result.language).toBe("en_us");
    expect(result.words).toEqual([
      { text: "Hello,", start: 0.08, end: 0.48, confidence: 0.99121, speaker: "S1" },
      { text: "thanks", start: 0.56, end: 0.88, confidence: 0.98742, speaker: "S1" },
      { text: "for", start: 0.88, end: 1.04, confidence: 0.99534, speaker: "S1" },
      { text: "calling.", start: 1.04, end: 1.52, confidence: 0.97021, speaker: "S1" },
      { text: "Hi", start: 2.24, end: 2.48, confidence: 0.88134, speaker: "S2" },
      { text: "there.", start: 2.48, end: 2.8, confidence: 0.95672, speaker: "S2" },
    ]);
  });

  it("maps utterances to diarization segments; both stages share one transcript", async () => {
    const aai = provider();
    const [who, what] = await Promise.all([aai.diarize(audio), aai.transcribe(audio)]);
    expect(stub.requests.filter((r) => r.path === "/v2/upload")).toHaveLength(1);
    expect(who).toEqual({
      speakers: [
        { id: "S1", label: "Speaker 1" },
        { id: "S2", label: "Speaker 2" },
      ],
      segments: [
        { speaker: "S1", start: 0.08, end: 1.52 },
        { speaker: "S2", start: 2.24, end: 2.8 },
      ],
    });
    expect(what.words).toHaveLength(6);
  });

  it("passes numSpeakers, a language hint and speech models as documented parameters", async () => {
    await provider({ speechModels: ["universal-2"] }).diarize(audio, { numSpeakers: 2 });
    expect(JSON.parse(stub.requests[1]!.body.toString("utf8"))).toEqual({
      audio_url: UPLOAD_URL,
      speaker_labels: true,
      speech_models: ["universal-2"],
      speakers_expected: 2,
    });
  });

  it("accepts an empty transcript", async () => {
    stub.handle(vendor({ polls: [{ body: transcript("completed", { text: "", words: [], utterances: [] }) }] }));
    const aai = provider();
    expect((await aai.transcribe(audio)).words).toEqual([]);
    expect(await aai.diarize(audio)).toEqual({ speakers: [], segments: [] });
  });

  it("reports a vendor status \"error\" as permanent, with the vendor's reason", async () => {
    const reason = "Transcoding failed. File does not appear to contain audio. File type is application/octet-stream (data).";
    stub.handle(vendor({ polls: [{ body: transcript("error", { error: reason }) }] }));
    const error = await thrown(() => provider().transcribe(audio));
    expect(error).toBeInstanceOf(StageError);
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", transient: false });
    expect((error as Error).message).toContain("File does not appear to contain audio");
  });

  it("gives up polling after pollTimeoutMs with a transient PROVIDER_TIMEOUT", async () => {
    stub.handle(vendor({ polls: [{ body: transcript("processing") }] }));
    const error = await thrown(() => provider({ pollIntervalMs: 20, pollTimeoutMs: 120 }).transcribe(audio));
    expect(error).toMatchObject({ code: "PROVIDER_TIMEOUT", transient: true });
    expect(stub.requests.filter((r) => r.method === "GET").length).toBeGreaterThanOrEqual(2);
  });

  it("retries a 429 on the upload and honours Retry-After: 0", async () => {
    stub.queue({ ...aaiError(429, "Too many requests"), headers: { "retry-after": "0" } });
    const started = Date.now();
    const result = await provider({ retryBaseDelayMs: 10_000 }).transcribe(audio);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(paths().slice(0, 3)).toEqual(["POST /v2/upload", "POST /v2/upload", "POST /v2/transcript"]);
    expect(stub.requests[1]!.body.length).toBe(44 + 32000);
    expect(result.words).toHaveLength(6);
  });

  it("retries a 5xx while polling", async () => {
    stub.handle(vendor({ polls: [aaiError(502, "Bad gateway"), { body: transcript("completed") }] }));
    expect((await provider().transcribe(audio)).words).toHaveLength(6);
  });

  it("gives up after maxRetries + 1 answers of 503 with a transient PROVIDER_UNAVAILABLE", async () => {
    stub.handle(() => aaiError(503, "Service Unavailable"));
    const error = await thrown(() => provider({ maxRetries: 3 }).transcribe(audio));
    expect(error).toMatchObject({ code: "PROVIDER_UNAVAILABLE", transient: true });
    expect(stub.requests).toHaveLength(4);
  });

  it("does not retry a 400: permanent PROVIDER_REJECTED", async () => {
    stub.queue({ body: { upload_url: UPLOAD_URL } }, aaiError(400, "Invalid endpoint schema, please refer to documentation for examples."));
    const error = await thrown(() => provider().transcribe(audio));
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", transient: false });
    expect((error as Error).message).toMatch(/Invalid endpoint schema/);
    expect(paths()).toEqual(["POST /v2/upload", "POST /v2/transcript"]);
  });

  it("reports a refused key (401) as permanent, without the key", async () => {
    const wrong = "aai_wrong_key_9f8e7d6c5b4a";
    const error = await thrown(() => provider({ apiKey: wrong }).transcribe(audio));
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", transient: false });
    expect((error as Error).message).toMatch(/API key/);
    expect((error as Error).message).not.toContain(wrong);
    expect(stub.requests).toHaveLength(1);
  });

  it("times out an upload that is never answered (transient PROVIDER_TIMEOUT)", async () => {
    stub.handle(() => "hang");
    const error = await thrown(() => provider({ timeoutMs: 150, maxRetries: 0 }).transcribe(audio));
    expect(error).toMatchObject({ code: "PROVIDER_TIMEOUT", transient: true });
    expect(stub.requests).toHaveLength(1);
  });

  it("treats malformed JSON as transient", async () => {
    stub.handle(vendor({ polls: [{ status: 200, body: "<html>502 Bad Gateway</html>" }] }));
    const error = await thrown(() => provider().transcribe(audio));
    expect(error).toMatchObject({ code: "PROVIDER_UNAVAILABLE", transient: true });
  });

  it("never puts the key in an error message", async () => {
    const cases: StubResponse[] = [
      aaiError(400, `bad request from ${KEY}`),
      aaiError(500, `internal error ${KEY}`),
      aaiError(403, `key ${KEY} is not allowed`),
      { status: 200, body: `oops ${KEY}` },
    ];
    for (const answer of cases) {
      stub.handle(() => answer);
      const error = await thrown(() => provider({ maxRetries: 0 }).transcribe(audio));
      expect(error).toBeInstanceOf(StageError);
      expect((error as Error).message).not.toContain(KEY);
    }
    stub.handle(vendor({ polls: [{ body: transcript("error", { error: `Download failed for key ${KEY}` }) }] }));
    const vendorError = await thrown(() => provider().transcribe(audio));
    expect(vendorError).toMatchObject({ code: "PROVIDER_REJECTED", transient: false });
    expect((vendorError as Error).message).not.toContain(KEY);
  });
});
