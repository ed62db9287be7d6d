/**
 * `npm run bench:load` — a minute of mixed load on loopback against `next start` on a fresh PostgreSQL
 * database (issue 14): BENCH_UPLOADERS users upload short real-speech recordings (LibriSpeech clips from
 * tests/fixtures, alternately by tus in 64 KiB PATCHes and by one multipart POST) while reads arrive at a
 * fixed rate (open loop: each read is sent at its scheduled time, whether or not earlier ones have answered)
 * over the list (`GET /api/calls`), call (`GET /api/calls/:id`) and inbox (`GET /api/action-items`) APIs.
 *
 * Before the load, a baseline phase sends the same reads at the same rate with nothing else running, so the
 * figures under load can be read as a ratio to the same machine at that moment (other work on the machine
 * skews absolute timings; the load average is printed beside them).
 *
 * Prints per route and phase: count, p50/p95/p99 (ms), 5xx, other non-2xx, network errors; the achieved
 * read rate and how late the client sent; uploads accepted; then waits (bounded) for every accepted call to
 * end COMPLETED or FAILED and prints how many ended each way and how long that took.
 *
 *   npm run build && npm run bench:load
 *   BENCH_SECONDS=20 BENCH_READ_RATE=100 BENCH_UPLOADERS=4 npm run bench:load   # a shorter run
 *
 * Env: BENCH_SECONDS (60), BENCH_READ_RATE (200 reads/s), BENCH_UPLOADERS (10), BENCH_UPLOAD_EVERY_MS (12000:
 * each uploader starts one upload this often, so the pipeline's backlog stays finite), BENCH_BASELINE_SECONDS
 * (10), BENCH_DRAIN_SECONDS (900: the bound on waiting for processing), BENCH_PORT (3297),
 * SCRYON_NEXT_DIST_DIR (serve a copy of the build), BENCH_DATABASE_URL (the PostgreSQL server to create the
 * database on). Exits 1 when any response was a 5xx, a request got no HTTP answer, or a call did not end in time.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { testFfmpegPath } from "../tests/helpers/make-audio";
import { createPostgresDatabase, percentile, signIn, startApp } from "./support/app";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const READ_RATE = Number(process.env.BENCH_READ_RATE ?? 200);
const UPLOADERS = Number(process.env.BENCH_UPLOADERS ?? 10);
const UPLOAD_EVERY_MS = Number(process.env.BENCH_UPLOAD_EVERY_MS ?? 12_000);
const BASELINE_SECONDS = Number(process.env.BENCH_BASELINE_SECONDS ?? 10);
const DRAIN_SECONDS = Number(process.env.BENCH_DRAIN_SECONDS ?? 900);
const PORT = Number(process.env.BENCH_PORT ?? 3297);
const TUS_CHUNK = 64 * 1024;
const CLIP_SECONDS = 8;

const LIBRISPEECH = path.resolve("tests/fixtures/speech/librispeech/audio");
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "scryon-bench-load-"));

/** 16 kHz mono WAVs of the first CLIP_SECONDS of a few LibriSpeech readers. */
function recordings(): { name: string; bytes: Buffer }[] {
  const clips = fs.readdirSync(LIBRISPEECH).filter((name) => name.endsWith(".flac")).sort().slice(0, 6);
  if (clips.length === 0) throw new Error(`no clips in ${LIBRISPEECH}`);
  return clips.map((clip) => {
    const target = path.join(workDir, clip.replace(/\.flac$/, ".wav"));
    execFileSync(testFfmpegPath(), ["-v", "error", "-y", "-i", path.join(LIBRISPEECH, clip), "-t", String(CLIP_SECONDS), "-ac", "1", "-ar", "16000", target]);
    return { name: path.basename(target), bytes: fs.readFileSync(target) };
  });
}

type Route = "list" | "call" | "inbox";
interface Sample {
  route: Route;
  phase: "baseline" | "load";
  status: number; // 0 = network error
  ms: number;
  lateMs: number;
  /** performance.now() when the answer (or the error) came. */
  at: number;
}

const networkErrors = new Map<string, number>();

const samples: Sample[] = [];
const callIds: string[] = [];
const accepted = new Set<string>();
let uploadsRefused = 0;
let uploadErrors = 0;
const uploadMs: number[] = [];
const uploadStatuses = new Map<string, number>();

async function timed(url: string, cookie: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  try {
    const response = await fetch(url, { headers: { cookie } });
    await response.arrayBuffer();
    return { status: response.status, ms: performance.now() - started };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; name?: string } }).cause;
    const kind = cause?.code ?? cause?.name ?? (error as Error).name;
    networkErrors.set(kind, (networkErrors.get(kind) ?? 0) + 1);
    return { status: 0, ms: performance.now() - started };
  }
}

/** Open loop: read i is due at start + i / rate; a 2 ms tick sends every read that is due. */
async function readLoad(base: string, cookie: string, seconds: number, phase: Sample["phase"]): Promise<{ sent: number; seconds: number; start: number }> {
  const routes: Route[] = ["list", "call", "inbox"];
  const total = Math.round(seconds * READ_RATE);
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  let next = 0;
  while (next < total) {
    const now = performance.now();
    while (next < total && start + (next * 1000) / READ_RATE <= now) {
      const due = start + (next * 1000) / READ_RATE;
      const route = routes[next % routes.length]!;
      const id = callIds[Math.floor(Math.random() * callIds.length)]!;
      const url =
        route === "list"
          ? `${base}/api/calls?limit=25`
          : route === "call"
            ? `${base}/api/calls/${id}`
            : `${base}/api/action-items?status=all`;
      const lateMs = performance.now() - due;
      inflight.push(
        timed(url, cookie).then(({ status, ms }) => {
          samples.push({ route, phase, status, ms, lateMs, at: performance.now() });
        }),
      );
      next++;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const sendSeconds = (performance.now() - start) / 1000;
  await Promise.all(inflight);
  return { sent: total, seconds: sendSeconds, start };
}

async function uploadMultipart(base: string, cookie: string, recording: { name: string; bytes: Buffer }, title: string): Promise<{ status: number; id?: string }> {
  const form = new FormData();
  form.append("title", title);
  form.append("file", new Blob([new Uint8Array(recording.bytes)], { type: "audio/wav" }), recording.name);
  const response = await fetch(`${base}/api/calls`, { method: "POST", headers: { cookie }, body: form });
  const body = (await response.json().catch(() => null)) as { call?: { id: string } } | null;
  return { status: response.status, id: response.status === 201 ? body?.call?.id : undefined };
}

async function uploadTus(base: string, cookie: string, recording: { name: string; bytes: Buffer }, title: string): Promise<{ status: number; id?: string }> {
  const meta = [`filename ${Buffer.from(recording.name).toString("base64")}`, `title ${Buffer.from(title).toString("base64")}`].join(",");
  const created = await fetch(`${base}/api/uploads`, {
    method: "POST",
    headers: { cookie, "Tus-Resumable": "1.0.0", "Upload-Length": String(recording.bytes.byteLength), "Upload-Metadata": meta },
  });
  await created.arrayBuffer();
  if (created.status !== 201) return { status: created.status };
  const location = new URL(created.headers.get("location")!, `${base}/api/uploads/`).toString();
  const id = location.split("/").pop()!;
  for (let offset = 0; offset < recording.bytes.byteLength; offset += TUS_CHUNK) {
    const chunk = recording.bytes.subarray(offset, offset + TUS_CHUNK);
    const response = await fetch(location, {
      method: "PATCH",
      headers: { cookie, "Tus-Resumable": "1.0.0", "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" },
      body: new Uint8Array(chunk),
    });
    await response.arrayBuffer();
    if (response.status !== 204) return { status: response.status };
  }
  return { status: 201, id };
}

async function uploader(index: number, base: string, cookie: string, clips: { name: string; bytes: Buffer }[], until: number): Promise<void> {
  // Spread the uploaders' starts over one interval so they don't all land at once.
  let nextStart = performance.now() + (index * UPLOAD_EVERY_MS) / UPLOADERS;
  let round = 0;
  while (true) {
    const wait = nextStart - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (performance.now() >= until) return;
    nextStart += UPLOAD_EVERY_MS;
    const clip = clips[(index + round) % clips.length]!;
    const viaTus = (index + round) % 2 === 0;
    const title = `Load ${index}.${round} (${viaTus ? "tus" : "multipart"})`;
    round++;
    const started = performance.now();
    try {
      const { status, id } = viaTus ? await uploadTus(base, cookie, clip, title) : await uploadMultipart(base, cookie, clip, title);
      const key = `${viaTus ? "tus" : "multipart"} ${status}`;
      uploadStatuses.set(key, (uploadStatuses.get(key) ?? 0) + 1);
      if (id) {
        accepted.add(id);
        callIds.push(id);
        uploadMs.push(performance.now() - started);
      } else uploadsRefused++;
    } catch {
      uploadErrors++;
    }
  }
}

function table(phase: Sample["phase"]) {
  const rows: string[] = [];
  for (const route of ["list", "call", "inbox"] as Route[]) {
    const mine = samples.filter((sample) => sample.phase === phase && sample.route === route);
    const ok = mine.filter((sample) => sample.status >= 200 && sample.status < 300).map((sample) => sample.ms);
    const all = mine.map((sample) => sample.ms);
    const fivexx = mine.filter((sample) => sample.status >= 500).length;
    const other = mine.filter((sample) => sample.status !== 0 && (sample.status < 200 || (sample.status >= 300 && sample.status < 500))).length;
    const network = mine.filter((sample) => sample.status === 0).length;
    const label = { list: "GET /api/calls", call: "GET /api/calls/:id", inbox: "GET /api/action-items" }[route];
    rows.push(
      `| ${phase} | ${label} | ${mine.length} | ${percentile(all, 50).toFixed(1)} | ${percentile(all, 95).toFixed(1)} | ${percentile(all, 99).toFixed(1)} | ${fivexx} | ${other} | ${network} | ${ok.length} |`,
    );
  }
  return rows;
}

const database = await createPostgresDatabase();
const app = await startApp({ port: PORT, databaseUrl: database.url, distDir: process.env.SCRYON_NEXT_DIST_DIR, quiet: process.env.BENCH_QUIET === "1" });
const sql = postgres(database.url, { max: 1, onnotice: () => {} });
let exitCode = 0;
try {
  const base = app.base;
  const cookie = await signIn(base);
  const clips = recordings();
  console.log(`load average at start: ${os.loadavg().map((n) => n.toFixed(2)).join(" ")}; ${os.cpus().length} CPUs`);

  // Seed: three processed calls, so the call and inbox reads have transcripts, summaries and items to read.
  const seed = await Promise.all([0, 1, 2].map((i) => uploadMultipart(base, cookie, clips[i % clips.length]!, `Seed ${i}`)));
  for (const { status, id } of seed) {
    if (!id) throw new Error(`seed upload answered ${status}`);
    callIds.push(id);
  }
  const seedStarted = performance.now();
  while (true) {
    const rows = await sql<{ status: string }[]>`SELECT status FROM call_records WHERE id = ANY(${callIds})`;
    if (rows.every((row) => row.status === "COMPLETED" || row.status === "FAILED")) break;
    if (performance.now() - seedStarted > 300_000) throw new Error("seed calls did not finish in 5 minutes");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const seeded = await sql<{ status: string; n: number }[]>`SELECT status, count(*)::int AS n FROM call_records GROUP BY status`;
  console.log(`seeded: ${seeded.map((row) => `${row.n} ${row.status}`).join(", ")} in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

  // Warm-up (first compile of each route's code paths), not counted.
  for (let i = 0; i < 20; i++) await Promise.all([`${base}/api/calls`, `${base}/api/calls/${callIds[0]}`, `${base}/api/action-items?status=all`].map((url) => timed(url, cookie)));

  const baselineLoad = os.loadavg()[0]!;
  const baseline = await readLoad(base, cookie, BASELINE_SECONDS, "baseline");

  const loadStart = performance.now();
  const until = loadStart + SECONDS * 1000;
  const loadAverages: number[] = [];
  const sampler = setInterval(() => loadAverages.push(os.loadavg()[0]!), 5000);
  const [reads] = await Promise.all([
    readLoad(base, cookie, SECONDS, "load"),
    ...Array.from({ length: UPLOADERS }, (_, index) => uploader(index, base, cookie, clips, until)),
  ]);
  clearInterval(sampler);
  const loadSeconds = (performance.now() - loadStart) / 1000;

  // Processing: wait for every accepted call to end.
  const drainStarted = performance.now();
  const ids = [...accepted];
  let ended: { status: string; error_reason: string | null }[] = [];
  while (ids.length > 0) {
    ended = await sql<{ status: string; error_reason: string | null }[]>`SELECT status, error_reason FROM call_records WHERE id = ANY(${ids})`;
    if (ended.length === ids.length && ended.every((row) => row.status === "COMPLETED" || row.status === "FAILED")) break;
    if (performance.now() - drainStarted > DRAIN_SECONDS * 1000) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const drainSeconds = (performance.now() - drainStarted) / 1000;
  const byStatus = new Map<string, number>();
  for (const row of ended) byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + 1);
  const reasons = new Map<string, number>();
  for (const row of ended.filter((row) => row.status === "FAILED")) reasons.set(row.error_reason ?? "?", (reasons.get(row.error_reason ?? "?") ?? 0) + 1);

  const loadSamples = samples.filter((sample) => sample.phase === "load");
  const fivexx = samples.filter((sample) => sample.status >= 500).length;
  const lateP99 = percentile(loadSamples.map((sample) => sample.lateMs), 99);
  const answeredInWindow = loadSamples.length / reads.seconds;
  // Throughput: 2xx answers per second from the first send to the last answer (a server that keeps up answers
  // at the scheduled rate; one that falls behind answers slower and the queue grows).
  const throughput = (phase: Sample["phase"], start: number) => {
    const mine = samples.filter((sample) => sample.phase === phase);
    const last = Math.max(...mine.map((sample) => sample.at));
    return mine.filter((sample) => sample.status >= 200 && sample.status < 300).length / ((last - start) / 1000);
  };

  console.log(`\n## bench:load — ${SECONDS} s, ${UPLOADERS} uploaders (one upload each every ${UPLOAD_EVERY_MS / 1000} s), ${READ_RATE} reads/s scheduled, next start on PostgreSQL`);
  console.log(`load average (1 min): ${baselineLoad.toFixed(2)} before the baseline, ${loadAverages.map((n) => n.toFixed(2)).join(" ")} during the load; ${os.cpus().length} CPUs`);
  console.log("\n| phase | route | count | p50 ms | p95 ms | p99 ms | 5xx | other non-2xx | network errors | 2xx |");
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const row of [...table("baseline"), ...table("load")]) console.log(row);
  for (const route of ["list", "call", "inbox"] as Route[]) {
    const p = (phase: Sample["phase"], q: number) => percentile(samples.filter((s) => s.phase === phase && s.route === route).map((s) => s.ms), q);
    console.log(`${route}: p50 ×${(p("load", 50) / p("baseline", 50)).toFixed(1)}, p95 ×${(p("load", 95) / p("baseline", 95)).toFixed(1)} of the baseline`);
  }
  console.log(`\nreads: baseline ${baseline.sent} sent in ${baseline.seconds.toFixed(1)} s, ${throughput("baseline", baseline.start).toFixed(1)} 2xx/s answered; load ${reads.sent} sent in ${reads.seconds.toFixed(1)} s = ${answeredInWindow.toFixed(1)} reads/s sent (scheduled ${READ_RATE}), ${throughput("load", reads.start).toFixed(1)} 2xx/s answered; client late by p99 ${lateP99.toFixed(1)} ms`);
  if (networkErrors.size) console.log(`network errors by kind: ${[...networkErrors].map(([k, v]) => `${k}: ${v}`).join(", ")}`);
  console.log(`uploads: ${accepted.size} accepted, ${uploadsRefused} refused, ${uploadErrors} network errors (${[...uploadStatuses].map(([k, v]) => `${k}: ${v}`).join(", ")}); upload p50 ${percentile(uploadMs, 50).toFixed(0)} ms, p95 ${percentile(uploadMs, 95).toFixed(0)} ms; load phase ${loadSeconds.toFixed(1)} s`);
  const done = byStatus.get("COMPLETED") ?? 0;
  const failed = byStatus.get("FAILED") ?? 0;
  const pending = ids.length - done - failed;
  console.log(`processing: ${done} COMPLETED, ${failed} FAILED${failed ? ` (${[...reasons].map(([k, v]) => `${k}: ${v}`).join(", ")})` : ""}, ${pending} not ended, ${drainSeconds.toFixed(1)} s after the load ended (bound ${DRAIN_SECONDS} s)`);
  console.log(`5xx in total: ${fivexx}`);
  const dropped = samples.filter((sample) => sample.status === 0).length + uploadErrors;
  if (dropped > 0) console.log(`requests that got no HTTP answer (timeouts, resets): ${dropped}`);
  if (fivexx > 0 || pending > 0 || dropped > 0) exitCode = 1;
} finally {
  await sql.end();
  await app.stop();
  await database.drop();
  fs.rmSync(workDir, { recursive: true, force: true });
}
process.exit(exitCode);
