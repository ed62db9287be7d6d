import { mkdtemp, rm, stat } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fileUrl, runFfmpeg } from "@/lib/audio/ffmpeg";
import { StageError } from "@/lib/pipeline/errors";
import { PyannoteProvider } from "@/lib/speech/cloud/pyannote";
import type { DiarizationResult, PreparedAudio } from "@/lib/speech/types";

/**
 * Contract tests for the pyannoteAI adapter against a local stub of the documented job API:
 * `POST /v1/media/input` → pre-signed PUT URL, `POST /v1/diarize | /v1/voiceprint | /v1/identify` → `{ jobId,
 * status }`, `GET /v1/jobs/{jobId}` → `{ jobId, status, createdAt, updatedAt, output }`.
 */

const KEY = "pyannote-test-key-0123456789abcdefghij";

interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json: unknown;
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

/** Stub of api.pyannote.ai plus its storage (the pre-signed URLs point back at it, under /storage/). */
async function startStub(jobs: (req: Received, base: string) => Reply | undefined) {
  const received: Received[] = [];
  const uploads = new Map<string, number>(); // media url → bytes stored
  const presigned = new Map<string, string>(); // storage path → media url
  let base = "";
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", base);
      let json: unknown = null;
      if ((req.headers["content-type"] ?? "").startsWith("application/json")) json = JSON.parse(body.toString("utf8"));
      const r: Received = { method: req.method ?? "", path: url.pathname, headers: req.headers, body, json };
      received.push(r);
      const send = (reply: Reply) => {
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
        res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
      };
      // Storage (S3-like): the signature is in the query string; an Authorization header is not expected.
      if (url.pathname.startsWith("/storage/")) {
        const media = presigned.get(url.pathname);
        if (r.method !== "PUT" || !media || !url.searchParams.get("X-Amz-Signature")) return send({ status: 403 });
        uploads.set(media, body.length);
        res.writeHead(200, { etag: '"d41d8cd98f00b204e9800998ecf8427e"' });
        return res.end();
      }
      if (req.headers.authorization !== `Bearer ${KEY}`) {
        return send({ status: 401, body: { requestId: "0f9d6a1e-7c2b-4d0e-9a51-3b8e2f6c1d77", message: "Unauthorized" } });
      }
      if (r.method === "POST" && url.pathname === "/v1/media/input") {
        const media = (json as { url?: string }).url ?? "";
        if (!/^media:\/\/[a-zA-Z0-9\-_./]+$/.test(media)) {
          return send({ status: 400, body: { message: "Invalid request", errors: [{ field: "url", message: "Invalid URL" }] } });
        }
        const storagePath = `/storage/${received.length}`;
        presigned.set(storagePath, media);
        return send({ status: 201, body: { url: `${base}${storagePath}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc123` } });
      }
      const reply = jobs(r, base);
      return send(reply ?? { status: 404, body: { requestId: "x", message: "Not Found" } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: base,
    received,
    uploads,
    api: () => received.filter((r) => r.path.startsWith("/v1/")),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let dir: string;
let call: PreparedAudio;
let sample: PreparedAudio;
let stub: Awaited<ReturnType<typeof startStub>> | undefined;

async function makeWav(name: string, seconds: number): Promise<PreparedAudio> {
  const wavPath = path.join(dir, name);
  await runFfmpeg([
    "-y",
    "-f",
    "lavfi",
    "-i",
    `sine=frequency=300:duration=${seconds}:sample_rate=16000`,
    "-ac",
    "1",
    "-c:a",
    "pcm_s16le",
    "-map_metadata",
    "-1",
    fileUrl(wavPath),
  ]);
  return {
    sourcePath: wavPath,
    workDir: dir,
    wavPath,
    sampleRate: 16000,
    durationSeconds: seconds,
    channels: 1,
    sourceSampleRate: 16000,
    layout: "mono",
    distinctChannels: false,
    channelWavPaths: [],
  };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "scryon-pyannote-contract-"));
  call = await makeWav("call.wav", 5);
  sample = await makeWav("sample.wav", 3);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

function provider(extra: Partial<ConstructorParameters<typeof PyannoteProvider>[0]> = {}) {
  return new PyannoteProvider({ apiKey: KEY, baseUrl: stub!.baseUrl, pollIntervalMs: 20, maxRetries: 1, ...extra });
}

async function caught(p: Promise<unknown>): Promise<StageError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(StageError);
    return error as StageError;
  }
  throw new Error("expected a rejection");
}

const JOB_ID = "3c8a89a5-dcc6-4edb-a75d-ffd64739674d";
const times = { createdAt: "2026-11-28T10:00:00.000Z", updatedAt: "2026-11-28T10:00:04.000Z" };

/** Job endpoints: `submitPath` creates the job; the first GET says running, then `final`. */
function jobApi(submitPath: string, final: { status: string; output?: unknown }) {
  let polls = 0;
  return (req: Received): Reply | undefined => {
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
    stub = await startStub(
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

    const api = stub.api();
    expect(api.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/media/input",
      "POST /v1/diarize",
      `GET /v1/jobs/${JOB_ID}`,
      `GET /v1/jobs/${JOB_ID}`,
    ]);
    for (const r of api) expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    const media = (api[0]!.json as { url: string }).url;
    expect(media).toMatch(/^media:\/\/[a-zA-Z0-9\-_./]+$/);
    expect(api[0]!.headers["content-type"]).toMatch(/^application\/json/);
    expect(api[1]!.json).toEqual({ url: media, numSpeakers: 2 });

    const put = stub.received.find((r) => r.method === "PUT")!;
    expect(put.headers.authorization).toBeUndefined(); // the key never goes to the storage URL
    expect(stub.uploads.get(media)).toBe((await stat(call.wavPath)).size);

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
    stub = await startStub(
      jobApi("/v1/diarize", {
        status: "failed",
        output: { error: "Could not decode audio file at /var/tmp/jobs/abc.wav", diarization: [] },
      }),
    );
    const error = await caught(provider().diarize(call));
    expect(error.transient).toBe(false);
    expect(error.code).toBe("PROVIDER_REJECTED");
    expect(error.message).toContain("Could not decode audio file");
    expect(error.message).not.toContain("/var/tmp");
  });

  it("a job that never finishes is a transient PROVIDER_TIMEOUT", async () => {
    stub = await startStub((req) => {
      if (req.method === "POST" && req.path === "/v1/diarize") return { status: 200, body: { jobId: JOB_ID, status: "created" } };
      if (req.method === "GET") return { status: 200, body: { jobId: JOB_ID, status: "running", ...times } };
      return undefined;
    });
    const error = await caught(provider({ pollTimeoutMs: 150 }).diarize(call));
    expect(error.code).toBe("PROVIDER_TIMEOUT");
    expect(error.transient).toBe(true);
  });

  it("enrolls a voiceprint and identifies speakers against it", async () => {
    const ALICE_VP = "U29tZUJhc2U2NERhdGFGb3JBbGljZQ==";
    const BOB_VP = "U29tZUJhc2U2NERhdGFGb3JCb2I=";
    let enrolls = 0;
    let identifyBody: unknown;
    let lastKind = "";
    stub = await startStub((req) => {
      if (req.method === "POST" && req.path === "/v1/voiceprint") {
        lastKind = `vp${enrolls++}`;
        return { status: 200, body: { jobId: `${lastKind}-job`, status: "created" } };
      }
      if (req.method === "POST" && req.path === "/v1/identify") {
        identifyBody = req.json;
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
    const vpReq = stub.api().find((r) => r.path === "/v1/voiceprint")!;
    expect(vpReq.json).toEqual({ url: expect.stringMatching(/^media:\/\//), model: "precision-2" });

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
    const cases: Reply[] = [
      { status: 400, body: { message: `Invalid request for token ${KEY}`, errors: [{ field: "url", message: `bad ${KEY}` }] } },
      { status: 401, body: { requestId: "r1", message: `Invalid API key ${KEY}` } },
      { status: 402, body: { requestId: "r2", message: "Subscription is required" } },
      { status: 500, body: { requestId: "r3", message: `Internal error (${KEY})` } },
    ];
    for (const reply of cases) {
      stub = await startStub((req) => (req.path === "/v1/diarize" ? reply : undefined));
      const error = await caught(provider({ maxRetries: 0 }).diarize(call));
      expect(error.message).not.toContain(KEY);
      expect(error.transient).toBe(reply.status >= 500);
      await stub.close();
      stub = undefined;
    }
    // A failed job whose error text echoes the key.
    stub = await startStub(jobApi("/v1/diarize", { status: "failed", output: { error: `Rejected key ${KEY}` } }));
    const error = await caught(provider().diarize(call));
    expect(error.message).not.toContain(KEY);
    // A wrong key (the stub answers 401 for anything but the right Bearer token).
    const wrong = new PyannoteProvider({ apiKey: "another-secret-key-987654321", baseUrl: stub.baseUrl, maxRetries: 0 });
    const auth = await caught(wrong.diarize(call));
    expect(auth.transient).toBe(false);
    expect(auth.message).not.toContain("another-secret-key");
  });
});
