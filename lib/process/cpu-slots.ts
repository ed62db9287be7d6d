import os from "node:os";
import { loadEnv } from "@/lib/env";

/**
 * A cap on the CPU-heavy children of processing (recognition, VAD, sherpa-onnx) that run at once, across
 * every call and stage of this server. `process-call` runs up to 2 calls, each with diarization and
 * transcription in parallel, and transcription decodes up to `cores` chunks at once: without a cap a 2-core
 * machine ran 5–6 native decoders beside the server. The default is one per core (one call alone keeps its
 * full speed; more calls queue instead of piling on), and the children run at nice 10
 * (die-with-parent.ts), so the server's requests get the CPU first. SCRYON_SPEECH_CONCURRENCY overrides it.
 * A child's own timeout starts when it gets its slot, so waiting for one never times a child out.
 */

function configuredSlots(): number {
  return loadEnv().speechConcurrency ?? Math.max(1, os.availableParallelism());
}

interface Slots {
  limit: number;
  busy: number;
  waiting: (() => void)[];
}

// Per process (also shared by Next's separately bundled route and instrumentation code).
const holder = globalThis as unknown as { __scryonCpuSlots?: Slots };

function slots(): Slots {
  holder.__scryonCpuSlots ??= { limit: configuredSlots(), busy: 0, waiting: [] };
  return holder.__scryonCpuSlots;
}

/** Runs `work` once a slot is free; an abort while waiting gives up the place in the queue. */
export async function withCpuSlot<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const s = slots();
  if (s.busy >= s.limit) {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        s.waiting.splice(s.waiting.indexOf(grant), 1);
        reject(signal!.reason ?? new Error("aborted"));
      };
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
      signal?.addEventListener("abort", onAbort, { once: true });
      s.waiting.push(grant);
    });
  } else {
    s.busy++;
  }
  try {
    return await work();
  } finally {
    const next = s.waiting.shift();
    if (next) next(); // the slot passes on: busy stays the same
    else s.busy--;
  }
}

/** For tests and benchmarks: how many slots there are, how many are taken, how many wait. */
export function cpuSlotState(): { limit: number; busy: number; waiting: number } {
  const s = slots();
  return { limit: s.limit, busy: s.busy, waiting: s.waiting.length };
}
