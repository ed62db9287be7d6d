import { copyFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpeechEngineCrashError, SpeechEngineUnavailableError } from "@/lib/speech/errors";
import { scoreDiarization } from "@/lib/speech/eval";
import { createDiarizationProvider } from "@/lib/speech";
import { LocalDiarizationProvider } from "@/lib/speech/local/diarize";
import { prepareAudio } from "@/lib/speech/prepare";
import type { DiarizationResult } from "@/lib/speech/types";
import { speechFixtures } from "./helpers";

/**
 * Real audio through the real engine (silero in its child process, meyda, ml-hclust). Floors sit a little
 * below what was measured when they were set (docs/speech.md); the measured numbers are printed.
 */

const NAMES = ["t2-mono-16k-wav", "t2-stereo-16k-m4a", "t3-mono-16k-ogg", "enroll-A-webm"];
let fx: Awaited<ReturnType<typeof speechFixtures>>;
const diarizer = createDiarizationProvider();

beforeAll(async () => {
  fx = await speechFixtures(NAMES);
});
afterAll(async () => {
  await fx?.cleanup();
});

function checkShape(result: DiarizationResult, duration: number) {
  const ids = new Set(result.speakers.map((s) => s.id));
  for (let i = 0; i < result.segments.length; i++) {
    const s = result.segments[i]!;
    expect(ids.has(s.speaker)).toBe(true);
    expect(s.start).toBeGreaterThanOrEqual(0);
    expect(s.end).toBeGreaterThan(s.start);
    expect(s.end).toBeLessThanOrEqual(duration + 1e-6);
    if (i > 0) expect(s.start).toBeGreaterThanOrEqual(result.segments[i - 1]!.start);
  }
}

describe("local diarization", () => {
  // Synthetic voices get their speaker count: the count estimate is learned and measured on real voices
  // (real-voices.test.ts), and the real-voice model merges espeak-ng voices without it (docs/speech.md).
  it("two speakers, mono (count given): segment-level speaker accuracy ≥ 0.9 (measured 1.00)", async () => {
    const audio = await fx.prepared("t2-mono-16k-wav");
    const result = await diarizer.diarize(audio, { numSpeakers: 2 });
    checkShape(result, audio.durationSeconds);
    const score = scoreDiarization(fx.fixture("t2-mono-16k-wav").truth.turns, result.segments);
    console.log(`t2-mono-16k-wav: segment accuracy ${score.segmentAccuracy.toFixed(3)}, time accuracy ${score.timeAccuracy.toFixed(3)}, speakers ${result.speakers.length}`);
    expect(result.speakers).toHaveLength(2);
    expect(score.segmentAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(score.timeAccuracy).toBeGreaterThanOrEqual(0.85);
  });

  it("two speakers, per-side stereo: one speaker per channel, segment accuracy ≥ 0.95 (measured 1.00)", async () => {
    const audio = await fx.prepared("t2-stereo-16k-m4a");
    const result = await diarizer.diarize(audio);
    checkShape(result, audio.durationSeconds);
    const score = scoreDiarization(fx.fixture("t2-stereo-16k-m4a").truth.turns, result.segments);
    console.log(`t2-stereo-16k-m4a: segment accuracy ${score.segmentAccuracy.toFixed(3)}, time accuracy ${score.timeAccuracy.toFixed(3)}`);
    expect(result.speakers.map((s) => s.id)).toEqual(["S1", "S2"]);
    expect(score.segmentAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(score.timeAccuracy).toBeGreaterThanOrEqual(0.9);
    // The left channel is the first party of the fixture.
    expect(score.mapping.S1).toBe(fx.fixture("t2-stereo-16k-m4a").truth.speakers.find((s) => s.channel === 0)!.id);
  });

  it("three-party synthetic call: never more speakers than there are; with the count given, segment accuracy ≥ 0.8", async () => {
    const audio = await fx.prepared("t3-mono-16k-ogg");
    const result = await diarizer.diarize(audio);
    const known = await diarizer.diarize(audio, { numSpeakers: 3 });
    const score = scoreDiarization(fx.fixture("t3-mono-16k-ogg").truth.turns, known.segments);
    console.log(`t3-mono-16k-ogg: ${result.speakers.length} speakers found; with 3 given, segment accuracy ${score.segmentAccuracy.toFixed(3)}`);
    expect(result.speakers.length).toBeLessThanOrEqual(3);
    expect(known.speakers).toHaveLength(3);
    expect(score.segmentAccuracy).toBeGreaterThanOrEqual(0.8);
  });

  it("finds a single speaker in a voice sample, and honours a known speaker count", async () => {
    const audio = await fx.prepared("enroll-A-webm");
    expect((await diarizer.diarize(audio)).speakers).toHaveLength(1);
    const forced = await diarizer.diarize(await fx.prepared("t3-mono-16k-ogg"), { numSpeakers: 2 });
    expect(forced.speakers).toHaveLength(2);
  });

  it("returns no speakers for silence", async () => {
    const file = path.join(fx.root, "silence.wav");
    const { encodeWav } = await import("@/lib/speech/wav");
    await writeFile(file, encodeWav(new Float32Array(16000 * 3), 16000));
    const result = await diarizer.diarize(await prepareAudio(file, path.join(fx.root, "silence")));
    expect(result).toEqual({ speakers: [], segments: [] });
  });

  it("refuses a VAD model whose SHA-256 does not match, before loading it", async () => {
    // Garbage that onnxruntime would die on: the check must stop it first (a crash would be a different error).
    const badModel = path.join(fx.root, "bad_silero_vad.onnx");
    await writeFile(badModel, Buffer.alloc(4096, 7));
    const audio = await prepareAudio(fx.fixture("enroll-A-webm").audioPath, path.join(fx.root, "bad-model"));
    const error = await new LocalDiarizationProvider({ vadModelPath: badModel }).diarize(audio).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpeechEngineUnavailableError);
    expect(error).toMatchObject({ code: "ENGINE_UNAVAILABLE", transient: false });
    expect((error as Error).message).toMatch(/SHA-256/);
  });

  it("a model that crashes the native runtime kills only the child process (transient error)", async () => {
    const { createHash } = await import("node:crypto");
    const garbage = Buffer.alloc(4096, 7);
    const badModel = path.join(fx.root, "crashing_silero_vad.onnx");
    await writeFile(badModel, garbage);
    const sha = createHash("sha256").update(garbage).digest("hex");
    const audio = await prepareAudio(fx.fixture("enroll-A-webm").audioPath, path.join(fx.root, "crash"));
    const error = await new LocalDiarizationProvider({ vadModelPath: badModel, vadModelSha256: sha }).diarize(audio).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpeechEngineCrashError);
    expect(error).toMatchObject({ code: "INTERNAL", transient: true });
    // …and this process is still here to check it.
  });

  it("refuses a missing VAD model instead of silently finding no speech", async () => {
    const audio = await prepareAudio(fx.fixture("enroll-A-webm").audioPath, path.join(fx.root, "no-model"));
    const missing = path.join(fx.root, "nowhere", "silero_vad.onnx");
    const error = await new LocalDiarizationProvider({ vadModelPath: missing }).diarize(audio).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpeechEngineUnavailableError);
    expect((error as Error).message).toMatch(/missing/);
  });

  it("accepts a copy of the model at another path when its hash matches", async () => {
    const { resolveLocalConfig } = await import("@/lib/speech/local/config");
    const copy = path.join(fx.root, "copy_silero_vad.onnx");
    await copyFile(resolveLocalConfig().vadModelPath, copy);
    const audio = await prepareAudio(fx.fixture("enroll-A-webm").audioPath, path.join(fx.root, "copy-model"));
    const result = await new LocalDiarizationProvider({ vadModelPath: copy }).diarize(audio);
    expect(result.speakers).toHaveLength(1);
  });
});
