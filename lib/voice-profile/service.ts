import "server-only";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { randomUUID } from "node:crypto";
import {
  claimVoiceEnrollment,
  deleteVoiceProfileAndConsent,
  finishVoiceEnrollment,
  getVoiceUserState,
  isEnrollmentStillWanted,
  recordVoiceConsent,
} from "@/db/queries/voice-profiles";
import type { VoiceEnrollmentState } from "@/db/schema";
import { spoolToFile, tooLarge } from "@/lib/calls/ingest";
import { AppError } from "@/lib/http/errors";
import { multipartParser, readFilePart } from "@/lib/uploads/multipart-file";
import type { SniffResult } from "@/lib/audio/sniff";
import type { PipelineDeps } from "@/lib/pipeline/stages";
import { voiceProfilePrefix, voiceSampleKey } from "@/lib/storage";
import type { VoiceEnrollmentRequestedData } from "@/inngest/events";
import { MAX_SAMPLE_BYTES, ORPHAN_SAMPLE_AFTER_MS } from "./limits";
import { voiceUploadSpoolDir } from "./sweep";

/**
 * What the voice-profile routes do, as plain functions over the pipeline's dependencies: consent, taking a
 * sample (consent first, nothing stored without it), and deleting everything. 409s carry
 * `details.reason` so a client can tell them apart.
 */

export type VoiceDeps = Pick<PipelineDeps, "db" | "storage" | "workRoot" | "voiceConsentVersion">;

const conflict = (reason: string, message: string) => new AppError("CONFLICT", message, { reason });
const consentRequired = () =>
  conflict("CONSENT_REQUIRED", "Consent to the current voice-profile text first; nothing was recorded or stored.");
const enrollmentRunning = () => conflict("ENROLLMENT_RUNNING", "A voice sample is being enrolled already. Wait for it to finish.");

/** Consent to `version`, which must be the current text's. Re-activates an existing profile without a new recording. */
export async function giveVoiceConsent(deps: VoiceDeps, { userId, version, now = new Date() }: { userId: string; version: string; now?: Date }): Promise<void> {
  if (version !== deps.voiceConsentVersion) {
    throw conflict("CONSENT_VERSION_MISMATCH", "The consent text has changed since this page was loaded. Read the current text and consent again.");
  }
  await recordVoiceConsent(deps.db, { userId, version, at: now });
}

/**
 * Deletes the profile, the consent and any stored sample at once. A running enrollment can no longer store
 * a profile (its id and the consent are gone); it deletes its scratch files when it ends. Calls keep their names.
 */
export async function deleteVoiceProfile(deps: VoiceDeps, { userId }: { userId: string }): Promise<void> {
  await deleteVoiceProfileAndConsent(deps.db, { userId });
  await deps.storage.deletePrefix(voiceProfilePrefix(userId));
}

async function requireConsentAndIdle(deps: VoiceDeps, userId: string, now: Date): Promise<void> {
  const state = await getVoiceUserState(deps.db, { userId });
  if (!state || state.voiceConsentVersion !== deps.voiceConsentVersion || !state.voiceConsentedAt) throw consentRequired();
  const running = state.voiceEnrollment?.state === "RUNNING" && Date.parse(state.voiceEnrollment.startedAt) >= now.getTime() - ORPHAN_SAMPLE_AFTER_MS;
  if (running) throw enrollmentRunning();
}

// Room for the multipart envelope around the file.
const ENVELOPE_BYTES = 64 * 1024;

interface SpooledSample {
  filePath: string;
  sniff: SniffResult;
}

/**
 * Streams the multipart field `sample` to a spool file with the size limit and the magic-byte check while it
 * arrives (413, 415); anything else in the form is ignored. The caller removes the file.
 */
async function spoolSample(request: Request, spoolDir: string): Promise<SpooledSample> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
    throw new AppError("VALIDATION_FAILED", "Send the voice sample as multipart/form-data with a `sample` field.");
  }
  const declaredLength = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declaredLength) && declaredLength > MAX_SAMPLE_BYTES + ENVELOPE_BYTES) throw tooLarge(MAX_SAMPLE_BYTES);
  if (!request.body) throw new AppError("VALIDATION_FAILED", "The request has no body.");

  const filePath = path.join(spoolDir, `${randomUUID()}.part`);
  const body = Readable.fromWeb(request.body as import("node:stream/web").ReadableStream<Uint8Array>);
  const parser = multipartParser(contentType, { files: 1, fields: 10, fieldSize: 1000, parts: 20 });
  const { job, failed } = await readFilePart({
    body,
    parser,
    fileField: "sample",
    receive: (stream) => spoolToFile(stream, { filePath, maxBytes: MAX_SAMPLE_BYTES }).then(({ sniff }): SpooledSample => ({ filePath, sniff })),
  });
  if (failed) {
    await job?.catch(() => null);
    await fs.rm(filePath, { force: true });
    throw new AppError("VALIDATION_FAILED", "The multipart body is malformed or stopped before the whole sample arrived. Nothing was stored.");
  }
  if (!job) throw new AppError("VALIDATION_FAILED", "Add the voice sample as a `sample` field.");
  return await job;
}

/**
 * `POST /api/voice-profile`: with current consent and no enrollment running, the sample is received, stored
 * under its logical key, and an enrollment run is started (`send`). Without consent nothing is read or stored.
 */
export async function startEnrollment(
  deps: VoiceDeps,
  { userId, request, send, now = new Date() }: { userId: string; request: Request; send: (data: VoiceEnrollmentRequestedData) => Promise<void>; now?: Date },
): Promise<VoiceEnrollmentState> {
  await requireConsentAndIdle(deps, userId, now);
  const spoolDir = voiceUploadSpoolDir(deps.workRoot);
  await fs.mkdir(spoolDir, { recursive: true });
  const sample = await spoolSample(request, spoolDir);
  try {
    const enrollment: VoiceEnrollmentState = {
      id: randomUUID(),
      state: "RUNNING",
      startedAt: now.toISOString(),
      finishedAt: null,
      errorCode: null,
      errorMessage: null,
    };
    const claim = await claimVoiceEnrollment(deps.db, {
      userId,
      enrollment,
      consentVersion: deps.voiceConsentVersion,
      staleBefore: new Date(now.getTime() - ORPHAN_SAMPLE_AFTER_MS),
    });
    if (!claim) {
      await requireConsentAndIdle(deps, userId, now); // says which of the two it was
      throw enrollmentRunning();
    }
    const sampleKey = voiceSampleKey(userId, enrollment.id, sample.sniff.extension);
    const request = { userId, enrollmentId: enrollment.id, sampleKey, consentVersion: deps.voiceConsentVersion, consentedAt: claim.consentedAt.toISOString() };
    try {
      await deps.storage.put(sampleKey, createReadStream(sample.filePath), { contentType: sample.sniff.mimeType });
      // Deleted (or consent withdrawn) while the sample was being stored: it must not stay.
      if (!(await isEnrollmentStillWanted(deps.db, { ...request, consentedAt: claim.consentedAt }))) throw consentRequired();
      await send(request);
    } catch (error) {
      await deps.storage.delete(sampleKey);
      await finishVoiceEnrollment(deps.db, {
        userId,
        enrollmentId: enrollment.id,
        outcome: { state: "FAILED", finishedAt: new Date().toISOString(), errorCode: "NOT_STARTED", errorMessage: "The sample could not be handed to enrollment; nothing was kept. Try again." },
      });
      throw error;
    }
    return enrollment;
  } finally {
    await fs.rm(sample.filePath, { force: true });
  }
}
