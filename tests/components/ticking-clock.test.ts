import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTickingClock } from "@/components/lib/ticking-clock";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-12-02T10:00:00Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

describe("createTickingClock", () => {
  it("keeps the time it read until the next tick, so snapshots are stable between ticks", () => {
    const clock = createTickingClock(30_000);
    const unsubscribe = clock.subscribe(() => undefined);
    const first = clock.getSnapshot();
    vi.advanceTimersByTime(10_000);
    expect(clock.getSnapshot()).toBe(first);
    unsubscribe();
  });

  it("reads the time again every interval and notifies every subscriber", () => {
    const clock = createTickingClock(30_000);
    const a = vi.fn();
    const b = vi.fn();
    const stopA = clock.subscribe(a);
    const stopB = clock.subscribe(b);
    const first = clock.getSnapshot();
    vi.advanceTimersByTime(30_000);
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(1);
    expect(clock.getSnapshot()).toBe(first + 30_000);
    // One timer however many subscribers.
    expect(vi.getTimerCount()).toBe(1);
    stopA();
    stopB();
  });

  it("stops its timer when the last subscriber leaves, and reads a fresh time after", () => {
    const clock = createTickingClock(30_000);
    const stopA = clock.subscribe(() => undefined);
    const stopB = clock.subscribe(() => undefined);
    const first = clock.getSnapshot();
    stopA();
    expect(vi.getTimerCount()).toBe(1);
    stopB();
    expect(vi.getTimerCount()).toBe(0);
    vi.setSystemTime(first + 5_000);
    expect(clock.getSnapshot()).toBe(first + 5_000);
  });
});
