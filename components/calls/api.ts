import type { CallJson } from "@/lib/calls/serialize";

/** Client-side calls to the call API, with its `{ error: { code, message, details } }` bodies as typed errors. */

export interface FieldIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: FieldIssue[],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

async function request<T>(url: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, cache: "no-store", headers: { Accept: "application/json", ...init?.headers } });
  } catch {
    throw new ApiError(0, "NETWORK", "Could not reach Scryon. Check your connection and try again.");
  }
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: unknown } } | null;
  if (!response.ok) {
    const error = body?.error;
    throw new ApiError(
      response.status,
      error?.code ?? "HTTP_ERROR",
      error?.message ?? `The server answered ${response.status}.`,
      Array.isArray(error?.details) ? (error.details as FieldIssue[]) : undefined,
    );
  }
  return body as T;
}

export interface CallPageJson {
  items: CallJson[];
  nextCursor: string | null;
}

export function fetchCallPage(params: URLSearchParams): Promise<CallPageJson> {
  return request<CallPageJson>(`/api/calls?${params.toString()}`);
}

export async function fetchCall(id: string): Promise<CallJson> {
  return (await request<{ call: CallJson }>(`/api/calls/${encodeURIComponent(id)}`)).call;
}

export async function patchCall(id: string, patch: Record<string, unknown>): Promise<CallJson> {
  const body = JSON.stringify(patch);
  return (
    await request<{ call: CallJson }>(`/api/calls/${encodeURIComponent(id)}`, {
      method: "PATCH",
      body,
      headers: { "Content-Type": "application/json" },
    })
  ).call;
}

export function deleteCall(id: string): Promise<void> {
  return request<void>(`/api/calls/${encodeURIComponent(id)}`, { method: "DELETE" });
}
