import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { createProcessCallFunction } from "@/inngest/functions/process-call";
import { callQueuedEvent } from "@/inngest/events";
import { getCall, transitionCallStatus } from "@/db/queries/calls";
import { listCallEvents } from "@/db/queries/events";
import { upsertUserByExternalId } from "@/db/queries/users";
import { listCallActionItems, updateActionItem } from "@/db/queries/action-items";
import { actionItems, callArtifacts, callRecords, userVoiceProfiles } from "@/db/schema";
import { deleteCallEverywhere } from "@/lib/calls/lifecycle";
import { receiveMultipartUpload } from "@/lib/calls/multipart-upload";
import { createEmbeddedClient, createEmbeddedEngine, type EmbeddedEngine } from "@/lib/pipeline/engine";
import { errorFromStatus } from "@/lib/pipeline/errors";
import { loadJsonArtifact } from "@/lib/pipeline/artifacts";
import type { PipelineDeps } from "@/lib/pipeline/stages";
import type { AnalysisProvider } from "@/lib/analysis/types";
import type { DiarizationProvider, TranscriptionProvider, VoiceprintProvider } from "@/lib/speech/types";
import { createLocalStorage } from "@/lib/storage";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";
import { makeAudio } from "../helpers/make-audio";

/** Providers for these tests: instant, with faults injected on demand (the real engine is tested in tests/speech). */
function fakeProviders() {
  const faults = { diarization: [] as Error[], transcription: [] as Error[], analysis: [] as Error[] };
  const calls = { diarization: 0, transcription: 0, analysis: 0, identify: 0 };
  const diarization: DiarizationProvider = {
    name: "fake-diarizer",
    async diarize(audio) {
      calls.diarization++;
      const fault = faults.diarization.shift();
      if (fault) throw fault;
      return {
        speakers: [{ id: "S1", label: "Speaker 1" }, { id: "S2", label: "Speaker 2" }],
        segments: [
          { speaker: "S1", start: 0, end: audio.durationSeconds / 2 },
          { speaker: "S2", start: audio.durationSeconds / 2, end: audio.durationSeconds },
        ],
      };
    },
  };
  const transcription: TranscriptionProvider = {
    name: "fake-asr",
    async transcribe() {
      calls.transcription++;
      const fault = faults.transcription.shift();
      if (fault) throw fault;
      return {
        language: "en",
        quality: "draft",
        words: [
          { text: "hello", start: 0.1, end: 0.4, confidence: 0.9 },
          { text: "there", start: 1.2, end: 1.6, confidence: 0.8 },
        ],
      };
    },
  };
  // The first speaker's voice is the user's whenever a profile is given.
  const voiceprint: VoiceprintProvider = {
    name: "fake-voice",
    model: "fake-model",
    modelVersion: "1",
    threshold: 0.5,
    async enroll() {
      return { embedding: [1, 0] };
    },
    async identify(_audio, diarization, profiles) {
      calls.identify++;
      return diarization.speakers.map((speaker, index) => ({
        speaker: speaker.id,
        userId: index === 0 ? (profiles[0]?.userId ?? null) : null,
        score: index === 0 ? 0.91 : 0.12,
      }));
    },
  };
  // One item per segment, owned by whoever spoke it: enough to see persistence and owners.
  const analysis: AnalysisProvider = {
    name: "fake-analysis",
    model: "fake-1",
    async analyze({ transcript }) {
      calls.analysis++;
      const fault = faults.analysis.shift();
      if (fault) throw fault;
      return {
        summary: `Said: ${transcript.segments.map((segment) => segment.text).join(" ")}`,
        actionItems: transcript.segments.map((segment) => ({
          title: `Follow up on ${segment.text}`,
          description: null,
          dueDate: "2026-12-04",
          priority: "medium" as const,
          ownerSpeakerId: segment.speakerId,
          sourceSegmentIds: [segment.id],
          sourceText: segment.text,
        })),
      };
    },
  };
  return { diarization, transcription, voiceprint, analysis, faults, calls };
}

describe.each(databaseKinds())("the process-call pipeline on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let userId: string;
  let engine: EmbeddedEngine | null = null;
  let audioBytes: Buffer;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-pipeline-"));
    userId = (await upsertUserByExternalId(t.db, { externalUserId: `pipeline-${kind}` })).id;
    audioBytes = await fs.readFile(await makeAudio("wav", { durationSeconds: 2 }));
  });
  afterEach(async () => {
    await engine?.stop();
    engine = null;
  });
  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  async function setup() {
    const providers = fakeProviders();
    const deps: PipelineDeps = {
      db: t.db,
      storage: createLocalStorage(path.join(root, "blob")),
      workRoot: path.join(root, "work"),
      diarization: providers.diarization,
      transcription: providers.transcription,
      voiceprint: providers.voiceprint,
      analysis: providers.analysis,
      voiceConsentVersion: "v2",
      timeZone: "UTC",
      audioRetentionDays: 30,
    };
    const client = createEmbeddedClient({ id: `scryon-test-${randomUUID().slice(0, 8)}` });
    const fn = createProcessCallFunction(client, async () => deps);
    engine = createEmbeddedEngine({ db: t.db, client, functions: [fn], backoff: () => 0, pollIntervalMs: 50 });
    await engine.start();
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(audioBytes)]), "Call.wav");
    const call = await receiveMultipartUpload(new Request("http://localhost/api/calls", { method: "POST", body: form }), userId, { ...deps, maxUploadBytes: 10 * 1024 * 1024 }, path.join(root, "uploads"));
    const ref = { callId: call.id, userId };
    const run = async (attempt = "upload") => {
      await engine!.send(callQueuedEvent(ref, attempt));
      await engine!.waitForIdle({ timeoutMs: 60_000 });
      return (await getCall(t.db, ref))!;
    };
    const timeline = async () => (await listCallEvents(t.db, ref)).map((event) => `${event.stage}:${event.status}`);
    return { deps, providers, ref, run, timeline };
  }

  it("takes a queued call through every stage to COMPLETED, writing each artifact", async () => {
    const { deps, ref, run, timeline } = await setup();
    const done = await run();
    expect(done.status).toBe("COMPLETED");
    expect(done.durationSeconds).toBeCloseTo(2, 0);
    const types = (await t.db.select().from(callArtifacts).where(eq(callArtifacts.callId, ref.callId))).map((row) => row.artifactType).sort();
    expect(types).toEqual(["ANALYSIS_JSON", "DIARIZATION_JSON", "NORMALIZED_TRANSCRIPT_JSON", "RAW_TRANSCRIPT_JSON", "TEMP_AUDIO"]);
    const transcript = await loadJsonArtifact<NormalizedTranscript>(deps, { ...ref, type: "NORMALIZED_TRANSCRIPT_JSON" });
    expect(transcript?.segments.map((segment) => [segment.speakerId, segment.text])).toEqual([
      ["S1", "hello"],
      ["S2", "there"],
    ]);
    const events = await timeline();
    for (const stage of ["AUDIO_PREP", "DIARIZATION", "TRANSCRIPTION", "NORMALIZATION", "ANALYSIS", "CLEANUP"]) {
      expect(events).toContain(`${stage}:STARTED`);
      expect(events).toContain(`${stage}:COMPLETED`);
    }
    expect(await fs.readdir(path.join(root, "work")).catch(() => [])).not.toContain(ref.callId);
  });

  it("retries a provider that fails twice, then completes (two FAILED events, then COMPLETED)", async () => {
    const { providers, run, timeline } = await setup();
    providers.faults.transcription.push(errorFromStatus(503, "ASR"), errorFromStatus(429, "ASR"));
    expect((await run()).status).toBe("COMPLETED");
    expect((await timeline()).filter((event) => event.startsWith("TRANSCRIPTION:"))).toEqual([
      "TRANSCRIPTION:STARTED",
      "TRANSCRIPTION:FAILED",
      "TRANSCRIPTION:STARTED",
      "TRANSCRIPTION:FAILED",
      "TRANSCRIPTION:STARTED",
      "TRANSCRIPTION:COMPLETED",
    ]);
    expect(providers.calls.transcription).toBe(3);
    expect(providers.calls.diarization).toBe(1);
  });

  it("fails the call at once on a permanent error, keeps finished work, and a retry resumes at the failed stage", async () => {
    const { providers, ref, run, timeline } = await setup();
    providers.faults.diarization.push(errorFromStatus(400, "Diarizer"));
    const failed = await run();
    expect(failed.status).toBe("FAILED");
    expect(failed.errorReason).toBe("PROVIDER_REJECTED");
    expect(providers.calls.diarization).toBe(1); // not retried
    const kept = (await t.db.select().from(callArtifacts).where(eq(callArtifacts.callId, ref.callId))).map((row) => row.artifactType);
    expect(kept).toContain("TEMP_AUDIO");
    // Transcription runs beside diarization; whether it finished before the failure depends on timing.
    const transcribedBefore = kept.includes("RAW_TRANSCRIPT_JSON");

    await transitionCallStatus(t.db, { callId: ref.callId, from: "FAILED", to: "QUEUED" });
    const retried = await run("retry-1");
    expect(retried.status).toBe("COMPLETED");
    expect(retried.errorReason).toBeNull();
    // Finished work is never redone: the transcript is made exactly once across both runs.
    expect(providers.calls.transcription).toBe(1);
    const events = await timeline();
    if (transcribedBefore) expect(events).toContain("TRANSCRIPTION:SKIPPED");
    expect(events.filter((event) => event === "DIARIZATION:COMPLETED")).toHaveLength(1);
  });

  it("a call deleted while it is processed ends its run without retries", async () => {
    const { providers, ref, deps } = await setup();
    // The diarizer finds the call gone (deleted by its owner mid-run) and fails like a provider would.
    providers.faults.diarization.push(new Error("object vanished"));
    const originalDiarize = deps.diarization.diarize.bind(deps.diarization);
    deps.diarization.diarize = async (audio) => {
      await deleteCallEverywhere(deps, ref);
      return originalDiarize(audio);
    };
    await engine!.send(callQueuedEvent(ref));
    await engine!.waitForIdle({ timeoutMs: 60_000 });
    expect(await getCall(t.db, ref)).toBeNull();
    expect(providers.calls.diarization).toBe(1); // not retried
  });

  it("processes a duplicate queue event once", async () => {
    const { providers, run } = await setup();
    await run();
    expect((await run()).status).toBe("COMPLETED");
    expect(providers.calls.transcription).toBe(1);
  });

  it("stores the analysis and its action items with owners from the transcript's speakers", async () => {
    const { deps, ref, run, timeline } = await setup();
    expect((await run()).status).toBe("COMPLETED");
    const analysis = await loadJsonArtifact<{ provider: string; model: string; summary: string }>(deps, { ...ref, type: "ANALYSIS_JSON" });
    expect(analysis).toMatchObject({ provider: "fake-analysis", model: "fake-1", summary: "Said: hello there" });
    const items = await listCallActionItems(t.db, ref);
    expect(items.map((item) => [item.title, item.ownerSpeakerId, item.ownerSpeakerLabel, item.ownerRole, item.sourceSegmentIdsJson, item.origin])).toEqual([
      ["Follow up on hello", "S1", "Speaker 1", "UNKNOWN", ["s0001"], "GENERATED"],
      ["Follow up on there", "S2", "Speaker 2", "UNKNOWN", ["s0002"], "GENERATED"],
    ]);
    const events = await timeline();
    expect(events.filter((event) => event.startsWith("ANALYSIS:"))).toEqual(["ANALYSIS:STARTED", "ANALYSIS:COMPLETED"]);
  });

  it("an analysis that dies after saving its items runs again without duplicating them", async () => {
    const { deps, providers, ref, run } = await setup();
    // The artifact write fails once, after the items were written: the stage is retried as a whole.
    const put = deps.storage.put.bind(deps.storage);
    let failed = false;
    deps.storage.put = async (key, body, options) => {
      if (key.endsWith("analysis.json") && !failed) {
        failed = true;
        throw errorFromStatus(503, "Storage");
      }
      return put(key, body, options);
    };
    expect((await run()).status).toBe("COMPLETED");
    expect(providers.calls.analysis).toBe(2);
    expect(await listCallActionItems(t.db, ref)).toHaveLength(2);
  });

  it("a failed analysis keeps the transcript; retry resumes at ANALYSIS and re-analysis keeps what the user touched", async () => {
    const { deps, providers, ref, run, timeline: events } = await setup();
    providers.faults.analysis.push(errorFromStatus(401, "Analysis"));
    const failed = await run();
    expect(failed.status).toBe("FAILED");
    expect(failed.errorReason).toBe("PROVIDER_REJECTED");
    expect(await loadJsonArtifact(deps, { ...ref, type: "NORMALIZED_TRANSCRIPT_JSON" })).not.toBeNull();

    await transitionCallStatus(t.db, { callId: ref.callId, from: "FAILED", to: "QUEUED" });
    expect((await run("retry-1")).status).toBe("COMPLETED");
    expect(providers.calls.transcription).toBe(1);
    expect((await events()).filter((event) => event === "NORMALIZATION:SKIPPED")).toHaveLength(1);
    const [first, second] = await listCallActionItems(t.db, ref);

    // The user edits one item; then the call is analysed again (its analysis artifact removed, queued again).
    await updateActionItem(t.db, { userId, itemId: first!.id, patch: { title: "Say hello properly" } });
    await t.db.delete(callArtifacts).where(and(eq(callArtifacts.callId, ref.callId), eq(callArtifacts.artifactType, "ANALYSIS_JSON")));
    // The recording has expired meanwhile: analysing again needs only the transcript.
    await t.db.delete(callArtifacts).where(and(eq(callArtifacts.callId, ref.callId), eq(callArtifacts.artifactType, "TEMP_AUDIO")));
    await transitionCallStatus(t.db, { callId: ref.callId, from: "COMPLETED", to: "QUEUED" });
    expect((await run("reanalyze-1")).status).toBe("COMPLETED");
    expect(providers.calls.analysis).toBe(3);
    const after = await listCallActionItems(t.db, ref);
    // The edited item is untouched and not duplicated; the untouched generated one was replaced.
    expect(after.map((item) => [item.title, item.sourceSegmentIdsJson])).toEqual([
      ["Say hello properly", ["s0001"]],
      ["Follow up on there", ["s0002"]],
    ]);
    expect(after[0]!.id).toBe(first!.id);
    expect((await events()).filter((event) => event.startsWith("AUDIO_PREP:")).at(-1)).toBe("AUDIO_PREP:SKIPPED");
    expect(after[1]!.id).not.toBe(second!.id);
  });

  it("marks the user's speaker from a consented voice profile and names the counterparty from the contact", async () => {
    const { deps, providers, ref, run } = await setup();
    await deps.db.update(callRecords).set({ contactName: "Priya Patel" }).where(eq(callRecords.id, ref.callId));
    await t.db.insert(userVoiceProfiles).values({ userId, provider: "fake-voice", model: "fake-model", modelVersion: "1", embeddingJson: [1, 0], consentVersion: "v2" })
      .onConflictDoUpdate({ target: userVoiceProfiles.userId, set: { consentVersion: "v2", provider: "fake-voice" } });
    expect((await run()).status).toBe("COMPLETED");
    const transcript = await loadJsonArtifact<NormalizedTranscript>(deps, { ...ref, type: "NORMALIZED_TRANSCRIPT_JSON" });
    expect(transcript?.speakers.map((speaker) => [speaker.id, speaker.role, speaker.displayName])).toEqual([
      ["S1", "SELF", "You"],
      ["S2", "COUNTERPARTY", "Priya Patel"],
    ]);
    expect(providers.calls.identify).toBe(1);
    const items = await t.db.select().from(actionItems).where(eq(actionItems.callRecordId, ref.callId));
    expect(items.map((item) => [item.ownerSpeakerId, item.ownerRole, item.ownerDisplayName]).sort()).toEqual([
      ["S1", "SELF", "You"],
      ["S2", "COUNTERPARTY", "Priya Patel"],
    ]);
    await t.db.delete(userVoiceProfiles).where(eq(userVoiceProfiles.userId, userId));
  });

  it("ignores a voice profile consented under an older version", async () => {
    const { deps, providers, ref, run } = await setup();
    await t.db.insert(userVoiceProfiles).values({ userId, provider: "fake-voice", model: "fake-model", modelVersion: "1", embeddingJson: [1, 0], consentVersion: "v1" })
      .onConflictDoUpdate({ target: userVoiceProfiles.userId, set: { consentVersion: "v1", provider: "fake-voice" } });
    expect((await run()).status).toBe("COMPLETED");
    const transcript = await loadJsonArtifact<NormalizedTranscript>(deps, { ...ref, type: "NORMALIZED_TRANSCRIPT_JSON" });
    expect(transcript?.speakers.map((speaker) => speaker.role)).toEqual(["UNKNOWN", "UNKNOWN"]);
    expect(providers.calls.identify).toBe(0);
    await t.db.delete(userVoiceProfiles).where(eq(userVoiceProfiles.userId, userId));
  });
});
