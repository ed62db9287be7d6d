import { describe, expect, it } from "vitest";
import { cpuSlotState, withCpuSlot } from "@/lib/process/cpu-slots";

/** The cap on concurrent processing children (lib/process/cpu-slots.ts). */
describe("cpu slots", () => {
  it("runs at most `limit` pieces of work at once, the rest in order as slots free up", async () => {
    const { limit } = cpuSlotState();
    expect(limit).toBeGreaterThanOrEqual(1);
    const releases: (() => void)[] = [];
    const started: number[] = [];
    const runs = Array.from({ length: limit + 2 }, (_, i) =>
      withCpuSlot(
        () =>
          new Promise<number>((resolve) => {
            started.push(i);
            releases[i] = () => resolve(i);
          }),
      ),
    );
    await expect.poll(() => started.length).toBe(limit);
    expect(cpuSlotState()).toEqual({ limit, busy: limit, waiting: 2 });
    releases[0]!();
    await expect.poll(() => started.length).toBe(limit + 1);
    expect(started.at(-1)).toBe(limit);
    for (let i = 1; i < limit + 2; i++) {
      await expect.poll(() => releases[i] !== undefined).toBe(true);
      releases[i]!();
    }
    expect(await Promise.all(runs)).toEqual(Array.from({ length: limit + 2 }, (_, i) => i));
    expect(cpuSlotState()).toEqual({ limit, busy: 0, waiting: 0 });
  });

  it("an abort while waiting leaves the queue; a failure frees the slot", async () => {
    const { limit } = cpuSlotState();
    const releases: (() => void)[] = [];
    const holders = Array.from({ length: limit }, () => withCpuSlot(() => new Promise<void>((resolve) => releases.push(resolve))));
    await expect.poll(() => releases.length).toBe(limit);
    const controller = new AbortController();
    const waiting = withCpuSlot(async () => "never", controller.signal);
    expect(cpuSlotState().waiting).toBe(1);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    expect(cpuSlotState().waiting).toBe(0);
    releases.forEach((release) => release());
    await Promise.all(holders);
    await expect(withCpuSlot(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(cpuSlotState()).toEqual({ limit, busy: 0, waiting: 0 });
  });
});
