/**
 * `npm run bench:pipeline` — short calls through the embedded Inngest engine on PGlite, with instant fake
 * speech providers (for this benchmark only), so what is measured is orchestration: the engine's calls into
 * the serve handler, step memoization and persistence, and the stage bookkeeping (events, artifacts).
 * Prints, with the load average (the machine is shared: read CPU time more than wall time):
 * - the engine alone: process-call's shape (9 steps, two in parallel) with empty steps — wall and CPU per
 *   step, round trips per run; and 50 such runs at once with concurrency limits 2 and 8;
 * - one real call at a time: per-stage work, orchestration per call and per step (wall time minus the
 *   stages' recorded work), CPU per call against the bare baseline (the same stage functions called one
 *   after the other, no engine);
 * - 50 calls at once: calls per minute within process-call's concurrency limit (2), CPU per call.
 *
 *   BENCH_CALLS=20 npm run bench:pipeline      (BENCH_TRIPS=1: statements by count)
 */
import { createAnalysisProvider } from "@/lib/analysis";
import { LocalVoiceprintProvider } from "@/lib/speech/local/voiceprint";
import { PGlite } from "@electric-sql/pglite";
import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { migrateDatabase, openDatabase } from "../db/client";
import { upsertUserByExternalId } from "../db/queries/users";
import { listCallEvents } from "../db/queries/events";
import { getCall } from "../db/queries/calls";
import { callQueuedEvent } from "../inngest/events";
import { createProcessCallFunction } from "../inngest/functions/process-call";
import { beginProcessing, finishProcessing, runAnalysis, runAudioPrep, runCleanup, runDiarization, runNormalization, runTranscription } from "../lib/pipeline/stages";
import { inngestWebhookEmitter, notifyCallCompleted } from "../lib/webhooks/notify";
import { receiveMultipartUpload } from "../lib/calls/multipart-upload";
import { createEmbeddedClient, createEmbeddedEngine } from "../lib/pipeline/engine";
import type { PipelineDeps } from "../lib/pipeline/stages";
import { createLocalStorage } from "../lib/storage";

const CALLS = Number(process.env.BENCH_CALLS ?? 50);
const root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-bench-pipeline-"));
const ffmpeg = (createRequire(import.meta.url)("@ffmpeg-installer/ffmpeg") as { path: string }).path;
const wav = path.join(root, "call.wav");
execFileSync(ffmpeg, ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=300:duration=5", "-ar", "16000", "-ac", "1", wav]);
const bytes = new Uint8Array(await fs.readFile(wav));

// Database round trips (PGlite has one connection: each one waits for the one before), counted by phase.
// BENCH_TRIPS=1 also prints the statements by count (the first 90 characters of each).
let roundTrips = 0;
const byStatement = new Map<string, number>();
for (const method of ["query", "exec"] as const) {
  const original = PGlite.prototype[method] as (...args: unknown[]) => Promise<unknown>;
  (PGlite.prototype as unknown as Record<string, unknown>)[method] = function (this: PGlite, ...args: unknown[]) {
    roundTrips++;
    if (process.env.BENCH_TRIPS) {
      const text = String(args[0]).replace(/\s+/g, " ").slice(0, 90);
      byStatement.set(text, (byStatement.get(text) ?? 0) + 1);
    }
    return original.apply(this, args);
  };
}
// Statements inside a transaction go through the transaction's own query/exec, plus BEGIN and COMMIT.
const originalTransaction = PGlite.prototype.transaction;
PGlite.prototype.transaction = function <T>(this: PGlite, callback: (tx: Parameters<Parameters<PGlite["transaction"]>[0]>[0]) => Promise<T>) {
  roundTrips += 2;
  return originalTransaction.call(this, (tx) => {
    for (const method of ["query", "exec"] as const) {
      const original = tx[method] as (...args: unknown[]) => Promise<unknown>;
      (tx as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        roundTrips++;
        if (process.env.BENCH_TRIPS) {
          const text = `[tx] ${String(args[0]).replace(/\s+/g, " ").slice(0, 85)}`;
          byStatement.set(text, (byStatement.get(text) ?? 0) + 1);
        }
        return original.apply(tx, args);
      };
    }
    return callback(tx);
  }) as Promise<T>;
};
/** CPU time of this process (user + system) in ms: the machine is shared, so wall time alone is noisy. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const handle = await openDatabase({ pgliteDir: path.join(root, "pglite") });
await migrateDatabase(handle);
const db = handle.db;
const deps: PipelineDeps = {
  db,
  storage: createLocalStorage(path.join(root, "blob")),
  workRoot: path.join(root, "work"),
  diarization: { name: "instant", diarize: async (audio) => ({ speakers: [{ id: "S1", label: "Speaker 1" }], segments: [{ speaker: "S1", start: 0, end: audio.durationSeconds }] }) },
  transcription: { name: "instant", transcribe: async () => ({ language: "en", quality: "draft", words: [{ text: "hello", start: 0.1, end: 0.5, confidence: 1 }] }) },
  voiceprint: new LocalVoiceprintProvider(),
  // The real local analyzer: its rules run in the orchestration budget measured here.
  analysis: createAnalysisProvider(),
  voiceConsentVersion: "bench",
  timeZone: "UTC",
  audioRetentionDays: 30,
};
const user = await upsertUserByExternalId(db, { externalUserId: "bench" });
const client = createEmbeddedClient({ id: "scryon-bench" });
// The settings the app runs with (lib/pipeline/embedded.ts): PGlite, so exclusive; the default poll interval.
// The engine alone: process-call's shape (9 steps, two of them in parallel) with empty steps, so every
// millisecond of it is orchestration (the serve handler's replay, the engine, the database).
// Once with process-call's concurrency limit (2) and once with 8, to see whether the limit or the engine
// caps runs per minute when steps cost nothing.
const shapeOf = (limit: number) =>
  client.createFunction({ id: `bench-shape-${limit}`, concurrency: { limit }, triggers: [{ event: `bench/shape-${limit}` }] }, async ({ step }) => {
    await step.run("begin", () => null);
    const audio = await step.run("audio-prep", () => ({ durationSeconds: 5, channels: 1 }));
    await Promise.all([step.run("diarization", () => null), step.run("transcription", () => null)]);
    for (const name of ["normalization", "analysis", "cleanup", "complete", "webhooks"]) await step.run(name, () => null);
    return audio;
  });
const engine = createEmbeddedEngine({ db, client, functions: [createProcessCallFunction(client, async () => deps), shapeOf(2), shapeOf(8)], exclusive: true });
await engine.start();
const SHAPE_RUNS = Number(process.env.BENCH_SHAPE_RUNS ?? 20);
const shapeWall: number[] = [];
const shapeCpu: number[] = [];
const shapeTrips: number[] = [];
for (let i = 0; i < SHAPE_RUNS; i++) {
  const sent = performance.now();
  const cpuBefore = cpuMs();
  const tripsBefore = roundTrips;
  await engine.send({ name: "bench/shape-2", data: { i } });
  await engine.waitForIdle({ timeoutMs: 60_000 });
  shapeWall.push(performance.now() - sent);
  if (process.env.BENCH_DEBUG) console.log(`shape run ${i}: ${(performance.now() - sent).toFixed(0)} ms`);
  shapeCpu.push(cpuMs() - cpuBefore);
  shapeTrips.push(roundTrips - tripsBefore);
}

async function uploadCall(i: number): Promise<string> {
  const form = new FormData();
  form.append("file", new Blob([bytes]), `Call ${i}.wav`);
  const call = await receiveMultipartUpload(new Request("http://bench/api/calls", { method: "POST", body: form }), user.id, { ...deps, maxUploadBytes: 1e8 }, path.join(root, "uploads"));
  return call.id;
}
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
};
const stageTimes = async (callId: string) =>
  (await listCallEvents(db, { callId, userId: user.id })).filter((event) => event.stage !== "UPLOAD" && event.status === "COMPLETED");

// 1. One call at a time: what the engine adds around the stages' own work.
const SEQUENTIAL = Math.min(10, CALLS);
const overheads: number[] = [];
const cpuPerCall: number[] = [];
const wallPerCall: number[] = [];
const tripsPerCall: number[] = [];
const stages = new Map<string, number[]>();
for (let i = 0; i < SEQUENTIAL; i++) {
  const callId = await uploadCall(i);
  const sent = performance.now();
  const tripsBefore = roundTrips;
  const cpuBefore = cpuMs();
  await engine.send(callQueuedEvent({ callId, userId: user.id }));
  await engine.waitForIdle({ timeoutMs: 60_000 });
  const wall = performance.now() - sent;
  cpuPerCall.push(cpuMs() - cpuBefore);
  wallPerCall.push(wall);
  tripsPerCall.push(roundTrips - tripsBefore);
  const done = await stageTimes(callId);
  done.forEach((event) => stages.set(event.stage, [...(stages.get(event.stage) ?? []), event.durationMs ?? 0]));
  overheads.push(wall - done.reduce((sum, event) => sum + (event.durationMs ?? 0), 0));
}
// The function has 9 steps (begin, audio-prep, diarization ∥ transcription, normalization, analysis, cleanup,
// complete, webhooks). Until 2026-12-04 this said 7 (analysis and webhooks came later): figures before that
// divided by 7.
const STEPS = 9;

// 1b. The bare baseline: the same stage functions called one after the other, no engine (same database,
// same deps, same webhook emitter), so "engine minus bare" is what the engine adds, in wall and CPU time.
const emitter = inngestWebhookEmitter(client);
const bareWall: number[] = [];
const bareCpu: number[] = [];
const bareTrips: number[] = [];
for (let i = 0; i < SEQUENTIAL; i++) {
  const callId = await uploadCall(1000 + i);
  const ref = { callId, userId: user.id };
  const sent = performance.now();
  const cpuBefore = cpuMs();
  const tripsBefore = roundTrips;
  await beginProcessing(db, ref);
  await runAudioPrep(deps, ref);
  await Promise.all([runDiarization(deps, ref), runTranscription(deps, ref)]);
  await runNormalization(deps, ref);
  await runAnalysis(deps, ref);
  await runCleanup(deps, ref);
  await finishProcessing(db, ref);
  await notifyCallCompleted({ ...deps, webhooks: emitter }, ref, callId);
  bareWall.push(performance.now() - sent);
  bareCpu.push(cpuMs() - cpuBefore);
  bareTrips.push(roundTrips - tripsBefore);
}

// 2. Many at once: throughput with the function's concurrency limit.
const ids: string[] = [];
for (let i = 0; i < CALLS; i++) ids.push(await uploadCall(SEQUENTIAL + i));
const started = performance.now();
const cpuStarted = cpuMs();
for (const callId of ids) await engine.send(callQueuedEvent({ callId, userId: user.id }));
await engine.waitForIdle({ timeoutMs: 30 * 60_000 });
const elapsedMs = performance.now() - started;
const concurrentCpuMs = cpuMs() - cpuStarted;
let completed = 0;
for (const callId of ids) if ((await getCall(db, { callId, userId: user.id }))?.status === "COMPLETED") completed++;

console.log(`\npipeline benchmark: embedded engine on PGlite, instant fake speech providers, 5 s calls, ${os.availableParallelism()} cores`);
// The engine alone, many runs at once.
const shapeThroughput: string[] = [];
for (const limit of [2, 8]) {
  const at = performance.now();
  const cpuAt = cpuMs();
  const runs = Number(process.env.BENCH_SHAPE_CONCURRENT ?? 50);
  await engine.send(Array.from({ length: runs }, (_, i) => ({ name: `bench/shape-${limit}`, data: { i } })));
  await engine.waitForIdle({ timeoutMs: 10 * 60_000 });
  const ms = performance.now() - at;
  shapeThroughput.push(`limit ${limit}: ${((runs / ms) * 60_000).toFixed(0)} runs/min (CPU ${((cpuMs() - cpuAt) / runs).toFixed(0)} ms per run, ${(((cpuMs() - cpuAt) / ms) * 100).toFixed(0)} % of one core)`);
}
const shapeSteps = 9;
console.log(`engine alone, process-call's shape with empty steps (${SHAPE_RUNS} runs one at a time, ${shapeSteps} steps): per step wall median ${(percentile(shapeWall, 50) / shapeSteps).toFixed(1)} ms, CPU median ${(percentile(shapeCpu, 50) / shapeSteps).toFixed(1)} ms; per run ${percentile(shapeWall, 50)} ms wall, ${percentile(shapeTrips, 50)} round trips`);
console.log(`engine alone, ${process.env.BENCH_SHAPE_CONCURRENT ?? 50} runs at once: ${shapeThroughput.join("; ")}`);
console.log(`one call at a time (${SEQUENTIAL} calls):`);
for (const [stage, values] of stages) console.log(`  ${stage.padEnd(15)} stage work median ${percentile(values, 50)} ms, p95 ${percentile(values, 95)} ms`);
console.log(`  orchestration per call (wall time minus stage work): median ${percentile(overheads, 50)} ms, p95 ${percentile(overheads, 95)} ms`);
console.log(`  orchestration per step (${STEPS} steps): median ${percentile(overheads.map((ms) => ms / STEPS), 50)} ms, p95 ${percentile(overheads.map((ms) => ms / STEPS), 95)} ms`);
console.log(`  database round trips per call (engine, stages and the benchmark's waitForIdle): median ${percentile(tripsPerCall, 50)}; bare stages ${percentile(bareTrips, 50)}`);
const medianCpu = percentile(cpuPerCall, 50);
const medianBareCpu = percentile(bareCpu, 50);
console.log(`  per call, engine vs bare stages: wall median ${percentile(wallPerCall, 50)} vs ${percentile(bareWall, 50)} ms (${(percentile(wallPerCall, 50) / Math.max(1, percentile(bareWall, 50))).toFixed(2)}×); CPU median ${medianCpu} vs ${medianBareCpu} ms (${(medianCpu / Math.max(1, medianBareCpu)).toFixed(2)}×)`);
console.log(`  engine CPU per step (CPU per call minus the bare stages' CPU, / ${STEPS}): median ${((medianCpu - medianBareCpu) / STEPS).toFixed(1)} ms`);
console.log(`  load average ${os.loadavg().map((value) => value.toFixed(2)).join(" ")}`);
console.log(`${CALLS} calls at once: ${completed}/${CALLS} completed in ${(elapsedMs / 1000).toFixed(1)} s → ${((completed / elapsedMs) * 60_000).toFixed(0)} calls/min; process CPU ${(concurrentCpuMs / Math.max(1, completed)).toFixed(0)} ms per call (${((concurrentCpuMs / elapsedMs) * 100).toFixed(0)} % of one core: the process's one JavaScript thread runs PGlite too); load average ${os.loadavg().map((value) => value.toFixed(2)).join(" ")}`);
if (process.env.BENCH_TRIPS) {
  console.log("statements by count (whole run):");
  for (const [text, count] of [...byStatement].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${String(count).padStart(6)}  ${text}`);
}
await engine.stop();
await handle.close();
await fs.rm(root, { recursive: true, force: true });
