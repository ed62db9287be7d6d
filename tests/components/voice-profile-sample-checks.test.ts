import { describe, expect, it } from "vitest";
import { LevelTracker, analyzeSamples, blocksSending, frameLevels, meterFraction, sampleIssues } from "@/components/voice-profile/sample-checks";

const RATE = 16_000;

/** A tone of `amplitude` for `seconds`, then silence for `pause` seconds, repeated `times`. */
function speechLike({ seconds, amplitude, pause = 0, times = 1, noise = 0 }: { seconds: number; amplitude: number; pause?: number; times?: number; noise?: number }): Float32Array {
  const chunks: number[] = [];
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  for (let t = 0; t < times; t++) {
    for (let i = 0; i < seconds * RATE; i++) chunks.push(amplitude * Math.sin((2 * Math.PI * 180 * i) / RATE) + noise * random());
    for (let i = 0; i < pause * RATE; i++) chunks.push(noise * random());
  }
  return Float32Array.from(chunks);
}

describe("frameLevels", () => {
  it("measures peak, RMS and clipped samples", () => {
    expect(frameLevels([0, 0.5, -0.5, 0])).toEqual({ peak: 0.5, rms: Math.sqrt(0.125), clipped: 0 });
    expect(frameLevels([1, -1, 0.995, 0.2]).clipped).toBe(3);
    expect(frameLevels([])).toEqual({ peak: 0, rms: 0, clipped: 0 });
  });
});

describe("sample checks", () => {
  it("passes a clean sample with enough speech", () => {
    const stats = analyzeSamples(speechLike({ seconds: 3, amplitude: 0.3, pause: 0.5, times: 4, noise: 0.001 }), RATE);
    expect(stats.seconds).toBeCloseTo(14, 1);
    expect(stats.speechSeconds).toBeGreaterThan(11.5);
    expect(stats.speechSeconds).toBeLessThan(12.5);
    expect(sampleIssues(stats, 8)).toEqual([]);
  });

  it("calls near-silence silent (a muted microphone's hiss)", () => {
    const issues = sampleIssues(analyzeSamples(speechLike({ seconds: 10, amplitude: 0, noise: 0.005 }), RATE), 8);
    expect(issues).toEqual([{ kind: "silent" }]);
    expect(blocksSending(issues[0]!)).toBe(true);
  });

  it("says too short with the seconds heard", () => {
    const issues = sampleIssues(analyzeSamples(speechLike({ seconds: 2, amplitude: 0.3, pause: 1, times: 2 }), RATE), 8);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ kind: "too-short", minSeconds: 8 });
    expect((issues[0] as { speechSeconds: number }).speechSeconds).toBeCloseTo(4, 0);
    expect(blocksSending(issues[0]!)).toBe(true);
  });

  it("refuses clipping (the server's share of full-scale samples)", () => {
    // A tone driven far past full scale, cut at ±1 the way an ADC would.
    const loud = speechLike({ seconds: 10, amplitude: 3 }).map((value) => Math.max(-1, Math.min(1, value)));
    const issues = sampleIssues(analyzeSamples(loud, RATE), 8);
    expect(issues.map((issue) => issue.kind)).toEqual(["clipping"]);
    expect(blocksSending(issues[0]!)).toBe(true);
    // A few isolated full-scale samples are not clipping.
    const clean = speechLike({ seconds: 10, amplitude: 0.3 });
    clean[100] = 1;
    clean[5000] = -1;
    expect(sampleIssues(analyzeSamples(clean, RATE), 8)).toEqual([]);
  });

  it("adds up live analyser readings by the time each stands for", () => {
    const tracker = new LevelTracker();
    const loud = speechLike({ seconds: 0.05, amplitude: 0.2 });
    const quiet = new Float32Array(800);
    for (let i = 0; i < 100; i++) tracker.add(loud, 0.05); // 5 s of speech
    for (let i = 0; i < 40; i++) tracker.add(quiet, 0.05); // 2 s of pause
    const stats = tracker.stats();
    expect(stats.seconds).toBeCloseTo(7, 5);
    expect(stats.speechSeconds).toBeCloseTo(5, 5);
    expect(stats.peak).toBeCloseTo(0.2, 2);
    expect(sampleIssues(stats, 8)[0]).toMatchObject({ kind: "too-short" });
  });
});

describe("meterFraction", () => {
  it("maps RMS onto −60…0 dBFS", () => {
    expect(meterFraction(0)).toBe(0);
    expect(meterFraction(0.001)).toBeCloseTo(0, 5);
    expect(meterFraction(1)).toBe(1);
    expect(meterFraction(0.1)).toBeCloseTo(2 / 3, 5);
    expect(meterFraction(Number.NaN)).toBe(0);
  });
});
