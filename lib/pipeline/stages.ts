import "server-only";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { eq } from "drizzle-orm";
import type { Database } from "@/db";
import { getArtifact } from "@/db/queries/artifacts";
import { replaceGeneratedActionItems } from "@/db/queries/action-items";
import { getCall, transitionCallStatus } from "@/db/queries/calls";
import { getUserById } from "@/db/queries/users";
import { getVoiceProfile } from "@/db/queries/voice-profiles";
import { callArtifacts, callRecords, type ArtifactType, type CallRecord, type ProcessingStage } from "@/db/schema";
import { ownerFromSpeaker } from "@/lib/action-items/owner";
import type { AnalysisProvider, StoredAnalysis } from "@/lib/analysis/types";
import { microphoneSpeaker } from "@/lib/recording/server";
import { indexSummary, indexTranscript } from "@/lib/search/indexer";
import { resolveSpeakers } from "@/lib/speakers/resolve";
import { prepareAudio } from "@/lib/speech/prepare";
import type {
  DiarizationProvider,
  DiarizationResult,
  PreparedAudio,
  TranscriptionProvider,
  TranscriptionResult,
  VoiceprintMatch,
  VoiceprintProvider,
} from "@/lib/speech/types";
import { analysisKey, diarizationKey, transcriptNormalizedKey, transcriptRawKey, type ObjectStorage } from "@/lib/storage";
import { mergeTranscript, type NormalizedTranscript } from "@/lib/transcript/normalize";
import { isProfileUsable } from "@/lib/voice-profile/usable";
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
  voiceprint: VoiceprintProvider;
  analysis: AnalysisProvider;
  /** Voice profiles consented under another version are not used. */
  voiceConsentVersion: string;
  /** Relative due dates are resolved in this IANA zone. */
  timeZone: string;
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
  // A call analysed again has its transcript already: the audio (which may have expired) is not needed.
  const call = await getCall(deps.db, ref);
  if (call?.durationSeconds != null && (await skipIfDone(logger, deps, ref, "AUDIO_PREP", "NORMALIZED_TRANSCRIPT_JSON", "ffmpeg"))) {
    return { durationSeconds: call.durationSeconds, channels: 0 };
  }
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

/**
 * The voiceprint's view of who is the user: null when the user has no profile usable here (none, made by
 * another provider or model, or consented under an older version). A permanent voiceprint failure leaves
 * the speakers unresolved rather than failing the transcript; transient ones are retried with the stage.
 */
async function matchUserVoice(deps: PipelineDeps, ref: CallRef, diarization: DiarizationResult): Promise<VoiceprintMatch[] | null> {
  const profile = await getVoiceProfile(deps.db, ref);
  if (!profile) return null;
  if (!isProfileUsable(profile, deps.voiceprint, deps.voiceConsentVersion) || diarization.speakers.length === 0) return null;
  try {
    const audio = await ensurePreparedAudio(deps, ref);
    return await deps.voiceprint.identify(audio, diarization, [{ userId: ref.userId, embedding: profile.embeddingJson }]);
  } catch (error) {
    if (error instanceof StageError && error.transient) throw error;
    console.warn(`call ${ref.callId}: voiceprint matching failed; speakers left unresolved`, error instanceof Error ? error.message : error);
    return null;
  }
}

/** NORMALIZATION: words merged with speakers, and the user's own speaker resolved, into the transcript the UI and the analysis read. */
export async function runNormalization(deps: PipelineDeps, ref: CallRef): Promise<void> {
  const logger = new ProcessingEventLogger(deps.db);
  if (await skipIfDone(logger, deps, ref, "NORMALIZATION", "NORMALIZED_TRANSCRIPT_JSON", "scryon")) return;
  await logger.run({ ...ref, stage: "NORMALIZATION", provider: "scryon" }, async () => {
    const [diarization, transcription, call, user] = await Promise.all([
      loadJsonArtifact<DiarizationResult>(deps, { ...ref, type: "DIARIZATION_JSON" }),
      loadJsonArtifact<TranscriptionResult>(deps, { ...ref, type: "RAW_TRANSCRIPT_JSON" }),
      getCall(deps.db, ref),
      getUserById(deps.db, ref.userId),
    ]);
    if (!diarization || !transcription || !call || !user) throw new StageError("INTERNAL", "An earlier stage's result is missing.", true);
    const merged: NormalizedTranscript = mergeTranscript({ diarization, transcription, durationSeconds: call.durationSeconds ?? 0 });
    const transcript = resolveSpeakers(merged, {
      user: { id: user.id, displayName: user.displayName },
      call: { contactName: call.contactName },
      matches: await matchUserVoice(deps, ref, diarization),
      microphoneSpeaker: await microphoneSpeaker(deps.db, ref, diarization),
    });
    // Indexed before the artifact is stored: a stage that dies in between runs again and replaces its rows.
    await indexTranscript(deps.db, ref, transcript);
    await saveJsonArtifact(deps, {
      ...ref,
      type: "NORMALIZED_TRANSCRIPT_JSON",
      key: transcriptNormalizedKey(ref.userId, ref.callId),
      value: transcript,
    });
  });
}

/**
 * ANALYSIS: summary and action items. The items and the summary's search row are written first (replacing
 * only generated items nobody touched), the artifact last — so a stage that died in between runs again and replaces its own items
 * instead of adding duplicates.
 */
export async function runAnalysis(deps: PipelineDeps, ref: CallRef): Promise<void> {
  const logger = new ProcessingEventLogger(deps.db);
  const provider = deps.analysis.name;
  if (await skipIfDone(logger, deps, ref, "ANALYSIS", "ANALYSIS_JSON", provider)) return;
  await logger.run({ ...ref, stage: "ANALYSIS", provider }, async () => {
    const [transcript, call] = await Promise.all([
      loadJsonArtifact<NormalizedTranscript>(deps, { ...ref, type: "NORMALIZED_TRANSCRIPT_JSON" }),
      getCall(deps.db, ref),
    ]);
    if (!transcript || !call) throw new StageError("INTERNAL", "The transcript of this call is missing.", true);
    const result = await deps.analysis.analyze({
      transcript,
      call: {
        title: call.title,
        recordedAt: call.recordedAt,
        timeZone: deps.timeZone,
        contactName: call.contactName,
        organization: call.organization,
        direction: call.direction,
      },
    });
    await replaceGeneratedActionItems(deps.db, {
      callId: ref.callId,
      items: result.actionItems.map((item) => ({
        title: item.title,
        description: item.description,
        dueDate: item.dueDate,
        priority: item.priority,
        sourceSegmentIdsJson: item.sourceSegmentIds,
        sourceText: item.sourceText,
        ...ownerFromSpeaker(item.ownerSpeakerId, transcript.speakers),
      })),
    });
    await indexSummary(deps.db, ref, result.summary);
    const stored: StoredAnalysis = { version: 1, provider, model: deps.analysis.model, createdAt: new Date().toISOString(), ...result };
    await saveJsonArtifact(deps, { ...ref, type: "ANALYSIS_JSON", key: analysisKey(ref.userId, ref.callId), value: stored });
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
