import "server-only";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Database } from "@/db";
import { insertProcessingEvent } from "@/db/queries/events";
import { finishVoiceEnrollment, isEnrollmentStillWanted, storeEnrolledProfile } from "@/db/queries/voice-profiles";
import type { ProcessingEventStatus } from "@/db/schema";
import { classifyError, sanitizeErrorMessage, StageError } from "@/lib/pipeline/errors";
import { prepareAudio } from "@/lib/speech/prepare";
import type { DiarizationProvider, VoiceprintProvider } from "@/lib/speech/types";
import type { ObjectStorage } from "@/lib/storage";
import { checkSignal, checkSpeech, measureSignal, measureSpeech } from "./checks";
import { EnrollmentError, enrollmentErrors } from "./errors";
import { voiceScratchDir } from "./sweep";

/**
 * The VOICE_ENROLLMENT stage as plain functions (the Inngest function `enroll-voice` only calls them): the
 * stored sample is decoded in a scratch dir, checked, enrolled by the configured voiceprint provider and the
 * profile stored — only while the enrollment is still wanted under the consent it started with. The raw
 * sample and the scratch files are deleted when the attempt ends for good, whatever the outcome.
 */

export interface EnrollmentDeps {
  db: Database;
  storage: ObjectStorage;
  /** Scratch space; each attempt works in `<workRoot>/voice-enrollment/<enrollmentId>`. */
  workRoot: string;
  diarization: DiarizationProvider;
  voiceprint: VoiceprintProvider;
  voiceConsentVersion: string;
}

export interface EnrollmentRequest {
  userId: string;
  enrollmentId: string;
  sampleKey: string;
  consentVersion: string;
  /** ISO 8601: the consent the sample was given under (a withdrawal and a new consent meanwhile is another one). */
  consentedAt: string;
}

export type EnrollmentOutcome =
  | { state: "SUCCEEDED"; sampleSeconds: number }
  | { state: "FAILED"; errorCode: string; errorMessage: string };

interface Failure {
  code: string;
  message: string;
  transient: boolean;
}

/** Every error of an attempt as a short code, a message the user can read, and whether a retry may help. */
export function classifyEnrollmentError(error: unknown): Failure {
  if (error instanceof EnrollmentError) return { code: error.code, message: error.message, transient: false };
  const stage = error instanceof StageError ? error : classifyError(error);
  if (stage.code === "AUDIO_UNDECODABLE") return { code: "UNREADABLE", message: enrollmentErrors.unreadable().message, transient: false };
  return { code: stage.code, message: sanitizeErrorMessage(stage.message), transient: stage.transient };
}

const workDirOf = (deps: Pick<EnrollmentDeps, "workRoot">, enrollmentId: string) => path.join(voiceScratchDir(deps.workRoot), enrollmentId);

function logEvent(deps: EnrollmentDeps, request: EnrollmentRequest, status: ProcessingEventStatus, fields: { durationMs?: number; failure?: Failure } = {}) {
  return insertProcessingEvent(deps.db, {
    callId: null,
    userId: request.userId,
    stage: "VOICE_ENROLLMENT",
    status,
    provider: deps.voiceprint.name,
    durationMs: fields.durationMs ?? null,
    errorCode: fields.failure?.code ?? null,
    errorMessage: fields.failure ? sanitizeErrorMessage(fields.failure.message) : null,
  });
}

/**
 * One attempt, with its STARTED and COMPLETED/FAILED events. A permanent failure is an outcome (the
 * enrollment is marked FAILED); a transient one is thrown so the run retries it, and keeps the sample for
 * that retry (`abandonEnrollment` deletes it when the retries are spent).
 */
export async function runEnrollmentAttempt(deps: EnrollmentDeps, request: EnrollmentRequest): Promise<EnrollmentOutcome> {
  await logEvent(deps, request, "STARTED");
  const started = performance.now();
  const workDir = workDirOf(deps, request.enrollmentId);
  let keepSample = false;
  try {
    const sampleSeconds = await enrollSample(deps, request, workDir);
    await logEvent(deps, request, "COMPLETED", { durationMs: Math.round(performance.now() - started) });
    return { state: "SUCCEEDED", sampleSeconds };
  } catch (error) {
    const failure = classifyEnrollmentError(error);
    await logEvent(deps, request, "FAILED", { durationMs: Math.round(performance.now() - started), failure });
    if (failure.transient) {
      keepSample = true;
      throw error;
    }
    await markFailed(deps, request, failure);
    return { state: "FAILED", errorCode: failure.code, errorMessage: failure.message };
  } finally {
    await fs.rm(workDir, { recursive: true, force: true });
    if (!keepSample) await deps.storage.delete(request.sampleKey);
  }
}

/** The run gave up (retries spent, or it crashed): the sample and scratch files go, the enrollment is FAILED. */
export async function abandonEnrollment(deps: EnrollmentDeps, request: EnrollmentRequest, failure?: { code: string; message: string }): Promise<void> {
  await fs.rm(workDirOf(deps, request.enrollmentId), { recursive: true, force: true });
  await deps.storage.delete(request.sampleKey);
  await markFailed(deps, request, failure ?? { code: "ENROLL_FAILED", message: "Enrolling the voice sample failed several times; the sample was deleted. Try again later." });
}

async function markFailed(deps: EnrollmentDeps, request: EnrollmentRequest, failure: { code: string; message: string }): Promise<void> {
  await finishVoiceEnrollment(deps.db, {
    userId: request.userId,
    enrollmentId: request.enrollmentId,
    outcome: { state: "FAILED", finishedAt: new Date().toISOString(), errorCode: failure.code, errorMessage: sanitizeErrorMessage(failure.message) },
  });
}

/** Consent is checked again inside the run: withdrawn, changed by the operator, or replaced → nothing is stored. */
async function assertStillWanted(deps: EnrollmentDeps, request: EnrollmentRequest): Promise<void> {
  const wanted =
    request.consentVersion === deps.voiceConsentVersion &&
    (await isEnrollmentStillWanted(deps.db, { ...request, consentedAt: new Date(request.consentedAt) }));
  if (!wanted) throw enrollmentErrors.consentWithdrawn();
}

/** Decode, check, enroll, store. Returns the seconds of speech the profile was made from. */
async function enrollSample(deps: EnrollmentDeps, request: EnrollmentRequest, workDir: string): Promise<number> {
  await assertStillWanted(deps, request);
  const object = await deps.storage.get(request.sampleKey);
  if (!object) throw enrollmentErrors.sampleMissing();
  await fs.mkdir(workDir, { recursive: true });
  const samplePath = path.join(workDir, `sample${path.extname(request.sampleKey)}`);
  await pipeline(Readable.fromWeb(object.body as import("node:stream/web").ReadableStream<Uint8Array>), createWriteStream(samplePath));

  const prepared = await prepareAudio(samplePath, path.join(workDir, "prepared"));
  checkSignal(prepared.durationSeconds, await measureSignal(prepared.wavPath));
  const speech = measureSpeech(await deps.diarization.diarize(prepared));
  checkSpeech(speech);

  let embedding: unknown;
  try {
    ({ embedding } = await deps.voiceprint.enroll(prepared));
  } catch (error) {
    // The provider's own refusal of the sample (e.g. too little speech by its measure) is permanent and readable.
    if (error instanceof StageError && error.code === "AUDIO_UNDECODABLE") throw new EnrollmentError("ENROLL_FAILED", error.message, { cause: error });
    throw error;
  }

  await assertStillWanted(deps, request);
  const stored = await storeEnrolledProfile(deps.db, {
    userId: request.userId,
    enrollmentId: request.enrollmentId,
    consentVersion: request.consentVersion,
    consentedAt: new Date(request.consentedAt),
    finishedAt: new Date(),
    profile: {
      provider: deps.voiceprint.name,
      model: deps.voiceprint.model,
      modelVersion: deps.voiceprint.modelVersion,
      embeddingJson: embedding,
      sampleDurationSeconds: speech.speechSeconds,
    },
  });
  if (!stored) throw enrollmentErrors.consentWithdrawn();
  return speech.speechSeconds;
}
