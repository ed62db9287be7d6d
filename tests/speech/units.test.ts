import { describe, expect, it } from "vitest";
import { scoreDiarization, wordErrorRate } from "@/lib/speech/eval";
import { parsePocketsphinxTimes, planChunks } from "@/lib/speech/local/transcribe";
import { classifyChannels } from "@/lib/speech/prepare";
import { refineRegions } from "@/lib/speech/local/vad";
import { clusterEmbeddings } from "@/lib/speech/local/cluster";
import { mergeInterleaved, type Window } from "@/lib/speech/local/diarize";
import { normalise } from "@/lib/speech/local/speaker-model";

describe("parsePocketsphinxTimes", () => {
  const output = [
    "hello world the test",
    "<s> 0.000 0.160 0.998501",
    "hello 0.170 0.420 0.672236",
    "<sil> 0.430 0.780 0.998701",
    "[NOISE] 0.790 0.850 0.004000",
    "world 0.860 0.970 0.014055",
    "the(2) 1.580 1.730 0.204092",
    "++BREATH++ 1.740 1.800 0.5",
    "test 1.810 2.020 1.000000",
    "</s> 2.030 2.180 0.925974",
  ].join("\n");

  it("keeps words, drops markers and fillers, strips pronunciation variants, offsets times", () => {
    const words = parsePocketsphinxTimes(output, 10);
    expect(words.map((w) => w.text)).toEqual(["hello", "world", "the", "test"]);
    expect(words[0]).toEqual({ text: "hello", start: 10.17, end: 10.42, confidence: 0.672 });
    expect(words[3]!.end).toBe(12.02);
  });

  it("clamps times to the chunk end", () => {
    const words = parsePocketsphinxTimes("late 1.0 5.0 0.9", 0, 3);
    expect(words[0]).toMatchObject({ start: 1, end: 3 });
  });
});

describe("planChunks", () => {
  it("cuts in pauses, pads into the pause, never across the middle of it, and skips long silence", () => {
    const regions = Array.from({ length: 12 }, (_, i) => ({ start: i * 5, end: i * 5 + 4 }));
    regions.push({ start: 200, end: 204 });
    const chunks = planChunks(regions, 210, 2);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.start).toBeGreaterThanOrEqual(chunks[i - 1]!.end);
    for (const r of regions) expect(chunks.some((c) => c.start <= r.start && c.end >= r.end)).toBe(true);
    expect(chunks.at(-1)).toEqual({ start: 199.75, end: 204.25 });
    expect(chunks.every((c) => c.end - c.start <= 40.5)).toBe(true);
    expect(chunks.length).toBeGreaterThan(2);
  });

  it("returns nothing for no speech", () => {
    expect(planChunks([], 30, 2)).toEqual([]);
  });
});

describe("wordErrorRate", () => {
  it("counts substitutions, insertions and deletions against the reference length", () => {
    expect(wordErrorRate(["a", "b", "c", "d"], ["a", "x", "c", "d", "e"])).toBe(0.5);
    expect(wordErrorRate(["Hello,", "World"], ["hello", "world"])).toBe(0);
    expect(wordErrorRate([], [])).toBe(0);
  });
});

describe("scoreDiarization", () => {
  it("maps hypothesis speakers to reference speakers by overlap", () => {
    const ref = [
      { speaker: "A", start: 0, end: 2 },
      { speaker: "B", start: 2.5, end: 4 },
      { speaker: "A", start: 4.5, end: 6 },
    ];
    const hyp = [
      { speaker: "S2", start: 0, end: 2 },
      { speaker: "S1", start: 2.5, end: 4 },
      { speaker: "S1", start: 4.5, end: 6 },
    ];
    const score = scoreDiarization(ref, hyp);
    expect(score.mapping).toEqual({ S2: "A", S1: "B" });
    expect(score.segmentAccuracy).toBeCloseTo(2 / 3);
  });
});

describe("classifyChannels", () => {
  it("tells per-side, duplicated and one-sided stereo apart", () => {
    expect(classifyChannels({ rms: [0.05, 0.04], differenceRatio: 0.9, correlation: 0.05, dominance: 0.95 })).toBe("stereo-split");
    expect(classifyChannels({ rms: [0.05, 0.05], differenceRatio: 0.01, correlation: 1, dominance: 0 })).toBe("stereo-duplicated");
    // Two microphones in one room: different signals, but neither side dominates.
    expect(classifyChannels({ rms: [0.05, 0.045], differenceRatio: 0.4, correlation: 0.8, dominance: 0.1 })).toBe("stereo-duplicated");
    expect(classifyChannels({ rms: [0.05, 0.0005], differenceRatio: 0.99, correlation: 0, dominance: 1 })).toBe("stereo-one-sided");
  });
});

describe("refineRegions", () => {
  it("splits a VAD region at a quiet stretch and trims quiet edges", () => {
    // 20 ms frames: 1 s loud, 0.3 s quiet, 1 s loud, then quiet tail.
    const db = new Float32Array(200).fill(-60);
    for (let i = 10; i < 60; i++) db[i] = -20;
    for (let i = 75; i < 125; i++) db[i] = -20;
    const out = refineRegions([{ start: 0, end: 3 }], db);
    expect(out).toHaveLength(2);
    expect(out[0]!.start).toBeCloseTo(0.16, 2);
    expect(out[0]!.end).toBeCloseTo(1.24, 2);
    expect(out[1]!.end).toBeCloseTo(2.54, 2);
  });
});

describe("clusterEmbeddings", () => {
  // Unit vectors scattered around a few directions (cosine distance between directions ≈ 1).
  const axis = (d: number) => Array.from({ length: 8 }, (_, j) => (j === d ? 1 : 0));
  const blob = (d: number, n: number, seed: number) =>
    Array.from({ length: n }, (_, i) => normalise(axis(d).map((x, j) => x + Math.sin(i * 7.3 + seed + j) * 0.25)));
  const options = { maxK: 4, threshold: 0.65, minShare: 0.04, minWindows: 3 };

  it("finds one group when every point is close, and separate groups when they are far apart", () => {
    const one = blob(0, 20, 1);
    expect(clusterEmbeddings(one, one.map(() => 1), options).k).toBe(1);
    const three = [...blob(0, 15, 1), ...blob(3, 15, 2), ...blob(6, 15, 3)];
    const result = clusterEmbeddings(three, three.map(() => 1), options);
    expect(result.k).toBe(3);
    expect(new Set(result.labels.slice(0, 15)).size).toBe(1);
    expect(result.labels[0]).not.toBe(result.labels[15]);
    expect(result.labels[15]).not.toBe(result.labels[30]);
  });

  it("honours a known number of clusters", () => {
    const three = [...blob(0, 15, 1), ...blob(3, 15, 2), ...blob(6, 15, 3)];
    expect(clusterEmbeddings(three, three.map(() => 1), { ...options, k: 2 }).k).toBe(2);
  });

  it("does not make a speaker of a few short windows (a back-channel): they join the nearest group", () => {
    const points = [...blob(0, 30, 1), ...blob(3, 30, 2), ...blob(6, 2, 3)];
    const result = clusterEmbeddings(points, points.map(() => 1), options);
    expect(result.k).toBe(2);
  });
});

describe("mergeInterleaved", () => {
  // Windows of 0.75 s; `regions[i]` is the speech region window i lies in.
  const windowsOf = (regions: number[]): Window[] => regions.map((region, i) => ({ start: i * 0.75, end: (i + 1) * 0.75, analysedSeconds: 1.5, region, vector: [1] }));

  it("merges two groups that alternate inside the same speech regions (one voice split in two)", () => {
    const windows = windowsOf([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    const labels = [0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1];
    expect(new Set(mergeInterleaved(windows, labels, 0.25)).size).toBe(1);
  });

  it("keeps speakers whose turns are separate regions, even with a turn change inside one region", () => {
    const windows = windowsOf([0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]);
    const labels = [0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 2, 2, 2];
    // One within-region change between 0 and 1 (1 / 5 windows < 0.25): all three speakers stay.
    expect(mergeInterleaved(windows, labels, 0.25)).toEqual(labels);
    // Off when the ratio is above every pair's.
    expect(mergeInterleaved(windows, [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0], 2)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
  });
});
