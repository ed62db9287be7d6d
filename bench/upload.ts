/**
 * `npm run bench:upload` — uploads a 1 GiB recording through the running app (production build) and
 * compares it with a bare Node HTTP server that writes the same bytes to the same disk.
 * Prints throughput, the ratio, and the app server's peak resident memory (VmHWM).
 *
 *   BENCH_BYTES=268435456 npm run bench:upload   # a smaller run
 * Needs `npm run build` first.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";

const TOTAL_BYTES = Number(process.env.BENCH_BYTES ?? 1024 ** 3);
const CHUNK = 1024 * 1024;
const TUS_CHUNK = 16 * 1024 * 1024;
const PORT = 3290;
const BARE_PORT = 3291;
const root = fs.mkdtempSync(path.join(os.tmpdir(), "scryon-bench-upload-"));

/** A valid 16 kHz mono WAV of exactly `total` bytes: header, then a quiet tone. */
function wavHeader(total: number): Buffer {
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(Math.min(total - 8, 0xffffffff), 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(16000, 24);
  header.writeUInt32LE(32000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(total - 44, 40);
  return header;
}
const tone = Buffer.alloc(CHUNK);
for (let i = 0; i < CHUNK / 2; i++) tone.writeInt16LE(Math.round(2000 * Math.sin((2 * Math.PI * 440 * i) / 16000)), i * 2);

/** The recording as a stream of `total` bytes, starting at `offset`, `length` long. */
function* recordingBytes(total: number, offset = 0, length = total - offset): Generator<Buffer> {
  const header = wavHeader(total);
  let position = offset;
  const end = offset + length;
  while (position < end) {
    if (position < 44) {
      const part = header.subarray(position, Math.min(44, end));
      position += part.length;
      yield part;
      continue;
    }
    const take = Math.min(CHUNK, end - position);
    yield tone.subarray(0, take);
    position += take;
  }
}
const webStream = (chunks: Iterable<Buffer>) => {
  const iterator = chunks[Symbol.iterator]();
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
};

async function waitFor(url: string, timeoutMs = 60_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`${url} did not come up`);
}

function peakRssMb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0; // the process has exited
  }
}

function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** The Next server: the started process or, if it forked one, its largest descendant. */
function serverPid(child: ChildProcess): number {
  const candidates = [child.pid!, ...descendants(child.pid!)];
  return candidates.reduce((best, pid) => (peakRssMb(pid) > peakRssMb(best) ? pid : best));
}

async function bareServerMbPerSecond(): Promise<number> {
  const target = path.join(root, "bare.bin");
  const server = http.createServer(async (request, response) => {
    await pipeline(request, fs.createWriteStream(target));
    response.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(BARE_PORT, "127.0.0.1", resolve));
  const started = performance.now();
  await fetch(`http://127.0.0.1:${BARE_PORT}/`, { method: "POST", body: webStream(recordingBytes(TOTAL_BYTES)), duplex: "half" } as RequestInit);
  const seconds = (performance.now() - started) / 1000;
  server.close();
  fs.rmSync(target, { force: true });
  return TOTAL_BYTES / 1024 ** 2 / seconds;
}

async function signIn(base: string): Promise<string> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const cookies = csrf.headers.getSetCookie().map((cookie) => cookie.split(";")[0]);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await fetch(`${base}/api/auth/callback/local-dev`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; ") },
    body: new URLSearchParams({ csrfToken, callbackUrl: "/calls" }),
    redirect: "manual",
  });
  const session = response.headers.getSetCookie().map((cookie) => cookie.split(";")[0]).find((cookie) => cookie?.includes("session-token"));
  if (!session) throw new Error("local-dev sign-in failed");
  return session;
}

async function multipartUpload(base: string, cookie: string): Promise<number> {
  const boundary = "----scryonbench";
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.wav"\r\nContent-Type: audio/wav\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = webStream((function* () {
    yield head;
    yield* recordingBytes(TOTAL_BYTES);
    yield tail;
  })());
  const started = performance.now();
  const response = await fetch(`${base}/api/calls`, {
    method: "POST",
    headers: { cookie, "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": String(head.length + TOTAL_BYTES + tail.length) },
    body,
    duplex: "half",
  } as RequestInit);
  if (response.status !== 201) throw new Error(`multipart upload answered ${response.status}: ${await response.text()}`);
  return TOTAL_BYTES / 1024 ** 2 / ((performance.now() - started) / 1000);
}

async function tusUpload(base: string, cookie: string): Promise<number> {
  const started = performance.now();
  const created = await fetch(`${base}/api/uploads`, {
    method: "POST",
    headers: { cookie, "Tus-Resumable": "1.0.0", "Upload-Length": String(TOTAL_BYTES), "Upload-Metadata": `filename ${Buffer.from("bench.wav").toString("base64")}` },
  });
  const location = new URL(created.headers.get("location")!, base).toString();
  for (let offset = 0; offset < TOTAL_BYTES; offset += TUS_CHUNK) {
    const length = Math.min(TUS_CHUNK, TOTAL_BYTES - offset);
    const response = await fetch(location, {
      method: "PATCH",
      headers: { cookie, "Tus-Resumable": "1.0.0", "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" },
      body: webStream(recordingBytes(TOTAL_BYTES, offset, length)),
      duplex: "half",
    } as RequestInit);
    if (response.status !== 204) throw new Error(`tus PATCH answered ${response.status}: ${await response.text()}`);
  }
  return TOTAL_BYTES / 1024 ** 2 / ((performance.now() - started) / 1000);
}

const base = `http://127.0.0.1:${PORT}`;
const app = spawn(process.execPath, [path.resolve("node_modules/next/dist/bin/next"), "start", "-p", String(PORT), "-H", "127.0.0.1"], {
  detached: true, // its own process group, so the whole server goes when the benchmark ends
  env: {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    SCRYON_DATA_DIR: path.join(root, "data"),
    AUTH_SECRET: "bench-secret-0123456789abcdefghijklmnop",
    SCRYON_ALLOW_LOCAL_DEV_IN_PRODUCTION: "true",
    SCRYON_MAX_UPLOAD_BYTES: String(TOTAL_BYTES * 2),
  },
  stdio: ["ignore", "ignore", "inherit"],
});
try {
  await waitFor(`${base}/sign-in`);
  const cookie = await signIn(base);
  const pid = serverPid(app);
  const idleRss = peakRssMb(pid);
  const bare = await bareServerMbPerSecond();
  const multipart = await multipartUpload(base, cookie);
  const tus = await tusUpload(base, cookie);
  const peak = peakRssMb(pid);
  const size = `${(TOTAL_BYTES / 1024 ** 3).toFixed(2)} GiB`;
  console.log(`\nupload benchmark, ${size} WAV, ${os.cpus().length} cores`);
  console.log(`  bare Node server → disk      ${bare.toFixed(0)} MB/s`);
  console.log(`  POST /api/calls (multipart)  ${multipart.toFixed(0)} MB/s   ratio ${(multipart / bare).toFixed(2)}`);
  console.log(`  tus, 16 MiB chunks           ${tus.toFixed(0)} MB/s   ratio ${(tus / bare).toFixed(2)}`);
  console.log(`  app server peak RSS          ${peak.toFixed(0)} MB (after boot and sign-in: ${idleRss.toFixed(0)} MB)`);
  console.log("  (app figures include the checks after the last byte: probe, copy to storage, byte count)");
} finally {
  process.kill(-app.pid!, "SIGTERM");
  fs.rmSync(root, { recursive: true, force: true });
}
