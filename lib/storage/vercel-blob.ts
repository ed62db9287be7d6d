import {
  BlobError,
  BlobNotFoundError,
  BlobRequestAbortedError,
  BlobServiceNotAvailable,
  BlobServiceRateLimited,
  BlobUnknownError,
  del as blobDel,
  head as blobHead,
  list as blobList,
  put as blobPut,
  type HeadBlobResult,
  type PutCommandOptions,
} from "@vercel/blob";
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
 * Vercel Blob driver built on `@vercel/blob` (2.8).
 *
 * Access: blobs are written with `access: "private"`, so this driver needs a *private* Blob store
 * (recordings are voice data; nothing is ever readable by URL alone). Reads fetch the blob URL with
 * the read-write token as a bearer header (only ever sent to `*.blob.vercel-storage.com` over https
 * or to the configured API origin) and a `Range` header.
 *
 * API base URL: the SDK has no per-call option for it; it reads `process.env.VERCEL_BLOB_API_URL`
 * on every request. `apiUrl` is therefore applied by setting that variable once, at construction,
 * and a second instance asking for a *different* base URL in the same process is refused rather
 * than silently redirecting the first one. (In the app the value comes from that same variable.)
 *
 * Retries: the SDK retries 5xx/unknown/network failures itself (`VERCEL_BLOB_RETRIES`, default 10,
 * exponential backoff); 429 and 4xx are not retried. Errors that survive are mapped to StorageError.
 */

export interface VercelBlobStorageConfig {
  /** Read-write token of a private Blob store. Never logged or put in error messages. */
  token: string;
  /** Blob API base URL, e.g. a local fake in tests. Defaults to the SDK's (https://vercel.com/api/blob). */
  apiUrl?: string;
}

const ACCESS = "private" as const;
/** Bodies up to this size go in one PUT; larger (or longer) streams use the SDK's multipart upload. */
const SINGLE_PUT_MAX_BYTES = 8 * 1024 * 1024;
const LIST_PAGE_SIZE = 1000;
const DELETE_BATCH_SIZE = 100;
const DEFAULT_CONTENT_TYPE = "application/octet-stream";
const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

function applyApiUrl(apiUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(apiUrl);
  } catch {
    throw new Error("Vercel Blob apiUrl is not a valid URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new Error("Vercel Blob apiUrl must be an http(s) URL");
  }
  const normalized = apiUrl.replace(/\/+$/, "");
  const current = process.env.VERCEL_BLOB_API_URL?.trim().replace(/\/+$/, "");
  if (current && current !== normalized) {
    throw new Error(
      "Vercel Blob apiUrl conflicts with VERCEL_BLOB_API_URL already set in this process; " +
        "the SDK reads that variable globally, so one process can use only one Blob API base URL",
    );
  }
  process.env.VERCEL_BLOB_API_URL = normalized;
  return normalized;
}

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "TypeError" && /fetch failed|terminated|network/i.test(error.message)) return true;
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && NETWORK_ERROR_CODES.has(code);
}

/**
 * SDK errors carry no HTTP status, so they are classified by type: the SDK raises
 * BlobServiceNotAvailable (503), BlobServiceRateLimited (429) and BlobUnknownError (5xx or an
 * unrecognised body) for failures worth retrying; every other BlobError is a 4xx-style refusal.
 */
function mapError(error: unknown, action: string, target: string, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason;
  if (error instanceof StorageError) return error;
  const what = `Vercel Blob ${action} ${target}`;
  if (error instanceof BlobNotFoundError) return new StorageError("NOT_FOUND", `${what}: not found`, { cause: error });
  if (
    error instanceof BlobServiceNotAvailable ||
    error instanceof BlobServiceRateLimited ||
    error instanceof BlobUnknownError ||
    error instanceof BlobRequestAbortedError
  ) {
    return new StorageError("PROVIDER_UNAVAILABLE", `${what} failed: ${error.message}`, { cause: error });
  }
  if (error instanceof BlobError) {
    return new StorageError("PROVIDER_REJECTED", `${what} was rejected: ${error.message}`, { cause: error });
  }
  if (isNetworkError(error)) {
    return new StorageError("PROVIDER_UNAVAILABLE", `${what} failed: network error`, { cause: error });
  }
  // Not a provider failure (e.g. the caller's body stream errored): pass it through untouched.
  return error;
}

function statusError(status: number, action: string, target: string): StorageError {
  const what = `Vercel Blob ${action} ${target}`;
  if (status === 416) return new StorageError("RANGE_NOT_SATISFIABLE", `${what}: range not satisfiable`);
  if (status === 429 || status >= 500) {
    return new StorageError("PROVIDER_UNAVAILABLE", `${what} failed with HTTP ${status}`);
  }
  return new StorageError("PROVIDER_REJECTED", `${what} was rejected with HTTP ${status}`);
}

function normalizeEtag(etag: string | null | undefined): string | undefined {
  return etag ? etag.replace(/^W\//, "").replace(/^"|"$/g, "") : undefined;
}

function parseContentRange(header: string | null): { start: number; end: number; total?: number } | undefined {
  const match = header ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/i.exec(header.trim()) : null;
  if (!match) return undefined;
  const [, start, end, total] = match;
  return { start: Number(start), end: Number(end), ...(total && total !== "*" ? { total: Number(total) } : {}) };
}

function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
}

/** Bytes [start, end] of `body`, for servers that answer a range request with the whole object. */
function sliceStream(body: ReadableStream<Uint8Array>, start: number, end: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let offset = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            controller.close();
            return;
          }
          const chunkStart = offset;
          offset += value.byteLength;
          if (offset <= start) continue;
          const from = Math.max(0, start - chunkStart);
          const to = Math.min(value.byteLength, end + 1 - chunkStart);
          if (to > from) controller.enqueue(value.subarray(from, to));
          if (offset > end) {
            controller.close();
            await reader.cancel().catch(() => {});
          }
          return;
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

export function createVercelBlobStorage(config: VercelBlobStorageConfig): ObjectStorage {
  const token = config.token;
  if (typeof token !== "string" || token.trim() === "") {
    throw new Error("Vercel Blob storage needs a read-write token");
  }
  const apiUrl = config.apiUrl ? applyApiUrl(config.apiUrl) : process.env.VERCEL_BLOB_API_URL?.trim() || undefined;
  const apiOrigin = apiUrl ? new URL(apiUrl).origin : undefined;

  /** The bearer token is only ever sent to Vercel's blob hosts or the configured API origin. */
  function trustedBlobUrl(raw: string, key: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new StorageError("PROVIDER_REJECTED", `Vercel Blob returned an invalid URL for ${key}`);
    }
    const vercelHost = url.protocol === "https:" && url.hostname.endsWith(".blob.vercel-storage.com");
    if (!vercelHost && url.origin !== apiOrigin) {
      throw new StorageError("PROVIDER_REJECTED", `Vercel Blob returned a URL on an unexpected host for ${key}`);
    }
    return url;
  }

  async function headRaw(key: string): Promise<HeadBlobResult | null> {
    try {
      return await blobHead(key, { token });
    } catch (error) {
      if (error instanceof BlobNotFoundError) return null;
      throw mapError(error, "head", key);
    }
  }

  async function head(key: string): Promise<StoredObject | null> {
    assertValidKey(key);
    const blob = await headRaw(key);
    return blob
      ? { key, size: blob.size, contentType: blob.contentType || DEFAULT_CONTENT_TYPE, uploadedAt: blob.uploadedAt }
      : null;
  }

  async function fetchBlob(url: URL, headers: Record<string, string>, key: string): Promise<Response> {
    try {
      return await fetch(url, { headers });
    } catch (error) {
      throw mapError(error, "read", key);
    }
  }

  return {
    driver: "vercel-blob",

    async put(key: string, body: PutBody, options: PutOptions): Promise<StoredObject> {
      assertValidKey(key);
      const { signal, contentType } = options;
      signal?.throwIfAborted();
      // Lets us stop reading the caller's stream when the upload fails for any other reason.
      const stopReading = new AbortController();
      const source = iterateBody(body, signal ? AbortSignal.any([signal, stopReading.signal]) : stopReading.signal);
      const putOptions: PutCommandOptions = {
        access: ACCESS,
        token,
        contentType,
        addRandomSuffix: false,
        allowOverwrite: true,
        ...(signal ? { abortSignal: signal } : {}),
      };
      let sentBytes = 0;
      try {
        // Read up to one part's worth: small bodies (all JSON artifacts) go in a single PUT.
        const buffered: Uint8Array[] = [];
        let ended = false;
        while (sentBytes < SINGLE_PUT_MAX_BYTES) {
          const next = await source.next();
          if (next.done) {
            ended = true;
            break;
          }
          if (next.value.byteLength === 0) continue;
          buffered.push(next.value);
          sentBytes += next.value.byteLength;
        }
        signal?.throwIfAborted();
        if (ended) {
          await blobPut(key, Buffer.concat(buffered), putOptions);
        } else {
          // Large or unbounded: stream through the SDK's multipart upload (8 MB parts; the SDK
          // keeps at most ~128 MB in flight), pulling from the caller only as parts are sent.
          const stream = new ReadableStream<Uint8Array>(
            {
              async pull(controller) {
                const first = buffered.shift();
                if (first) {
                  controller.enqueue(first);
                  return;
                }
                const next = await source.next();
                if (next.done) {
                  controller.close();
                } else {
                  sentBytes += next.value.byteLength;
                  controller.enqueue(next.value);
                }
              },
              cancel() {
                stopReading.abort();
              },
            },
            { highWaterMark: 0 },
          );
          await blobPut(key, stream, { ...putOptions, multipart: true });
        }
      } catch (error) {
        stopReading.abort();
        void source.return(undefined).catch(() => {});
        throw mapError(error, "put", key, signal);
      }

      // Report what the store actually holds, and refuse to claim success on a short write.
      const stored = await head(key);
      if (!stored) {
        throw new StorageError("PROVIDER_UNAVAILABLE", `Vercel Blob put ${key}: object not visible after upload`);
      }
      if (stored.size !== sentBytes) {
        throw new StorageError(
          "PROVIDER_UNAVAILABLE",
          `Vercel Blob put ${key}: stored ${stored.size} bytes but sent ${sentBytes}`,
        );
      }
      return stored;
    },

    async get(key: string, options?: { range?: ByteRange }): Promise<GetResult | null> {
      assertValidKey(key);
      const blob = await headRaw(key);
      if (!blob) return null;
      const range = options?.range ? resolveByteRange(options.range, blob.size) : undefined;
      const url = trustedBlobUrl(blob.url, key);
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (range) headers.range = `bytes=${range.start}-${range.end}`;

      let response = await fetchBlob(url, headers, key);
      // The CDN may serve the previous version of an overwritten blob for a short while; the head
      // above is authoritative, so on an ETag mismatch read again bypassing the cache.
      const expectedEtag = normalizeEtag(blob.etag);
      const servedEtag = normalizeEtag(response.headers.get("etag"));
      if (response.ok && expectedEtag && servedEtag && expectedEtag !== servedEtag) {
        await response.body?.cancel().catch(() => {});
        url.searchParams.set("cache", "0");
        response = await fetchBlob(url, headers, key);
      }

      if (response.status === 404) {
        await response.body?.cancel().catch(() => {});
        return null; // deleted between head and read
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        throw statusError(response.status, "read", key);
      }
      // Size and type come from the API's head (the served Content-Length may be of a compressed
      // body that fetch transparently decodes).
      const contentType = blob.contentType || response.headers.get("content-type") || DEFAULT_CONTENT_TYPE;
      const body = response.body ?? emptyStream();

      if (!range) return { body, size: blob.size, contentType };
      if (response.status === 206) {
        const served = parseContentRange(response.headers.get("content-range"));
        if (!served || served.start !== range.start) {
          await body.cancel().catch(() => {});
          throw new StorageError("PROVIDER_REJECTED", `Vercel Blob read ${key}: unexpected Content-Range`);
        }
        return {
          body,
          size: served.total ?? blob.size,
          contentType,
          range: { start: served.start, end: served.end },
        };
      }
      // 200 to a range request: the server ignored Range; cut the range out of the full body.
      return { body: sliceStream(body, range.start, range.end), size: blob.size, contentType, range };
    },

    head,

    async delete(key: string): Promise<void> {
      assertValidKey(key);
      try {
        await blobDel(key, { token });
      } catch (error) {
        if (error instanceof BlobNotFoundError) return;
        throw mapError(error, "delete", key);
      }
    },

    async deletePrefix(prefix: string): Promise<number> {
      assertValidPrefix(prefix);
      // List everything first (cursor paging over an unchanging listing), then delete in batches.
      const urls: string[] = [];
      try {
        let cursor: string | undefined;
        do {
          const page = await blobList({ token, prefix, limit: LIST_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
          for (const blob of page.blobs) {
            if (blob.pathname.startsWith(prefix)) urls.push(blob.url);
          }
          cursor = page.hasMore ? page.cursor : undefined;
        } while (cursor);
        for (let index = 0; index < urls.length; index += DELETE_BATCH_SIZE) {
          await blobDel(urls.slice(index, index + DELETE_BATCH_SIZE), { token });
        }
      } catch (error) {
        throw mapError(error, "deletePrefix", prefix);
      }
      return urls.length;
    },

    async list(prefix: string): Promise<StoredObject[]> {
      assertValidPrefix(prefix);
      const objects: StoredObject[] = [];
      try {
        let cursor: string | undefined;
        do {
          const page = await blobList({ token, prefix, limit: LIST_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
          for (const blob of page.blobs) {
            if (!blob.pathname.startsWith(prefix)) continue;
            // The listing carries no content type; callers of list only need keys, sizes and ages.
            objects.push({ key: blob.pathname, size: blob.size, contentType: DEFAULT_CONTENT_TYPE, uploadedAt: new Date(blob.uploadedAt) });
          }
          cursor = page.hasMore ? page.cursor : undefined;
        } while (cursor);
      } catch (error) {
        throw mapError(error, "list", prefix);
      }
      return objects;
    },
  };
}
