/**
 * `npm run bench:pipeline` — 50 short calls through the embedded Inngest engine on PGlite, with instant fake
 * speech providers (for this benchmark only), so what is measured is orchestration: the engine's calls into
 * the serve handler, step memoization and persistence, and the stage bookkeeping (events, artifacts).
 * Prints per-stage wall time and the orchestration overhead per call (median, p95), and calls per minute.
 *
 *   BENCH_CALLS=20 npm run bench:pipeline
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
let roundTrips = 0;
for (const method of ["query", "exec"] as const) {
  const original = PGlite.prototype[method] as (...args: unknown[]) => Promise<unknown>;
  (PGlite.prototype as unknown as Record<string, unknown>)[method] = function (this: PGlite, ...args: unknown[]) {
    roundTrips++;
    return original.apply(this, args);
  };
}

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
const engine = createEmbeddedEngine({ db, client, functions: [createProcessCallFunction(client, async () => deps)], exclusive: true });
await engine.start();

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
const tripsPerCall: number[] = [];
const stages = new Map<string, number[]>();
for (let i = 0; i < SEQUENTIAL; i++) {
  const callId = await uploadCall(i);
  const sent = performance.now();
  const tripsBefore = roundTrips;
  await engine.send(callQueuedEvent({ callId, userId: user.id }));
  await engine.waitForIdle({ timeoutMs: 60_000 });
  const wall = performance.now() - sent;
  tripsPerCall.push(roundTrips - tripsBefore);
  const done = await stageTimes(callId);
  done.forEach((event) => stages.set(event.stage, [...(stages.get(event.stage) ?? []), event.durationMs ?? 0]));
  overheads.push(wall - done.reduce((sum, event) => sum + (event.durationMs ?? 0), 0));
}
// The function has 7 steps (begin, audio-prep, diarization ∥ transcription, normalization, cleanup, complete).
const STEPS = 7;

// 2. Many at once: throughput with the function's concurrency limit.
const ids: string[] = [];
for (let i = 0; i < CALLS; i++) ids.push(await uploadCall(SEQUENTIAL + i));
const started = performance.now();
for (const callId of ids) await engine.send(callQueuedEvent({ callId, userId: user.id }));
await engine.waitForIdle({ timeoutMs: 30 * 60_000 });
const elapsedMs = performance.now() - started;
let completed = 0;
for (const callId of ids) if ((await getCall(db, { callId, userId: user.id }))?.status === "COMPLETED") completed++;

console.log(`\npipeline benchmark: embedded engine on PGlite, instant fake speech providers, 5 s calls, ${os.availableParallelism()} cores`);
console.log(`one call at a time (${SEQUENTIAL} calls):`);
for (const [stage, values] of stages) console.log(`  ${stage.padEnd(15)} stage work median ${percentile(values, 50)} ms, p95 ${percentile(values, 95)} ms`);
console.log(`  orchestration per call (wall time minus stage work): median ${percentile(overheads, 50)} ms, p95 ${percentile(overheads, 95)} ms`);
console.log(`  orchestration per step (${STEPS} steps): median ${percentile(overheads.map((ms) => ms / STEPS), 50)} ms, p95 ${percentile(overheads.map((ms) => ms / STEPS), 95)} ms`);
console.log(`  database round trips per call (engine, stages and the benchmark's waitForIdle): median ${percentile(tripsPerCall, 50)}`);
console.log(`  load average ${os.loadavg().map((value) => value.toFixed(2)).join(" ")}`);
console.log(`${CALLS} calls at once: ${completed}/${CALLS} completed in ${(elapsedMs / 1000).toFixed(1)} s → ${((completed / elapsedMs) * 60_000).toFixed(0)} calls/min`);
await engine.stop();
await handle.close();
await fs.rm(root, { recursive: true, force: true });
