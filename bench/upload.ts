/**
 * `npm run bench:upload` — uploads a 1 GiB recording through the built app (`next start`, via
 * `bench/support/app.ts`) by multipart `POST /api/calls` and by tus (`/api/uploads`, 16 MiB chunks like the
 * browser client), and compares each with a bare Node HTTP server that writes the same bytes to the same
 * disk, in the same run. Prints throughput, the ratio to the bare sink, the app server's RSS growth during
 * each upload (peak sampled RSS minus RSS before it), and the load average.
 *
 *   BENCH_BYTES=268435456 npm run bench:upload       # a smaller run
 *   BENCH_DIST_DIR=.next-mine npm run bench:upload   # serve a copy of the build
 *   BENCH_RUNS=3 npm run bench:upload                # several rounds, each figure per round
 * Needs `npm run build` first. Needs about 2× BENCH_BYTES free in the temp dir (the bare file and one upload).
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { rssMb, signIn, startApp, type AppServer } from "./support/app";

const TOTAL_BYTES = Number(process.env.BENCH_BYTES ?? 1024 ** 3);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const CHUNK = 1024 * 1024;
const TUS_CHUNK = 16 * 1024 * 1024;
const PORT = Number(process.env.BENCH_PORT ?? 3290);
const BARE_PORT = PORT + 1;
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
    // The tone repeats every CHUNK bytes after the header: a byte's value depends only on its position,
    // so any range can be generated again to check what was stored.
    const phase = (position - 44) % CHUNK;
    const take = Math.min(CHUNK - phase, end - position);
    yield tone.subarray(phase, phase + take);
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

/** Samples a process's RSS every 100 ms while `run` goes; returns its result and the growth over the start. */
async function withRss<T>(pid: number, run: () => Promise<T>): Promise<{ result: T; growthMb: number; startMb: number }> {
  const startMb = rssMb(pid);
  let peak = startMb;
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  try {
    const result = await run();
    peak = Math.max(peak, rssMb(pid));
    return { result, growthMb: peak - startMb, startMb };
  } finally {
    clearInterval(timer);
  }
}

async function bareSinkMbPerSecond(): Promise<number> {
  const target = path.join(root, "bare.bin");
  const server = http.createServer(async (request, response) => {
    await pipeline(request, fs.createWriteStream(target));
    response.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(BARE_PORT, "127.0.0.1", resolve));
  try {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${BARE_PORT}/`, { method: "POST", body: webStream(recordingBytes(TOTAL_BYTES)), duplex: "half" } as RequestInit);
    await response.text();
    return TOTAL_BYTES / 1024 ** 2 / ((performance.now() - started) / 1000);
  } finally {
    server.close();
    fs.rmSync(target, { force: true });
  }
}

/** The stored recording must be the bytes sent: its size, and its first and last MiB. */
function checkStored(app: AppServer, callId: string) {
  const dir = path.join(app.dataDir, "blob", "users");
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (full.includes(callId) && /original\.[a-z0-9]+$/.test(entry.name)) found.push(full);
    }
  };
  walk(dir);
  if (found.length !== 1) throw new Error(`expected one stored recording for ${callId}, found ${found.length}`);
  const file = found[0]!;
  if (fs.statSync(file).size !== TOTAL_BYTES) throw new Error(`stored ${fs.statSync(file).size} bytes, sent ${TOTAL_BYTES}`);
  const handle = fs.openSync(file, "r");
  try {
    for (const offset of [0, Math.max(0, TOTAL_BYTES - CHUNK)]) {
      const length = Math.min(CHUNK, TOTAL_BYTES - offset);
      const read = Buffer.alloc(length);
      fs.readSync(handle, read, 0, length, offset);
      const expected = Buffer.concat([...recordingBytes(TOTAL_BYTES, offset, length)]);
      if (!read.equals(expected)) throw new Error(`stored bytes differ at ${offset}`);
    }
  } finally {
    fs.closeSync(handle);
  }
}

/** Drops the call (and its 1 GiB) so the next round has the disk, and the pipeline does not work on it. */
async function deleteCall(base: string, cookie: string, callId: string) {
  const response = await fetch(`${base}/api/calls/${callId}`, { method: "DELETE", headers: { cookie, origin: base } });
  if (response.status !== 204) console.warn(`  (deleting ${callId} answered ${response.status})`);
}

async function multipartUpload(base: string, cookie: string): Promise<{ mbps: number; callId: string }> {
  const boundary = "----scryonbench";
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.wav"\r\nContent-Type: audio/wav\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = webStream(
    (function* () {
      yield head;
      yield* recordingBytes(TOTAL_BYTES);
      yield tail;
    })(),
  );
  const started = performance.now();
  const response = await fetch(`${base}/api/calls`, {
    method: "POST",
    headers: { cookie, "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": String(head.length + TOTAL_BYTES + tail.length) },
    body,
    duplex: "half",
  } as RequestInit);
  const text = await response.text();
  if (response.status !== 201) throw new Error(`multipart upload answered ${response.status}: ${text}`);
  const mbps = TOTAL_BYTES / 1024 ** 2 / ((performance.now() - started) / 1000);
  return { mbps, callId: (JSON.parse(text) as { call: { id: string } }).call.id };
}

async function tusUpload(base: string, cookie: string): Promise<{ mbps: number; callId: string }> {
  const started = performance.now();
  const created = await fetch(`${base}/api/uploads`, {
    method: "POST",
    headers: { cookie, "Tus-Resumable": "1.0.0", "Upload-Length": String(TOTAL_BYTES), "Upload-Metadata": `filename ${Buffer.from("bench.wav").toString("base64")}` },
  });
  if (created.status !== 201) throw new Error(`tus POST answered ${created.status}: ${await created.text()}`);
  const location = new URL(created.headers.get("location")!, base).toString();
  let callId = "";
  for (let offset = 0; offset < TOTAL_BYTES; offset += TUS_CHUNK) {
    const length = Math.min(TUS_CHUNK, TOTAL_BYTES - offset);
    const response = await fetch(location, {
      method: "PATCH",
      headers: { cookie, "Tus-Resumable": "1.0.0", "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" },
      body: webStream(recordingBytes(TOTAL_BYTES, offset, length)),
      duplex: "half",
    } as RequestInit);
    const text = await response.text();
    if (response.status !== 204) throw new Error(`tus PATCH answered ${response.status}: ${text}`);
    callId = response.headers.get("x-scryon-call-id") ?? callId;
  }
  if (!callId) throw new Error("the last tus PATCH did not name the call");
  return { mbps: TOTAL_BYTES / 1024 ** 2 / ((performance.now() - started) / 1000), callId };
}

const load = () => os.loadavg().map((value) => value.toFixed(2)).join(" ");
const app = await startApp({
  port: PORT,
  ...(process.env.BENCH_DIST_DIR ? { distDir: process.env.BENCH_DIST_DIR } : {}),
  env: { SCRYON_MAX_UPLOAD_BYTES: String(TOTAL_BYTES * 2) },
});
try {
  const cookie = await signIn(app.base);
  const pid = app.pid();
  console.log(`\nupload benchmark, ${(TOTAL_BYTES / 1024 ** 3).toFixed(2)} GiB WAV, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "?"}`);
  console.log(`  temp dir ${os.tmpdir()}; app RSS after boot and sign-in ${rssMb(pid).toFixed(0)} MB`);
  for (let round = 1; round <= RUNS; round++) {
    const loadBefore = load();
    const bare = await bareSinkMbPerSecond();
    const multipart = await withRss(pid, () => multipartUpload(app.base, cookie));
    checkStored(app, multipart.result.callId);
    await deleteCall(app.base, cookie, multipart.result.callId);
    const bareBetween = await bareSinkMbPerSecond();
    const tus = await withRss(pid, () => tusUpload(app.base, cookie));
    checkStored(app, tus.result.callId);
    await deleteCall(app.base, cookie, tus.result.callId);
    const bareMean = (bare + bareBetween) / 2;
    console.log(`round ${round}/${RUNS} (load average before: ${loadBefore}; after: ${load()})`);
    console.log(`  bare Node server → disk      ${bare.toFixed(0)} MB/s, ${bareBetween.toFixed(0)} MB/s (before each upload; ratios use the mean)`);
    console.log(
      `  POST /api/calls (multipart)  ${multipart.result.mbps.toFixed(0)} MB/s   ratio ${(multipart.result.mbps / bareMean).toFixed(2)}   RSS growth ${multipart.growthMb.toFixed(0)} MB (from ${multipart.startMb.toFixed(0)} MB)`,
    );
    console.log(
      `  tus, 16 MiB chunks           ${tus.result.mbps.toFixed(0)} MB/s   ratio ${(tus.result.mbps / bareMean).toFixed(2)}   RSS growth ${tus.growthMb.toFixed(0)} MB (from ${tus.startMb.toFixed(0)} MB)`,
    );
  }
  console.log("  (app figures run to the 201/204 answer: they include the checks after the last byte and the hand-over to storage)");
} finally {
  await app.stop();
  fs.rmSync(root, { recursive: true, force: true });
}
