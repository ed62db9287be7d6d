import { describe, expect, it } from "vitest";
import { MEETING_CHANNEL, MIC_CHANNEL, mixStereoFrames, toMono } from "@/lib/recording/stereo-mix";

const f = (...values: number[]) => Float32Array.from(values);

describe("mixStereoFrames", () => {
  it("puts the microphone on the left and the meeting on the right", () => {
    expect(MIC_CHANNEL).toBe(0);
    expect(MEETING_CHANNEL).toBe(1);
    const [left, right] = mixStereoFrames([f(0.1, 0.2, 0.3)], [f(-0.5, -0.6, -0.7)]);
    expect([...left]).toEqual([...f(0.1, 0.2, 0.3)]);
    expect([...right]).toEqual([...f(-0.5, -0.6, -0.7)]);
  });

  it("folds a stereo meeting to mono before it takes its side", () => {
    const [, right] = mixStereoFrames([f(0, 0)], [f(1, 0.5), f(0, 0.5)]);
    expect([...right]).toEqual([0.5, 0.5]);
  });

  it("keeps sample i of both sides at the same instant: the shorter side is padded at the end, never shifted", () => {
    const mic = f(1, 2, 3, 4, 5).map((v) => v / 10);
    const [left, right] = mixStereoFrames([mic], [f(0.9, 0.8)]);
    expect(left.length).toBe(5);
    expect(right.length).toBe(5);
    expect([...left]).toEqual([...mic]);
    expect([...right]).toEqual([...f(0.9, 0.8, 0, 0, 0)]);
  });

  it("a missing source is a silent side", () => {
    const [left, right] = mixStereoFrames(null, [f(0.25, 0.25)]);
    expect([...left]).toEqual([0, 0]);
    expect([...right]).toEqual([0.25, 0.25]);
  });

  it("toMono of no channels is silence", () => {
    expect([...toMono([], 3)]).toEqual([0, 0, 0]);
  });
});
