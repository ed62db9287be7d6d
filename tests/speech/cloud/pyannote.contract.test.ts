import { stat } from "node:fs/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { StageError } from "@/lib/pipeline/errors";
import { PyannoteProvider } from "@/lib/speech/cloud/pyannote";
import type { DiarizationResult, PreparedAudio } from "@/lib/speech/types";
import {
  startStubServer,
  thrown,
  tonePreparedAudio,
  type StubAnswer,
  type StubHandler,
  type StubRequest,
  type StubResponse,
  type StubServer,
} from "./stub-server";

/**
 * Contract tests for the pyannoteAI adapter against a local stub of the documented job API:
 * `POST /v1/media/input` → pre-signed PUT URL, `POST /v1/diarize | /v1/voiceprint | /v1/identify` → `{ jobId,
 * status }`, `GET /v1/jobs/{jobId}` → `{ jobId, status, createdAt, updatedAt, output }`.
 */

const KEY = "pyannote-test-key-0123456789abcdefghij";

let stub: StubServer;
let call: PreparedAudio;
let sample: PreparedAudio;
let cleanups: (() => Promise<void>)[] = [];
/** Media URL → bytes stored by the stub's storage (per test). */
let uploads: Map<string, number>;

beforeAll(async () => {
  stub = await startStubServer();
  const c = await tonePreparedAudio(5, 300);
  const s = await tonePreparedAudio(3, 300);
  [call, sample] = [c.audio, s.audio];
  cleanups = [c.cleanup, s.cleanup];
});

afterAll(async () => {
  await stub.close();
  for (const cleanup of cleanups) await cleanup();
});

beforeEach(() => {
  stub.reset();
  vendor(() => undefined);
});

/** The JSON body a request carried (null when it is not JSON). */
function json(req: StubRequest): unknown {
  return (req.headers["content-type"] ?? "").startsWith("application/json") ? JSON.parse(req.body.toString("utf8")) : null;
}

/** The API calls the stub received (its storage aside). */
function api(): StubRequest[] {
  return stub.requests.filter((r) => r.path.startsWith("/v1/"));
}

/**
 * Makes the stub act as api.pyannote.ai plus its storage (the pre-signed URLs point back at it, under
 * /storage/); `jobs` answers the job endpoints (undefined: 404). Returns the handler (to queue it).
 */
function vendor(jobs: (req: StubRequest) => StubAnswer | undefined): StubHandler {
  uploads = new Map();
  const presigned = new Map<string, string>(); // storage path → media url
  const handler: StubHandler = (req) => {
    // Storage (S3-like): the signature is in the query string; an Authorization header is not expected.
    if (req.path.startsWith("/storage/")) {
      const media = presigned.get(req.path);
      if (req.method !== "PUT" || !media || !req.query.get("X-Amz-Signature")) return { status: 403 };
      uploads.set(media, req.body.length);
      return { status: 200, headers: { etag: '"d41d8cd98f00b204e9800998ecf8427e"' } };
    }
    if (req.headers.authorization !== `Bearer ${KEY}`) {
      return { status: 401, body: { requestId: "0f9d6a1e-7c2b-4d0e-9a51-3b8e2f6c1d77", message: "Unauthorized" } };
    }
    if (req.method === "POST" && req.path === "/v1/media/input") {
      const media = (json(req) as { url?: string }).url ?? "";
      if (!/^media:\/\/[a-zA-Z0-9\-_./]+$/.test(media)) {
        return { status: 400, body: { message: "Invalid request", errors: [{ field: "url", message: "Invalid URL" }] } };
      }
      const storagePath = `/storage/${stub.requests.length}`;
      presigned.set(storagePath, media);
      return { status: 201, body: { url: `${stub.url}${storagePath}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc123` } };
    }
    return jobs(req) ?? { status: 404, body: { requestId: "x", message: "Not Found" } };
  };
  stub.handle(handler);
  return handler;
}

function provider(extra: Partial<ConstructorParameters<typeof PyannoteProvider>[0]> = {}) {
  return new PyannoteProvider({ apiKey: KEY, baseUrl: stub.url, pollIntervalMs: 20, maxRetries: 1, ...extra });
}

async function caught(run: () => Promise<unknown>): Promise<StageError> {
  const error = await thrown(run);
  expect(error).toBeInstanceOf(StageError);
  return error as StageError;
}

const JOB_ID = "3c8a89a5-dcc6-4edb-a75d-ffd64739674d";
const times = { createdAt: "2026-11-28T10:00:00.000Z", updatedAt: "2026-11-28T10:00:04.000Z" };

/** Job endpoints: `submitPath` creates the job; the first GET says running, then `final`. */
function jobApi(submitPath: string, final: { status: string; output?: unknown }) {
  let polls = 0;
  return (req: StubRequest): StubResponse | undefined => {
    if (req.method === "POST" && req.path === submitPath) return { status: 200, body: { jobId: JOB_ID, status: "created" } };
    if (req.method === "GET" && req.path === `/v1/jobs/${JOB_ID}`) {
      polls++;
      if (polls === 1) return { status: 200, body: { jobId: JOB_ID, status: "running", ...times } };
      return { status: 200, body: { jobId: JOB_ID, ...final, ...times } };
    }
    return undefined;
  };
}

describe("pyannoteAI contract", () => {
  it("uploads to media://, submits /v1/diarize, polls the job and maps the segments", async () => {
    vendor(
      jobApi("/v1/diarize", {
        status: "succeeded",
        output: {
          diarization: [
            { speaker: "SPEAKER_00", start: 0.031, end: 1.912 },
            { speaker: "SPEAKER_01", start: 1.7, end: 3.45 },
            { speaker: "SPEAKER_00", start: 3.6, end: 4.9 },
          ],
        },
      }),
    );
    const result = await provider().diarize(call, { numSpeakers: 2 });

    const calls = api();
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/media/input",
      "POST /v1/diarize",
      `GET /v1/jobs/${JOB_ID}`,
      `GET /v1/jobs/${JOB_ID}`,
    ]);
    for (const r of calls) expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    const media = (json(calls[0]!) as { url: string }).url;
    expect(media).toMatch(/^media:\/\/[a-zA-Z0-9\-_./]+$/);
    expect(calls[0]!.headers["content-type"]).toMatch(/^application\/json/);
    expect(json(calls[1]!)).toEqual({ url: media, numSpeakers: 2 });

    const put = stub.requests.find((r) => r.method === "PUT")!;
    expect(put.headers.authorization).toBeUndefined(); // the key never goes to the storage URL
    expect(uploads.get(media)).toBe((await stat(call.wavPath)).size);

    expect(result).toEqual({
      speakers: [
        { id: "S1", label: "Speaker 1" },
        { id: "S2", label: "Speaker 2" },
      ],
      segments: [
        { speaker: "S1", start: 0.031, end: 1.912 },
        { speaker: "S2", start: 1.7, end: 3.45 },
        { speaker: "S1", start: 3.6, end: 4.9 },
      ],
    });
  });

  it("a failed job is a permanent error with the vendor's sanitised message", async () => {
    vendor(
      jobApi("/v1/diarize", {
        status: "failed",
        output: { error: "Could not decode audio file at /var/tmp/jobs/abc.wav", diarization: [] },
      }),
    );
    const error = await caught(() => provider().diarize(call));
    expect(error.transient).toBe(false);
    expect(error.code).toBe("PROVIDER_REJECTED");
    expect(error.message).toContain("Could not decode audio file");
    expect(error.message).not.toContain("/var/tmp");
  });

  it("a job that never finishes is a transient PROVIDER_TIMEOUT", async () => {
    vendor((req) => {
      if (req.method === "POST" && req.path === "/v1/diarize") return { status: 200, body: { jobId: JOB_ID, status: "created" } };
      if (req.method === "GET") return { status: 200, body: { jobId: JOB_ID, status: "running", ...times } };
      return undefined;
    });
    const error = await caught(() => provider({ pollTimeoutMs: 150 }).diarize(call));
    expect(error.code).toBe("PROVIDER_TIMEOUT");
    expect(error.transient).toBe(true);
  });

  it("enrolls a voiceprint and identifies speakers against it", async () => {
    const ALICE_VP = "U29tZUJhc2U2NERhdGFGb3JBbGljZQ==";
    const BOB_VP = "U29tZUJhc2U2NERhdGFGb3JCb2I=";
    let enrolls = 0;
    let identifyBody: unknown;
    let lastKind = "";
    vendor((req) => {
      if (req.method === "POST" && req.path === "/v1/voiceprint") {
        lastKind = `vp${enrolls++}`;
        return { status: 200, body: { jobId: `${lastKind}-job`, status: "created" } };
      }
      if (req.method === "POST" && req.path === "/v1/identify") {
        identifyBody = json(req);
        return { status: 200, body: { jobId: "identify-job", status: "created" } };
      }
      if (req.method === "GET" && req.path === "/v1/jobs/vp0-job") {
        return { status: 200, body: { jobId: "vp0-job", status: "succeeded", output: { voiceprint: ALICE_VP }, ...times } };
      }
      if (req.method === "GET" && req.path === "/v1/jobs/identify-job") {
        return {
          status: 200,
          body: {
            jobId: "identify-job",
            status: "succeeded",
            ...times,
            output: {
              diarization: [
                { speaker: "SPEAKER_00", start: 0.0, end: 2.0 },
                { speaker: "SPEAKER_01", start: 2.1, end: 3.9 },
                { speaker: "SPEAKER_00", start: 4.0, end: 5.0 },
              ],
              identification: [
                { speaker: "user-alice", start: 0.0, end: 2.0, diarizationSpeaker: "SPEAKER_00", match: "user-alice" },
                { speaker: "SPEAKER_01", start: 2.1, end: 3.9, diarizationSpeaker: "SPEAKER_01", match: null },
                { speaker: "user-alice", start: 4.0, end: 5.0, diarizationSpeaker: "SPEAKER_00", match: "user-alice" },
              ],
              voiceprints: [
                { speaker: "SPEAKER_00", match: "user-alice", confidence: { "user-alice": 87, "user-bob": 12 } },
                { speaker: "SPEAKER_01", match: null, confidence: { "user-alice": 9, "user-bob": 31 } },
              ],
            },
          },
        };
      }
      return undefined;
    });

    const p = provider();
    const { embedding } = await p.enroll(sample);
    expect(embedding).toMatchObject({ provider: "pyannote", model: "precision-2", version: p.modelVersion, voiceprint: ALICE_VP });
    const vpReq = api().find((r) => r.path === "/v1/voiceprint")!;
    expect(json(vpReq)).toEqual({ url: expect.stringMatching(/^media:\/\//), model: "precision-2" });

    // Our diarization labels the speakers the other way round: S1 talks in the middle.
    const ours: DiarizationResult = {
      speakers: [
        { id: "S1", label: "Speaker 1" },
        { id: "S2", label: "Speaker 2" },
      ],
      segments: [
        { speaker: "S2", start: 0.05, end: 1.95 },
        { speaker: "S1", start: 2.05, end: 3.95 },
        { speaker: "S2", start: 4.0, end: 4.95 },
      ],
    };
    const bob = { ...(embedding as Record<string, unknown>), voiceprint: BOB_VP };
    const matches = await p.identify(call, ours, [
      { userId: "user-alice", embedding },
      { userId: "user-bob", embedding: bob },
      { userId: "user-local", embedding: { kind: "scryon-local-voiceprint", model: "scryon-mfcc-pitch", version: "1", vector: [] } },
    ]);

    expect(identifyBody).toEqual({
      url: expect.stringMatching(/^media:\/\//),
      model: "precision-2",
      numSpeakers: 2,
      voiceprints: [
        { label: "user-alice", voiceprint: ALICE_VP },
        { label: "user-bob", voiceprint: BOB_VP },
      ],
      matching: { exclusive: true, threshold: 50 },
    });
    expect(matches).toEqual([
      { speaker: "S1", userId: null, score: 0.31 },
      { speaker: "S2", userId: "user-alice", score: 0.87 },
    ]);
  });

  it("never puts the key in an error message", async () => {
    const cases: StubResponse[] = [
      { status: 400, body: { message: `Invalid request for token ${KEY}`, errors: [{ field: "url", message: `bad ${KEY}` }] } },
      { status: 401, body: { requestId: "r1", message: `Invalid API key ${KEY}` } },
      { status: 402, body: { requestId: "r2", message: "Subscription is required" } },
      { status: 500, body: { requestId: "r3", message: `Internal error (${KEY})` } },
    ];
    for (const reply of cases) {
      stub.reset();
      vendor((req) => (req.path === "/v1/diarize" ? reply : undefined));
      const error = await caught(() => provider({ maxRetries: 0 }).diarize(call));
      expect(error.message).not.toContain(KEY);
      expect(error.transient).toBe(reply.status! >= 500);
    }
    // A failed job whose error text echoes the key.
    vendor(jobApi("/v1/diarize", { status: "failed", output: { error: `Rejected key ${KEY}` } }));
    const error = await caught(() => provider().diarize(call));
    expect(error.message).not.toContain(KEY);
    // A wrong key (the stub answers 401 for anything but the right Bearer token).
    const wrong = new PyannoteProvider({ apiKey: "another-secret-key-987654321", baseUrl: stub.url, maxRetries: 0 });
    const auth = await caught(() => wrong.diarize(call));
    expect(auth.transient).toBe(false);
    expect(auth.message).not.toContain("another-secret-key");
  });

  it("retries a 429 (honouring Retry-After) and 5xx answers of the API and of its storage", async () => {
    const diarization = [{ speaker: "SPEAKER_00", start: 0, end: 1 }];
    const pass = vendor(jobApi("/v1/diarize", { status: "succeeded", output: { diarization } }));
    stub.queue(
      { status: 429, headers: { "retry-after": "1" }, body: { requestId: "r1", message: "Too many requests" } }, // media/input
      pass,
      { status: 503, headers: { "retry-after": "0" } }, // storage PUT
      pass,
      pass, // diarize
      { status: 502, headers: { "retry-after": "0" }, body: { requestId: "r2", message: "Bad gateway" } }, // first poll
    );
    const started = Date.now();
    const result = await provider({ maxRetries: 1 }).diarize(call);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(stub.requests.map((r) => `${r.method} ${r.path.replace(/^\/storage\/.*/, "/storage")}`)).toEqual([
      "POST /v1/media/input",
      "POST /v1/media/input",
      "PUT /storage",
      "PUT /storage",
      "POST /v1/diarize",
      `GET /v1/jobs/${JOB_ID}`,
      `GET /v1/jobs/${JOB_ID}`,
      `GET /v1/jobs/${JOB_ID}`,
    ]);
    expect([...uploads.values()]).toEqual([(await stat(call.wavPath)).size]);
    expect(result.segments).toEqual([{ speaker: "S1", start: 0, end: 1 }]);
  });

  it("fails a 4xx at once, permanently, with the vendor's message", async () => {
    const invalid = { message: "Invalid request", errors: [{ field: "numSpeakers", message: "Too big" }] };
    vendor((req) => (req.path === "/v1/diarize" ? { status: 400, body: invalid } : undefined));
    const error = await caught(() => provider({ maxRetries: 2 }).diarize(call, { numSpeakers: 99 }));
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", transient: false });
    expect(error.message).toContain("Invalid request (numSpeakers: Too big)");
    expect(api().filter((r) => r.path === "/v1/diarize")).toHaveLength(1);
  });

  it("turns a request timeout into a transient PROVIDER_TIMEOUT, left to the stage's retry", async () => {
    vendor((req) => (req.path === "/v1/diarize" ? "hang" : undefined));
    const error = await caught(() => provider({ timeoutMs: 300, maxRetries: 2 }).diarize(call));
    expect(error).toMatchObject({ code: "PROVIDER_TIMEOUT", transient: true });
    expect(api().filter((r) => r.path === "/v1/diarize")).toHaveLength(1);
  });
});
