import type { HeadResult, PatchResult, UploadTransport } from "./chunk-queue";

/** The tus endpoint (lib/uploads/tus.ts) and the header it names the call with. */
export const TUS_ENDPOINT = "/api/uploads";
const CALL_ID_HEADER = "X-Scryon-Call-Id";
const TUS = { "Tus-Resumable": "1.0.0" } as const;

type Fetch = typeof fetch;

function encodeMetadata(metadata: Record<string, string>): string {
  const b64 = (value: string) => {
    const bytes = new TextEncoder().encode(value);
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary);
  };
  return Object.entries(metadata)
    .filter(([, value]) => value !== "")
    .map(([key, value]) => `${key} ${b64(value)}`)
    .join(",");
}

async function messageOf(response: Response, fallback: string): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    return body.error?.message ?? fallback;
  } catch {
    return fallback;
  }
}

/**
 * Creates a deferred-length tus upload (the call, in UPLOADING) and returns its URL and call id.
 * Throws with the server's message when refused.
 */
export async function createRecordingUpload(metadata: Record<string, string>, fetchImpl: Fetch = fetch): Promise<{ url: string; callId: string }> {
  const response = await fetchImpl(TUS_ENDPOINT, {
    method: "POST",
    headers: { ...TUS, "Upload-Defer-Length": "1", "Upload-Metadata": encodeMetadata(metadata) },
  });
  const location = response.headers.get("Location");
  if (response.status !== 201 || !location) throw new Error(await messageOf(response, `The server refused the recording (${response.status}).`));
  const url = new URL(location, window.location.href).pathname;
  return { url, callId: url.slice(url.lastIndexOf("/") + 1) };
}

const isRetryable = (status: number) => status >= 500 || status === 423 || status === 429 || status === 408;

/** PATCH/HEAD against one upload URL, answers mapped to what the queue understands. */
export function tusTransport(url: string, fetchImpl: Fetch = fetch): UploadTransport {
  return {
    async patch(offset, bytes, uploadLength): Promise<PatchResult> {
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method: "PATCH",
          headers: {
            ...TUS,
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": String(offset),
            ...(uploadLength !== undefined ? { "Upload-Length": String(uploadLength) } : {}),
          },
          body: bytes.byteLength > 0 ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(0),
        });
      } catch (error) {
        return { kind: "retry", reason: error instanceof Error ? error.message : "network error" };
      }
      if (response.status === 204 || response.status === 200) {
        return { kind: "ok", offset: Number(response.headers.get("Upload-Offset")), finishedCallId: response.headers.get(CALL_ID_HEADER) };
      }
      if (response.status === 409) return { kind: "conflict" };
      if (isRetryable(response.status)) return { kind: "retry", reason: `server answered ${response.status}` };
      return { kind: "fatal", status: response.status, message: await messageOf(response, `The server refused the recording (${response.status}).`) };
    },
    async head(): Promise<HeadResult> {
      let response: Response;
      try {
        response = await fetchImpl(url, { method: "HEAD", headers: { ...TUS }, cache: "no-store" });
      } catch (error) {
        return { kind: "retry", reason: error instanceof Error ? error.message : "network error" };
      }
      if (response.status === 200 || response.status === 204) {
        const length = response.headers.get("Upload-Length");
        return {
          kind: "ok",
          offset: Number(response.headers.get("Upload-Offset")),
          finishedCallId: response.headers.get(CALL_ID_HEADER),
          length: length === null ? null : Number(length),
        };
      }
      if (isRetryable(response.status)) return { kind: "retry", reason: `server answered ${response.status}` };
      return { kind: "fatal", status: response.status, message: response.status === 404 ? "This recording is no longer on the server." : `The server refused the recording (${response.status}).` };
    },
  };
}
