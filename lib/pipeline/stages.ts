import "server-only";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { eq } from "drizzle-orm";
import type { Database } from "@/db";
import { getArtifact } from "@/db/queries/artifacts";
import { getCall, transitionCallStatus } from "@/db/queries/calls";
import { callArtifacts, callRecords, type ArtifactType, type CallRecord, type ProcessingStage } from "@/db/schema";
import { prepareAudio } from "@/lib/speech/prepare";
import type { DiarizationProvider, DiarizationResult, PreparedAudio, TranscriptionProvider, TranscriptionResult } from "@/lib/speech/types";
import { diarizationKey, transcriptNormalizedKey, transcriptRawKey, type ObjectStorage } from "@/lib/storage";
import { mergeTranscript, type NormalizedTranscript } from "@/lib/transcript/normalize";
import { loadJsonArtifact, saveJsonArtifact } from "./artifacts";
import { StageError } from "./errors";
import { ProcessingEventLogger } from "./event-logger";

/**
 * The processing stages as plain functions: each reads what earlier stages stored, writes its own
 * artifact before it is done, and is SKIPPED when that artifact already exists — so a re-run resumes at
 * the failed stage and never throws finished work away. The Inngest function only orchestrates these.
 */

export interface PipelineDeps {
  db: Database;
  storage: ObjectStorage;
  /** Scratch space for decoded audio; a stage that finds nothing here rebuilds it from storage. */
  workRoot: string;
  diarization: DiarizationProvider;
  transcription: TranscriptionProvider;
  audioRetentionDays: number;
}

export interface CallRef {
  callId: string;
  userId: string;
}

const missingAudio = () =>
  new StageError("AUDIO_MISSING", "The recording is no longer stored, so the call cannot be processed again.", false);

/** QUEUED → PROCESSING. A run delivered again finds the call already PROCESSING and carries on. */
export async function beginProcessing(db: Database, ref: CallRef): Promise<CallRecord> {
  const call = await getCall(db, ref);
  if (!call) throw new StageError("INTERNAL", "The call no longer exists.", false);
  if (call.status === "PROCESSING") return call;
  return transitionCallStatus(db, { callId: ref.callId, from: "QUEUED", to: "PROCESSING" });
}

export async function finishProcessing(db: Database, ref: CallRef): Promise<CallRecord> {
  return transitionCallStatus(db, { callId: ref.callId, from: "PROCESSING", to: "COMPLETED" });
}

/** Marks the call FAILED with a short reason, from whichever state processing left it in. */
export async function failProcessing(db: Database, ref: CallRef, errorReason: string): Promise<CallRecord | null> {
  const call = await getCall(db, ref);
  if (!call || call.status === "FAILED" || call.status === "COMPLETED" || call.status === "UPLOADING") return call;
  return transitionCallStatus(db, { callId: ref.callId, from: call.status, to: "FAILED", errorReason });
}

/** The decoded audio in the work dir, rebuilt from stored TEMP_AUDIO when this process has none. */
export async function ensurePreparedAudio(deps: PipelineDeps, ref: CallRef): Promise<PreparedAudio> {
  const workDir = path.join(deps.workRoot, ref.callId);
  const manifest = path.join(workDir, "prepared.json");
  try {
    const prepared = JSON.parse(await fs.readFile(manifest, "utf8")) as PreparedAudio;
    await fs.access(prepared.wavPath);
    return prepared;
  } catch {
    // Not prepared here yet (or cleaned up): build it.
  }
  const audio = await getArtifact(deps.db, { ...ref, type: "TEMP_AUDIO" });
  if (!audio) throw missingAudio();
  const object = await deps.storage.get(audio.storageKey);
  if (!object) throw missingAudio();
  await fs.mkdir(workDir, { recursive: true });
  const original = path.join(workDir, `original${path.extname(audio.storageKey)}`);
  await pipeline(Readable.fromWeb(object.body as import("node:stream/web").ReadableStream<Uint8Array>), createWriteStream(original));
  const prepared = await prepareAudio(original, workDir);
  await fs.writeFile(manifest, JSON.stringify(prepared));
  return prepared;
}

async function skipIfDone(logger: ProcessingEventLogger, deps: PipelineDeps, ref: CallRef, stage: ProcessingStage, type: ArtifactType, provider: string) {
  const existing = await getArtifact(deps.db, { ...ref, type });
  if (existing) await logger.skipped({ ...ref, stage, provider });
  return existing !== null;
}

/** AUDIO_PREP: decode, measure, and record the real duration. */
export async function runAudioPrep(deps: PipelineDeps, ref: CallRef): Promise<{ durationSeconds: number; channels: number }> {
  const logger = new ProcessingEventLogger(deps.db);
  return logger.run({ ...ref, stage: "AUDIO_PREP", provider: "ffmpeg" }, async () => {
    const prepared = await ensurePreparedAudio(deps, ref);
    await deps.db.update(callRecords).set({ durationSeconds: prepared.durationSeconds }).where(eq(callRecords.id, ref.callId));
    return { durationSeconds: prepared.durationSeconds, channels: prepared.channels };
  });
}

export async function runDiarization(deps: PipelineDeps, ref: CallRef): Promise<void> {
  const logger = new ProcessingEventLogger(deps.db);
  const provider = deps.diarization.name;
  if (await skipIfDone(logger, deps, ref, "DIARIZATION", "DIARIZATION_JSON", provider)) return;
  await logger.run({ ...ref, stage: "DIARIZATION", provider }, async () => {
    const result = await deps.diarization.diarize(await ensurePreparedAudio(deps, ref));
    await saveJsonArtifact(deps, { ...ref, type: "DIARIZATION_JSON", key: diarizationKey(ref.userId, ref.callId), value: { provider, ...result } });
  });
}

export async function runTranscription(deps: PipelineDeps, ref: CallRef): Promise<void> {
  const logger = new ProcessingEventLogger(deps.db);
  const provider = deps.transcription.name;
  if (await skipIfDone(logger, deps, ref, "TRANSCRIPTION", "RAW_TRANSCRIPT_JSON", provider)) return;
  await logger.run({ ...ref, stage: "TRANSCRIPTION", provider }, async () => {
    const result = await deps.transcription.transcribe(await ensurePreparedAudio(deps, ref));
    await saveJsonArtifact(deps, { ...ref, type: "RAW_TRANSCRIPT_JSON", key: transcriptRawKey(ref.userId, ref.callId), value: { provider, ...result } });
  });
}

/** NORMALIZATION: words merged with speakers into the transcript the UI and the analysis read. */
export async function runNormalization(deps: PipelineDeps, ref: CallRef): Promise<void> {
  const logger = new ProcessingEventLogger(deps.db);
  if (await skipIfDone(logger, deps, ref, "NORMALIZATION", "NORMALIZED_TRANSCRIPT_JSON", "scryon")) return;
  await logger.run({ ...ref, stage: "NORMALIZATION", provider: "scryon" }, async () => {
    const [diarization, transcription, call] = await Promise.all([
      loadJsonArtifact<DiarizationResult>(deps, { ...ref, type: "DIARIZATION_JSON" }),
      loadJsonArtifact<TranscriptionResult>(deps, { ...ref, type: "RAW_TRANSCRIPT_JSON" }),
      getCall(deps.db, ref),
    ]);
    if (!diarization || !transcription || !call) throw new StageError("INTERNAL", "An earlier stage's result is missing.", true);
    const transcript: NormalizedTranscript = mergeTranscript({ diarization, transcription, durationSeconds: call.durationSeconds ?? 0 });
    await saveJsonArtifact(deps, {
      ...ref,
      type: "NORMALIZED_TRANSCRIPT_JSON",
      key: transcriptNormalizedKey(ref.userId, ref.callId),
      value: transcript,
    });
  });
}

/** CLEANUP: scratch audio goes; the original goes too when retention is 0 days (otherwise the sweeper expires it). */
export async function runCleanup(deps: PipelineDeps, ref: CallRef): Promise<void> {
  const logger = new ProcessingEventLogger(deps.db);
  await logger.run({ ...ref, stage: "CLEANUP", provider: "scryon" }, async () => {
    await fs.rm(path.join(deps.workRoot, ref.callId), { recursive: true, force: true });
    if (deps.audioRetentionDays === 0) {
      const audio = await getArtifact(deps.db, { ...ref, type: "TEMP_AUDIO" });
      if (audio) {
        await deps.storage.delete(audio.storageKey);
        await deps.db.delete(callArtifacts).where(eq(callArtifacts.id, audio.id));
      }
    }
  });
}
