import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
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
 *
 * Client tokens (`vercel_blob_client_{storeId}_{base64("{hmac}.{base64 payload}")}`, made by the SDK's
 * `generateClientTokenFromReadWriteToken` / `handleUpload`) are accepted for puts and multipart uploads
 * only: the HMAC-SHA256 (hex, keyed by the read-write token, over the base64 payload) is verified, and
 * the payload's `pathname`, `validUntil`, `maximumSizeInBytes`, `allowedContentTypes` (with `type/*`
 * wildcards), `allowOverwrite` and `addRandomSuffix` are enforced, with the error messages the SDK maps
 * to its error classes. When the payload carries `onUploadCompleted`, a completed upload is POSTed to
 * its `callbackUrl` as `{type:"blob.upload-completed",payload:{blob,tokenPayload}}`, signed in
 * `x-vercel-signature` like the real service (see `callbacks` / `settleCallbacks`).
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
  /** Whether the read-write token was sent (a client token does not count). */
  authorized: boolean;
  /** The payload of a client token whose signature checked out, if one was sent. */
  clientToken?: ClientTokenPayload;
  mpuAction?: string;
}

/** What a client token carries (see the SDK's `generateClientTokenFromReadWriteToken`). */
export interface ClientTokenPayload {
  pathname: string;
  validUntil: number;
  maximumSizeInBytes?: number;
  allowedContentTypes?: string[];
  addRandomSuffix?: boolean;
  allowOverwrite?: boolean;
  cacheControlMaxAge?: number;
  ifMatch?: string;
  onUploadCompleted?: { callbackUrl: string; tokenPayload?: string | null };
}

/** One upload-completed webhook the fake sent. */
export interface CallbackAttempt {
  url: string;
  body: string;
  /** HTTP status of the answer, or null when the request failed (`error`). */
  status: number | null;
  error?: string;
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
  /** Upload-completed webhooks sent so far (client-token uploads with `onUploadCompleted`). */
  readonly callbacks: CallbackAttempt[];
  /** Resolves once every webhook sent so far has been answered (or failed). */
  settleCallbacks(): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

interface MultipartUpload {
  pathname: string;
  key: string;
  parts: Map<number, { data: Buffer; etag: string }>;
  /** The client token that created it, if any: every later request must carry one for the same pathname. */
  clientToken?: ClientTokenPayload;
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

const CLIENT_TOKEN_PREFIX = "vercel_blob_client_";

/**
 * Verifies and decodes a client token against the read-write token it must have been derived from.
 * Returns null when it is not a (valid) client token of this store.
 */
function decodeClientToken(clientToken: string, storeId: string, readWriteToken: string): ClientTokenPayload | null {
  if (!clientToken.startsWith(CLIENT_TOKEN_PREFIX)) return null;
  const rest = clientToken.slice(CLIENT_TOKEN_PREFIX.length);
  const separator = rest.indexOf("_");
  if (separator < 0 || rest.slice(0, separator) !== storeId) return null;
  const [signature = "", payload = ""] = Buffer.from(rest.slice(separator + 1), "base64").toString("utf8").split(".");
  const expected = createHmac("sha256", readWriteToken).update(payload).digest();
  const given = /^[0-9a-f]+$/i.test(signature) && signature.length % 2 === 0 ? Buffer.from(signature, "hex") : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const decoded = JSON.parse(Buffer.from(payload, "base64").toString("utf8")) as ClientTokenPayload;
    return typeof decoded.pathname === "string" && typeof decoded.validUntil === "number" ? decoded : null;
  } catch {
    return null;
  }
}

function contentTypeAllowed(contentType: string, allowed: string[]): boolean {
  const [mediaType = ""] = contentType.split(";");
  const bare = mediaType.trim().toLowerCase();
  const [type] = bare.split("/");
  return allowed.some((entry) => {
    const candidate = entry.trim().toLowerCase();
    return candidate === bare || candidate === contentType.toLowerCase() || (candidate.endsWith("/*") && candidate === `${type}/*`);
  });
}

export async function startFakeVercelBlobServer(
  options: {
    storeId?: string;
    token?: string;
    pageSize?: number;
    /** Fixed port (default: an ephemeral one). */
    port?: number;
    /** Answer CORS like the real API, so a browser page can upload to the fake directly. */
    cors?: boolean;
  } = {},
): Promise<FakeVercelBlobServer> {
  const storeId = options.storeId ?? `fakestore${randomBytes(6).toString("hex")}`;
  const token = options.token ?? `vercel_blob_rw_${storeId}_${randomBytes(16).toString("hex")}`;
  const blobs = new Map<string, FakeBlob>();
  const uploads = new Map<string, MultipartUpload>();
  const requests: RecordedRequest[] = [];
  const callbacks: CallbackAttempt[] = [];
  const pendingCallbacks = new Set<Promise<void>>();
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

  /**
   * Stores a completed upload, honouring the put headers (or, for a client token, the token's options,
   * which the client cannot override); returns an error message or the blob.
   */
  function store(request: http.IncomingMessage, requested: string, data: Buffer, clientToken?: ClientTokenPayload): FakeBlob | string {
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    if (header("x-vercel-blob-access") !== "private") {
      return "Cannot use public access on a private store. The store is configured with private access.";
    }
    const randomSuffix = clientToken ? clientToken.addRandomSuffix === true : header("x-add-random-suffix") === "1";
    const allowOverwrite = clientToken ? clientToken.allowOverwrite === true : header("x-allow-overwrite") === "1";
    const pathname = randomSuffix
      ? requested.replace(/(\.[^./]*)?$/, (ext) => `-${randomBytes(8).toString("hex")}${ext}`)
      : requested;
    const existing = blobs.get(pathname);
    if (existing && !allowOverwrite) {
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

  /** POSTs the upload-completed webhook a client token asked for, signed with the read-write token. */
  function sendCallback(target: NonNullable<ClientTokenPayload["onUploadCompleted"]>, blob: FakeBlob) {
    const body = JSON.stringify({
      type: "blob.upload-completed",
      payload: { blob: putResult(blob), tokenPayload: target.tokenPayload ?? null },
    });
    const attempt: CallbackAttempt = { url: target.callbackUrl, body, status: null };
    callbacks.push(attempt);
    const sent: Promise<void> = fetch(target.callbackUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "x-vercel-signature": createHmac("sha256", token).update(body).digest("hex") },
      body,
    })
      .then(async (answer) => {
        attempt.status = answer.status;
        await answer.arrayBuffer().catch(() => undefined);
      })
      .catch((error: unknown) => {
        attempt.error = error instanceof Error ? error.message : String(error);
      })
      .finally(() => pendingCallbacks.delete(sent));
    pendingCallbacks.add(sent);
  }

  function contentTypeOf(request: http.IncomingMessage): string {
    const value = request.headers["x-content-type"];
    return (Array.isArray(value) ? value[0] : value) ?? "application/octet-stream";
  }

  const tooLargeMessage = (max: number) => `the file length cannot be greater than ${max} bytes`;

  /** A client token's limits on this request; an error (status, code, message) or null when it may go on. */
  function clientTokenRefusal(
    request: http.IncomingMessage,
    record: RecordedRequest,
    clientToken: ClientTokenPayload,
  ): [number, string, string] | null {
    const isUpload =
      (request.method === "PUT" && record.path === "/api/blob/") || (request.method === "POST" && record.path === "/api/blob/mpu");
    if (!isUpload) {
      return [403, "client_token_not_allowed", "This operation is not available when using a client token."];
    }
    if (Date.now() > clientToken.validUntil) return [403, "forbidden", "Token expired"];
    if (record.query.pathname !== clientToken.pathname) {
      return [400, "bad_request", `The "pathname" ${JSON.stringify(record.query.pathname ?? "")} does not match the token payload`];
    }
    const checksType = request.method === "PUT" || record.mpuAction === "create" || record.mpuAction === "complete";
    const contentType = contentTypeOf(request);
    if (checksType && clientToken.allowedContentTypes && !contentTypeAllowed(contentType, clientToken.allowedContentTypes)) {
      return [400, "bad_request", `contentType "${contentType}" is not allowed`];
    }
    return null;
  }

  async function handleApi(request: http.IncomingMessage, response: http.ServerResponse, record: RecordedRequest) {
    const { path, query } = record;
    const clientToken = record.authorized ? undefined : record.clientToken;
    if (!record.authorized && !clientToken) {
      await readBody(request).catch(() => Buffer.alloc(0));
      return sendError(response, 403, "forbidden", "Invalid token");
    }
    if (clientToken) {
      const refusal = clientTokenRefusal(request, record, clientToken);
      if (refusal) {
        await readBody(request).catch(() => Buffer.alloc(0));
        return sendError(response, ...refusal);
      }
    }
    const maxBytes = clientToken?.maximumSizeInBytes;

    if (request.method === "PUT" && path === "/api/blob/") {
      const pathname = query.pathname;
      if (!pathname) return sendError(response, 400, "bad_request", "pathname is required");
      const data = await readBody(request);
      if (maxBytes !== undefined && data.length > maxBytes) return sendError(response, 400, "bad_request", tooLargeMessage(maxBytes));
      const result = store(request, pathname, data, clientToken);
      if (typeof result === "string") return sendError(response, 400, "bad_request", result);
      sendJson(response, 200, putResult(result));
      if (clientToken?.onUploadCompleted) sendCallback(clientToken.onUploadCompleted, result);
      return;
    }

    if (request.method === "POST" && path === "/api/blob/mpu") {
      const pathname = query.pathname;
      if (!pathname) return sendError(response, 400, "bad_request", "pathname is required");
      const action = record.mpuAction;
      if (action === "create") {
        await readBody(request);
        const uploadId = randomUUID();
        const key = `mpu/${randomBytes(12).toString("hex")}`;
        uploads.set(uploadId, { pathname, key, parts: new Map(), ...(clientToken ? { clientToken } : {}) });
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
        if (maxBytes !== undefined) {
          let others = 0;
          for (const [number, part] of upload.parts) if (number !== partNumber) others += part.data.length;
          if (others + data.length > maxBytes) return sendError(response, 400, "bad_request", tooLargeMessage(maxBytes));
        }
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
        const data = Buffer.concat(buffers);
        if (maxBytes !== undefined && data.length > maxBytes) return sendError(response, 400, "bad_request", tooLargeMessage(maxBytes));
        const result = store(request, pathname, data, clientToken);
        if (typeof result === "string") return sendError(response, 400, "bad_request", result);
        uploads.delete(uploadId);
        sendJson(response, 200, putResult(result));
        if (clientToken?.onUploadCompleted) sendCallback(clientToken.onUploadCompleted, result);
        return;
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
    if (options.cors) {
      response.setHeader("access-control-allow-origin", "*");
      response.setHeader("access-control-expose-headers", "*");
      if (request.method === "OPTIONS") {
        response.writeHead(204, {
          "access-control-allow-methods": "GET, HEAD, PUT, POST, DELETE, OPTIONS",
          "access-control-allow-headers": request.headers["access-control-request-headers"] ?? "*",
          "access-control-max-age": "600",
        });
        response.end();
        return;
      }
    }
    const url = new URL(request.url ?? "/", origin);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (name !== "authorization" && value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    const authorization = request.headers.authorization;
    const bearer = typeof authorization === "string" && authorization.startsWith("Bearer ") ? authorization.slice("Bearer ".length) : "";
    const clientToken = decodeClientToken(bearer, storeId, token);
    const record: RecordedRequest = {
      method: request.method ?? "GET",
      url: `${url.pathname}${url.search}`,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      sentToken: typeof authorization === "string" && authorization.startsWith("Bearer "),
      authorized: authorization === `Bearer ${token}`,
      ...(clientToken ? { clientToken } : {}),
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
    httpServer.listen(options.port ?? 0, "127.0.0.1", () => resolve());
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
    callbacks,
    async settleCallbacks() {
      while (pendingCallbacks.size > 0) await Promise.all([...pendingCallbacks]);
    },
    reset() {
      blobs.clear();
      uploads.clear();
      requests.length = 0;
      callbacks.length = 0;
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
