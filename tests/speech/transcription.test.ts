import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTranscriptionProvider } from "@/lib/speech";
import { SpeechEngineUnavailableError } from "@/lib/speech/errors";
import { wordErrorRate } from "@/lib/speech/eval";
import { LocalTranscriptionProvider } from "@/lib/speech/local/transcribe";
import type { TranscriptionResult } from "@/lib/speech/types";
import { speechFixtures } from "./helpers";

/**
 * Real pocketsphinx on generated calls. WER floors sit above what was measured (docs/speech.md). The chunk
 * plan depends on the number of parallel decoders, so it is fixed at 2 here to make results the same on
 * every machine.
 */
const engine = { parallelism: 2 };

const NAMES = ["t2-mono-16k-wav", "t2-stereo-16k-m4a", "enroll-A-webm"];
let fx: Awaited<ReturnType<typeof speechFixtures>>;
let mono: TranscriptionResult;

beforeAll(async () => {
  fx = await speechFixtures(NAMES);
  mono = await createTranscriptionProvider({ local: engine }).transcribe(await fx.prepared("t2-mono-16k-wav"));
}, 120_000);
afterAll(async () => {
  await fx?.cleanup();
});

function checkTimes(result: TranscriptionResult, duration: number) {
  expect(result.words.length).toBeGreaterThan(0);
  let previous = 0;
  for (const w of result.words) {
    expect(w.start).toBeGreaterThanOrEqual(previous);
    expect(w.end).toBeGreaterThanOrEqual(w.start);
    expect(w.end).toBeLessThanOrEqual(duration + 1e-6);
    expect(w.confidence).toBeGreaterThanOrEqual(0);
    expect(w.confidence).toBeLessThanOrEqual(1);
    expect(w.text).toMatch(/^[a-z0-9'.-]+$/);
    previous = w.start;
  }
}

describe("local transcription (pocketsphinx)", () => {
  it("clean 16 kHz two-speaker call: WER ≤ 0.45 (measured 0.33–0.38), draft quality", () => {
    const truth = fx.fixture("t2-mono-16k-wav").truth;
    const wer = wordErrorRate(truth.words, mono.words.map((w) => w.text));
    console.log(`t2-mono-16k-wav: WER ${wer.toFixed(3)} (${mono.words.length} words, reference ${truth.words.length})`);
    expect(mono.language).toBe("en");
    expect(mono.quality).toBe("draft");
    expect(wer).toBeLessThanOrEqual(0.45);
  });

  it("word times are monotonic and inside the audio, and land inside the spoken turns", async () => {
    const audio = await fx.prepared("t2-mono-16k-wav");
    checkTimes(mono, audio.durationSeconds);
    const turns = fx.fixture("t2-mono-16k-wav").truth.turns;
    const inside = mono.words.filter((w) => turns.some((t) => w.start >= t.start - 0.3 && w.end <= t.end + 0.3)).length;
    expect(inside / mono.words.length).toBeGreaterThanOrEqual(0.95);
  });

  it("per-side stereo: each channel is transcribed on its own and words carry the channel's speaker", async () => {
    const audio = await fx.prepared("t2-stereo-16k-m4a");
    const result = await createTranscriptionProvider({ local: engine }).transcribe(audio);
    checkTimes(result, audio.durationSeconds);
    const truth = fx.fixture("t2-stereo-16k-m4a").truth;
    const wer = wordErrorRate(truth.words, result.words.map((w) => w.text));
    console.log(`t2-stereo-16k-m4a: WER ${wer.toFixed(3)}`);
    expect(wer).toBeLessThanOrEqual(0.5);
    const left = truth.speakers.find((s) => s.channel === 0)!.id;
    const attributed = result.words.filter((w) => {
      const turn = truth.turns.find((t) => w.start >= t.start - 0.3 && w.start <= t.end + 0.3);
      return turn && (turn.speaker === left ? "S1" : "S2") === w.speaker;
    }).length;
    expect(attributed / result.words.length).toBeGreaterThanOrEqual(0.95);
  });

  it("parallel chunks give (nearly) the same words as one pass", async () => {
    const audio = await fx.prepared("enroll-A-webm");
    const chunked = await new LocalTranscriptionProvider({ parallelism: 2 }).transcribe(audio);
    const single = await new LocalTranscriptionProvider({ chunking: false, parallelism: 1 }).transcribe(audio);
    const difference = wordErrorRate(single.words.map((w) => w.text), chunked.words.map((w) => w.text));
    console.log(`enroll-A-webm: chunked vs one pass word difference ${difference.toFixed(3)} (${chunked.words.length} vs ${single.words.length} words)`);
    expect(difference).toBeLessThanOrEqual(0.15);
  });

  it("a missing pocketsphinx binary is a permanent ENGINE_UNAVAILABLE with install instructions", async () => {
    const audio = await fx.prepared("enroll-A-webm");
    const provider = new LocalTranscriptionProvider({ pocketsphinxBinary: path.join(fx.root, "no", "pocketsphinx_continuous") });
    const error = await provider.transcribe(audio).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpeechEngineUnavailableError);
    expect(error).toMatchObject({ code: "ENGINE_UNAVAILABLE", transient: false });
    expect((error as Error).message).toContain("apt-get install pocketsphinx pocketsphinx-en-us");
    expect((error as Error).message).toMatch(/cloud speech provider/);
  });

  it("a missing pocketsphinx model is ENGINE_UNAVAILABLE too", async () => {
    const audio = await fx.prepared("enroll-A-webm");
    const provider = new LocalTranscriptionProvider({ pocketsphinxModelDir: path.join(fx.root, "no-model") });
    await expect(provider.transcribe(audio)).rejects.toBeInstanceOf(SpeechEngineUnavailableError);
  });
});
