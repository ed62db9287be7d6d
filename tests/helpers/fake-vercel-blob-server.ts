import { createHash, randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * In-memory stand-in for the Vercel Blob HTTP API, speaking what `@vercel/blob` 2.8 sends
 * (see node_modules/@vercel/blob/dist/chunk-*.js: requestApi, put, head, list, del, multipart):
 *
 *   PUT  {api}/?pathname=…                     simple put (x-vercel-blob-access, x-content-type,
 *                                              x-add-random-suffix, x-allow-overwrite headers)
 *   POST {api}/mpu?pathname=…                  multipart, by x-mpu-action: create → {uploadId,key};
 *                                              upload (x-mpu-upload-id, x-mpu-key, x-mpu-part-number)
 *                                              → {etag}; complete (JSON [{partNumber,etag}]) → put result
 *   GET  {api}?url=…                           head → {url,downloadUrl,pathname,size,contentType,…}
 *   GET  {api}?prefix=…&cursor=…&limit=…       list → {blobs,cursor,hasMore}
 *   POST {api}/delete  {"urls":[…]}            delete (urls or pathnames)
 *   GET|HEAD {origin}/blob/{pathname}          the blob's URL, honouring Range (206/416)
 *
 * Errors use the API's JSON shape `{"error":{"code","message"}}`; the SDK maps `code` to its error
 * classes (forbidden → BlobAccessError, not_found → BlobNotFoundError, service_unavailable →
 * BlobServiceNotAvailable, rate_limited → BlobServiceRateLimited, …). Every API call and every
 * private blob read must carry `Authorization: Bearer <token>`; a wrong token gets 403 forbidden,
 * as the real service answers. Listens on 127.0.0.1 with an ephemeral port.
 */

export interface FakeBlob {
  pathname: string;
  data: Buffer;
  contentType: string;
  uploadedAt: Date;
  etag: string;
  /** The version before the last overwrite, served while `staleCdn` is on. */
  previous?: { data: Buffer; contentType: string; etag: string };
}

export interface RecordedRequest {
  method: string;
  /** Path and query string. */
  url: string;
  path: string;
  query: Record<string, string>;
  /** Request headers without `authorization`. */
  headers: Record<string, string>;
  /** Whether a bearer token was sent, and whether it was the right one. */
  sentToken: boolean;
  authorized: boolean;
  mpuAction?: string;
}

export interface FailureOptions {
  /** JSON error code; defaults from the status (429 rate_limited, 503 service_unavailable, …). */
  code?: string;
  /** Retry-After seconds for 429. */
  retryAfter?: number;
  /** Only requests matching this count towards (and are failed by) the rule. */
  match?: (request: RecordedRequest) => boolean;
}

export interface FakeVercelBlobServer {
  /** Base URL to use as VERCEL_BLOB_API_URL. */
  readonly apiUrl: string;
  readonly origin: string;
  readonly storeId: string;
  /** A well-formed read-write token (`vercel_blob_rw_{storeId}_{secret}`). */
  readonly token: string;
  readonly blobs: Map<string, FakeBlob>;
  readonly requests: RecordedRequest[];
  /** Multipart uploads created but neither completed nor abandoned-and-expired. */
  readonly pendingMultipartUploads: number;
  /** The next `count` (matching) requests fail with `status`, or have their socket reset. */
  failNext(count: number, status: number | "reset", options?: FailureOptions): void;
  /** Serve the previous version of overwritten blobs unless `?cache=0` (like a CDN within its TTL). */
  staleCdn: boolean;
  /** Answer range requests with the whole body (200), like a server without range support. */
  ignoreRange: boolean;
  /** Max blobs per list page, whatever `limit` asks, to exercise cursor paging. */
  pageSize: number;
  /** Origin put in returned blob URLs (default: this server), to test that reads refuse odd hosts. */
  blobUrlOrigin: string | undefined;
  reset(): void;
  close(): Promise<void>;
}

interface MultipartUpload {
  pathname: string;
  key: string;
  parts: Map<number, { data: Buffer; etag: string }>;
}

const DEFAULT_CODES: Record<number, string> = {
  400: "bad_request",
  401: "forbidden",
  403: "forbidden",
  404: "not_found",
  412: "precondition_failed",
  429: "rate_limited",
  500: "internal_server_error",
  502: "service_unavailable",
  503: "service_unavailable",
  504: "service_unavailable",
};

function etagOf(data: Buffer): string {
  return `"${createHash("sha256").update(data).digest("hex").slice(0, 32)}"`;
}

function encodePathname(pathname: string): string {
  return pathname.split("/").map(encodeURIComponent).join("/");
}

async function readBody(request: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(payload),
    ...headers,
  });
  response.end(payload);
}

function sendError(response: http.ServerResponse, status: number, code: string, message: string, headers = {}) {
  sendJson(response, status, { error: { code, message } }, headers);
}

export async function startFakeVercelBlobServer(
  options: { storeId?: string; token?: string; pageSize?: number } = {},
): Promise<FakeVercelBlobServer> {
  const storeId = options.storeId ?? `fakestore${randomBytes(6).toString("hex")}`;
  const token = options.token ?? `vercel_blob_rw_${storeId}_${randomBytes(16).toString("hex")}`;
  const blobs = new Map<string, FakeBlob>();
  const uploads = new Map<string, MultipartUpload>();
  const requests: RecordedRequest[] = [];
  let failures: Array<{ remaining: number; status: number | "reset" } & FailureOptions> = [];
  let origin = "";

  const blobUrl = (pathname: string) => `${server.blobUrlOrigin ?? origin}/blob/${encodePathname(pathname)}`;

  function pathnameFrom(urlOrPathname: string): string {
    const prefix = `${origin}/blob/`;
    if (urlOrPathname.startsWith(prefix)) {
      return urlOrPathname.slice(prefix.length).split("/").map(decodeURIComponent).join("/");
    }
    return urlOrPathname;
  }

  function putResult(blob: FakeBlob) {
    const url = blobUrl(blob.pathname);
    return {
      url,
      downloadUrl: `${url}?download=1`,
      pathname: blob.pathname,
      contentType: blob.contentType,
      contentDisposition: `attachment; filename="${blob.pathname.split("/").pop() ?? ""}"`,
      etag: blob.etag,
    };
  }

  /** Stores a completed upload, honouring the put headers; returns an error message or the blob. */
  function store(request: http.IncomingMessage, requested: string, data: Buffer): FakeBlob | string {
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    if (header("x-vercel-blob-access") !== "private") {
      return "Cannot use public access on a private store. The store is configured with private access.";
    }
    const pathname =
      header("x-add-random-suffix") === "1"
        ? requested.replace(/(\.[^./]*)?$/, (ext) => `-${randomBytes(8).toString("hex")}${ext}`)
        : requested;
    const existing = blobs.get(pathname);
    if (existing && header("x-allow-overwrite") !== "1") {
      return "This blob already exists, use `allowOverwrite: true` if you want to overwrite it.";
    }
    const blob: FakeBlob = {
      pathname,
      data,
      contentType: header("x-content-type") ?? "application/octet-stream",
      uploadedAt: new Date(),
      etag: etagOf(data),
      ...(existing ? { previous: { data: existing.data, contentType: existing.contentType, etag: existing.etag } } : {}),
    };
    blobs.set(pathname, blob);
    return blob;
  }

  async function handleApi(request: http.IncomingMessage, response: http.ServerResponse, record: RecordedRequest) {
    const { path, query } = record;
    if (!record.authorized) {
      await readBody(request).catch(() => Buffer.alloc(0));
      return sendError(response, 403, "forbidden", "Invalid token");
    }

    if (request.method === "PUT" && path === "/api/blob/") {
      const pathname = query.pathname;
      if (!pathname) return sendError(response, 400, "bad_request", "pathname is required");
      const data = await readBody(request);
      const result = store(request, pathname, data);
      if (typeof result === "string") return sendError(response, 400, "bad_request", result);
      return sendJson(response, 200, putResult(result));
    }

    if (request.method === "POST" && path === "/api/blob/mpu") {
      const pathname = query.pathname;
      if (!pathname) return sendError(response, 400, "bad_request", "pathname is required");
      const action = record.mpuAction;
      if (action === "create") {
        await readBody(request);
        const uploadId = randomUUID();
        const key = `mpu/${randomBytes(12).toString("hex")}`;
        uploads.set(uploadId, { pathname, key, parts: new Map() });
        return sendJson(response, 200, { uploadId, key });
      }
      const uploadId = String(request.headers["x-mpu-upload-id"] ?? "");
      const upload = uploads.get(uploadId);
      const key = decodeURIComponent(String(request.headers["x-mpu-key"] ?? ""));
      if (!upload || upload.key !== key || upload.pathname !== pathname) {
        await readBody(request);
        return sendError(response, 404, "not_found", "The multipart upload does not exist");
      }
      if (action === "upload") {
        const partNumber = Number(request.headers["x-mpu-part-number"]);
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
          await readBody(request);
          return sendError(response, 400, "bad_request", "invalid part number");
        }
        const data = await readBody(request);
        const etag = etagOf(data);
        upload.parts.set(partNumber, { data, etag });
        return sendJson(response, 200, { etag });
      }
      if (action === "complete") {
        const parts = JSON.parse((await readBody(request)).toString("utf8")) as Array<{ partNumber: number; etag: string }>;
        if (!Array.isArray(parts) || parts.length === 0) {
          return sendError(response, 400, "bad_request", "a multipart upload needs at least one part");
        }
        const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
        const buffers: Buffer[] = [];
        for (const part of ordered) {
          const uploaded = upload.parts.get(part.partNumber);
          if (!uploaded || uploaded.etag !== part.etag) {
            return sendError(response, 400, "bad_request", `part ${part.partNumber} is missing or its etag differs`);
          }
          buffers.push(uploaded.data);
        }
        const result = store(request, pathname, Buffer.concat(buffers));
        if (typeof result === "string") return sendError(response, 400, "bad_request", result);
        uploads.delete(uploadId);
        return sendJson(response, 200, putResult(result));
      }
      await readBody(request);
      return sendError(response, 400, "bad_request", "unknown x-mpu-action");
    }

    if (request.method === "GET" && path === "/api/blob") {
      if (query.url !== undefined) {
        const blob = blobs.get(pathnameFrom(query.url));
        if (!blob) return sendError(response, 404, "not_found", "The requested blob does not exist");
        return sendJson(response, 200, {
          ...putResult(blob),
          size: blob.data.length,
          cacheControl: "public, max-age=2592000",
          uploadedAt: blob.uploadedAt.toISOString(),
        });
      }
      const prefix = query.prefix ?? "";
      const after = query.cursor ? Buffer.from(query.cursor, "base64url").toString("utf8") : undefined;
      const limit = Math.min(Number(query.limit) || 1000, 1000, server.pageSize);
      const matching = [...blobs.keys()]
        .filter((pathname) => pathname.startsWith(prefix) && (after === undefined || pathname > after))
        .sort();
      const page = matching.slice(0, limit);
      const hasMore = matching.length > page.length;
      const last = page[page.length - 1];
      return sendJson(response, 200, {
        blobs: page.map((pathname) => {
          const blob = blobs.get(pathname) as FakeBlob;
          const { url, downloadUrl, etag } = putResult(blob);
          return { url, downloadUrl, pathname, size: blob.data.length, uploadedAt: blob.uploadedAt.toISOString(), etag };
        }),
        ...(hasMore && last !== undefined ? { cursor: Buffer.from(last, "utf8").toString("base64url") } : {}),
        hasMore,
      });
    }

    if (request.method === "POST" && path === "/api/blob/delete") {
      const body = JSON.parse((await readBody(request)).toString("utf8")) as { urls?: unknown };
      if (!Array.isArray(body.urls)) return sendError(response, 400, "bad_request", "urls must be an array");
      for (const url of body.urls) blobs.delete(pathnameFrom(String(url)));
      return sendJson(response, 200, {});
    }

    await readBody(request);
    return sendError(response, 400, "bad_request", `unsupported ${request.method} ${path}`);
  }

  function serveBlob(request: http.IncomingMessage, response: http.ServerResponse, record: RecordedRequest) {
    if (!record.authorized) return sendError(response, 403, "forbidden", "Access denied");
    const pathname = record.path.slice("/blob/".length).split("/").map(decodeURIComponent).join("/");
    const blob = blobs.get(pathname);
    if (!blob) return sendError(response, 404, "not_found", "The requested blob does not exist");
    const version = server.staleCdn && blob.previous && record.query.cache !== "0" ? blob.previous : blob;
    const size = version.data.length;
    const headers: Record<string, string | number> = {
      "content-type": version.contentType,
      etag: version.etag,
      "last-modified": blob.uploadedAt.toUTCString(),
      "accept-ranges": "bytes",
      "cache-control": "private, max-age=60",
    };
    let start = 0;
    let end = size - 1;
    let status = 200;
    const rangeHeader = request.headers.range;
    const match = !server.ignoreRange && rangeHeader ? /^bytes=(\d*)-(\d*)$/.exec(rangeHeader.trim()) : null;
    if (match && (match[1] || match[2])) {
      if (match[1]) {
        start = Number(match[1]);
        end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
      } else {
        start = Math.max(0, size - Number(match[2])); // suffix range: last N bytes
      }
      if (start >= size || end < start) {
        response.writeHead(416, { "content-range": `bytes */${size}` });
        return response.end();
      }
      status = 206;
      headers["content-range"] = `bytes ${start}-${end}/${size}`;
    }
    const body = size === 0 ? Buffer.alloc(0) : version.data.subarray(start, end + 1);
    headers["content-length"] = body.length;
    response.writeHead(status, headers);
    response.end(request.method === "HEAD" ? undefined : body);
  }

  const httpServer = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", origin);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (name !== "authorization" && value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    const authorization = request.headers.authorization;
    const record: RecordedRequest = {
      method: request.method ?? "GET",
      url: `${url.pathname}${url.search}`,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      sentToken: typeof authorization === "string" && authorization.startsWith("Bearer "),
      authorized: authorization === `Bearer ${token}`,
      ...(typeof request.headers["x-mpu-action"] === "string" ? { mpuAction: request.headers["x-mpu-action"] } : {}),
    };
    requests.push(record);

    const run = async () => {
      const rule = failures.find((candidate) => candidate.remaining > 0 && (!candidate.match || candidate.match(record)));
      if (rule) {
        rule.remaining -= 1;
        if (rule.status === "reset") {
          request.socket.destroy();
          return;
        }
        await readBody(request).catch(() => Buffer.alloc(0));
        const code = rule.code ?? DEFAULT_CODES[rule.status] ?? "unknown_error";
        return sendError(
          response,
          rule.status,
          code,
          `injected ${rule.status}`,
          rule.retryAfter !== undefined ? { "retry-after": String(rule.retryAfter) } : {},
        );
      }
      if (url.pathname === "/api/blob" || url.pathname.startsWith("/api/blob/")) {
        return handleApi(request, response, record);
      }
      if ((request.method === "GET" || request.method === "HEAD") && url.pathname.startsWith("/blob/")) {
        return serveBlob(request, response, record);
      }
      await readBody(request);
      return sendError(response, 404, "not_found", "no such route");
    };

    run().catch(() => {
      // The client went away mid-request (e.g. an aborted upload): nothing was stored.
      if (!response.headersSent) response.writeHead(500);
      response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  const server: FakeVercelBlobServer = {
    apiUrl: `${origin}/api/blob`,
    origin,
    storeId,
    token,
    blobs,
    requests,
    get pendingMultipartUploads() {
      return uploads.size;
    },
    failNext(count, status, failureOptions = {}) {
      failures.push({ remaining: count, status, ...failureOptions });
    },
    staleCdn: false,
    ignoreRange: false,
    pageSize: options.pageSize ?? 1000,
    blobUrlOrigin: undefined,
    reset() {
      blobs.clear();
      uploads.clear();
      requests.length = 0;
      failures = [];
      server.staleCdn = false;
      server.ignoreRange = false;
      server.pageSize = options.pageSize ?? 1000;
      server.blobUrlOrigin = undefined;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        httpServer.close((error) => (error ? reject(error) : resolve()));
        httpServer.closeAllConnections();
      });
    },
  };
  return server;
}
