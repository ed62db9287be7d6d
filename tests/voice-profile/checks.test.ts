import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSignal, checkSpeech, measureSignal, measureSpeech } from "@/lib/voice-profile/checks";
import { EnrollmentError } from "@/lib/voice-profile/errors";
import { MAX_RECORDING_SECONDS, MIN_SPEECH_SECONDS } from "@/lib/voice-profile/limits";
import { clipped, silence, tone, writeWav } from "./helpers";

const codeOf = (run: () => void): string | null => {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof EnrollmentError) return error.code;
    throw error;
  }
};
const speakers = (...ids: string[]) => ids.map((id) => ({ id, label: id }));

describe("voice sample checks", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-voice-checks-"));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("measures RMS and the share of full-scale samples of a 16-bit WAV", async () => {
    const quiet = await measureSignal(await writeWav(path.join(dir, "silence.wav"), 2, silence));
    expect(quiet).toEqual({ rms: 0, clippedShare: 0 });
    const normal = await measureSignal(await writeWav(path.join(dir, "tone.wav"), 2, tone));
    expect(normal.rms).toBeGreaterThan(0.1);
    expect(normal.clippedShare).toBe(0);
    const loud = await measureSignal(await writeWav(path.join(dir, "square.wav"), 2, clipped));
    expect(loud.clippedShare).toBeGreaterThan(0.9);
    // A few full-scale peaks in otherwise clean audio are not clipping.
    const peaks = await measureSignal(await writeWav(path.join(dir, "peaks.wav"), 2, (t) => (Math.round(t * 16000) % 4000 === 0 ? 1 : tone(t))));
    expect(codeOf(() => checkSignal(2, peaks))).toBeNull();
  });

  it("refuses silence, clipping and over-long recordings by the signal", () => {
    expect(codeOf(() => checkSignal(20, { rms: 0.1, clippedShare: 0 }))).toBeNull();
    expect(codeOf(() => checkSignal(20, { rms: 0.0005, clippedShare: 0 }))).toBe("SILENT");
    expect(codeOf(() => checkSignal(20, { rms: 0.4, clippedShare: 0.05 }))).toBe("CLIPPED");
    expect(codeOf(() => checkSignal(MAX_RECORDING_SECONDS + 10, { rms: 0.1, clippedShare: 0 }))).toBe("TOO_LONG");
  });

  it("counts overlapping speech once and ranks speakers by their speech", () => {
    const stats = measureSpeech({
      speakers: speakers("S1", "S2"),
      segments: [
        { speaker: "S1", start: 0, end: 6 },
        { speaker: "S2", start: 5, end: 7 },
        { speaker: "S1", start: 8, end: 12 },
      ],
    });
    expect(stats.speechSeconds).toBeCloseTo(11, 6);
    expect(stats.perSpeaker).toEqual([
      { speaker: "S1", seconds: 10 },
      { speaker: "S2", seconds: 2 },
    ]);
  });

  it("refuses no speech, too little speech, and a second voice with a real share", () => {
    const one = (seconds: number) => measureSpeech({ speakers: speakers("S1"), segments: [{ speaker: "S1", start: 0, end: seconds }] });
    expect(codeOf(() => checkSpeech(measureSpeech({ speakers: [], segments: [] })))).toBe("SILENT");
    expect(codeOf(() => checkSpeech(one(MIN_SPEECH_SECONDS - 0.5)))).toBe("TOO_SHORT");
    expect(codeOf(() => checkSpeech(one(MIN_SPEECH_SECONDS)))).toBeNull();
    const withSecond = (secondSeconds: number) =>
      measureSpeech({ speakers: speakers("S1", "S2"), segments: [{ speaker: "S1", start: 0, end: 12 }, { speaker: "S2", start: 12, end: 12 + secondSeconds }] });
    expect(codeOf(() => checkSpeech(withSecond(1)))).toBeNull(); // a cough or an echo
    expect(codeOf(() => checkSpeech(withSecond(6)))).toBe("MULTIPLE_VOICES");
  });
});
