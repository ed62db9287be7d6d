/**
 * Object-storage contract shared by every driver (local filesystem, Vercel Blob).
 *
 * Keys are logical, relative, slash-separated paths built by `lib/storage/keys.ts`
 * (e.g. `users/{userId}/calls/{callId}/analysis.json`); drivers re-validate every key they receive.
 */

export interface StoredObject {
  key: string;
  /** Bytes actually stored. */
  size: number;
  contentType: string;
  uploadedAt: Date;
}

/** Byte range of a read. `end` is inclusive and clamped to the last byte; omit it to read to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

export type PutBody = ReadableStream<Uint8Array> | NodeJS.ReadableStream | Uint8Array | string;

export interface PutOptions {
  contentType: string;
  /** Aborting rejects the put with `signal.reason` and leaves nothing stored under the key. */
  signal?: AbortSignal;
}

export interface GetResult {
  body: ReadableStream<Uint8Array>;
  /** Total size of the object, not of the returned range. */
  size: number;
  contentType: string;
  /** The inclusive byte range actually returned; present only when a range was requested. */
  range?: { start: number; end: number };
}

export interface ObjectStorage {
  readonly driver: "local" | "vercel-blob";
  /**
   * Streams `body` to `key`, replacing any existing object only once the new one is complete.
   * Never buffers a whole large body. Resolves with the stored object's real byte count.
   */
  put(key: string, body: PutBody, options: PutOptions): Promise<StoredObject>;
  /**
   * Stores the local file at `filePath` under `key` and takes it: on success the file is no longer at
   * `filePath`. A driver that can do better than streaming the bytes implements it (local storage on the
   * same filesystem renames the file: each byte is written once); callers fall back to
   * `put(key, createReadStream(filePath))` when it is absent. On failure the file stays where it was.
   */
  putFile?(key: string, filePath: string, options: PutOptions): Promise<StoredObject>;
  /** Null when the key does not exist. A range starting at/after the end throws RANGE_NOT_SATISFIABLE. */
  get(key: string, options?: { range?: ByteRange }): Promise<GetResult | null>;
  head(key: string): Promise<StoredObject | null>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every object whose key starts with `prefix`; returns how many were deleted. */
  deletePrefix(prefix: string): Promise<number>;
  /** Every object whose key starts with `prefix` (for sweeps of small folders; not paged). */
  list(prefix: string): Promise<StoredObject[]>;
}

export type StorageErrorCode =
  | "INVALID_KEY"
  | "NOT_FOUND"
  | "RANGE_NOT_SATISFIABLE"
  | "PROVIDER_UNAVAILABLE"
  | "PROVIDER_REJECTED";

/**
 * Every failure a driver reports on purpose. `transient` means retrying the same call later may
 * succeed (rate limits, 5xx, network, full disk). Messages never contain credentials.
 * Failures of the caller's own body stream and aborts are passed through unchanged.
 */
export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly transient: boolean;

  constructor(code: StorageErrorCode, message: string, options: { transient?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StorageError";
    this.code = code;
    this.transient = options.transient ?? code === "PROVIDER_UNAVAILABLE";
  }
}

export function isStorageError(error: unknown, code?: StorageErrorCode): error is StorageError {
  return error instanceof StorageError && (code === undefined || error.code === code);
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the drivers (not part of the public contract).

/**
 * Validates a requested range against an object's size and returns the inclusive range to serve.
 * @internal
 */
export function resolveByteRange(range: ByteRange, size: number): { start: number; end: number } {
  const { start, end } = range;
  const valid =
    Number.isSafeInteger(start) && start >= 0 && (end === undefined || (Number.isSafeInteger(end) && end >= start));
  if (!valid) {
    throw new StorageError("RANGE_NOT_SATISFIABLE", `Invalid byte range ${start}-${end ?? ""}`);
  }
  if (start >= size) {
    throw new StorageError("RANGE_NOT_SATISFIABLE", `Range start ${start} is beyond the object size ${size}`);
  }
  return { start, end: Math.min(end ?? size - 1, size - 1) };
}

function isWebReadableStream(body: unknown): body is ReadableStream<Uint8Array> {
  return typeof (body as { getReader?: unknown }).getReader === "function";
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return new TextEncoder().encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError("Body stream produced a chunk that is not bytes or a string");
}

/**
 * Reads any accepted put body as a pull-based sequence of byte chunks, one chunk at a time (so
 * backpressure reaches the source). When `signal` aborts, the source is cancelled/destroyed and
 * iteration throws `signal.reason`; stopping iteration early also cancels the source.
 * @internal
 */
export async function* iterateBody(body: PutBody, signal?: AbortSignal): AsyncGenerator<Uint8Array, void, undefined> {
  signal?.throwIfAborted();
  if (typeof body === "string") {
    yield new TextEncoder().encode(body);
    return;
  }
  if (body instanceof Uint8Array) {
    yield body;
    return;
  }
  if (isWebReadableStream(body)) {
    const reader = body.getReader();
    let finished = false;
    const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        signal?.throwIfAborted();
        if (done) {
          finished = true;
          return;
        }
        yield toBytes(value);
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (!finished) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }
  const nodeStream = body as NodeJS.ReadableStream & { destroy?: (error?: Error) => void };
  const onAbort = () => nodeStream.destroy?.();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const chunk of nodeStream) {
      signal?.throwIfAborted();
      yield toBytes(chunk);
    }
    signal?.throwIfAborted();
  } catch (error) {
    signal?.throwIfAborted();
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
