import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpeechAudioError } from "@/lib/speech/errors";
import { prepareAudio } from "@/lib/speech/prepare";
import { encodeWav } from "@/lib/speech/wav";
import { createDiarizationProvider, createVoiceprintProvider } from "@/lib/speech";
import { scoreDiarization } from "@/lib/speech/eval";
import { speechFixtures } from "./helpers";

/**
 * Voiceprints from the generated voices: speaker A's and B's samples against a call between A and B.
 * Measured scores (docs/speech.md): same voice ≥ 0.74, different voices ≤ 0.25 on the 16 kHz fixtures.
 */

const NAMES = ["t2-mono-16k-wav", "t2-stereo-16k-m4a", "enroll-A-webm", "enroll-B-webm"];
let fx: Awaited<ReturnType<typeof speechFixtures>>;
const voiceprint = createVoiceprintProvider();
const diarizer = createDiarizationProvider();
let profileA: unknown;
let profileB: unknown;

beforeAll(async () => {
  fx = await speechFixtures(NAMES);
  profileA = (await voiceprint.enroll(await fx.prepared("enroll-A-webm"))).embedding;
  profileB = (await voiceprint.enroll(await fx.prepared("enroll-B-webm"))).embedding;
}, 60_000);
afterAll(async () => {
  await fx?.cleanup();
});

describe("local voiceprint", () => {
  it("enrolls an opaque JSON embedding tagged with its model", () => {
    expect(voiceprint.model).toBe("scryon-mfcc-pitch");
    const roundTrip = JSON.parse(JSON.stringify(profileA)) as { model: string; vector: number[] };
    expect(roundTrip).toEqual(profileA);
    expect(roundTrip.model).toBe(voiceprint.model);
    expect(roundTrip.vector.every((x) => Number.isFinite(x))).toBe(true);
  });

  for (const name of ["t2-mono-16k-wav", "t2-stereo-16k-m4a"]) {
    it(`finds the enrolled user among the speakers of ${name}`, async () => {
      const audio = await fx.prepared(name);
      const diarization = await diarizer.diarize(audio);
      const { mapping } = scoreDiarization(fx.fixture(name).truth.turns, diarization.segments);
      const speakerOf = (voice: string) => Object.keys(mapping).find((s) => mapping[s] === voice)!;

      const matches = await voiceprint.identify(audio, diarization, [{ userId: "user-a", embedding: profileA }]);
      console.log(`${name}: ${JSON.stringify(matches)} (threshold ${voiceprint.threshold})`);
      expect(matches).toHaveLength(2);
      expect(matches.find((m) => m.speaker === speakerOf("A"))).toMatchObject({ userId: "user-a" });
      expect(matches.find((m) => m.speaker === speakerOf("B"))).toMatchObject({ userId: null });

      const both = await voiceprint.identify(audio, diarization, [
        { userId: "user-a", embedding: profileA },
        { userId: "user-b", embedding: profileB },
      ]);
      expect(both.find((m) => m.speaker === speakerOf("B"))).toMatchObject({ userId: "user-b" });
    });
  }

  it("matches nobody when only another voice is enrolled, and ignores embeddings of other models", async () => {
    const audio = await fx.prepared("enroll-A-webm");
    const diarization = await diarizer.diarize(audio);
    const other = await voiceprint.identify(audio, diarization, [{ userId: "user-b", embedding: profileB }]);
    expect(other.every((m) => m.userId === null)).toBe(true);
    const foreign = await voiceprint.identify(audio, diarization, [
      { userId: "user-a", embedding: { ...(profileA as object), model: "some-cloud-model" } },
      { userId: "user-x", embedding: "garbage" },
    ]);
    expect(foreign.every((m) => m.userId === null)).toBe(true);
  });

  it("refuses a voice sample without enough speech", async () => {
    const file = path.join(fx.root, "quiet.wav");
    await writeFile(file, encodeWav(new Float32Array(16000 * 4), 16000));
    const sample = await prepareAudio(file, path.join(fx.root, "quiet"));
    await expect(voiceprint.enroll(sample)).rejects.toBeInstanceOf(SpeechAudioError);
  });
});
