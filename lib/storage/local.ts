import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, type Dirent } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertValidKey, assertValidPrefix } from "./keys";
import {
  iterateBody,
  resolveByteRange,
  StorageError,
  type ByteRange,
  type GetResult,
  type ObjectStorage,
  type PutBody,
  type PutOptions,
  type StoredObject,
} from "./types";

/**
 * Filesystem driver: object `a/b/c.json` lives at `<root>/a/b/c.json`.
 *
 * - The content type lives in a sidecar `<file>~meta.json`; uploads are written to
 *   `.<file>~<uuid>.tmp` in the same directory and renamed into place. Valid keys can never
 *   contain "~", so neither file can collide with (or be addressed as) an object key.
 * - Every key is validated and its resolved path must stay inside the root.
 * - A key cannot be both an object and a "folder" of other objects (a filesystem limit);
 *   such a put fails with INVALID_KEY. The app's key layout never does this.
 */

const DEFAULT_CONTENT_TYPE = "application/octet-stream";
const META_SUFFIX = "~meta.json";
/** Any name containing this is driver bookkeeping, never an object. */
const RESERVED_CHAR = "~";

interface Meta {
  contentType: string;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? (error as NodeJS.ErrnoException).code : undefined;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === "ENOENT" || code === "ENOTDIR";
}

/** Maps filesystem failures to StorageError; anything else (e.g. the caller's stream failing) passes through. */
function mapFsError(error: unknown, key: string): unknown {
  if (error instanceof StorageError) return error;
  const code = errorCode(error);
  switch (code) {
    case "ENOSPC":
    case "EDQUOT":
    case "EMFILE":
    case "ENFILE":
    case "EAGAIN":
    case "EBUSY":
    case "EIO":
      return new StorageError("PROVIDER_UNAVAILABLE", `Local storage failed for ${key} (${code})`, { cause: error });
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new StorageError("PROVIDER_REJECTED", `Local storage refused ${key} (${code})`, { cause: error });
    case "EISDIR":
    case "ENOTDIR":
    case "EEXIST":
      return new StorageError("INVALID_KEY", `Key ${key} conflicts with an existing object or folder`, {
        cause: error,
      });
    default:
      return error;
  }
}

/** Web stream over a Node readable that reads only when the consumer pulls. */
function nodeToWebStream(stream: Readable): ReadableStream<Uint8Array> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await iterator.next();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.error(error);
        }
      },
      cancel() {
        stream.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}

export function createLocalStorage(rootDir: string): ObjectStorage {
  const root = path.resolve(rootDir);
  const rootWithSep = root.endsWith(path.sep) ? root : root + path.sep;

  function inside(target: string, label: string): string {
    if (!target.startsWith(rootWithSep)) {
      throw new StorageError("INVALID_KEY", `${label} resolves outside the storage root`);
    }
    return target;
  }

  function filePath(key: string): string {
    assertValidKey(key);
    return inside(path.resolve(root, ...key.split("/")), `Key ${JSON.stringify(key)}`);
  }

  async function readMeta(file: string): Promise<Meta> {
    try {
      const parsed = JSON.parse(await fs.readFile(file + META_SUFFIX, "utf8")) as Partial<Meta>;
      return { contentType: typeof parsed.contentType === "string" ? parsed.contentType : DEFAULT_CONTENT_TYPE };
    } catch {
      return { contentType: DEFAULT_CONTENT_TYPE };
    }
  }

  async function unlinkQuietly(file: string): Promise<void> {
    try {
      await fs.unlink(file);
    } catch (error) {
      if (isMissing(error)) return;
      const code = errorCode(error);
      // unlink() on a folder fails with EISDIR (Linux) or EPERM (macOS): a folder is not an object.
      if ((code === "EISDIR" || code === "EPERM") && (await fs.lstat(file).catch(() => null))?.isDirectory()) return;
      throw error;
    }
  }

  /** Object keys (relative, "/"-separated) of every object under `dir`. */
  async function listObjects(dir: string, keyPrefix: string): Promise<string[]> {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const keys: string[] = [];
    for (const entry of entries) {
      if (entry.name.includes(RESERVED_CHAR)) continue;
      if (entry.isDirectory()) {
        keys.push(...(await listObjects(path.join(dir, entry.name), `${keyPrefix}${entry.name}/`)));
      } else if (entry.isFile()) {
        keys.push(`${keyPrefix}${entry.name}`);
      }
    }
    return keys;
  }

  async function stat(key: string, file: string): Promise<StoredObject | null> {
    let info;
    try {
      info = await fs.stat(file);
    } catch (error) {
      if (isMissing(error)) return null;
      throw mapFsError(error, key);
    }
    if (!info.isFile()) return null;
    const meta = await readMeta(file);
    return { key, size: info.size, contentType: meta.contentType, uploadedAt: info.mtime };
  }

  /** Keys under a prefix, with the same semantics as an object store's list-by-prefix (a plain string prefix). */
  async function keysUnder(prefix: string): Promise<{ keys: string[]; target: string; isFolder: boolean }> {
    assertValidPrefix(prefix);
    const isFolder = prefix.endsWith("/");
    const trimmed = isFolder ? prefix.slice(0, -1) : prefix;
    const target = inside(path.resolve(root, ...trimmed.split("/")), `Prefix ${JSON.stringify(prefix)}`);
    const searchDir = isFolder ? target : path.dirname(target);
    const searchKeyPrefix = path.relative(root, searchDir).split(path.sep).join("/");
    const keys = (await listObjects(searchDir, searchKeyPrefix ? `${searchKeyPrefix}/` : "")).filter((key) => key.startsWith(prefix));
    return { keys, target, isFolder };
  }

  return {
    driver: "local",

    async put(key: string, body: PutBody, options: PutOptions): Promise<StoredObject> {
      const file = filePath(key);
      const { signal } = options;
      signal?.throwIfAborted();
      const dir = path.dirname(file);
      const base = path.basename(file);
      const tmpId = randomUUID();
      const tmpData = path.join(dir, `.${base}${RESERVED_CHAR}${tmpId}.tmp`);
      const tmpMeta = path.join(dir, `.${base}${RESERVED_CHAR}${tmpId}.meta.tmp`);
      try {
        await fs.mkdir(dir, { recursive: true });
        // The caller's stream is pulled chunk by chunk; nothing is buffered beyond stream chunks.
        await pipeline(iterateBody(body, signal), createWriteStream(tmpData, { flags: "wx" }), signal ? { signal } : {});
        signal?.throwIfAborted();
        const info = await fs.stat(tmpData);
        const meta: Meta = { contentType: options.contentType };
        await fs.writeFile(tmpMeta, JSON.stringify(meta), { flag: "wx" });
        // Meta first: a reader may briefly see the new type with the old bytes, never a half file.
        await fs.rename(tmpMeta, file + META_SUFFIX);
        signal?.throwIfAborted();
        await fs.rename(tmpData, file);
        return { key, size: info.size, contentType: meta.contentType, uploadedAt: info.mtime };
      } catch (error) {
        await Promise.all([unlinkQuietly(tmpData), unlinkQuietly(tmpMeta)]).catch(() => {});
        if (signal?.aborted) throw signal.reason;
        throw mapFsError(error, key);
      }
    },

    async putFile(key: string, source: string, options: PutOptions): Promise<StoredObject> {
      const file = filePath(key);
      const { signal } = options;
      signal?.throwIfAborted();
      const info = await fs.stat(source);
      if (!info.isFile()) throw new StorageError("INVALID_KEY", `putFile: the source of ${key} is not a regular file`);
      const dir = path.dirname(file);
      const tmpId = randomUUID();
      const tmpData = path.join(dir, `.${path.basename(file)}${RESERVED_CHAR}${tmpId}.tmp`);
      const tmpMeta = path.join(dir, `.${path.basename(file)}${RESERVED_CHAR}${tmpId}.meta.tmp`);
      try {
        if ((await fs.lstat(file).catch(() => null))?.isDirectory()) {
          throw new StorageError("INVALID_KEY", `Key ${key} conflicts with an existing object or folder`);
        }
        await fs.mkdir(dir, { recursive: true });
        // Into the object's folder first (same filesystem, or EXDEV), then into place: the key never
        // names a half-moved file, and a folder at the key fails before the source is moved.
        try {
          await fs.rename(source, tmpData);
        } catch (error) {
          if (errorCode(error) !== "EXDEV") throw error;
          // Another filesystem: one copy, like put(), and the source goes once the copy is whole.
          await pipeline(iterateBody(createReadStream(source), signal), createWriteStream(tmpData, { flags: "wx" }), signal ? { signal } : {});
        }
        signal?.throwIfAborted();
        const meta: Meta = { contentType: options.contentType };
        await fs.writeFile(tmpMeta, JSON.stringify(meta), { flag: "wx" });
        await fs.rename(tmpMeta, file + META_SUFFIX);
        await fs.rename(tmpData, file);
        await fs.rm(source, { force: true });
        const stored = await fs.stat(file);
        return { key, size: stored.size, contentType: meta.contentType, uploadedAt: stored.mtime };
      } catch (error) {
        // Give the bytes back to the caller if they were moved here, so a failure leaves the source as it was.
        await fs.rename(tmpData, source).catch(() => {});
        await Promise.all([unlinkQuietly(tmpData), unlinkQuietly(tmpMeta)]).catch(() => {});
        if (signal?.aborted) throw signal.reason;
        throw mapFsError(error, key);
      }
    },

    async get(key: string, options?: { range?: ByteRange }): Promise<GetResult | null> {
      const file = filePath(key);
      let handle: fs.FileHandle;
      try {
        handle = await fs.open(file, "r");
      } catch (error) {
        if (isMissing(error) || errorCode(error) === "EISDIR") return null;
        throw mapFsError(error, key);
      }
      try {
        // Size and bytes come from the same open file, even if the key is overwritten meanwhile.
        const info = await handle.stat();
        if (!info.isFile()) {
          await handle.close();
          return null;
        }
        const size = info.size;
        const range = options?.range ? resolveByteRange(options.range, size) : undefined;
        const meta = await readMeta(file);
        const stream = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
        return {
          body: nodeToWebStream(stream),
          size,
          contentType: meta.contentType,
          ...(range ? { range } : {}),
        };
      } catch (error) {
        await handle.close().catch(() => {});
        throw mapFsError(error, key);
      }
    },

    async head(key: string): Promise<StoredObject | null> {
      return stat(key, filePath(key));
    },

    async delete(key: string): Promise<void> {
      const file = filePath(key);
      try {
        await unlinkQuietly(file);
        await unlinkQuietly(file + META_SUFFIX);
      } catch (error) {
        throw mapFsError(error, key);
      }
    },

    async deletePrefix(prefix: string): Promise<number> {
      const { keys, target, isFolder } = await keysUnder(prefix);
      try {
        for (const key of keys) {
          const file = path.resolve(root, ...key.split("/"));
          await unlinkQuietly(file);
          await unlinkQuietly(file + META_SUFFIX);
        }
        // A folder prefix owns its whole tree: also drop empty folders and stray temp files.
        if (isFolder) await fs.rm(target, { recursive: true, force: true });
      } catch (error) {
        throw mapFsError(error, prefix);
      }
      return keys.length;
    },

    async list(prefix: string): Promise<StoredObject[]> {
      const { keys } = await keysUnder(prefix);
      const objects = await Promise.all(keys.map((key) => stat(key, path.resolve(root, ...key.split("/")))));
      return objects.filter((object): object is StoredObject => object !== null);
    },
  };
}
