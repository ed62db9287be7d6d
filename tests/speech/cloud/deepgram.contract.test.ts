import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { StageError } from "@/lib/pipeline/errors";
import { DeepgramProvider, type DeepgramOptions } from "@/lib/speech/cloud/deepgram";
import type { PreparedAudio } from "@/lib/speech/types";
import { silentPreparedAudio, startStubServer, thrown, type StubRequest, type StubServer } from "./stub-server";

/**
 * Contract of Deepgram's pre-recorded API (developers.deepgram.com: reference/speech-to-text/listen-pre-recorded,
 * docs/diarization, docs/utterances): `POST /v1/listen?…` with `Authorization: Token <key>`, the audio as the
 * raw body with its Content-Type; the answer nests words under results.channels[0].alternatives[0] (with
 * `speaker` when diarize=true) and speaker turns under results.utterances. Errors: `{err_code, err_msg,
 * request_id}` with 400/401/403/429/5xx.
 */

const KEY = "dg_test_key_7f3c2a9b1e4d";

/** Shaped like the documented response (metadata trimmed to the fields the docs show). */
const RESPONSE = {
  metadata: {
    transaction_key: "deprecated",
    request_id: "2479c8c8-8185-40ac-9ac6-f0874419f793",
    sha256: "154e291ecfa8be6ab8343560bcc109008fa7853eb5372533e8efdefc9b504c33",
    created: "2024-02-06T19:56:16.180Z",
    duration: 4.2,
    channels: 1,
    models: ["30089e05-99d1-4376-b32e-c263170674af"],
    model_info: { "30089e05-99d1-4376-b32e-c263170674af": { name: "2-general-nova", version: "2024-01-09.29447", arch: "nova-2" } },
  },
  results: {
    channels: [
      {
        alternatives: [
          {
            transcript: "Hello, thanks for calling. Hi there.",
            confidence: 0.99,
            words: [
              { word: "hello", start: 0.08, end: 0.48, confidence: 0.9921, speaker: 0, speaker_confidence: 0.61, punctuated_word: "Hello," },
              { word: "thanks", start: 0.56, end: 0.88, confidence: 0.9874, speaker: 0, speaker_confidence: 0.61, punctuated_word: "thanks" },
              { word: "for", start: 0.88, end: 1.04, confidence: 0.9953, speaker: 0, speaker_confidence: 0.61, punctuated_word: "for" },
              { word: "calling", start: 1.04, end: 1.52, confidence: 0.9702, speaker: 0, speaker_confidence: 0.61, punctuated_word: "calling." },
              { word: "hi", start: 2.24, end: 2.48, confidence: 0.8813, speaker: 1, speaker_confidence: 0.55, punctuated_word: "Hi" },
              { word: "there", start: 2.48, end: 2.8, confidence: 0.9567, speaker: 1, speaker_confidence: 0.55, punctuated_word: "there." },
            ],
          },
        ],
      },
    ],
    utterances: [
      {
        start: 0.08,
        end: 1.52,
        confidence: 0.986,
        channel: 0,
        transcript: "Hello, thanks for calling.",
        words: [],
        speaker: 0,
        id: "d0a3ce5e-5f58-4e17-8d0b-2e0d5a0e4c55",
      },
      {
        start: 2.24,
        end: 2.8,
        confidence: 0.919,
        channel: 0,
        transcript: "Hi there.",
        words: [],
        speaker: 1,
        id: "5c1e4f0e-3a3e-4d2b-9b0e-6a8b7d7a2f11",
      },
    ],
  },
};

const EMPTY_RESPONSE = {
  metadata: { request_id: "b1c0a7f2-0000-4000-8000-000000000000", duration: 1, channels: 1 },
  results: { channels: [{ alternatives: [{ transcript: "", confidence: 0, words: [] }] }], utterances: [] },
};

function dgError(status: number, code: string, message: string) {
  return { status, body: { err_code: code, err_msg: message, request_id: "6a2bd6f1-7d9c-4d4a-9a5e-3f0f8f1f2d11" } };
}

/** The documented request: method, path, auth, query, content type and a non-empty body. */
function checkRequest(req: StubRequest) {
  if (req.method !== "POST" || req.path !== "/v1/listen") return { status: 404, body: { err_code: "NOT_FOUND", err_msg: "Not found" } };
  if (req.headers.authorization !== `Token ${KEY}`) return dgError(401, "INVALID_AUTH", "Invalid credentials.");
  const expected = { model: "nova-2", smart_format: "true", punctuate: "true", diarize: "true", utterances: "true", language: "en" };
  for (const [k, v] of Object.entries(expected)) {
    if (req.query.get(k) !== v) return dgError(400, "Bad Request", `unexpected ${k}`);
  }
  if (req.headers["content-type"] !== "audio/wav" || req.body.length <= 44 || req.body.subarray(0, 4).toString("ascii") !== "RIFF") {
    return dgError(400, "Bad Request", "Bad Request: failed to process audio: corrupt or unsupported data");
  }
  return null;
}

describe("Deepgram adapter (contract)", () => {
  let stub: StubServer;
  let audio: PreparedAudio;
  let cleanup: () => Promise<void>;

  const provider = (options: Partial<DeepgramOptions> = {}) =>
    new DeepgramProvider({ apiKey: KEY, baseUrl: stub.url, timeoutMs: 5000, maxRetries: 2, retryBaseDelayMs: 1, ...options });

  beforeAll(async () => {
    stub = await startStubServer();
  });
  afterAll(async () => {
    await stub.close();
  });
  beforeEach(async () => {
    stub.reset();
    stub.handle((req) => checkRequest(req) ?? { body: RESPONSE });
    ({ audio, cleanup } = await silentPreparedAudio(1)); // a fresh file per test: no shared answer between tests
  });
  afterEach(async () => {
    await cleanup();
  });

  it("sends the documented request and maps words, times, confidences and speakers", async () => {
    const result = await provider().transcribe(audio);
    expect(stub.requests).toHaveLength(1);
    const req = stub.requests[0]!;
    expect(req.headers.authorization).toBe(`Token ${KEY}`);
    expect(req.body.length).toBe(44 + 32000);
    expect(result.quality).toBe("standard");
    expect(result.language).toBe("en");
    expect(result.words).toEqual([
      { text: "Hello,", start: 0.08, end: 0.48, confidence: 0.9921, speaker: "S1" },
      { text: "thanks", start: 0.56, end: 0.88, confidence: 0.9874, speaker: "S1" },
      { text: "for", start: 0.88, end: 1.04, confidence: 0.9953, speaker: "S1" },
      { text: "calling.", start: 1.04, end: 1.52, confidence: 0.9702, speaker: "S1" },
      { text: "Hi", start: 2.24, end: 2.48, confidence: 0.8813, speaker: "S2" },
      { text: "there.", start: 2.48, end: 2.8, confidence: 0.9567, speaker: "S2" },
    ]);
  });

  it("maps utterances to diarization segments and shares one request between both stages", async () => {
    const dg = provider();
    const [who, what] = await Promise.all([dg.diarize(audio), dg.transcribe(audio)]);
    expect(stub.requests).toHaveLength(1);
    expect(who.speakers).toEqual([
      { id: "S1", label: "Speaker 1" },
      { id: "S2", label: "Speaker 2" },
    ]);
    expect(who.segments).toEqual([
      { speaker: "S1", start: 0.08, end: 1.52 },
      { speaker: "S2", start: 2.24, end: 2.8 },
    ]);
    expect(what.words).toHaveLength(6);
  });

  it("falls back to word speakers when there are no utterances, and reads detected_language", async () => {
    const { utterances: _omit, ...results } = RESPONSE.results;
    void _omit;
    const channels = [{ ...results.channels[0]!, detected_language: "en-US" }];
    stub.handle((req) => checkRequest(req) ?? { body: { ...RESPONSE, results: { channels } } });
    const dg = provider();
    const who = await dg.diarize(audio);
    expect(who.segments).toEqual([
      { speaker: "S1", start: 0.08, end: 1.52 },
      { speaker: "S2", start: 2.24, end: 2.8 },
    ]);
    expect((await dg.transcribe(audio)).language).toBe("en-US");
  });

  it("accepts an empty transcript", async () => {
    stub.handle((req) => checkRequest(req) ?? { body: EMPTY_RESPONSE });
    const dg = provider();
    expect(await dg.transcribe(audio)).toEqual({ language: "en", words: [], quality: "standard" });
    expect(await dg.diarize(audio)).toEqual({ speakers: [], segments: [] });
  });

  it("retries a 429 and honours Retry-After: 0", async () => {
    stub.queue({ ...dgError(429, "TOO_MANY_REQUESTS", "Too many requests"), headers: { "retry-after": "0" } });
    const started = Date.now();
    const result = await provider({ retryBaseDelayMs: 10_000 }).transcribe(audio); // backoff would take seconds
    expect(Date.now() - started).toBeLessThan(3000);
    expect(stub.requests).toHaveLength(2);
    expect(result.words).toHaveLength(6);
    expect(stub.requests[1]!.body.length).toBe(44 + 32000); // the body is sent again in full
  });

  it("gives up after maxRetries + 1 answers of 503 with a transient PROVIDER_UNAVAILABLE", async () => {
    stub.handle(() => dgError(503, "SERVICE_UNAVAILABLE", "Service unavailable"));
    const error = await thrown(() => provider({ maxRetries: 2 }).transcribe(audio));
    expect(error).toBeInstanceOf(StageError);
    expect(error).toMatchObject({ code: "PROVIDER_UNAVAILABLE", transient: true });
    expect(stub.requests).toHaveLength(3);
  });

  it("does not retry a 400: permanent PROVIDER_REJECTED with the vendor's reason", async () => {
    stub.handle(() => dgError(400, "Bad Request", "Bad Request: failed to process audio: corrupt or unsupported data"));
    const error = await thrown(() => provider().transcribe(audio));
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", transient: false });
    expect((error as Error).message).toMatch(/corrupt or unsupported data/);
    expect(stub.requests).toHaveLength(1);
  });

  it("reports a refused key (401) as permanent, without the key", async () => {
    const error = await thrown(() => provider({ apiKey: "dg_wrong_key_0123456789abcdef" }).diarize(audio));
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", transient: false });
    expect((error as Error).message).toMatch(/API key/);
    expect((error as Error).message).not.toContain("dg_wrong_key_0123456789abcdef");
    expect(stub.requests).toHaveLength(1);
  });

  it("reports a 403 as a refused key too", async () => {
    stub.handle(() => dgError(403, "ACCESS_DENIED", `Key ${KEY} lacks the usage:write scope`));
    const error = await thrown(() => provider().transcribe(audio));
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", transient: false });
    expect((error as Error).message).not.toContain(KEY);
  });

  it("times out a request that is never answered (transient PROVIDER_TIMEOUT, retried)", async () => {
    stub.handle(() => "hang");
    const error = await thrown(() => provider({ timeoutMs: 150, maxRetries: 1 }).transcribe(audio));
    expect(error).toMatchObject({ code: "PROVIDER_TIMEOUT", transient: true });
    expect(stub.requests).toHaveLength(2);
  });

  it("treats malformed JSON as transient", async () => {
    stub.handle(() => ({ status: 200, headers: { "content-type": "application/json" }, body: '{"results": {"channels": [' }));
    const error = await thrown(() => provider().transcribe(audio));
    expect(error).toMatchObject({ code: "PROVIDER_UNAVAILABLE", transient: true });
    stub.handle(() => ({ body: { metadata: {} } }));
    const shapeless = await thrown(() => provider().transcribe(audio));
    expect(shapeless).toMatchObject({ transient: true });
  });

  it("maps a dropped connection to a transient error after retrying", async () => {
    stub.handle(() => "destroy");
    const error = await thrown(() => provider({ maxRetries: 1 }).transcribe(audio));
    expect(error).toMatchObject({ code: "PROVIDER_UNAVAILABLE", transient: true });
    expect(stub.requests).toHaveLength(2);
  });

  it("fails permanently without a request when the decoded file is gone", async () => {
    const error = await thrown(() => provider().transcribe({ ...audio, wavPath: `${audio.wavPath}.missing` }));
    expect(error).toMatchObject({ code: "AUDIO_MISSING", transient: false });
    expect(stub.requests).toHaveLength(0);
  });

  it("never puts the key in an error message", async () => {
    const answers = [
      dgError(400, "Bad Request", `invalid request for token ${KEY}`),
      dgError(500, "INTERNAL", `internal error ${KEY}`),
      dgError(401, "INVALID_AUTH", `Invalid credentials ${KEY}`),
      { status: 200, body: `not json ${KEY}` },
    ];
    for (const answer of answers) {
      stub.handle(() => answer);
      const error = await thrown(() => provider({ maxRetries: 0 }).transcribe(audio));
      expect(error).toBeInstanceOf(StageError);
      expect(String((error as Error).message)).not.toContain(KEY);
      expect(JSON.stringify(error)).not.toContain(KEY);
    }
  });
});
