import { ApiError, requestJson } from "@/components/lib/http-client";
import type { VoiceProfileState } from "./types";

/** The browser's calls to `/api/voice-profile`; failures are `ApiError`s (components/lib/http-client.ts). */

export const VOICE_PROFILE_PATH = "/api/voice-profile";

export function fetchVoiceProfile(signal?: AbortSignal): Promise<VoiceProfileState> {
  return requestJson<VoiceProfileState>(VOICE_PROFILE_PATH, { signal });
}

export function giveConsent(version: string): Promise<VoiceProfileState> {
  return requestJson<VoiceProfileState>(`${VOICE_PROFILE_PATH}/consent`, { method: "POST", body: JSON.stringify({ version }) });
}

export function deleteVoiceProfile(): Promise<void> {
  return requestJson<void>(VOICE_PROFILE_PATH, { method: "DELETE" });
}

export function findMeInEarlierCalls(): Promise<VoiceProfileState> {
  return requestJson<VoiceProfileState>(`${VOICE_PROFILE_PATH}/apply`, { method: "POST" });
}

export interface SampleUpload {
  /** Resolves with the state the server answered (enrollment RUNNING); rejects with an ApiError. */
  done: Promise<VoiceProfileState>;
  cancel: () => void;
}

/**
 * Sends a sample as multipart `sample`, with upload progress (fetch cannot report it; XHR can), like the
 * upload page's progress bar.
 */
export function uploadSample(sample: Blob, fileName: string, onProgress: (sent: number, total: number) => void): SampleUpload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<VoiceProfileState>((resolve, reject) => {
    xhr.open("POST", VOICE_PROFILE_PATH);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "text";
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        resolve(body as VoiceProfileState);
        return;
      }
      const error = (body as { error?: { code?: string; message?: string; details?: { reason?: unknown } } } | null)?.error;
      // A 409 says why in `details.reason` (CONSENT_REQUIRED, ENROLLMENT_RUNNING): that is the code to go by.
      const reason = typeof error?.details?.reason === "string" ? error.details.reason : null;
      reject(new ApiError(xhr.status, reason ?? error?.code ?? "HTTP_ERROR", error?.message ?? `The server answered ${xhr.status}.`));
    };
    xhr.onerror = () => reject(new ApiError(0, "NETWORK", "Could not reach Scryon. Check your connection and try again."));
    xhr.onabort = () => reject(new ApiError(0, "ABORTED", "The upload was cancelled."));
    const form = new FormData();
    form.append("sample", sample, fileName);
    xhr.send(form);
  });
  return { done, cancel: () => xhr.abort() };
}
