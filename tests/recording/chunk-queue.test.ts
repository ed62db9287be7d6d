import { describe, expect, it } from "vitest";
import { ChunkQueue, defaultRecordingTitle, type ChunkStore, type HeadResult, type PatchResult, type StoredChunk, type UploadTransport } from "@/lib/recording/chunk-queue";

/** A tus server in memory: an offset-checked byte array, with scripted failures. */
class FakeServer implements UploadTransport {
  bytes: number[] = [];
  length: number | null = null;
  patches: { offset: number; size: number }[] = [];
  /** Scripted answers for the next PATCHes (consumed first); "cut:N" stores N bytes then fails like a dropped connection. */
  script: (string | null)[] = [];
  heads = 0;

  async patch(offset: number, data: Uint8Array, uploadLength?: number): Promise<PatchResult> {
    const step = this.script.shift() ?? null;
    this.patches.push({ offset, size: data.byteLength });
    if (step === "network") return { kind: "retry", reason: "network" };
    if (offset !== this.bytes.length) return { kind: "conflict" };
    if (step?.startsWith("cut:")) {
      this.bytes.push(...data.subarray(0, Number(step.slice(4))));
      return { kind: "retry", reason: "connection dropped" };
    }
    this.bytes.push(...data);
    if (step === "lost-answer") return { kind: "retry", reason: "answer lost" };
    if (uploadLength !== undefined) this.length = uploadLength;
    const finished = this.length !== null && this.length === this.bytes.length;
    return { kind: "ok", offset: this.bytes.length, finishedCallId: finished ? "call-1" : null };
  }

  async head(): Promise<HeadResult> {
    this.heads++;
    const finished = this.length !== null && this.length === this.bytes.length;
    return { kind: "ok", offset: this.bytes.length, finishedCallId: finished ? "call-1" : null, length: this.length };
  }
}

class MemoryStore implements ChunkStore {
  chunks = new Map<number, Uint8Array>();
  async put(chunk: StoredChunk) {
    this.chunks.set(chunk.offset, chunk.bytes);
  }
  async get(offset: number) {
    const bytes = this.chunks.get(offset);
    return bytes ? { offset, bytes } : null;
  }
  async deleteThrough(offset: number) {
    for (const [start, bytes] of this.chunks) if (start + bytes.byteLength <= offset) this.chunks.delete(start);
  }
  async list() {
    return [...this.chunks].map(([offset, bytes]) => ({ offset, bytes }));
  }
}

const chunk = (start: number, size: number) => Uint8Array.from({ length: size }, (_, i) => (start + i) % 251);
const expected = (sizes: number[]) => {
  const out: number[] = [];
  let at = 0;
  for (const size of sizes) {
    out.push(...chunk(at, size));
    at += size;
  }
  return out;
};
const instant = async () => {};

describe("ChunkQueue", () => {
  it("appends chunks in order at the confirmed offsets and declares the length on finish", async () => {
    const server = new FakeServer();
    const confirmed: StoredChunk[] = [];
    const queue = new ChunkQueue({ transport: server, wait: instant, onConfirmed: (c) => confirmed.push(c) });
    const sizes = [100, 37, 250, 1];
    let at = 0;
    for (const size of sizes) {
      await queue.append(chunk(at, size));
      at += size;
    }
    await expect(queue.finish()).resolves.toBe("call-1");
    expect(server.bytes).toEqual(expected(sizes));
    expect(server.length).toBe(388);
    expect(server.patches.map((p) => p.offset)).toEqual([0, 100, 137, 387, 388]);
    expect(confirmed.map((c) => c.offset)).toEqual([0, 100, 137, 387]);
    expect(queue.state()).toMatchObject({ produced: 388, confirmed: 388, pending: 0, finishedCallId: "call-1", error: null });
  });

  it("retries a failed PATCH with the same bytes, in order, until it lands", async () => {
    const server = new FakeServer();
    server.script = ["network", "network", null, "network"];
    const waits: number[] = [];
    const queue = new ChunkQueue({ transport: server, wait: async (attempt) => void waits.push(attempt) });
    await queue.append(chunk(0, 10));
    await queue.append(chunk(10, 20));
    await queue.finish();
    expect(server.bytes).toEqual(expected([10, 20]));
    expect(waits).toEqual([1, 2, 1]);
    expect(server.patches.slice(0, 5).map((p) => p.offset)).toEqual([0, 0, 0, 10, 10]);
  });

  it("marks itself offline while failing and online again when a PATCH lands", async () => {
    const server = new FakeServer();
    server.script = ["network"];
    const states: boolean[] = [];
    const queue = new ChunkQueue({ transport: server, wait: instant, onChange: (s) => states.push(s.offline) });
    await queue.append(chunk(0, 5));
    await queue.flush();
    expect(states).toContain(true);
    expect(queue.state().offline).toBe(false);
  });

  it("after a body cut off mid-way, asks the server (HEAD) and sends only the rest: no gap, no duplicate", async () => {
    const server = new FakeServer();
    server.script = ["cut:7"];
    const queue = new ChunkQueue({ transport: server, wait: instant });
    await queue.append(chunk(0, 20));
    await queue.append(chunk(20, 5));
    await queue.finish();
    expect(server.bytes).toEqual(expected([20, 5]));
    expect(server.heads).toBeGreaterThanOrEqual(1);
    // the retry at 0 conflicts (the server has 7), HEAD says 7, the rest goes from 7
    expect(server.patches.map((p) => [p.offset, p.size])).toEqual([
      [0, 20],
      [0, 20],
      [7, 13],
      [20, 5],
      [25, 0],
    ]);
  });

  it("a PATCH whose answer was lost is not sent twice (409 → HEAD → next chunk)", async () => {
    const server = new FakeServer();
    server.script = ["lost-answer"];
    const queue = new ChunkQueue({ transport: server, wait: instant });
    await queue.append(chunk(0, 8));
    await queue.append(chunk(8, 8));
    await queue.finish();
    expect(server.bytes).toEqual(expected([8, 8]));
  });

  it("stops with an error when the server is ahead of every byte produced or lost confirmed bytes", async () => {
    const server = new FakeServer();
    server.bytes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const queue = new ChunkQueue({ transport: server, wait: instant });
    await queue.append(chunk(0, 4));
    await expect(queue.flush()).rejects.toThrow(/more bytes/);
  });

  it("stops on a fatal answer and reports it", async () => {
    const transport: UploadTransport = {
      patch: async () => ({ kind: "fatal", status: 404, message: "gone" }),
      head: async () => ({ kind: "fatal", status: 404, message: "gone" }),
    };
    const queue = new ChunkQueue({ transport, wait: instant });
    await queue.append(chunk(0, 4));
    await expect(queue.flush()).rejects.toThrow("gone");
    expect(queue.state().error).toBe("gone");
  });

  it("keeps unsent chunks in the store, beyond the memory budget only there, and removes them once confirmed", async () => {
    const server = new FakeServer();
    const store = new MemoryStore();
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    server.script = ["network"];
    const queue = new ChunkQueue({ transport: server, store, memoryBytes: 15, wait: () => blocked });
    for (let i = 0; i < 5; i++) await queue.append(chunk(i * 10, 10));
    // offline: all five chunks are in the store, memory holds no more than the first plus the budget
    expect(store.chunks.size).toBe(5);
    expect((queue as unknown as { inMemory: number }).inMemory).toBeLessThanOrEqual(20);
    release();
    await queue.finish();
    expect(server.bytes).toEqual(expected([10, 10, 10, 10, 10]));
    expect(store.chunks.size).toBe(0);
  });

  it("a reload resumes from the store at the server's offset (chunks it already has are skipped or cut)", async () => {
    const server = new FakeServer();
    server.bytes = expected([10, 10]).slice(0, 15); // the server had 15 bytes when the tab died
    const store = new MemoryStore();
    await store.put({ offset: 0, bytes: chunk(0, 10) });
    await store.put({ offset: 10, bytes: chunk(10, 10) });
    await store.put({ offset: 20, bytes: chunk(20, 6) });
    const queue = await ChunkQueue.restore({ transport: server, store, startOffset: 15, wait: instant });
    expect(queue.state()).toMatchObject({ produced: 26, confirmed: 15, pending: 11 });
    await expect(queue.finish()).resolves.toBe("call-1");
    expect(server.bytes).toEqual(expected([10, 10, 6]));
  });

  it("finish after the final answer was lost asks the server and takes the call id it reports", async () => {
    const server = new FakeServer();
    const queue = new ChunkQueue({ transport: server, wait: instant });
    await queue.append(chunk(0, 4));
    await queue.flush();
    const realPatch = server.patch.bind(server);
    let first = true;
    server.patch = async (offset, data, length) => {
      const result = await realPatch(offset, data, length);
      if (first && length !== undefined) {
        first = false;
        return { kind: "retry", reason: "answer lost" };
      }
      return result;
    };
    await expect(queue.finish()).resolves.toBe("call-1");
  });

  it("refuses chunks after finish", async () => {
    const queue = new ChunkQueue({ transport: new FakeServer(), wait: instant });
    await queue.finish().catch(() => null);
    await expect(queue.append(chunk(0, 1))).rejects.toThrow();
  });
});

describe("defaultRecordingTitle", () => {
  it("reads like 'Recording, 3 Dec 15:40'", () => {
    expect(defaultRecordingTitle(new Date(2026, 11, 3, 15, 40))).toBe("Recording, 3 Dec 15:40");
  });
});
