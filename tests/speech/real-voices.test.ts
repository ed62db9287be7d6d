import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { diarizationErrorRate, scoreDiarization } from "@/lib/speech/eval";
import { LocalDiarizationProvider } from "@/lib/speech/local/diarize";
import { LocalVoiceprintProvider, parseEmbedding, VOICEPRINT_THRESHOLD, voiceprintScore } from "@/lib/speech/local/voiceprint";
import { SPEAKER_MODEL } from "@/lib/speech/local/speaker-model";
import { resolveLocalConfig } from "@/lib/speech/local/config";
import { speechRegions } from "@/lib/speech/local/vad";
import { prepareAudio } from "@/lib/speech/prepare";
import type { PreparedAudio } from "@/lib/speech/types";
import { encodeWav } from "@/lib/speech/wav";
import { stitchConversation, writeConversation, type Conversation, type Variant } from "@/scripts/speech-corpus/conversations";
import { corpusDir, loadClips, SAMPLE_RATE, type Clip } from "@/scripts/speech-corpus/real-voices";
import { voiceSplit, type VoiceSplit } from "@/scripts/speech-corpus/sets";

/**
 * Real voices through the real local engine: the eight LibriSpeech readers vendored in
 * tests/fixtures/speech/librispeech (all from the HELD-OUT half — the speaker model and the thresholds were
 * learned on other readers). Floors sit a little below what was measured when they were set (printed with
 * each run); the full figures on 251 readers are `npm run bench:speakers` (docs/speech.md).
 */

// Accuracy, not speed: a loaded machine must not time these out.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

let root: string;
let clips: Clip[];
const diarizer = new LocalDiarizationProvider();
const voiceprint = new LocalVoiceprintProvider();
const byReader = (reader: string) => clips.find((c) => c.reader === reader)!;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "scryon-real-voices-"));
  clips = await loadClips(corpusDir("vendored"));
}, 60_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function prepared(conversation: Conversation, variant: Variant): Promise<PreparedAudio> {
  const file = await writeConversation(conversation, variant, root);
  return prepareAudio(file, path.join(root, `${conversation.name}.${variant}`));
}

async function diarizeAndScore(conversation: Conversation, variant: Variant) {
  const result = await diarizer.diarize(await prepared(conversation, variant));
  const score = scoreDiarization(conversation.turns, result.segments);
  const { der } = diarizationErrorRate(conversation.turns, result.segments, 0.25);
  console.log(`${conversation.name} ${variant}: ${result.speakers.length} speakers, time on the right speaker ${score.timeAccuracy.toFixed(3)}, DER ${der.toFixed(3)}`);
  return { result, score, der };
}

describe("local diarization on real voices", () => {
  it("the vendored clips are the held-out readers the docs say", () => {
    expect(clips.map((c) => c.reader).sort()).toEqual(["103", "1069", "1235", "163", "3807", "441", "587", "625"]);
    expect(clips.every((c) => c.split === "held-out")).toBe(true);
    expect(SPEAKER_MODEL.trainedOn.split).toContain("even ids");
  });

  it("two readers of the same sex, 75 s with back-channels: 2 speakers, ≥ 90 % of speech time right (measured 1.00)", async () => {
    const conversation = stitchConversation({ name: "real-2f", readers: [byReader("441"), byReader("587")], seconds: 75, seed: 11, backchannelRate: 0.3 });
    const { result, score, der } = await diarizeAndScore(conversation, "mono-16k");
    expect(result.speakers).toHaveLength(2);
    expect(score.timeAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(der).toBeLessThan(0.1);
    expect(conversation.backchannels.length).toBeGreaterThan(0);
  });

  it("a man and a woman over the phone band (8 kHz μ-law): 2 speakers, ≥ 70 % right (measured 0.76; the bench's held-out phone calls: docs/speech.md)", async () => {
    const conversation = stitchConversation({ name: "real-2mf", readers: [byReader("1235"), byReader("103")], seconds: 60, seed: 12 });
    const { result, score } = await diarizeAndScore(conversation, "phone-8k-ulaw");
    expect(result.speakers).toHaveLength(2);
    expect(score.timeAccuracy).toBeGreaterThanOrEqual(0.7);
  });

  // On this call the count is missed (two of the three readers merge: measured 2 speakers, 0.84 of the time
  // right). The bench has 8 of 10 held-out three-party counts right (docs/speech.md).
  it("three readers, 90 s: 2–3 speakers found, ≥ 80 % right; with the count given ≥ 85 % (measured 0.88)", async () => {
    const conversation = stitchConversation({ name: "real-3", readers: [byReader("163"), byReader("1069"), byReader("3807")], seconds: 90, seed: 13 });
    const { result, score } = await diarizeAndScore(conversation, "mono-16k");
    expect(result.speakers.length).toBeGreaterThanOrEqual(2);
    expect(result.speakers.length).toBeLessThanOrEqual(3);
    expect(score.timeAccuracy).toBeGreaterThanOrEqual(0.8);
    const known = await diarizer.diarize(await prepared(conversation, "mono-16k"), { numSpeakers: 3 });
    const knownScore = scoreDiarization(conversation.turns, known.segments);
    console.log(`real-3 with 3 given: time on the right speaker ${knownScore.timeAccuracy.toFixed(3)}`);
    expect(knownScore.timeAccuracy).toBeGreaterThanOrEqual(0.85);
  });

  it("one reader alone is one speaker", async () => {
    const conversation = stitchConversation({ name: "real-1", readers: [byReader("625")], seconds: 40, seed: 14 });
    const { result } = await diarizeAndScore(conversation, "mono-16k");
    expect(result.speakers).toHaveLength(1);
  });
});

describe("local voiceprint on real voices", () => {
  let voices: VoiceSplit[];
  const enrolled = new Map<string, unknown>();

  beforeAll(async () => {
    voices = clips.map((c) => voiceSplit(c, { testSeconds: 5, maxEnrollSeconds: 10, minEnrollSeconds: 6 })).filter((v): v is VoiceSplit => v !== null);
    for (const v of voices) {
      const file = path.join(root, `enroll-${v.clip.id}.wav`);
      await writeFile(file, encodeWav(v.enroll, SAMPLE_RATE));
      enrolled.set(v.clip.reader, (await voiceprint.enroll(await prepareAudio(file, path.join(root, `enroll-${v.clip.id}`)))).embedding);
    }
  }, 120_000);

  // Measured: 8 of 8 same-reader scores above the threshold, 3 of 56 different-reader scores above it (max
  // 0.55) — the clean-pair false-accept rate is higher than in calls (docs/speech.md, "Voiceprint").
  it("scores each reader's unheard speech above the threshold, and few other readers above it", async () => {
    expect(voices.length).toBeGreaterThanOrEqual(7);
    const same: number[] = [];
    const different: number[] = [];
    for (const v of voices) {
      const file = path.join(root, `test-${v.clip.id}.wav`);
      await writeFile(file, encodeWav(v.test.samples, SAMPLE_RATE));
      const audio = await prepareAudio(file, path.join(root, `test-${v.clip.id}`));
      const test = await voiceprint.embed(audio.wavPath, (await speechRegions(audio, resolveLocalConfig({}))).mono);
      for (const [reader, profile] of enrolled) (reader === v.clip.reader ? same : different).push(voiceprintScore(test.vector, parseEmbedding(profile)!));
    }
    console.log(`same reader ${same.map((s) => s.toFixed(2)).join(" ")}; different readers max ${Math.max(...different).toFixed(2)} (threshold ${VOICEPRINT_THRESHOLD})`);
    expect(same.filter((s) => s >= VOICEPRINT_THRESHOLD).length).toBeGreaterThanOrEqual(same.length - 1);
    expect(different.filter((s) => s >= VOICEPRINT_THRESHOLD).length).toBeLessThanOrEqual(4);
    expect(Math.min(...same)).toBeGreaterThan(Math.max(...different) - 0.1);
  });

  it("names the user on the right speaker of a call, and nobody in a call without them", async () => {
    const user = voices.find((v) => v.clip.reader === "441")!;
    const withUser = stitchConversation({ name: "resolver-with", readers: [byReader("587"), user.test], seconds: 40, seed: 21 });
    const audio = await prepared(withUser, "mono-16k");
    const diarization = await diarizer.diarize(audio);
    const { mapping } = scoreDiarization(withUser.turns, diarization.segments);
    const matches = await voiceprint.identify(audio, diarization, [{ userId: "u441", embedding: enrolled.get("441") }]);
    console.log(`with the user: ${JSON.stringify(matches)}`);
    const you = matches.filter((m) => m.userId === "u441");
    expect(you).toHaveLength(1);
    expect(mapping[you[0]!.speaker]).toBe("S2");

    const without = stitchConversation({ name: "resolver-without", readers: [byReader("587"), byReader("1069")], seconds: 40, seed: 22 });
    const other = await prepared(without, "mono-16k");
    const none = await voiceprint.identify(other, await diarizer.diarize(other), [{ userId: "u441", embedding: enrolled.get("441") }]);
    console.log(`without the user: ${JSON.stringify(none)}`);
    expect(none.every((m) => m.userId === null)).toBe(true);
  });
});
