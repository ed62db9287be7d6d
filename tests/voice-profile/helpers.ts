import fs from "node:fs/promises";
import path from "node:path";
import { randomUUID } from "node:crypto";
import type { Database } from "@/db";
import { createApplyVoiceProfileFunction } from "@/inngest/functions/apply-voice-profile";
import { createEnrollVoiceFunction } from "@/inngest/functions/enroll-voice";
import { createProcessCallFunction } from "@/inngest/functions/process-call";
import type { AnalysisProvider } from "@/lib/analysis/types";
import { createEmbeddedClient, createEmbeddedEngine, type EmbeddedEngine } from "@/lib/pipeline/engine";
import type { PipelineDeps } from "@/lib/pipeline/stages";
import type { DiarizationProvider, DiarizationResult, TranscriptionProvider, VoiceprintProvider } from "@/lib/speech/types";
import { createLocalStorage } from "@/lib/storage";

/** A 16 kHz mono 16-bit WAV of `samples(t)` (t in seconds, values in -1..1). */
export async function writeWav(filePath: string, seconds: number, samples: (t: number) => number): Promise<string> {
  const rate = 16000;
  const frames = Math.round(seconds * rate);
  const data = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples(i / rate) * 32767))), i * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  await fs.mkdir(path.dirname(filePath), { recursive: true });
  await fs.writeFile(filePath, Buffer.concat([header, data]));
  return filePath;
}

/** A voiced-ish tone with a slow wobble: loud enough, never at full scale. */
export const tone = (t: number) => 0.3 * Math.sin(2 * Math.PI * 220 * t) * (0.75 + 0.25 * Math.sin(2 * Math.PI * 3 * t));
export const silence = () => 0;
/** A square wave at full scale: a clipped recording. */
export const clipped = (t: number) => (Math.sin(2 * Math.PI * 220 * t) >= 0 ? 1 : -1);

/**
 * Speech providers for these tests. The diarizer's answer for a sample is set per test (`sampleDiarization`);
 * the voiceprint embeds every sample as `{ voice: "me" }` and, in calls, gives the user's profile to speaker
 * `selfSpeaker` with `selfScore` (other speakers score 0.1), with the threshold applied like a real provider.
 */
export function fakeSpeech() {
  const control = {
    sampleDiarization: null as ((durationSeconds: number) => DiarizationResult) | null,
    enrollFaults: [] as Error[],
    /** Runs inside `enroll`, e.g. to withdraw consent mid-run. */
    onEnroll: null as (() => Promise<void>) | null,
    selfSpeaker: "S1",
    selfScore: 0.91,
    calls: { enroll: 0, identify: 0 },
  };
  const diarization: DiarizationProvider = {
    name: "fake-diarizer",
    async diarize(audio) {
      // Voice samples are decoded under the enrollment's scratch dir; calls under their own.
      if (control.sampleDiarization && audio.workDir.includes("voice-enrollment")) return control.sampleDiarization(audio.durationSeconds);
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
  const voiceprint: VoiceprintProvider = {
    name: "fake-voice",
    model: "fake-model",
    modelVersion: "1",
    threshold: 0.8,
    async enroll() {
      control.calls.enroll++;
      await control.onEnroll?.();
      const fault = control.enrollFaults.shift();
      if (fault) throw fault;
      return { embedding: { voice: "me" } };
    },
    async identify(_audio, diarization, profiles) {
      control.calls.identify++;
      return diarization.speakers.map((speaker) => {
        const score = speaker.id === control.selfSpeaker ? control.selfScore : 0.1;
        const profile = profiles.find((p) => (p.embedding as { voice?: string }).voice === "me");
        return { speaker: speaker.id, userId: profile && score >= voiceprint.threshold ? profile.userId : null, score };
      });
    },
  };
  const analysis: AnalysisProvider = {
    name: "fake-analysis",
    model: "fake-1",
    async analyze({ transcript }) {
      return {
        summary: "A call.",
        actionItems: transcript.segments.map((segment) => ({
          title: `Follow up on ${segment.text}`,
          description: null,
          dueDate: null,
          priority: "medium" as const,
          ownerSpeakerId: segment.speakerId,
          sourceSegmentIds: [segment.id],
          sourceText: segment.text,
        })),
      };
    },
  };
  return { control, diarization, transcription, voiceprint, analysis };
}

/** One speaker over the whole sample: what a clean voice sample looks like to a diarizer. */
export const oneVoice = (seconds: number): DiarizationResult => ({ speakers: [{ id: "S1", label: "Speaker 1" }], segments: [{ speaker: "S1", start: 0, end: seconds }] });

export interface VoiceWorld {
  deps: PipelineDeps;
  speech: ReturnType<typeof fakeSpeech>;
  engine: EmbeddedEngine;
  /** Sends and waits until every run is done. */
  run(event: { name: string; id?: string; data: unknown }): Promise<void>;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Pipeline deps on the test database and a local store under `root`, with the three functions on an embedded engine. */
export async function startVoiceWorld(db: Database, root: string, { consentVersion = "v1" }: { consentVersion?: string } = {}): Promise<VoiceWorld> {
  const speech = fakeSpeech();
  const deps: PipelineDeps = {
    db,
    storage: createLocalStorage(path.join(root, "blob")),
    workRoot: path.join(root, "work"),
    diarization: speech.diarization,
    transcription: speech.transcription,
    voiceprint: speech.voiceprint,
    analysis: speech.analysis,
    voiceConsentVersion: consentVersion,
    timeZone: "UTC",
    audioRetentionDays: 30,
  };
  const client = createEmbeddedClient({ id: `scryon-voice-test-${randomUUID().slice(0, 8)}` });
  const getDeps = async () => deps;
  const engine = createEmbeddedEngine({
    db,
    client,
    functions: [createEnrollVoiceFunction(client, getDeps), createApplyVoiceProfileFunction(client, getDeps), createProcessCallFunction(client, getDeps)],
    backoff: () => 0,
    pollIntervalMs: 20,
  });
  await engine.start();
  const idle = () => engine.waitForIdle({ timeoutMs: 60_000 });
  return {
    deps,
    speech,
    engine,
    idle,
    async run(event) {
      await engine.send(event as Parameters<EmbeddedEngine["send"]>[0]);
      await idle();
    },
    stop: () => engine.stop(),
  };
}

/** Every file under `dir` (relative paths), or [] when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}
