import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startPolling } from "@/components/lib/polling";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A promise the test settles by hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("startPolling", () => {
  it("runs the tick every interval, the first one interval after starting", async () => {
    const tick = vi.fn();
    const stop = startPolling(tick, { intervalMs: 1000 });
    await vi.advanceTimersByTimeAsync(999);
    expect(tick).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(tick).toHaveBeenCalledTimes(3);
    stop();
  });

  it("never overlaps: the next run is scheduled an interval after the previous one finished", async () => {
    const runs: ReturnType<typeof deferred>[] = [];
    const tick = vi.fn(() => {
      const run = deferred();
      runs.push(run);
      return run.promise;
    });
    const stop = startPolling(tick, { intervalMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(tick).toHaveBeenCalledTimes(1);
    // The first run is still waiting: no second one however long it takes.
    await vi.advanceTimersByTimeAsync(5000);
    expect(tick).toHaveBeenCalledTimes(1);
    runs[0]!.resolve();
    await vi.advanceTimersByTimeAsync(999);
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(tick).toHaveBeenCalledTimes(2);
    stop();
  });

  it("skips runs while hidden and keeps going", async () => {
    let hidden = true;
    const tick = vi.fn();
    const stop = startPolling(tick, { intervalMs: 1000, isHidden: () => hidden });
    await vi.advanceTimersByTimeAsync(3000);
    expect(tick).not.toHaveBeenCalled();
    hidden = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(tick).toHaveBeenCalledTimes(1);
    stop();
  });

  it("keeps going after a tick throws or rejects", async () => {
    const tick = vi
      .fn<() => Promise<void>>()
      .mockImplementationOnce(() => {
        throw new Error("sync");
      })
      .mockRejectedValueOnce(new Error("async"))
      .mockResolvedValue(undefined);
    const stop = startPolling(tick, { intervalMs: 1000 });
    await vi.advanceTimersByTimeAsync(3000);
    expect(tick).toHaveBeenCalledTimes(3);
    stop();
  });

  it('ends for good when a tick answers "stop"', async () => {
    const tick = vi.fn<() => "stop" | void>().mockReturnValueOnce(undefined).mockReturnValueOnce("stop");
    startPolling(tick, { intervalMs: 1000 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(tick).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("stop() clears the timer, aborts the signal of a run in flight and schedules nothing more", async () => {
    const run = deferred();
    let seen: AbortSignal | undefined;
    const tick = vi.fn((signal: AbortSignal) => {
      seen = signal;
      return run.promise;
    });
    const stop = startPolling(tick, { intervalMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen?.aborted).toBe(false);
    stop();
    expect(seen?.aborted).toBe(true);
    run.resolve();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(tick).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("stop() before the first run: nothing runs", async () => {
    const tick = vi.fn();
    const stop = startPolling(tick, { intervalMs: 1000 });
    stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(tick).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
