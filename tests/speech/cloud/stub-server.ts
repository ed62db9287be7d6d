import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { wavHeader } from "@/lib/speech/wav";
import type { PreparedAudio } from "@/lib/speech/types";

/**
 * A tiny HTTP stub for the cloud adapters' contract tests: listens on 127.0.0.1 (ephemeral port), records
 * every request (method, path, query, headers, body size) and answers with a handler the test sets. A handler
 * returns a `StubResponse`, or `"hang"` to never answer (timeouts), or `"destroy"` to drop the connection.
 * `queue()` lets a test inject failures in front of the normal handler (e.g. 429, then the handler).
 */

export interface StubRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface StubResponse {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as it is; anything else as JSON. */
  body?: unknown;
}

export type StubAnswer = StubResponse | "hang" | "destroy";
export type StubHandler = (req: StubRequest) => StubAnswer | Promise<StubAnswer>;

export interface StubServer {
  url: string;
  requests: StubRequest[];
  /** The normal handler (used when the queue is empty). */
  handle(handler: StubHandler): void;
  /** One-shot answers used, in order, before the normal handler. */
  queue(...answers: (StubAnswer | StubHandler)[]): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startStubServer(): Promise<StubServer> {
  const requests: StubRequest[] = [];
  let handler: StubHandler = () => ({ status: 404, body: { error: "no handler" } });
  let queued: (StubAnswer | StubHandler)[] = [];
  const hanging = new Set<http.ServerResponse>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        const request: StubRequest = {
          method: req.method ?? "",
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks),
        };
        requests.push(request);
        const next = queued.shift();
        const answer = next === undefined ? await handler(request) : typeof next === "function" ? await next(request) : next;
        if (answer === "hang") {
          hanging.add(res);
          return;
        }
        if (answer === "destroy") {
          req.socket.destroy();
          return;
        }
        const body = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
        const headers: Record<string, string> = { ...(answer.headers ?? {}) };
        if (typeof answer.body !== "string" && answer.body !== undefined) headers["content-type"] ??= "application/json";
        res.writeHead(answer.status ?? 200, headers);
        res.end(body);
      })().catch((error: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`stub handler failed: ${String(error)}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(h) {
      handler = h;
    },
    queue(...answers) {
      queued.push(...answers);
    },
    reset() {
      requests.length = 0;
      queued = [];
      for (const res of hanging) res.destroy();
      hanging.clear();
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A `PreparedAudio` over a WAV of silence in a fresh temp dir (no engine needed). */
export async function silentPreparedAudio(seconds = 1): Promise<{ audio: PreparedAudio; cleanup: () => Promise<void> }> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), "scryon-cloud-test-"));
  const frames = Math.round(seconds * 16000);
  const wavPath = path.join(workDir, "audio.wav");
  await writeFile(wavPath, Buffer.concat([wavHeader(frames, 16000), Buffer.alloc(frames * 2)]));
  const audio: PreparedAudio = {
    sourcePath: wavPath,
    workDir,
    wavPath,
    sampleRate: 16000,
    durationSeconds: frames / 16000,
    channels: 1,
    sourceSampleRate: 16000,
    layout: "mono",
    distinctChannels: false,
    channelWavPaths: [],
  };
  return { audio, cleanup: () => rm(workDir, { recursive: true, force: true }) };
}

/**
 * As `silentPreparedAudio`, over a sine tone instead (amplitude 1/8 of full scale, as ffmpeg's `sine` source):
 * for adapters that re-encode the audio.
 */
export async function tonePreparedAudio(seconds = 1, frequency = 440): Promise<{ audio: PreparedAudio; cleanup: () => Promise<void> }> {
  const prepared = await silentPreparedAudio(seconds);
  const frames = Math.round(seconds * 16000);
  const samples = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) samples.writeInt16LE(Math.round(4096 * Math.sin((2 * Math.PI * frequency * i) / 16000)), i * 2);
  await writeFile(prepared.audio.wavPath, Buffer.concat([wavHeader(frames, 16000), samples]));
  return prepared;
}

/** The multipart form a recorded request carried (null when it is not `multipart/form-data`). */
export async function formBody(req: StubRequest): Promise<FormData | null> {
  const type = req.headers["content-type"] ?? "";
  if (!type.startsWith("multipart/form-data")) return null;
  return new Request("http://stub/", { method: "POST", headers: { "content-type": type }, body: new Uint8Array(req.body) }).formData();
}

/** Runs `fn` and returns what it threw (fails when it did not throw). */
export async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}
