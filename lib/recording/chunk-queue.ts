/**
 * The recorder's upload queue: MediaRecorder chunks appended, in order, to one tus upload created with a
 * deferred length (`Upload-Defer-Length: 1`). Plain TypeScript with the network and the storage injected,
 * so every rule here is unit-tested (tests/recording/chunk-queue.test.ts):
 *
 * - bytes go out strictly in order, one PATCH at a time, each at the offset the server confirmed last;
 * - the server's answer must move its offset to exactly `offset + bytes`; anything else is a mismatch;
 * - a failed PATCH (network down, 5xx) is retried after a pause, forever, until it lands;
 * - a 409 (offset conflict) or a mismatch asks the server where it is (HEAD) and resumes from there: bytes
 *   it already has are dropped, never sent twice; a server ahead of what we ever sent is an error;
 * - every chunk is written to the `store` (IndexedDB in the browser) before it is sent and removed once the
 *   server has it, so a reload can send the rest; at most `memoryBytes` of unsent chunks stay in memory, the
 *   rest are read back from the store when their turn comes;
 * - `finish()` waits for every byte, then declares `Upload-Length` (= every byte counted) in a last PATCH.
 */

export type PatchResult =
  /** The server took the bytes: its new offset. `finishedCallId` when this PATCH completed the upload. */
  | { kind: "ok"; offset: number; finishedCallId?: string | null }
  /** 409 or similar: our offset is not the server's. */
  | { kind: "conflict" }
  /** The upload is gone or refused for good (404, 410, 413, 4xx with a message): stop. */
  | { kind: "fatal"; status: number; message: string }
  /** Network error, timeout, 5xx, 423 (locked): try again later. */
  | { kind: "retry"; reason: string };

export type HeadResult =
  | { kind: "ok"; offset: number; /** Set when the upload is already complete (the server finished it). */ finishedCallId?: string | null; length?: number | null }
  | { kind: "fatal"; status: number; message: string }
  | { kind: "retry"; reason: string };

export interface UploadTransport {
  /** PATCH `bytes` at `offset`; with `uploadLength` also declares the final length. */
  patch(offset: number, bytes: Uint8Array, uploadLength?: number): Promise<PatchResult>;
  head(): Promise<HeadResult>;
}

export interface StoredChunk {
  /** Absolute offset of the chunk's first byte in the recording. */
  offset: number;
  bytes: Uint8Array;
}

/** Where unsent chunks survive a reload (IndexedDB in the browser; a Map in tests). */
export interface ChunkStore {
  put(chunk: StoredChunk): Promise<void>;
  get(offset: number): Promise<StoredChunk | null>;
  /** Removes every chunk that ends at or before `offset`. */
  deleteThrough(offset: number): Promise<void>;
  list(): Promise<StoredChunk[]>;
}

export interface QueueState {
  /** Bytes the recorder produced so far. */
  produced: number;
  /** Bytes the server confirmed. */
  confirmed: number;
  /** Bytes waiting to be sent (produced - confirmed). */
  pending: number;
  /** True while the last attempt failed and the queue is waiting to try again. */
  offline: boolean;
  /** Set once the upload is finished (the call id). */
  finishedCallId: string | null;
  /** Set when the upload can no longer continue. */
  error: string | null;
  /** Consecutive failed attempts (0 when the last one worked). */
  failures: number;
}

export interface ChunkQueueOptions {
  transport: UploadTransport;
  store?: ChunkStore;
  /** Unsent bytes kept in memory; beyond this the store holds them alone. */
  memoryBytes?: number;
  /** Waits before the next retry (attempt = 1, 2, …). Tests pass an instant or a controlled one. */
  wait?: (attempt: number) => Promise<void>;
  /** Where the server already is (a resumed recording). */
  startOffset?: number;
  onChange?: (state: QueueState) => void;
  /** Every chunk the server confirmed, in order, exactly as sent (the e2e compares their hash with the stored file). */
  onConfirmed?: (chunk: StoredChunk) => void;
}

interface Entry {
  offset: number;
  length: number;
  /** null when only the store holds the bytes. */
  bytes: Uint8Array | null;
}

export const defaultWait = (attempt: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** Math.min(attempt - 1, 5))));

export class ChunkQueue {
  private readonly entries: Entry[] = [];
  private produced: number;
  private confirmed: number;
  private inMemory = 0;
  private offline = false;
  private failures = 0;
  private finishedCallId: string | null = null;
  private error: string | null = null;
  private pumping: Promise<void> | null = null;
  private closed = false;
  private readonly memoryBytes: number;
  private readonly wait: (attempt: number) => Promise<void>;

  constructor(private readonly options: ChunkQueueOptions) {
    this.produced = options.startOffset ?? 0;
    this.confirmed = options.startOffset ?? 0;
    this.memoryBytes = options.memoryBytes ?? 64 * 1024 * 1024;
    this.wait = options.wait ?? defaultWait;
  }

  /** Chunks a reload found in the store, beyond what the server has (see `resumeFromStore`). */
  static async restore(options: ChunkQueueOptions & { store: ChunkStore }): Promise<ChunkQueue> {
    const queue = new ChunkQueue(options);
    const chunks = (await options.store.list()).sort((a, b) => a.offset - b.offset);
    for (const chunk of chunks) {
      const end = chunk.offset + chunk.bytes.byteLength;
      if (end <= queue.produced) continue;
      if (chunk.offset > queue.produced) break; // a hole: what follows could never be placed
      const bytes = chunk.bytes.subarray(queue.produced - chunk.offset);
      queue.entries.push({ offset: queue.produced, length: bytes.byteLength, bytes });
      queue.inMemory += bytes.byteLength;
      queue.produced = end;
    }
    return queue;
  }

  state(): QueueState {
    return {
      produced: this.produced,
      confirmed: this.confirmed,
      pending: this.produced - this.confirmed,
      offline: this.offline,
      finishedCallId: this.finishedCallId,
      error: this.error,
      failures: this.failures,
    };
  }

  /** Adds the recorder's next chunk (kept in order) and starts sending. */
  async append(bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new Error("The recording is already finished.");
    if (bytes.byteLength === 0) return;
    const entry: Entry = { offset: this.produced, length: bytes.byteLength, bytes };
    this.produced += bytes.byteLength;
    this.entries.push(entry);
    this.inMemory += bytes.byteLength;
    this.emit();
    if (this.options.store) {
      await this.options.store.put({ offset: entry.offset, bytes });
      this.spill();
    }
    this.kick();
  }

  /** Waits until every chunk so far is on the server. */
  async flush(): Promise<void> {
    this.kick();
    while (this.pumping) {
      await this.pumping;
      this.kick();
    }
    if (this.error) throw new Error(this.error);
  }

  /** Sends the rest, then declares the final length; resolves with the call id. */
  async finish(): Promise<string> {
    this.closed = true;
    await this.flush();
    if (this.finishedCallId) return this.finishedCallId;
    for (let attempt = 1; ; attempt++) {
      await this.flush();
      const result = await this.options.transport.patch(this.confirmed, new Uint8Array(0), this.produced);
      if (result.kind === "ok" && result.offset === this.produced) {
        this.finishedCallId = result.finishedCallId ?? null;
        this.markOnline();
        if (!this.finishedCallId) {
          // The answer was lost or carried no id: ask.
          const head = await this.options.transport.head();
          if (head.kind === "ok") this.finishedCallId = head.finishedCallId ?? null;
        }
        this.emit();
        if (!this.finishedCallId) throw this.fail("The server did not say which call this recording became.");
        return this.finishedCallId;
      }
      if (result.kind === "fatal") throw this.fail(result.message);
      if (result.kind === "conflict" || result.kind === "ok") {
        // Maybe the last answer was lost and the upload is already complete.
        const head = await this.options.transport.head();
        if (head.kind === "ok" && head.finishedCallId && head.offset === this.produced) {
          this.finishedCallId = head.finishedCallId;
          this.markOnline();
          this.emit();
          return head.finishedCallId;
        }
        if (head.kind === "ok" && head.finishedCallId) throw this.fail(`The server already finished this recording at ${head.offset} of ${this.produced} bytes.`);
        if (head.kind === "ok" && head.offset !== this.confirmed) throw this.fail(`The server has ${head.offset} bytes of this recording, not the ${this.confirmed} it confirmed.`);
        if (head.kind === "fatal") throw this.fail(head.message);
      }
      this.markOffline();
      await this.wait(attempt);
    }
  }

  private emit() {
    this.options.onChange?.(this.state());
  }

  private fail(message: string): Error {
    this.error = message;
    this.emit();
    return new Error(message);
  }

  private markOffline() {
    this.offline = true;
    this.failures++;
    this.emit();
  }

  private markOnline() {
    if (this.offline || this.failures) {
      this.offline = false;
      this.failures = 0;
    }
  }

  /** Past the memory budget, the oldest unsent chunks (already in the store) leave memory. */
  private spill() {
    for (const entry of this.entries) {
      if (this.inMemory <= this.memoryBytes) break;
      if (entry.bytes && entry !== this.entries[0]) {
        this.inMemory -= entry.length;
        entry.bytes = null;
      }
    }
  }

  private kick() {
    if (this.pumping || this.error || this.entries.length === 0) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
    });
  }

  private async bytesOf(entry: Entry): Promise<Uint8Array> {
    if (entry.bytes) return entry.bytes;
    const stored = await this.options.store?.get(entry.offset);
    if (!stored || stored.bytes.byteLength !== entry.length) throw this.fail("A buffered part of the recording is missing from this browser.");
    return stored.bytes;
  }

  private async dropConfirmed(offset: number) {
    while (this.entries.length > 0) {
      const head = this.entries[0]!;
      const end = head.offset + head.length;
      if (end <= offset) {
        const sent = this.entries.shift()!;
        if (sent.bytes) this.inMemory -= sent.length;
        continue;
      }
      if (head.offset < offset) {
        // The server has the start of this chunk (a PATCH cut off mid-body): keep only the rest.
        const bytes = (await this.bytesOf(head)).subarray(offset - head.offset);
        if (head.bytes) this.inMemory -= head.length - bytes.byteLength;
        else this.inMemory += bytes.byteLength;
        head.bytes = bytes;
        head.length = bytes.byteLength;
        head.offset = offset;
      }
      break;
    }
    this.confirmed = offset;
    await this.options.store?.deleteThrough(offset);
  }

  private async pump(): Promise<void> {
    let attempt = 0;
    while (this.entries.length > 0 && !this.error) {
      const entry = this.entries[0]!;
      const bytes = await this.bytesOf(entry).catch(() => null);
      if (!bytes) return;
      const result = await this.options.transport.patch(entry.offset, bytes);
      if (result.kind === "ok" && result.offset === entry.offset + entry.length) {
        attempt = 0;
        this.markOnline();
        this.options.onConfirmed?.({ offset: entry.offset, bytes });
        await this.dropConfirmed(result.offset);
        this.emit();
        continue;
      }
      if (result.kind === "fatal") {
        this.fail(result.message);
        return;
      }
      if (result.kind === "conflict" || result.kind === "ok") {
        // Our offset is not the server's: ask where it is.
        const head = await this.options.transport.head();
        if (head.kind === "ok") {
          if (head.finishedCallId) {
            this.fail(`The server already finished this recording at ${head.offset} bytes.`);
            return;
          }
          if (head.offset < this.confirmed) {
            this.fail(`The server lost part of the recording (it has ${head.offset} bytes, it had confirmed ${this.confirmed}).`);
            return;
          }
          if (head.offset > this.produced) {
            this.fail(`The server has more bytes (${head.offset}) than this recording (${this.produced}).`);
            return;
          }
          if (head.offset !== this.confirmed || head.offset > entry.offset) {
            await this.dropConfirmed(head.offset);
            this.emit();
            continue;
          }
        } else if (head.kind === "fatal") {
          this.fail(head.message);
          return;
        }
      }
      attempt++;
      this.markOffline();
      await this.wait(attempt);
    }
  }
}

/** The first part of the default title: "Recording, 3 Dec 15:40" in the browser's locale and time zone. */
export function defaultRecordingTitle(at: Date, locale?: string): string {
  const day = new Intl.DateTimeFormat(locale ?? "en-GB", { day: "numeric", month: "short" }).format(at);
  const time = new Intl.DateTimeFormat(locale ?? "en-GB", { hour: "2-digit", minute: "2-digit", hour12: false }).format(at);
  return `Recording, ${day} ${time}`;
}
