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
 * Synthetic voices only check the plumbing and the ranking; the threshold is set and measured on real voices
 * (real-voices.test.ts, `npm run bench:speakers`, docs/speech.md).
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
    expect(voiceprint.model).toBe("scryon-mfcc-lda");
    const roundTrip = JSON.parse(JSON.stringify(profileA)) as { model: string; vector: number[] };
    expect(roundTrip).toEqual(profileA);
    expect(roundTrip.model).toBe(voiceprint.model);
    expect(roundTrip.vector.every((x) => Number.isFinite(x))).toBe(true);
  });

  // Both layouts give the user's voice first place and a match; the other synthetic voice scores well below.
  for (const [name, expectMatch] of [["t2-mono-16k-wav", true], ["t2-stereo-16k-m4a", true]] as const) {
    it(`scores the enrolled user first among the speakers of ${name}${expectMatch ? " and matches them" : ""}`, async () => {
      const audio = await fx.prepared(name);
      // The count is given: the real-voice model merges these synthetic voices without it (docs/speech.md).
      const diarization = await diarizer.diarize(audio, { numSpeakers: 2 });
      const { mapping } = scoreDiarization(fx.fixture(name).truth.turns, diarization.segments);
      const speakerOf = (voice: string) => Object.keys(mapping).find((s) => mapping[s] === voice)!;

      const matches = await voiceprint.identify(audio, diarization, [{ userId: "user-a", embedding: profileA }]);
      console.log(`${name}: ${JSON.stringify(matches)} (threshold ${voiceprint.threshold})`);
      expect(matches).toHaveLength(2);
      const a = matches.find((m) => m.speaker === speakerOf("A"))!;
      const b = matches.find((m) => m.speaker === speakerOf("B"))!;
      expect(a.score).toBeGreaterThanOrEqual(voiceprint.threshold);
      expect(a.score).toBeGreaterThan(b.score);
      expect(a.userId).toBe(expectMatch ? "user-a" : null);
      expect(b.userId).toBeNull();

      const both = await voiceprint.identify(audio, diarization, [
        { userId: "user-a", embedding: profileA },
        { userId: "user-b", embedding: profileB },
      ]);
      // Never the wrong user: a speaker is matched to its own voice or to nobody.
      expect([null, "user-b"]).toContain(both.find((m) => m.speaker === speakerOf("B"))!.userId);
      expect([null, "user-a"]).toContain(both.find((m) => m.speaker === speakerOf("A"))!.userId);
    });
  }

  // "Nobody when only another voice is enrolled" is tested on real voices (real-voices.test.ts): these two
  // synthetic voices are closer to each other than any two real readers.
  it("ignores embeddings of other models", async () => {
    const audio = await fx.prepared("enroll-A-webm");
    const diarization = await diarizer.diarize(audio);
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
